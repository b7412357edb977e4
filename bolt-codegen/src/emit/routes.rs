//! `src/routes.rs`: the model's router written out: its static paths in a `phf::Map`, its
//! trie as one generated `fn` per node (literal segments first, then `{param}`, then
//! `{rest:path}`, as the interpreted router walks the same nodes). No regex and no runtime
//! tree on this path.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use bolt_schema::router::TrieNode;

use crate::model::Ir;

/// Endpoint slices are written as Rust source text, the form phf_codegen takes values in.
fn endpoints_source(endpoints: &[(String, usize)]) -> String {
    let items: Vec<String> = endpoints
        .iter()
        .map(|(m, id)| format!("({m:?}, {id})"))
        .collect();
    format!("&[{}]", items.join(", "))
}

fn endpoints_tokens(endpoints: &[(String, usize)]) -> TokenStream {
    let items = endpoints.iter().map(|(m, id)| {
        let id = proc_macro2::Literal::usize_unsuffixed(*id);
        quote!((#m, #id))
    });
    quote!(&[#(#items),*])
}

fn static_map(ir: &Ir) -> syn::Expr {
    let mut map = phf_codegen::Map::<&str>::new();
    map.phf_path("bolt_runtime::__codegen::phf");
    for (path, endpoints) in ir.router.static_paths() {
        map.entry(path, endpoints_source(endpoints));
    }
    syn::parse_str(&map.build().to_string()).expect("phf_codegen emits a valid expression")
}

fn node_fn(node: &TrieNode, out: &mut Vec<TokenStream>) {
    let name = format_ident!("node_{}", node.id);
    let at_end = if node.endpoints.is_empty() {
        quote!(return None;)
    } else {
        let endpoints = endpoints_tokens(&node.endpoints);
        quote!(return walk.pick(#endpoints);)
    };
    let mut steps = Vec::new();
    if !node.literals.is_empty() {
        let arms = node.literals.iter().map(|(literal, child)| {
            let child_fn = format_ident!("node_{}", child.id);
            quote!(#literal => #child_fn(walk, index + 1),)
        });
        steps.push(quote! {
            let found = match segment {
                #(#arms)*
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        });
    }
    if let Some(child) = &node.param {
        let child_fn = format_ident!("node_{}", child.id);
        steps.push(quote! {
            if !segment.is_empty() {
                walk.push(segment);
                if let Some(route) = #child_fn(walk, index + 1) {
                    return Some(route);
                }
                walk.pop();
            }
        });
    }
    let tail = if node.rest.is_empty() {
        quote!(None)
    } else {
        let endpoints = endpoints_tokens(&node.rest);
        quote!(walk.rest(index, #endpoints))
    };
    let segment_binding = if node.literals.is_empty() && node.param.is_none() {
        quote!()
    } else {
        quote!(let segment = walk.segment(index);)
    };
    out.push(quote! {
        fn #name(walk: &mut Walk<'_, '_>, index: usize) -> Option<usize> {
            if index == walk.len() {
                #at_end
            }
            #segment_binding
            #(#steps)*
            #tail
        }
    });
    for child in node.literals.values() {
        node_fn(child, out);
    }
    if let Some(child) = &node.param {
        node_fn(child, out);
    }
}

/// `matches!(path.len(), ...)` over the static paths' lengths: most dynamic paths and misses
/// skip the phf hash entirely (measured in `benches/benches/lookup.rs`).
fn length_gate(ir: &Ir) -> TokenStream {
    let lengths: std::collections::BTreeSet<usize> = ir
        .router
        .static_paths()
        .keys()
        .map(|path| path.len())
        .collect();
    if lengths.is_empty() {
        return quote!(false);
    }
    let lengths = lengths
        .into_iter()
        .map(proc_macro2::Literal::usize_unsuffixed);
    quote!(matches!(path.len(), #(#lengths)|*))
}

pub fn emit(ir: &Ir) -> TokenStream {
    let map = static_map(ir);
    let gate = length_gate(ir);
    let mut nodes = Vec::new();
    node_fn(ir.router.trie(), &mut nodes);
    quote! {
        //! Route lookup for this project.

        use bolt_runtime::__codegen::{lookup_with, phf, Endpoints, Lookup, Walk};

        /// Paths without parameters: one hash probe.
        static STATIC_PATHS: phf::Map<&'static str, Endpoints> = #map;

        pub fn lookup<'p>(method: &str, path: &'p str) -> Lookup<'p> {
            let statics = if #gate { STATIC_PATHS.get(path).copied() } else { None };
            lookup_with(method, path, statics, |walk| node_0(walk, 0))
        }

        #(#nodes)*
    }
}
