//! The fast body path: one scan of the JSON that checks it against the declared type and
//! records a flat tape of typed values, before the GIL; `build` turns the tape into Python
//! objects. It covers the common shapes (scalars, optional values, lists, str-keyed dicts and
//! plain Structs) and only ever *accepts*: anything it does not cover, and every invalid body,
//! goes to the full validator (which words the errors) and msgspec.

use std::collections::{BTreeMap, HashMap};

use crate::manifest::{Schema, TypeRef};

/// Powers of ten that are exact doubles.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Deeper nesting is left to the full path.
const MAX_DEPTH: usize = 64;

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
}

#[derive(Debug)]
pub struct StructShape {
    /// Index of the schema (and its encoding plan) in name order.
    pub schema: usize,
    /// Wire name and shape of each field, in declaration order.
    pub fields: Vec<(Vec<u8>, Shape)>,
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
    pub fn scan(&self, body: &[u8]) -> Option<Tape> {
        let text = std::str::from_utf8(body).ok()?;
        let mut scanner = Scanner {
            plan: self,
            text,
            bytes: body,
            at: 0,
            tape: Tape {
                tokens: Vec::with_capacity(body.len() / 8),
                strings: Vec::new(),
            },
        };
        scanner.value(&self.root, 0)?;
        scanner.skip_space();
        (scanner.at == body.len()).then_some(scanner.tape)
    }
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
            TypeRef::Named { name } => Shape::Struct(self.named(name)?),
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

/// One decoded value; containers are followed by their items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string without escapes: a byte range of the body.
    Str(u32, u32),
    /// A string with escapes: an index into `Tape::strings`.
    Unescaped(u32),
    /// A list/tuple/set of `n` items.
    Array(u32),
    /// A dict of `n` key (string token) + value pairs.
    Map(u32),
    /// A Struct with `n` fields present, each a `Field` + value.
    Struct(u32),
    Field(u32),
}

#[derive(Debug, Default)]
pub struct Tape {
    pub tokens: Vec<Token>,
    pub strings: Vec<String>,
}

