//! The fast body path: one scan of the JSON that checks it against the declared type and
//! records a flat tape of typed values, before the GIL; `build` turns the tape into Python
//! objects. It covers the common shapes (scalars, optional values, lists, str-keyed dicts and
//! plain Structs) and only ever *accepts*: anything it does not cover, and every invalid body,
//! goes to the full validator (which words the errors) and msgspec.

use std::collections::{BTreeMap, HashMap};

use super::cursor::{same_key, Cursor, Tape};
use super::limits::{collapses, Limits};
use crate::manifest::{Schema, TypeRef};
use crate::temporal;
use crate::write::key_bytes;

/// A declared type the fast path can decode.
#[derive(Debug)]
pub enum Shape {
    Int,
    Float,
    Str,
    Bool,
    Nullable(Box<Shape>),
    List(Box<Shape>),
    /// `tuple[T, ...]`
    Tuple(Box<Shape>),
    Set(Box<Shape>),
    FrozenSet(Box<Shape>),
    /// `dict[str, V]`
    Dict(Box<Shape>),
    /// Index into `BodyPlan::structs`.
    Struct(usize),
    Date,
    Time,
    Datetime,
    Uuid,
    Decimal,
    /// Literal strings and integers.
    Literal(Vec<String>, Vec<i64>),
    /// An Enum schema (by index) whose member values are strings and integers.
    Enum(usize, Vec<String>, Vec<i64>),
    /// `Annotated[T, msgspec.Meta(...)]`: the value is checked after it is read.
    Constrained(Box<Shape>, Box<Limits>),
}

#[derive(Debug)]
pub struct StructShape {
    /// Index of the schema (and its encoding plan) in name order.
    pub schema: usize,
    /// The schema's `module:qualname`.
    pub name: String,
    /// Wire name and shape of each field, in declaration order.
    pub fields: Vec<(Vec<u8>, Shape)>,
    /// Each field's `"name":` as encoders write it (the cursor's in-order prediction).
    pub keys: Vec<Vec<u8>>,
    /// Bit `i` set when field `i` is required.
    pub required_mask: u64,
    pub tag: Option<(Vec<u8>, serde_json::Value)>,
    pub forbid_unknown_fields: bool,
}

/// A body type compiled for the fast path.
#[derive(Debug)]
pub struct BodyPlan {
    pub root: Shape,
    pub structs: Vec<StructShape>,
}

/// Whether a Struct class can be built by the fast path (no `__post_init__`, slots known,
/// defaults readable), by schema index; decided by the caller, which has the classes.
pub type Buildable<'a> = &'a dyn Fn(usize) -> bool;

impl BodyPlan {
    /// The plan for `ty`, or None when any type it reaches is outside the fast path.
    pub fn new(
        ty: &TypeRef,
        schemas: &BTreeMap<String, Schema>,
        buildable: Buildable<'_>,
    ) -> Option<Self> {
        let mut compiler = Compiler {
            schemas,
            buildable,
            structs: Vec::new(),
            seen: HashMap::new(),
        };
        let root = compiler.shape(ty)?;
        Some(BodyPlan {
            root,
            structs: compiler.structs.into_iter().collect::<Option<Vec<_>>>()?,
        })
    }

    /// Scan `body`; the tape when it is valid and fully covered, else None.
    pub fn scan(&self, body: &bytes::Bytes) -> Option<Tape> {
        let mut cursor = Cursor::new(body)?;
        self.value(&mut cursor, &self.root)?;
        cursor.finish()
    }
}

/// Literal or enum values that are all strings or integers, split by kind.
pub fn plain_values(values: &[serde_json::Value]) -> Option<(Vec<String>, Vec<i64>)> {
    let strings: Vec<String> = values
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let ints: Vec<i64> = values
        .iter()
        .filter_map(serde_json::Value::as_i64)
        .collect();
    // bools, None or floats among the values: the full path's
    (strings.len() + ints.len() == values.len()).then_some((strings, ints))
}

struct Compiler<'a> {
    schemas: &'a BTreeMap<String, Schema>,
    buildable: Buildable<'a>,
    /// None while a struct's fields are being compiled (recursive types refer to it by index).
    structs: Vec<Option<StructShape>>,
    seen: HashMap<&'a str, usize>,
}

