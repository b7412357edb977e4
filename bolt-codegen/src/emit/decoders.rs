//! `src/decode.rs`: one body scanner per route whose body type the fast path covers, and one
//! per Struct it reaches, with field keys matched by a generated `match` and a primitive call
//! per field type. They produce exactly the tape the runtime's plan-driven scanner produces
//! (the runtime builds the objects from it, and uses these only where its own plan exists).

use std::collections::{BTreeMap, BTreeSet};

use bolt_schema::decode::fast::{BodyPlan, Shape, StructShape};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::Ir;

/// Writes the scanners for the shapes of `BodyPlan`s: the plan decides what is covered and
/// how each value is read, the emitter only spells the same primitive calls out.
struct Emitter {
    /// Struct scanners by schema index; None while being emitted (recursive types).
    structs: BTreeMap<usize, Option<TokenStream>>,
    /// `static LIMITS_n` items for the constrained values met so far.
    limits: Vec<TokenStream>,
}

fn struct_fn(schema: usize) -> syn::Ident {
    format_ident!("scan_struct_{}", schema)
}

fn literal(strings: &[String], ints: &[i64]) -> TokenStream {
    let ints = ints.iter().copied().map(Literal::i64_unsuffixed);
    quote!(c.literal_value::<&str>(&[#(#strings),*], &[#(#ints),*]))
}

impl Emitter {
    /// `value(shape)` as something to pass to `nullable`/`array`/`map`: a Struct scanner by
    /// name, anything else as a closure.
    fn reader(&mut self, plan: &BodyPlan, shape: &Shape) -> TokenStream {
        if let Shape::Struct(index) = shape {
            let function = struct_fn(self.structure(plan, *index));
            return quote!(#function);
        }
        let value = self.value(plan, shape);
        quote!(|c| #value)
    }

    /// The expression reading one value of `shape` from `c` (what `BodyPlan::scan` does).
    fn value(&mut self, plan: &BodyPlan, shape: &Shape) -> TokenStream {
        match shape {
            Shape::Int => quote!(c.int_value()),
            Shape::Float => quote!(c.float_value()),
            Shape::Str => quote!(c.str_value()),
            Shape::Bool => quote!(c.bool_value()),
            Shape::Date => quote!(c.string_where(bolt_runtime::__codegen::is_date)),
            Shape::Time => quote!(c.string_where(bolt_runtime::__codegen::is_time)),
            Shape::Datetime => quote!(c.string_where(bolt_runtime::__codegen::is_datetime)),
            Shape::Uuid => quote!(c.string_where(bolt_runtime::__codegen::is_uuid)),
            Shape::Decimal => quote!(c.decimal_value()),
            Shape::Literal(strings, ints) | Shape::Enum(_, strings, ints) => literal(strings, ints),
            Shape::Constrained(inner, limits) => {
                let inner = self.value(plan, inner);
                let name = format_ident!("LIMITS_{}", self.limits.len());
                let (json, collapses) = limits.to_json();
                self.limits.push(quote! {
                    static #name: std::sync::LazyLock<Option<bolt_runtime::__codegen::Limits>> =
                        std::sync::LazyLock::new(|| bolt_runtime::__codegen::limits_from_json(#json, #collapses));
                });
                quote!(c.limited(#name.as_ref(), |c| #inner))
            }
            Shape::Nullable(inner) => {
                let inner = self.reader(plan, inner);
                quote!(c.nullable(#inner))
            }
            Shape::List(item) | Shape::Tuple(item) | Shape::Set(item) | Shape::FrozenSet(item) => {
                let item = self.reader(plan, item);
                quote!(c.array(#item))
            }
            Shape::Dict(value) => {
                let value = self.reader(plan, value);
                quote!(c.map(#value))
            }
            Shape::Struct(index) => {
                let function = struct_fn(self.structure(plan, *index));
                quote!(#function(c))
            }
        }
    }

    /// Emits the scanner of `plan.structs[index]` once; its schema index.
    fn structure(&mut self, plan: &BodyPlan, index: usize) -> usize {
        let shape = &plan.structs[index];
        if !self.structs.contains_key(&shape.schema) {
            self.structs.insert(shape.schema, None);
            let body = self.struct_body(plan, shape);
            self.structs.insert(shape.schema, Some(body));
        }
        shape.schema
    }

    fn struct_body(&mut self, plan: &BodyPlan, shape: &StructShape) -> TokenStream {
        let function = struct_fn(shape.schema);
        let mut key_arms = Vec::with_capacity(shape.fields.len());
        let mut value_arms = Vec::with_capacity(shape.fields.len());
        let mut seen_keys = BTreeSet::new();
        for (i, (name, field)) in shape.fields.iter().enumerate() {
            let position = Literal::usize_unsuffixed(i);
            // The first field with a wire name wins, as in the plan's lookup.
            if seen_keys.insert(name.as_slice()) {
                let key = Literal::byte_string(name);
                key_arms.push(quote!(#key => Some(#position),));
            }
            let value = self.value(plan, field);
            value_arms.push(quote!(#position => #value,));
        }
        let predicted = shape.keys.iter().map(|key| Literal::byte_string(key));
        let tag_arm = shape.tag.as_ref().map(|(field, value)| {
            let key = Literal::byte_string(field);
            let check = match value {
                serde_json::Value::String(tag) => quote!(c.tag_str(#tag)?),
                serde_json::Value::Number(tag) => match tag.as_i64() {
                    Some(tag) => {
                        let tag = Literal::i64_unsuffixed(tag);
                        quote!(c.tag_int(#tag)?)
                    }
                    None => quote!(return None),
                },
                // msgspec tags are strings or integers; anything else goes to the full path
                _ => quote!(return None),
            };
            quote!(#key => {
                #check;
                None
            })
        });
        // `resolve` reads the cursor only for a tag or an ignored unknown field.
        let uses_cursor = tag_arm.is_some() || !shape.forbid_unknown_fields;
        let unknown = if shape.forbid_unknown_fields {
            quote!(_ => return None,)
        } else {
            quote!(_ => {
                c.skip()?;
                None
            })
        };
        let cursor = if uses_cursor { quote!(c) } else { quote!(_) };
        let count = Literal::usize_unsuffixed(shape.fields.len());
        let required = Literal::u64_unsuffixed(shape.required_mask);
        let doc = format!(" `{}`", shape.name);
        quote! {
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
        }
    }
}

pub fn emit(ir: &Ir) -> TokenStream {
    let mut emitter = Emitter {
        structs: BTreeMap::new(),
        limits: Vec::new(),
    };
    let mut entries = Vec::with_capacity(ir.routes.len());
    let mut route_fns = Vec::new();
    for route in &ir.routes {
        match &route.body_plan {
            Some(plan) => {
                let value = emitter.value(plan, &plan.root);
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