struct Scanner<'a> {
    plan: &'a BodyPlan,
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    tape: Tape,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.bytes[self.at..]
            .starts_with(word)
            .then(|| self.at += word.len())
    }

    fn value(&mut self, shape: &Shape, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let next = self.peek()?;
        match shape {
            Shape::Nullable(_) if next == b'n' => {
                self.literal(b"null")?;
                self.tape.tokens.push(Token::Null);
            }
            Shape::Nullable(inner) => self.value(inner, depth)?,
            Shape::Bool => {
                let truth = next == b't';
                self.literal(if truth { b"true" } else { b"false" })?;
                self.tape.tokens.push(Token::Bool(truth));
            }
            Shape::Int | Shape::Float => {
                let token = self.number(matches!(shape, Shape::Float))?;
                self.tape.tokens.push(token);
            }
            Shape::Str if next == b'"' => {
                let token = self.string()?;
                self.tape.tokens.push(token);
            }
            Shape::List(item) | Shape::Tuple(item) | Shape::Set(item) | Shape::FrozenSet(item)
                if next == b'[' =>
            {
                self.array(item, depth)?
            }
            Shape::Dict(value) if next == b'{' => self.map(value, depth)?,
            Shape::Struct(index) if next == b'{' => self.structure(*index, depth)?,
            _ => return None,
        }
        Some(())
    }

    /// A number token as `Int` (integers within i64) or `Float` (for float types: any finite
    /// number). msgspec's int type takes no fractions or exponents.
    fn number(&mut self, float: bool) -> Option<Token> {
        let start = self.at;
        let b = self.bytes;
        let mut i = start;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        // Up to 19 digits accumulate exactly; longer numbers take the general parser.
        let mut mantissa: u64 = 0;
        let mut digits = 0u32;
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                while let Some(d @ b'0'..=b'9') = b.get(i) {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    digits += 1;
                    i += 1;
                }
            }
            _ => return None,
        }
        let integer_end = i;
        let mut fraction_digits = 0i32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let first = i;
            while let Some(d @ b'0'..=b'9') = b.get(i) {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                i += 1;
            }
            if i == first {
                return None;
            }
            fraction_digits = (i - first) as i32;
            digits += fraction_digits as u32;
        }
        let mut exponent_given = false;
        if matches!(b.get(i), Some(b'e' | b'E')) {
            exponent_given = true;
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let first = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == first {
                return None;
            }
        }
        self.at = i;
        if !float {
            if i != integer_end {
                return None;
            }
            if digits <= 18 {
                let value = mantissa as i64;
                return Some(Token::Int(if negative { -value } else { value }));
            }
            return self.text[start..i].parse().ok().map(Token::Int);
        }
        // Exact when the digits fit a double and the power of ten is exact (Clinger's fast
        // path); otherwise the correctly rounded general parser.
        let value = if !exponent_given && digits <= 15 && fraction_digits <= 22 {
            let value = mantissa as f64 / POWERS_OF_TEN[fraction_digits as usize];
            if negative {
                -value
            } else {
                value
            }
        } else {
            self.text[start..i].parse().ok()?
        };
        // An integer token is an int converted to float: `-0` is 0.0, as msgspec gives.
        let value = if i == integer_end && value == 0.0 {
            0.0
        } else {
            value
        };
        value.is_finite().then_some(Token::Float(value))
    }

    /// A string token; the cursor is on its opening quote.
    fn string(&mut self) -> Option<Token> {
        let start = self.at + 1;
        let mut i = start;
        loop {
            match *self.bytes.get(i)? {
                b'"' => {
                    self.at = i + 1;
                    return Some(Token::Str(
                        u32::try_from(start).ok()?,
                        u32::try_from(i).ok()?,
                    ));
                }
                b'\\' => break,
                0x00..=0x1f => return None,
                _ => i += 1,
            }
        }
        let mut out = String::from(&self.text[start..i]);
        loop {
            match *self.bytes.get(i)? {
                b'"' => break,
                b'\\' => {
                    let escaped = match *self.bytes.get(i + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = |at: usize| {
                                let digits = self.text.get(at..at + 4)?;
                                u32::from_str_radix(digits, 16).ok()
                            };
                            let code = hex(i + 2)?;
                            i += 4;
                            if (0xD800..0xDC00).contains(&code)
                                && self.bytes.get(i + 2..i + 4) == Some(&b"\\u"[..])
                            {
                                // A surrogate pair; lone surrogates are left to the full path.
                                let low = hex(i + 4).filter(|c| (0xDC00..0xE000).contains(c))?;
                                i += 6;
                                char::from_u32(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))?
                            } else {
                                char::from_u32(code)?
                            }
                        }
                        _ => return None,
                    };
                    out.push(escaped);
                    i += 2;
                }
                0x00..=0x1f => return None,
                _ => {
                    let run = i;
                    while !matches!(self.bytes.get(i), None | Some(b'"' | b'\\' | 0x00..=0x1f)) {
                        i += 1;
                    }
                    out.push_str(&self.text[run..i]);
                }
            }
        }
        self.at = i + 1;
        self.tape.strings.push(out);
        Some(Token::Unescaped(
            u32::try_from(self.tape.strings.len() - 1).ok()?,
        ))
    }

    /// The items of `[...]`, counted into the token pushed before them.
    fn array(&mut self, item: &Shape, depth: usize) -> Option<()> {
        self.at += 1;
        let header = self.tape.tokens.len();
        self.tape.tokens.push(Token::Array(0));
        let mut count = 0u32;
        if !self.eat(b']') {
            loop {
                self.value(item, depth + 1)?;
                count += 1;
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        self.tape.tokens[header] = Token::Array(count);
        Some(())
    }

    /// Object members: calls `member` with each key token after its colon.
    fn members(&mut self, mut member: impl FnMut(&mut Self, Token) -> Option<()>) -> Option<u32> {
        self.at += 1;
        let mut count = 0u32;
        if self.eat(b'}') {
            return Some(0);
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            member(self, key)?;
            count += 1;
            if self.eat(b'}') {
                return Some(count);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn map(&mut self, value: &Shape, depth: usize) -> Option<()> {
        let header = self.tape.tokens.len();
        self.tape.tokens.push(Token::Map(0));
        let count = self.members(|this, key| {
            this.tape.tokens.push(key);
            this.value(value, depth + 1)
        })?;
        self.tape.tokens[header] = Token::Map(count);
        Some(())
    }

    fn key_text(&self, key: Token) -> Option<&str> {
        match key {
            Token::Str(start, end) => Some(&self.text[start as usize..end as usize]),
            // Escaped keys are rare; the full path handles them.
            _ => None,
        }
    }

    fn structure(&mut self, index: usize, depth: usize) -> Option<()> {
        let plan = self.plan;
        let shape = &plan.structs[index];
        let header = self.tape.tokens.len();
        self.tape.tokens.push(Token::Struct(0));
        // Which fields were given (Structs over 64 fields are not covered).
        let mut seen = 0u64;
        let mut present = 0u32;
        let mut expected = 0usize;
        self.members(|this, key| {
            let name = this.key_text(key)?.as_bytes();
            // Fields usually come in declaration order: try the next one first.
            let found = if shape.fields.get(expected).is_some_and(|(n, _)| n == name) {
                Some(expected)
            } else {
                shape.fields.iter().position(|(n, _)| n == name)
            };
            match found {
                Some(field) => {
                    // Repeated keys: msgspec keeps the last; the full path decides.
                    if seen & (1 << field) != 0 {
                        return None;
                    }
                    seen |= 1 << field;
                    expected = field + 1;
                    present += 1;
                    this.tape.tokens.push(Token::Field(field as u32));
                    this.value(&shape.fields[field].1, depth + 1)
                }
                None => match &shape.tag {
                    Some((tag_field, tag)) if tag_field.as_slice() == name => this.tag(tag),
                    _ if shape.forbid_unknown_fields => None,
                    _ => this.skip(depth + 1),
                },
            }
        })?;
        if seen & shape.required_mask != shape.required_mask {
            return None;
        }
        self.tape.tokens[header] = Token::Struct(present);
        Some(())
    }

    /// The tag member's value must be the Struct's own tag.
    fn tag(&mut self, tag: &serde_json::Value) -> Option<()> {
        match (self.peek()?, tag) {
            (b'"', serde_json::Value::String(expected)) => match self.string()? {
                Token::Str(s, e) => (&self.text[s as usize..e as usize] == expected).then_some(()),
                _ => None,
            },
            (_, serde_json::Value::Number(expected)) => match self.number(false)? {
                Token::Int(n) if expected.as_i64() == Some(n) => Some(()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Any valid JSON value, checked and dropped (an ignored unknown field).
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let strings = self.tape.strings.len();
        let done = match self.peek()? {
            b'"' => self.string().map(drop),
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'[' => {
                self.at += 1;
                if self.eat(b']') {
                    Some(())
                } else {
                    loop {
                        self.skip(depth + 1)?;
                        if self.eat(b']') {
                            break Some(());
                        }
                        if !self.eat(b',') {
                            break None;
                        }
                    }
                }
            }
            b'{' => self.members(|this, _| this.skip(depth + 1)).map(drop),
            _ => self.number(true).map(drop),
        };
        self.tape.strings.truncate(strings);
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let p = plan(
            r#"{"kind": "list", "item": {"kind": "named", "name": "m:P"}}"#,
            POINT,
        );
        let tape = p
            .scan(br#" [{"y": 2, "x": -3, "junk": [1, {"a": "\n"}]}, {"type": "p", "x": 0}] "#)
            .unwrap();
        use Token::*;
        assert_eq!(
            tape.tokens,
            vec![
                Array(2),
                Struct(2),
                Field(1),
                Float(2.0),
                Field(0),
                Int(-3),
                Struct(1),
                Field(0),
                Int(0)
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
            assert!(p.scan(body).is_none(), "{}", String::from_utf8_lossy(body));
        }
        assert!(p.scan(br#"{"x": 1, "z": "\u00e9\"\/"}"#).is_some());
    }
}
