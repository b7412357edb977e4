//! `src/django.rs`: the model's `DjangoPlan` written out: the literal Django paths in a
//! `phf::Set`, the shape trie as one generated `fn` per node (every branch tried, converters
//! checked by the runtime's functions), the regexes as one `RegexSet` per first path segment,
//! built on first use.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use bolt_schema::django::{Converter, DjangoPlan, ShapeNode};

use crate::model::Ir;

fn static_set(plan: &DjangoPlan) -> syn::Expr {
    let mut set = phf_codegen::Set::<&str>::new();
    set.phf_path("bolt_runtime::__codegen::phf");
    for path in &plan.statics {
        set.entry(path.as_str());
    }
    syn::parse_str(&set.build().to_string()).expect("phf_codegen emits a valid expression")
}

fn converter_check(converter: Converter) -> TokenStream {
    match converter {
        Converter::Int => quote!(is_int(segment)),
        Converter::Str => quote!(!segment.is_empty()),
        Converter::Slug => quote!(is_slug(segment)),
        Converter::Uuid => quote!(is_uuid(segment)),
    }
}

fn node_fn(node: &ShapeNode, out: &mut Vec<TokenStream>) {
    let name = format_ident!("shape_{}", node.id);
    let end = node.end;
    let mut branches = Vec::new();
    if !node.literals.is_empty() {
        let arms = node.literals.iter().map(|(literal, child)| {
            let child_fn = format_ident!("shape_{}", child.id);
            quote!(#literal => #child_fn(next),)
        });
        branches.push(quote!(match segment { #(#arms)* _ => false }));
    }
    for (converter, child) in &node.converters {
        let child_fn = format_ident!("shape_{}", child.id);
        let check = converter_check(*converter);
        branches.push(quote!(#check && #child_fn(next)));
    }
    if node.path_tail {
        branches.push(quote!(!rest.is_empty()));
    }
    if branches.is_empty() {
        // A leaf: its shapes end here.
        out.push(quote! {
            #[cold]
        fn #name(rest: Option<&str>) -> bool {
                rest.is_none()
            }
        });
        return;
    }
    let split = if node.literals.is_empty() && node.converters.is_empty() {
        quote!()
    } else {
        quote!(let (segment, next) = split_segment(rest);)
    };
    out.push(quote! {
        #[cold]
        fn #name(rest: Option<&str>) -> bool {
            let Some(rest) = rest else {
                return #end;
            };
            #split
            #(#branches)||*
        }
    });
    for child in node.literals.values() {
        node_fn(child, out);
    }
    for child in node.converters.values() {
        node_fn(child, out);
    }
}

fn serves_fn(plan: &DjangoPlan) -> TokenStream {
    if plan.fallback {
        return quote! {
            /// Some Django URL cannot be matched here: every path goes to Django.
            fn serves(_path: &str) -> bool {
                true
            }
        };
    }
    let mut tests = Vec::new();
    let mut items = Vec::new();
    if !plan.statics.is_empty() {
        let set = static_set(plan);
        // Most other paths skip the hash: no literal path has their length.
        let lengths: BTreeSet<usize> = plan.statics.iter().map(String::len).collect();
        let lengths = lengths
            .into_iter()
            .map(proc_macro2::Literal::usize_unsuffixed);
        tests.push(quote!(
            (matches!(path.len(), #(#lengths)|*) && STATIC_PATHS.contains(path))
        ));
        items.push(quote! {
            /// Django paths without converters: one hash probe.
            static STATIC_PATHS: phf::Set<&'static str> = #set;
        });
    }
    if !plan.shapes.is_empty() {
        tests.push(quote!(path
            .strip_prefix('/')
            .is_some_and(|rest| shape_0(Some(rest)))));
        node_fn(&plan.shapes, &mut items);
    }
    if !plan.regexes.is_empty() {
        tests.push(quote!(regexes_match(path)));
        items.push(regex_items(plan));
    }
    quote! {
        /// Whether the project's Django URLs serve `path` (percent-decoded). Cold: reached
        /// only after the route table missed, it stays out of the API routes' hot code.
        #[cold]
        fn serves(path: &str) -> bool {
            #(#tests)||*
        }

        #(#items)*
    }
}

/// The regex groups as one `RegexSet` each, built on first use, and the match on the path's
/// first segment that picks the group to run (plus the group of any first segment).
fn regex_items(plan: &DjangoPlan) -> TokenStream {
    let sets = plan
        .regexes
        .values()
        .map(|patterns| quote!(regex_set(&[#(#patterns),*])));
    let count = proc_macro2::Literal::usize_unsuffixed(plan.regexes.len());
    let mut arms = Vec::new();
    let mut any = None;
    for (index, first) in plan.regexes.keys().enumerate() {
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        match first {
            Some(first) => arms.push(quote!(#first => set_matches(&sets[#index], path),)),
            None => any = Some(quote!(set_matches(&sets[#index], path))),
        }
    }
    let own =
        (!arms.is_empty()).then(|| quote!(match first_segment_of(path) { #(#arms)* _ => false }));
    let body = match (own, any) {
        (Some(own), Some(any)) => quote!(#own || #any),
        (Some(only), None) | (None, Some(only)) => only,
        (None, None) => quote!(false),
    };
    quote! {
        /// The `re_path()` and other regex routes, one set per first path segment (None: too
        /// large for one set; Django decides).
        static REGEXES: LazyLock<[Option<regex::RegexSet>; #count]> =
            LazyLock::new(|| [#(#sets),*]);

        #[cold]
        fn regexes_match(path: &str) -> bool {
            let sets = &*REGEXES;
            #body
        }
    }
}

/// The converters the shape trie below `node` checks.
fn converters_used(node: &ShapeNode, out: &mut BTreeSet<Converter>) {
    out.extend(node.converters.keys().copied());
    for child in node.literals.values().chain(node.converters.values()) {
        converters_used(child, out);
    }
}

/// Whether a node below `node` matches a segment (a node with only a `<path>` tail does not).
fn splits(node: &ShapeNode) -> bool {
    !node.literals.is_empty() || !node.converters.is_empty()
}

/// Exactly the imports the generated matcher uses (the file stays warning-free).
fn imports(plan: &DjangoPlan) -> TokenStream {
    if plan.fallback {
        return quote!(
            use bolt_runtime::__codegen::DjangoFn;
        );
    }
    let mut django = Vec::new();
    if !plan.shapes.is_empty() {
        let mut used = BTreeSet::new();
        converters_used(&plan.shapes, &mut used);
        for converter in used {
            match converter {
                Converter::Int => django.push(quote!(is_int)),
                Converter::Slug => django.push(quote!(is_slug)),
                Converter::Uuid => django.push(quote!(is_uuid)),
                Converter::Str => {}
            }
        }
        if splits(&plan.shapes) {
            django.push(quote!(split_segment));
        }
    }
    if plan.regexes.keys().any(Option::is_some) {
        django.push(quote!(first_segment_of));
    }
    let django =
        (!django.is_empty()).then(|| quote!(use bolt_runtime::__codegen::django::{#(#django),*};));
    let mut runtime = Vec::new();
    if !plan.statics.is_empty() {
        runtime.push(quote!(phf));
    }
    let lazy = (!plan.regexes.is_empty()).then(|| {
        runtime.extend([quote!(regex), quote!(regex_set), quote!(set_matches)]);
        quote!(
            use std::sync::LazyLock;
        )
    });
    runtime.push(quote!(DjangoFn));
    quote! {
        #lazy
        #django
        use bolt_runtime::__codegen::{#(#runtime),*};
    }
}

pub fn emit(ir: &Ir) -> TokenStream {
    let Some(plan) = &ir.django else {
        return quote! {
            //! Django URL matching for this project: it has no Django URLs.

            use bolt_runtime::__codegen::DjangoFn;

            pub const SERVES: Option<DjangoFn> = None;
        };
    };
    let imports = imports(plan);
    let serves = serves_fn(plan);
    quote! {
        //! Django URL matching for this project (paths no BoltAPI route serves).

        #imports

        pub const SERVES: Option<DjangoFn> = Some(serves);

        #serves
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emitted(manifest: &str) -> String {
        let ir = crate::model::lower(manifest).unwrap();
        crate::emit::format_tokens(emit(&ir)).unwrap()
    }

    #[test]
    fn a_project_without_django_urls_has_no_matcher() {
        let text = emitted(r#"{"version":1,"project":"p","routes":[]}"#);
        assert!(text.contains("SERVES: Option<DjangoFn> = None"), "{text}");
    }

    #[test]
    fn a_lone_path_converter_needs_no_segment_split() {
        let text = emitted(
            r#"{"version":1,"project":"p","routes":[],
                "django_routes":[{"regex":"^/(?:(?P<p>.+)\\Z)","route":"<path:p>","view":"v","shape":"/<path>"}]}"#,
        );
        assert!(!text.contains("split_segment"), "{text}");
        assert!(text.contains("!rest.is_empty()"), "{text}");
    }

    #[test]
    fn a_fallback_sends_every_path_to_django() {
        let text = emitted(
            r#"{"version":1,"project":"p","routes":[],"django_fallback":true,
                "django_routes":[{"regex":"^/(?:a/\\Z)","route":"a/","view":"v","shape":"/a/"}]}"#,
        );
        assert!(
            text.contains("fn serves(_path: &str) -> bool {\n    true\n}"),
            "{text}"
        );
        assert!(!text.contains("STATIC_PATHS"), "{text}");
    }
}