impl<'a> Compiler<'a> {
    fn shape(&mut self, ty: &'a TypeRef) -> Option<Shape> {
        let boxed = |this: &mut Self, t: &'a TypeRef| this.shape(t).map(Box::new);
        Some(match ty {
            TypeRef::Int => Shape::Int,
            TypeRef::Float => Shape::Float,
            TypeRef::Str => Shape::Str,
            TypeRef::Bool => Shape::Bool,
            TypeRef::Optional { inner } => Shape::Nullable(boxed(self, inner)?),
            TypeRef::Union { options } => match options.as_slice() {
                [TypeRef::None, inner] | [inner, TypeRef::None] => {
                    Shape::Nullable(boxed(self, inner)?)
                }
                _ => return None,
            },
            TypeRef::List { item } => Shape::List(boxed(self, item)?),
            TypeRef::Vartuple { item } => Shape::Tuple(boxed(self, item)?),
            TypeRef::Set { item } => Shape::Set(boxed(self, item)?),
            TypeRef::Frozenset { item } => Shape::FrozenSet(boxed(self, item)?),
            TypeRef::Dict { key, value } if **key == TypeRef::Str => {
                Shape::Dict(boxed(self, value)?)
            }
            TypeRef::Named { name } => match self.schemas.get(name.as_str())? {
                Schema::Enum { values } => {
                    let index = self.schemas.keys().position(|k| k == name)?;
                    if !(self.buildable)(index) {
                        return None;
                    }
                    let (strings, ints) = plain_values(values)?;
                    Shape::Enum(index, strings, ints)
                }
                _ => Shape::Struct(self.named(name)?),
            },
            TypeRef::Date => Shape::Date,
            TypeRef::Time => Shape::Time,
            TypeRef::Datetime => Shape::Datetime,
            TypeRef::Uuid => Shape::Uuid,
            TypeRef::Decimal => Shape::Decimal,
            TypeRef::Literal { values } => {
                let (strings, ints) = plain_values(values)?;
                Shape::Literal(strings, ints)
            }
            TypeRef::Constrained { inner, constraints } => {
                // Limits on what the fast path reads as one token (numbers, strings, arrays,
                // objects); anything else is left to the full path.
                let shape = self.shape(inner)?;
                if !matches!(
                    shape,
                    Shape::Int
                        | Shape::Float
                        | Shape::Str
                        | Shape::List(_)
                        | Shape::Tuple(_)
                        | Shape::Set(_)
                        | Shape::FrozenSet(_)
                        | Shape::Dict(_)
                ) {
                    return None;
                }
                let limits = Limits::new(constraints, collapses(inner))?;
                Shape::Constrained(Box::new(shape), Box::new(limits))
            }
            _ => return None,
        })
    }

    fn named(&mut self, name: &'a str) -> Option<usize> {
        if let Some(&index) = self.seen.get(name) {
            return Some(index);
        }
        let schema_index = self.schemas.keys().position(|k| k == name)?;
        let Schema::Struct {
            fields,
            tag_field,
            tag,
            array_like: false,
            forbid_unknown_fields,
            ..
        } = self.schemas.get(name)?
        else {
            return None;
        };
        if !(self.buildable)(schema_index) {
            return None;
        }
        let index = self.structs.len();
        self.structs.push(None);
        self.seen.insert(name, index);
        if fields.len() > 64 {
            return None;
        }
        let mut shapes = Vec::with_capacity(fields.len());
        for field in fields {
            shapes.push((
                field.encode_name.as_bytes().to_vec(),
                self.shape(&field.ty)?,
            ));
        }
        self.structs[index] = Some(StructShape {
            schema: schema_index,
            name: name.to_owned(),
            keys: fields.iter().map(|f| key_bytes(&f.encode_name)).collect(),
            fields: shapes,
            required_mask: fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.required)
                .fold(0, |mask, (i, _)| mask | 1 << i),
            tag: tag_field
                .as_ref()
                .zip(tag.as_ref())
                .map(|(field, value)| (field.as_bytes().to_vec(), value.clone())),
            forbid_unknown_fields: *forbid_unknown_fields,
        });
        Some(index)
    }
}

impl BodyPlan {
    fn value(&self, c: &mut Cursor<'_>, shape: &Shape) -> Option<()> {
        match shape {
            Shape::Int => c.int_value(),
            Shape::Float => c.float_value(),
            Shape::Str => c.str_value(),
            Shape::Bool => c.bool_value(),
            Shape::Nullable(inner) => c.nullable(|c| self.value(c, inner)),
            Shape::List(item) | Shape::Tuple(item) | Shape::Set(item) | Shape::FrozenSet(item) => {
                c.array(|c| self.value(c, item))
            }
            Shape::Dict(value) => c.map(|c| self.value(c, value)),
            Shape::Struct(index) => self.structure(c, *index),
            Shape::Date => c.string_where(temporal::is_date),
            Shape::Time => c.string_where(temporal::is_time),
            Shape::Datetime => c.string_where(temporal::is_datetime),
            Shape::Uuid => c.string_where(temporal::is_uuid),
            Shape::Decimal => c.decimal_value(),
            Shape::Literal(strings, ints) | Shape::Enum(_, strings, ints) => {
                c.literal_value(strings, ints)
            }
            Shape::Constrained(inner, limits) => c.limited(Some(limits), |c| self.value(c, inner)),
        }
    }

