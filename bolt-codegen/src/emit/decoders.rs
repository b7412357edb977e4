//! `src/decode.rs`: one body scanner per route whose body type the fast path covers, and one
//! per Struct it reaches, with field keys matched by a generated `match` and a primitive call
//! per field type. They produce exactly the tape the runtime's plan-driven scanner produces
//! (the runtime builds the objects from it, and uses these only where its own plan exists).

use std::collections::{BTreeMap, BTreeSet};

use bolt_schema::decode::fast::{plain_values, BodyPlan};
use bolt_schema::decode::limits::collapses;
use bolt_schema::manifest::{Field, Schema, TypeRef};
use bolt_schema::write::key_bytes;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::Ir;

/// Struct scanners to emit, by schema index; None while being emitted (recursive types).
struct Emitter<'a> {
    schemas: &'a BTreeMap<String, Schema>,
    structs: BTreeMap<usize, Option<TokenStream>>,
    /// `static LIMITS_n` items for the constrained values met so far.
    limits: Vec<TokenStream>,
}

fn struct_fn(index: usize) -> syn::Ident {
    format_ident!("scan_struct_{}", index)
}

/// A literal's or an enum's (str and int) values.
fn literal(values: &[serde_json::Value]) -> Option<TokenStream> {
    let (strings, ints) = plain_values(values)?;
    let ints = ints.into_iter().map(Literal::i64_unsuffixed);
    Some(quote!(c.literal_value::<&str>(&[#(#strings),*], &[#(#ints),*])))
}

impl<'a> Emitter<'a> {
    /// `value(ty)` as something to pass to `nullable`/`array`/`map`: a Struct scanner by
    /// name, anything else as a closure.
    fn reader(&mut self, ty: &'a TypeRef) -> Option<TokenStream> {
        if let TypeRef::Named { name } = ty {
            if matches!(self.schemas.get(name), Some(Schema::Struct { .. })) {
                return self.structure(name).map(struct_fn).map(|f| quote!(#f));
            }
        }
        let value = self.value(ty)?;
        Some(quote!(|c| #value))
    }

    /// The expression reading one value of `ty` (a covered type) from `c`.
    fn value(&mut self, ty: &'a TypeRef) -> Option<TokenStream> {
        Some(match ty {
            TypeRef::Int => quote!(c.int_value()),
            TypeRef::Float => quote!(c.float_value()),
            TypeRef::Str => quote!(c.str_value()),
            TypeRef::Bool => quote!(c.bool_value()),
            TypeRef::Date => quote!(c.string_where(bolt_runtime::__codegen::is_date)),
            TypeRef::Time => quote!(c.string_where(bolt_runtime::__codegen::is_time)),
            TypeRef::Datetime => quote!(c.string_where(bolt_runtime::__codegen::is_datetime)),
            TypeRef::Uuid => quote!(c.string_where(bolt_runtime::__codegen::is_uuid)),
            TypeRef::Decimal => quote!(c.decimal_value()),
            TypeRef::Literal { values } => literal(values)?,
            TypeRef::Constrained { inner, constraints } => {
                let collapses = collapses(inner);
                let inner = self.value(inner)?;
                let name = format_ident!("LIMITS_{}", self.limits.len());
                let json = serde_json::to_string(constraints).ok()?;
                self.limits.push(quote! {
                    static #name: std::sync::LazyLock<Option<bolt_runtime::__codegen::Limits>> =
                        std::sync::LazyLock::new(|| bolt_runtime::__codegen::limits_from_json(#json, #collapses));
                });
                quote!(c.limited(#name.as_ref(), |c| #inner))
            }
            TypeRef::Optional { inner } => {
                let inner = self.reader(inner)?;
                quote!(c.nullable(#inner))
            }
            TypeRef::Union { options } => match options.as_slice() {
                [TypeRef::None, inner] | [inner, TypeRef::None] => {
                    let inner = self.reader(inner)?;
                    quote!(c.nullable(#inner))
                }
                _ => return None,
            },
            TypeRef::List { item }
            | TypeRef::Vartuple { item }
            | TypeRef::Set { item }
            | TypeRef::Frozenset { item } => {
                let item = self.reader(item)?;
                quote!(c.array(#item))
            }
            TypeRef::Dict { key, value } if **key == TypeRef::Str => {
                let value = self.reader(value)?;
                quote!(c.map(#value))
            }
            TypeRef::Named { name } => match self.schemas.get(name)? {
                Schema::Enum { values } => literal(values)?,
                _ => {
                    let index = self.structure(name)?;
                    let function = struct_fn(index);
                    quote!(#function(c))
                }
            },
            _ => return None,
        })
    }

    fn structure(&mut self, name: &'a str) -> Option<usize> {
        let index = self.schemas.keys().position(|k| k == name)?;
        if self.structs.contains_key(&index) {
            return Some(index);
        }
        let Some(Schema::Struct {
            fields,
            tag_field,
            tag,
            array_like: false,
            forbid_unknown_fields,
            ..
        }) = self.schemas.get(name)
        else {
            return None;
        };
        if fields.len() > 64 {
            return None;
        }
        self.structs.insert(index, None);
        let function = struct_fn(index);
        let tag_arm = match (tag_field, tag) {
            (Some(field), Some(serde_json::Value::String(value))) => {
                let key = Literal::byte_string(field.as_bytes());
                Some(quote!(#key => {
                    c.tag_str(#value)?;
                    None
                }))
            }
            (Some(field), Some(serde_json::Value::Number(value))) => {
                let key = Literal::byte_string(field.as_bytes());
                let value = Literal::i64_unsuffixed(value.as_i64()?);
                Some(quote!(#key => {
                    c.tag_int(#value)?;
                    None
                }))
            }
            (Some(_), Some(_)) => return None,
            _ => None,
        };
        let body = self.struct_body(&function, name, fields, tag_arm, *forbid_unknown_fields)?;
        self.structs.insert(index, Some(body));
        Some(index)
    }

    fn struct_body(
        &mut self,
        function: &syn::Ident,
        name: &str,
        fields: &'a [Field],
        tag_arm: Option<TokenStream>,
        forbid_unknown_fields: bool,
    ) -> Option<TokenStream> {
        let mut key_arms = Vec::with_capacity(fields.len());
        let mut predicted = Vec::with_capacity(fields.len());
        let mut value_arms = Vec::with_capacity(fields.len());
        let mut seen_keys = BTreeSet::new();
        let mut required: u64 = 0;
        for (i, field) in fields.iter().enumerate() {
            let position = Literal::usize_unsuffixed(i);
            // The first field with a wire name wins, as in the runtime's lookup.
            if seen_keys.insert(field.encode_name.as_str()) {
                let key = Literal::byte_string(field.encode_name.as_bytes());
                key_arms.push(quote!(#key => Some(#position),));
            }
            predicted.push(Literal::byte_string(&key_bytes(&field.encode_name)));
            let value = self.value(&field.ty)?;
            value_arms.push(quote!(#position => #value,));
            if field.required {
                required |= 1 << i;
            }
        }
        // `resolve` reads the cursor only for a tag or an ignored unknown field.
        let uses_cursor = tag_arm.is_some() || !forbid_unknown_fields;
        let unknown = if forbid_unknown_fields {
            quote!(_ => return None,)
        } else {
            quote!(_ => {
                c.skip()?;
                None
            })
        };
        let cursor = if uses_cursor { quote!(c) } else { quote!(_) };
        let count = Literal::usize_unsuffixed(fields.len());
        let required = Literal::u64_unsuffixed(required);
        let doc = format!(" `{name}`");
        Some(quote! {
            #[doc = #doc]
            fn #function(c: &mut Cursor<'_>) -> Option<()> {
                const KEYS: [&[u8]; #count] = [#(#predicted),*];
                c.structure(
                    &KEYS,
                    #required,
                    |#cursor, key| {
                        Some(match key {
                            #(#key_arms)*
                            #tag_arm
                            #unknown
                        })
                    },
                    |c, field| match field {
                        #(#value_arms)*
                        _ => None,
                    },
                )
            }
        })
    }
}

pub fn emit(ir: &Ir) -> TokenStream {
    let mut emitter = Emitter {
        schemas: &ir.schemas,
        structs: BTreeMap::new(),
        limits: Vec::new(),
    };
    let mut entries = Vec::with_capacity(ir.routes.len());
    let mut route_fns = Vec::new();
    for route in &ir.routes {
        // Exactly the bodies the runtime's own plan covers (which classes have a
        // `__post_init__` of their own is known only at run time: the runtime checks it).
        let covered_body = route
            .body_type
            .as_ref()
            .filter(|ty| BodyPlan::new(ty, &ir.schemas, &|_| true).is_some());
        match covered_body.and_then(|ty| emitter.value(ty)) {
            Some(value) => {
                let name = format_ident!("scan_body_{}", route.id);
                let doc = format!(" Body of `{}`.", route.handler);
                route_fns.push(quote! {
                    #[doc = #doc]
                    fn #name(body: &Bytes) -> Option<Tape> {
                        let mut cursor = Cursor::new(body)?;
                        let c = &mut cursor;
                        #value?;
                        cursor.finish()
                    }
                });
                entries.push(quote!(Some(#name)));
            }
            None => entries.push(quote!(None)),
        }
    }
    // Only covered bodies are emitted, so every Struct scanner is reached from one of them.
    let struct_fns: Vec<TokenStream> = emitter.structs.into_values().flatten().collect();
    let limits = emitter.limits;
    let count = Literal::usize_unsuffixed(entries.len());
    // Imports only of what is used: generated code compiles without warnings.
    let uses = if route_fns.is_empty() {
        quote!(
            use bolt_runtime::__codegen::ScanFn;
        )
    } else {
        quote!(
            use bolt_runtime::__codegen::{Bytes, Cursor, ScanFn, Tape};
        )
    };
    quote! {
        #uses

        pub static BODY_SCANNERS: [Option<ScanFn>; #count] = [#(#entries),*];

        #(#limits)*

        #(#route_fns)*

        #(#struct_fns)*
    }
}
