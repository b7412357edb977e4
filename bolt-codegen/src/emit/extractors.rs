//! `src/extract.rs`: one extractor per route, written out from the model's lowered plans
//! (each parameter's reader, and its `ParamSpec`: the coercion shape and the constraints).
//! Same results, in the same order, as the interpreted table running those plans.

use bolt_schema::coerce::{type_name, ParamSpec};
use bolt_schema::constraints::{float_bounds, int_range, FloatOp};
use bolt_schema::errors::ErrorKind;
use bolt_schema::manifest::TypeRef;
use bolt_schema::routes::{ParamPlan, Reader};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Ir, RouteIr};

fn type_ref_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Uuid => quote!(TypeRef::Uuid),
        TypeRef::Date => quote!(TypeRef::Date),
        TypeRef::Datetime => quote!(TypeRef::Datetime),
        TypeRef::Time => quote!(TypeRef::Time),
        TypeRef::Decimal => quote!(TypeRef::Decimal),
        other => unreachable!("no lax converter for {other:?}"),
    }
}

/// Expression converting `text` to a `Value` of the scalar `ty`: a `Result<Value, String>` when
/// the conversion can fail, a plain `Value` when it cannot (strings).
fn convert(ty: &TypeRef) -> (TokenStream, bool) {
    match ty {
        TypeRef::Int => (quote!(coerce_int(text)), true),
        TypeRef::Float => (quote!(coerce_float(text)), true),
        TypeRef::Bool => {
            let msg = ErrorKind::Expected {
                expected: &type_name(ty),
                got: "str",
            }
            .message();
            (
                quote!(coerce_bool(text).ok_or_else(|| #msg.to_owned())),
                true,
            )
        }
        TypeRef::Str => (quote!(Value::Str(text.to_owned())), false),
        other => {
            let ty = type_ref_tokens(other);
            (quote!(coerce_scalar(&#ty, text)), true)
        }
    }
}

/// Statements checking `value` against the parameter's constraints.
fn checks(spec: &ParamSpec, pattern: Option<&syn::Ident>) -> Vec<TokenStream> {
    let c = &spec.constraints;
    let scalar = &spec.shape.scalar;
    let mut out = Vec::new();
    match scalar {
        TypeRef::Int => {
            let (min, max) = int_range(c);
            if let Some(min) = min.map(proc_macro2::Literal::i64_unsuffixed) {
                out.push(quote!(constraints::int_min(&value, #min)?;));
            }
            if let Some(max) = max.map(proc_macro2::Literal::i64_unsuffixed) {
                out.push(quote!(constraints::int_max(&value, #max)?;));
            }
        }
        TypeRef::Float => {
            for (op, bound) in float_bounds(c) {
                let op = match op {
                    FloatOp::Ge => quote!(FloatOp::Ge),
                    FloatOp::Gt => quote!(FloatOp::Gt),
                    FloatOp::Le => quote!(FloatOp::Le),
                    FloatOp::Lt => quote!(FloatOp::Lt),
                };
                out.push(quote! {
                    if let Value::Float(number) = value {
                        constraints::float_bound(number, #op, #bound)?;
                    }
                });
            }
        }
        TypeRef::Str => {
            let mut string_checks = Vec::new();
            if let Some(min) = c.min_length.map(unsuffixed) {
                string_checks.push(quote!(constraints::min_length(string, #min)?;));
            }
            if let Some(max) = c.max_length.map(unsuffixed) {
                string_checks.push(quote!(constraints::max_length(string, #max)?;));
            }
            if let (Some(pattern), Some(written)) = (pattern, &c.pattern) {
                string_checks.push(quote!(constraints::pattern(string, &#pattern, #written)?;));
            }
            if !string_checks.is_empty() {
                out.push(quote! {
                    if let Value::Str(string) = &value {
                        #(#string_checks)*
                    }
                });
            }
        }
        _ => {}
    }
    out
}

/// `fn coerce_<route>_<index>(raw: &[&str]) -> Result<Value, String>` for one parameter.
fn coerce_fn(
    route: &RouteIr,
    index: usize,
    spec: &ParamSpec,
    out: &mut Vec<TokenStream>,
) -> syn::Ident {
    let name = format_ident!("coerce_{}_{}", route.id, index);
    let shape = &spec.shape;
    let scalar = &shape.scalar;
    let pattern = spec.constraints.pattern.as_ref().filter(|_| *scalar == TypeRef::Str).map(|p| {
        let ident = format_ident!("PATTERN_{}_{}", route.id, index);
        out.push(quote! {
            static #ident: Pattern = Pattern::new(|| constraints::compile_pattern(#p).expect("validated at build time"));
        });
        ident
    });
    let (conversion, fallible) = convert(scalar);
    let checks = checks(spec, pattern.as_ref());
    let null_check = if shape.null_is_none {
        quote! {
            if text == "null" {
                return Ok(Value::None);
            }
        }
    } else {
        quote!()
    };
    let one = match (&shape.mismatch, fallible) {
        (_, false) => quote!(#null_check let value = #conversion;),
        (None, true) => quote!(#null_check let value = #conversion?;),
        (Some(message), true) => quote! {
            #null_check
            let value = #conversion.map_err(|e| if is_type_mismatch(&e) { #message.to_owned() } else { e })?;
        },
    };
    let list = shape.list;
    let body = if list {
        quote! {
            let mut items = Vec::with_capacity(raw.len());
            for &text in raw {
                #one
                #(#checks)*
                items.push(value);
            }
            Ok(Value::List(items))
        }
    } else {
        quote! {
            let text = raw[raw.len() - 1];
            #one
            #(#checks)*
            Ok(value)
        }
    };
    out.push(quote! {
        fn #name(raw: &[&str]) -> Result<Value, String> {
            #body
        }
    });
    name
}

fn unsuffixed(n: usize) -> proc_macro2::Literal {
    proc_macro2::Literal::usize_unsuffixed(n)
}

/// The spec of a parameter read from the request's text (path, query, header, cookie).
fn value_spec(param: &ParamPlan) -> Option<&ParamSpec> {
    match param.reader {
        Reader::Request | Reader::Body => None,
        _ => param.spec.as_ref(),
    }
}

/// Statements reading, coercing and checking one value parameter into `args`/`issues`.
fn value_step(
    route: &RouteIr,
    index: usize,
    param: &ParamPlan,
    spec: &ParamSpec,
    helpers: &mut Vec<TokenStream>,
) -> TokenStream {
    let alias = &param.alias;
    let source = param.source.as_str();
    let coerce = coerce_fn(route, index, spec, helpers);
    let push_result = quote! {
        match #coerce(&raw) {
            Ok(value) => args.push(Arg::Value(value)),
            Err(msg) => issues.push(Issue::invalid(#source, #alias, msg)),
        }
    };
    let raw = match param.reader {
        Reader::Capture(capture) => {
            // A matched route always has its captures.
            let capture = unsuffixed(capture);
            return quote! {
                {
                    let decoded = percent_decode(captures[#capture]);
                    let raw = [decoded.as_str()];
                    #push_result
                }
            };
        }
        Reader::Query => quote!(let raw = values_of(&query, #alias);),
        Reader::Header => quote!(let raw: Vec<&str> = request.header_values(#alias).collect();),
        Reader::Form => quote!(let raw = request.form_values(#alias);),
        _ => quote!(let raw = values_of(&cookies, #alias);),
    };
    let on_missing = if param.required {
        quote!(issues.push(Issue::missing(#source, #alias));)
    } else {
        quote!()
    };
    quote! {
        {
            #raw
            if raw.is_empty() {
                #on_missing
                args.push(Arg::Default);
            } else {
                #push_result
            }
        }
    }
}

fn fixed_arg(param: &ParamPlan) -> TokenStream {
    match param.reader {
        Reader::Request => quote!(Arg::Request),
        Reader::File => quote!(Arg::Files),
        // An optional body that was not sent takes its default.
        _ if !param.required => quote!(if request.body.is_empty() {
            Arg::Default
        } else {
            Arg::Body
        }),
        _ => quote!(Arg::Body),
    }
}

fn reads_request(param: &ParamPlan) -> bool {
    matches!(
        param.reader,
        Reader::Query | Reader::Cookie | Reader::Header | Reader::Form
    ) || (matches!(param.reader, Reader::Body) && !param.required)
}

fn extractor(route: &RouteIr, helpers: &mut Vec<TokenStream>) -> TokenStream {
    let name = format_ident!("extract_{}", route.id);
    let doc = format!(" Arguments of `{}`.", route.handler);
    let plan = &route.plan;
    let request_arg = if plan.params.iter().any(reads_request) {
        quote!(request)
    } else {
        quote!(_request)
    };
    if !plan.params.iter().any(|p| value_spec(p).is_some()) {
        let fixed = plan.params.iter().map(fixed_arg);
        return quote! {
            #[doc = #doc]
            fn #name(_captures: &[&str], #request_arg: &HttpRequest) -> Result<Vec<Arg>, Vec<Issue>> {
                Ok(vec![#(#fixed),*])
            }
        };
    }
    let steps = plan
        .params
        .iter()
        .enumerate()
        .map(|(index, param)| match value_spec(param) {
            Some(spec) => value_step(route, index, param, spec, helpers),
            None => {
                let arg = fixed_arg(param);
                quote!(args.push(#arg);)
            }
        });
    let steps: Vec<TokenStream> = steps.collect();
    let query = if plan.needs_query {
        quote!(let query = request.query_pairs();)
    } else {
        quote!()
    };
    let cookies = if plan.needs_cookies {
        quote!(let cookies = request.cookies();)
    } else {
        quote!()
    };
    let captures_arg = if plan
        .params
        .iter()
        .any(|p| matches!(p.reader, Reader::Capture(_)))
    {
        quote!(captures)
    } else {
        quote!(_captures)
    };
    let count = unsuffixed(plan.params.len());
    quote! {
        #[doc = #doc]
        fn #name(#captures_arg: &[&str], #request_arg: &HttpRequest) -> Result<Vec<Arg>, Vec<Issue>> {
            #query
            #cookies
            let mut issues = Vec::new();
            let mut args = Vec::with_capacity(#count);
            #(#steps)*
            if issues.is_empty() {
                Ok(args)
            } else {
                Err(issues)
            }
        }
    }
}

pub fn emit(ir: &Ir) -> TokenStream {
    let mut helpers = Vec::new();
    let extractors: Vec<TokenStream> = ir
        .routes
        .iter()
        .map(|r| extractor(r, &mut helpers))
        .collect();
    let names = ir.routes.iter().map(|r| format_ident!("extract_{}", r.id));
    let count = unsuffixed(ir.routes.len());
    quote! {
        //! Per-route parameter extraction for this project.

        use bolt_runtime::__codegen::*;

        /// Indexed by route id.
        pub static EXTRACTORS: [ExtractFn; #count] = [#(#names),*];

        #(#extractors)*

        #(#helpers)*
    }
}
