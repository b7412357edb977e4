//! `src/encode.rs`: one encoder per Struct schema, with its keys as byte literals and a writer
//! chosen for each field's declared type. `ENCODERS` lists them by schema index (the
//! manifest's name order); schemas left to the generic walk (`omit_defaults`, `array_like`,
//! non-Struct) have `None`.

use bolt_schema::manifest::{Field, Schema, TypeRef};
use bolt_schema::write::{json_bytes, key_bytes};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::Ir;

/// The call writing field `index` (after its key) for the declared type `ty`.
fn field_writer(ty: &TypeRef, position: usize) -> TokenStream {
    let index = Literal::usize_unsuffixed(position);
    let temporal = |kind: u8| {
        let kind = Literal::u8_unsuffixed(kind);
        quote!(w.field_temporal(s, #index, #kind, buf, depth)?;)
    };
    if let Some(kind) = scalar_kind(ty) {
        return quote!(w.field_scalar(s, #index, bolt_runtime::__codegen::Item::#kind, buf, depth)?;);
    }
    match ty {
        TypeRef::Date => temporal(0),
        TypeRef::Datetime => temporal(1),
        TypeRef::Time => temporal(2),
        TypeRef::List { item } => match scalar_kind(item) {
            Some(kind) => {
                quote!(w.field_list(s, #index, bolt_runtime::__codegen::Item::#kind, buf, depth)?;)
            }
            None => quote!(w.field_any(s, #index, buf, depth)?;),
        },
        // Encoding does not check constraints (msgspec does not either).
        TypeRef::Constrained { inner, .. } => field_writer(inner, position),
        _ => quote!(w.field_any(s, #index, buf, depth)?;),
    }
}

/// The writer kind (`Item`) of a scalar type, for fields and `list[T]` items.
fn scalar_kind(ty: &TypeRef) -> Option<syn::Ident> {
    let kind = match ty {
        TypeRef::Int => "Int",
        TypeRef::Float => "Float",
        TypeRef::Str => "Str",
        TypeRef::Bool => "Bool",
        TypeRef::Constrained { inner, .. } => return scalar_kind(inner),
        _ => return None,
    };
    Some(format_ident!("{}", kind))
}

/// A readable, unique function name for schema `index` (`module:Qual.Name`).
fn function_name(index: usize, schema: &str) -> syn::Ident {
    let qualname = schema.rsplit(':').next().unwrap_or(schema);
    let mut snake = String::new();
    for (i, c) in qualname.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !snake.ends_with('_') {
            snake.push('_');
        }
        snake.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
    }
    format_ident!("encode_{}_{}", index, snake.trim_matches('_'))
}

/// How a Struct lays out its fields.
struct Layout<'a> {
    fields: &'a [Field],
    /// `"tag_field":tag`, and the tag value alone (for `array_like`).
    tag: Option<(Vec<u8>, Vec<u8>)>,
    array_like: bool,
    omit_defaults: bool,
}

/// Statements writing every field: literal text between writers, computed once here.
fn fixed_members(layout: &Layout<'_>) -> Vec<TokenStream> {
    let (open, close) = if layout.array_like {
        (b'[', b']')
    } else {
        (b'{', b'}')
    };
    let mut text = vec![open];
    let mut first = true;
    if let Some((pair, value)) = &layout.tag {
        text.extend_from_slice(if layout.array_like { value } else { pair });
        first = false;
    }
    let mut statements = Vec::with_capacity(layout.fields.len() * 2 + 1);
    for (index, field) in layout.fields.iter().enumerate() {
        if !std::mem::take(&mut first) {
            text.push(b',');
        }
        if !layout.array_like {
            text.extend_from_slice(&key_bytes(&field.encode_name));
        }
        let literal = Literal::byte_string(&std::mem::take(&mut text));
        statements.push(quote!(buf.extend_from_slice(#literal);));
        statements.push(field_writer(&field.ty, index));
    }
    text.push(close);
    let literal = Literal::byte_string(&text);
    statements.push(quote!(buf.extend_from_slice(#literal);));
    statements
}

/// `omit_defaults`: each member written unless it holds its default.
fn optional_members(layout: &Layout<'_>) -> Vec<TokenStream> {
    let mut statements = vec![quote!(buf.push(b'{');)];
    match &layout.tag {
        Some((pair, _)) => {
            let pair = Literal::byte_string(pair);
            statements.push(quote!(buf.extend_from_slice(#pair);));
            statements.push(quote!(let mut first = false;));
        }
        None => statements.push(quote!(let mut first = true;)),
    }
    for (index, field) in layout.fields.iter().enumerate() {
        let position = Literal::usize_unsuffixed(index);
        let key = Literal::byte_string(&key_bytes(&field.encode_name));
        let writer = field_writer(&field.ty, index);
        statements.push(quote! {
            if !w.field_is_default(s, #position)? {
                bolt_runtime::__codegen::separator(&mut first, buf);
                buf.extend_from_slice(#key);
                #writer
            }
        });
    }
    statements.push(quote!(buf.push(b'}');));
    statements
}

fn struct_encoder(name: &syn::Ident, schema: &str, layout: &Layout<'_>) -> TokenStream {
    let statements = if layout.omit_defaults && !layout.array_like {
        optional_members(layout)
    } else {
        fixed_members(layout)
    };
    let doc = format!(" `{schema}`");
    // A Struct without fields writes only literals: its other parameters go unused.
    let unused = |name: &str| {
        if layout.fields.is_empty() {
            format_ident!("_{}", name)
        } else {
            format_ident!("{}", name)
        }
    };
    let (w, s, depth) = (unused("w"), unused("s"), unused("depth"));
    quote! {
        #[doc = #doc]
        fn #name(
            #w: &Walker<'_>,
            #s: PlainStruct<'_, '_>,
            buf: &mut Vec<u8>,
            #depth: usize,
        ) -> EncodeResult {
            #(#statements)*
            Ok(())
        }
    }
}

pub fn emit(ir: &Ir) -> TokenStream {
    let mut functions = Vec::new();
    let mut entries = Vec::with_capacity(ir.schemas.len());
    for (index, (schema_name, schema)) in ir.schemas.iter().enumerate() {
        match schema {
            Schema::Struct {
                fields,
                tag_field,
                tag,
                array_like,
                omit_defaults,
                ..
            } => {
                let name = function_name(index, schema_name);
                let tag = tag_field.as_ref().zip(tag.as_ref()).map(|(field, value)| {
                    let value = json_bytes(value);
                    let mut pair = key_bytes(field);
                    pair.extend_from_slice(&value);
                    (pair, value)
                });
                let layout = Layout {
                    fields,
                    tag,
                    array_like: *array_like,
                    omit_defaults: *omit_defaults,
                };
                functions.push(struct_encoder(&name, schema_name, &layout));
                entries.push(quote!(Some(#name)));
            }
            _ => entries.push(quote!(None)),
        }
    }
    let count = Literal::usize_unsuffixed(entries.len());
    quote! {
        use bolt_runtime::__codegen::{EncodeFn, EncodeResult, PlainStruct, Walker};

        pub static ENCODERS: [Option<EncodeFn>; #count] = [#(#entries),*];

        #(#functions)*
    }
}