    fn structure(&self, c: &mut Cursor<'_>, index: usize) -> Option<()> {
        let shape = &self.structs[index];
        c.structure(
            &shape.keys,
            shape.required_mask,
            |c, name| {
                if let Some(field) = shape.fields.iter().position(|(n, _)| same_key(n, name)) {
                    return Some(Some(field));
                }
                match &shape.tag {
                    Some((tag_field, tag)) if tag_field.as_slice() == name => match tag {
                        serde_json::Value::String(tag) => c.tag_str(tag)?,
                        serde_json::Value::Number(tag) => c.tag_int(tag.as_i64()?)?,
                        _ => return None,
                    },
                    _ if shape.forbid_unknown_fields => return None,
                    _ => c.skip()?,
                }
                Some(None)
            },
            |c, field| self.value(c, &shape.fields[field].1),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn plan(ty: &str, schemas: &str) -> BodyPlan {
        let ty: TypeRef = serde_json::from_str(ty).unwrap();
        let schemas: BTreeMap<String, Schema> = serde_json::from_str(schemas).unwrap();
        BodyPlan::new(&ty, &schemas, &|_| true).expect("covered")
    }

    const POINT: &str = r#"{"m:P": {"kind": "struct", "fields": [
        {"name": "x", "encode_name": "x", "type": {"kind": "int"}, "required": true},
        {"name": "y", "encode_name": "y", "type": {"kind": "float"}, "required": false}],
        "tag_field": "type", "tag": "p", "array_like": false, "forbid_unknown_fields": false,
        "omit_defaults": false}}"#;

    #[test]
    fn scans_structs_into_a_tape() {
        use super::super::cursor::Token;
        let p = plan(
            r#"{"kind": "list", "item": {"kind": "named", "name": "m:P"}}"#,
            POINT,
        );
        let tape = p
            .scan(&Bytes::from_static(
                br#" [{"y": 2, "x": -3, "junk": [1, {"a": "\n"}]}, {"type": "p", "x": 0}, {"x": 1, "y": 5}] "#,
            ))
            .unwrap();
        use Token::*;
        // Only members out of declaration order carry their field index.
        assert_eq!(
            tape.tokens,
            vec![
                Array(3),
                Struct(2),
                Field(1),
                Float(2.0),
                Field(0),
                Int(-3),
                Struct(1),
                Int(0),
                Struct(2),
                Int(1),
                Float(5.0)
            ]
        );
    }

    #[test]
    fn leaves_invalid_and_uncovered_bodies_to_the_full_path() {
        let p = plan(r#"{"kind": "named", "name": "m:P"}"#, POINT);
        for body in [
            &br#"{"y": 1.5}"#[..],             // missing required field
            br#"{"x": 1.0}"#,                  // float for int
            br#"{"x": 1, "x": 2}"#,            // repeated key
            br#"{"type": "q", "x": 1}"#,       // wrong tag
            br#"{"x": 1} x"#,                  // trailing data
            br#"{"x": 99999999999999999999}"#, // beyond i64
            br#"{"x": 1, "y": 1e400}"#,        // out of range
            br#"{"x": 1, "z": "\ud800"}"#,     // surrogate escape
            br#"{"x": 01}"#,                   // bad number
            b"{\"x\": 1, \"z\": \"a\x01\"}",   // raw control character
        ] {
            assert!(
                p.scan(&Bytes::copy_from_slice(body)).is_none(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(p
            .scan(&Bytes::from_static(br#"{"x": 1, "z": "\u00e9\"\/"}"#))
            .is_some());
    }
}

#[cfg(test)]
mod speed {
    #[test]
    #[ignore = "timing probe: cargo test --release -- --ignored scan_speed --nocapture"]
    fn scan_speed() {
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("/tmp/bodyplan.json").unwrap()).unwrap();
        let ty = serde_json::from_value(spec["ty"].clone()).unwrap();
        let schemas = serde_json::from_value(spec["schemas"].clone()).unwrap();
        let plan = super::BodyPlan::new(&ty, &schemas, &|_| true).unwrap();
        let body = bytes::Bytes::from(std::fs::read("/tmp/body.json").unwrap());
        let start = std::time::Instant::now();
        for _ in 0..20000 {
            std::hint::black_box(plan.scan(&body).unwrap());
        }
        println!("scan {:?}", start.elapsed() / 20000);
        let tokens = plan.scan(&body).unwrap().len();
        let start = std::time::Instant::now();
        for _ in 0..20000 {
            let mut v = Vec::with_capacity(body.len() / 4);
            for i in 0..tokens {
                v.push(super::super::cursor::Token::Int(i as i64));
            }
            std::hint::black_box(v);
        }
        println!("{tokens} tokens pushed {:?}", start.elapsed() / 20000);
    }
}
