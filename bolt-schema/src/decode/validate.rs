//! Strict (JSON) validation of a body against its declared type, collecting every error.
//!
//! Where this checker is not sure it would word an error exactly as msgspec does (complex
//! unions, tagged or array-like structs, key types other than str), it steps aside
//! (`Unsure`) and msgspec's own decoding reports the error instead.

use std::collections::BTreeMap;

use serde_json::Value;

use super::json::Json;

use crate::errors::ErrorKind;
use crate::manifest::{Constraints, Field, Schema, TypeRef};
use crate::temporal;
use crate::validation::{Issue, LocPart};
use crate::value::Value as Number;

/// `pattern=` regexes compiled once per process, or None where Rust's regex could judge a
/// string differently from Python's `re.search` (msgspec's check): see
/// `constraints::python_pattern`. Those are msgspec's call.
pub(crate) fn cached_regex(pattern: &str) -> Option<regex::Regex> {
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<std::collections::HashMap<String, Option<regex::Regex>>>> =
        OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().ok()?;
    cache
        .entry(pattern.to_owned())
        .or_insert_with(|| {
            let (translated, exact) = crate::constraints::python_pattern(pattern);
            exact.then(|| regex::Regex::new(&translated).ok()).flatten()
        })
        .clone()
}

/// Outcome of checking a body.
pub enum BodyCheck {
    /// Valid as far as this checker can tell.
    Valid,
    /// Errors, all of them, worded as msgspec words them.
    Invalid(Vec<Issue>),
    /// Not decided here: let msgspec decode and report.
    Unsure,
}

struct Unsure;

type Check = Result<(), Unsure>;

/// One step of the current location, borrowed from the JSON tree until an error needs it.
#[derive(Clone, Copy)]
enum Step<'j> {
    Key(&'j str),
    Index(usize),
}

struct Checker<'a, 'j> {
    schemas: &'a BTreeMap<String, Schema>,
    loc: Vec<Step<'j>>,
    issues: Vec<Issue>,
}

/// msgspec's name for the JSON kind of a value ("got `...`").
fn kind(value: &Json<'_>) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        // msgspec names integers outside the 64-bit range `float` (it still decodes them as int).
        Json::Number(n)
            if is_integer(n) && (n.parse::<i64>().is_ok() || n.parse::<u64>().is_ok()) =>
        {
            "int"
        }
        Json::Number(_) => "float",
        Json::String(_) => "str",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn is_integer(n: &str) -> bool {
    !n.contains(['.', 'e', 'E'])
}

/// Python's repr of a str, when it is the plain `'...'` form.
fn python_repr(text: &str) -> Option<String> {
    // Python escapes every unprintable character; only plain printable ASCII is certain.
    let plain = text
        .chars()
        .all(|c| (' '..='~').contains(&c) && c != '\'' && c != '\\');
    plain.then(|| format!("'{text}'"))
}

pub fn validate_body(body: &[u8], ty: &TypeRef, schemas: &BTreeMap<String, Schema>) -> BodyCheck {
    // serde_json's arbitrary-precision marker as a user key would read as a number.
    if body
        .windows(super::json::NUMBER_TOKEN.len())
        .any(|w| w == super::json::NUMBER_TOKEN.as_bytes())
    {
        return BodyCheck::Unsure;
    }
    let value: Json<'_> = match serde_json::from_slice(body) {
        Ok(value) => value,
        // msgspec decodes only the strings it keeps, so invalid UTF-8 elsewhere is its call.
        // Nesting deeper than serde_json's limit (128) is rejected here, below: left to
        // msgspec, it ends in a RecursionError (a 500) long before msgspec's own limit.
        Err(err) if err.to_string().contains("unicode") => return BodyCheck::Unsure,
        Err(err) => {
            let message = err.to_string();
            let reason = message.split(" at line ").next().unwrap_or(&message);
            return BodyCheck::Invalid(vec![Issue {
                loc: vec![
                    LocPart::Key("body".into()),
                    LocPart::Index(err.line()),
                    LocPart::Index(err.column()),
                ],
                msg: ErrorKind::InvalidJson {
                    line: err.line(),
                    column: err.column(),
                    reason,
                }
                .message(),
                kind: "json_invalid",
            }]);
        }
    };
    let mut checker = Checker {
        schemas,
        loc: vec![Step::Key("body")],
        issues: Vec::new(),
    };
    match checker.check(ty, &value) {
        Err(Unsure) => BodyCheck::Unsure,
        Ok(()) if checker.issues.is_empty() => BodyCheck::Valid,
        Ok(()) => BodyCheck::Invalid(checker.issues),
    }
}

impl<'j> Checker<'_, 'j> {
    fn location(&self) -> Vec<LocPart> {
        self.loc
            .iter()
            .map(|step| match step {
                Step::Key(key) => LocPart::Key((*key).to_owned()),
                Step::Index(index) => LocPart::Index(*index),
            })
            .collect()
    }

    fn fail(&mut self, msg: String) {
        self.issues.push(Issue {
            loc: self.location(),
            msg,
            kind: "validation_error",
        });
    }

    fn expected(&mut self, name: &str, value: &'j Json<'_>) {
        // msgspec reads a number too big for a float as an error of its own, whatever the type.
        if matches!(value, Json::Number(n) if n.parse::<f64>().is_ok_and(f64::is_infinite)) {
            self.fail(ErrorKind::NumberOutOfRange.message());
            return;
        }
        self.fail(
            ErrorKind::Expected {
                expected: name,
                got: kind(value),
            }
            .message(),
        );
    }

    fn at<F: FnOnce(&mut Self) -> Check>(&mut self, part: Step<'j>, f: F) -> Check {
        self.loc.push(part);
        let result = f(self);
        self.loc.pop();
        result
    }

    fn string_format(
        &mut self,
        name: &str,
        value: &'j Json<'_>,
        ok: impl Fn(&str) -> bool,
        invalid: ErrorKind<'_>,
    ) {
        match value {
            Json::String(text) if ok(text) => {}
            Json::String(_) => self.fail(invalid.message()),
            other => self.expected(name, other),
        }
    }

    fn check(&mut self, ty: &TypeRef, value: &'j Json<'_>) -> Check {
        match ty {
            TypeRef::Any => {}
            TypeRef::None if matches!(value, Json::Null) => {}
            TypeRef::None => self.expected("null", value),
            TypeRef::Bool if matches!(value, Json::Bool(_)) => {}
            TypeRef::Bool => self.expected("bool", value),
            TypeRef::Int => match value {
                Json::Number(n) if is_integer(n) => {
                    // CPython's int/str conversion limit, as msgspec enforces it.
                    if n.len() > 4300 {
                        self.fail(ErrorKind::IntOutOfRange.message());
                    }
                }
                other => self.expected("int", other),
            },
            TypeRef::Float => match value {
                Json::Number(n) => {
                    if n.parse::<f64>().map_or(true, f64::is_infinite) {
                        self.fail(ErrorKind::NumberOutOfRange.message());
                    }
                }
                other => self.expected("float", other),
            },
            TypeRef::Str if matches!(value, Json::String(_)) => {}
            TypeRef::Str => self.expected("str", value),
            TypeRef::Bytes => {
                self.string_format("bytes", value, is_base64, ErrorKind::InvalidBase64)
            }
            TypeRef::Uuid => self.string_format(
                "uuid",
                value,
                |t| temporal::parse_uuid(t).is_some(),
                ErrorKind::InvalidUuid,
            ),
            TypeRef::Date => self.string_format(
                "date",
                value,
                |t| temporal::parse_date(t).is_some(),
                ErrorKind::InvalidDate,
            ),
            TypeRef::Time => self.string_format(
                "time",
                value,
                |t| temporal::parse_time_wrapping(t).is_some(),
                ErrorKind::InvalidTime,
            ),
            TypeRef::Datetime => self.string_format(
                "datetime",
                value,
                |t| temporal::parse_rfc3339_datetime(t).is_some(),
                ErrorKind::InvalidDatetime,
            ),
            TypeRef::Decimal => match value {
                Json::Number(_) => {}
                Json::String(text) if crate::coerce::is_python_decimal(text) => {}
                // Python's Decimal grammar has corners (underscores, Unicode digits) left to msgspec.
                Json::String(_) => return Err(Unsure),
                other => self.expected("decimal", other),
            },
            TypeRef::Timedelta => match value {
                Json::String(_) => return Err(Unsure), // ISO 8601 durations: msgspec checks them
                other => self.expected("duration", other),
            },
            TypeRef::Raw => {}
            TypeRef::List { item }
            | TypeRef::Set { item }
            | TypeRef::Frozenset { item }
            | TypeRef::Vartuple { item } => match value {
                Json::Array(items) => {
                    for (index, element) in items.iter().enumerate() {
                        self.at(Step::Index(index), |c| c.check(item, element))?;
                    }
                }
                other => self.expected("array", other),
            },
            TypeRef::Tuple { items: types } => match value {
                Json::Array(items) => {
                    // msgspec checks items as it reads them and the length at the end.
                    for (index, (element, ty)) in items.iter().zip(types).enumerate() {
                        self.at(Step::Index(index), |c| c.check(ty, element))?;
                    }
                    if items.len() != types.len() {
                        self.fail(ErrorKind::ArrayLength(types.len()).message());
                    }
                }
                other => self.expected("array", other),
            },
            TypeRef::Dict { key, value: item } => {
                if !matches!(**key, TypeRef::Str | TypeRef::Any) {
                    return Err(Unsure);
                }
                match value {
                    Json::Object(map) => {
                        for (k, v) in map {
                            self.at(Step::Key(k), |c| c.check(item, v))?;
                        }
                    }
                    other => self.expected("object", other),
                }
            }
            TypeRef::Optional { inner } => {
                if !matches!(value, Json::Null) {
                    return self.union(&[(**inner).clone(), TypeRef::None], value);
                }
            }
            TypeRef::Union { options } => return self.union(options, value),
            TypeRef::Literal { values } => return self.literal(values, value),
            TypeRef::Constrained { inner, constraints } => {
                let before = self.issues.len();
                self.check(inner, value)?;
                if self.issues.len() == before {
                    self.constraints(inner, constraints, value)?;
                }
            }
            TypeRef::Named { name } => return self.named(name, value),
        }
        Ok(())
    }

    /// `msgspec.Meta` constraints of a value already of the right type, in msgspec's wording.
    fn constraints(&mut self, ty: &TypeRef, c: &Constraints, value: &'j Json<'_>) -> Check {
        use crate::constraints as check;
        if c.multiple_of.is_some() {
            return Err(Unsure);
        }
        let lengths = |name: &str, len: usize, issues: &mut Vec<String>| {
            if let Some(min) = c.min_length.filter(|min| len < *min) {
                issues.push(
                    ErrorKind::LengthAtLeast {
                        type_name: name,
                        min,
                    }
                    .message(),
                );
            } else if let Some(max) = c.max_length.filter(|max| len > *max) {
                issues.push(
                    ErrorKind::LengthAtMost {
                        type_name: name,
                        max,
                    }
                    .message(),
                );
            }
        };
        let mut found = Vec::new();
        match (ty, value) {
            (TypeRef::Int, Json::Number(n)) => {
                // Bounds are read as f64: past 2^53 an integer bound may be rounded.
                let exact = |b: Option<f64>| b.is_none_or(|b| b.abs() <= 9_007_199_254_740_992.0);
                if ![c.gt, c.ge, c.lt, c.le].into_iter().all(exact) {
                    return Err(Unsure);
                }
                let number = match n.parse::<i64>() {
                    Ok(i) => Number::Int(i),
                    Err(_) => Number::BigInt(n.to_string()),
                };
                let (min, max) = check::int_range(c);
                let result = min
                    .map_or(Ok(()), |m| check::int_min(&number, m))
                    .and_then(|()| max.map_or(Ok(()), |m| check::int_max(&number, m)));
                found.extend(result.err());
            }
            (TypeRef::Float, Json::Number(n)) => {
                let number: f64 = n.parse().map_err(|_| Unsure)?;
                let first = check::float_bounds(c)
                    .into_iter()
                    .find_map(|(op, b)| check::float_bound(number, op, b).err());
                found.extend(first);
            }
            (TypeRef::Str, Json::String(text)) => {
                lengths("str", text.chars().count(), &mut found);
                if let (true, Some(pattern)) = (found.is_empty(), &c.pattern) {
                    let re = cached_regex(pattern).ok_or(Unsure)?;
                    if !re.is_match(text) {
                        // Worded with the pattern as written, not its Rust translation.
                        found.push(ErrorKind::Pattern(pattern).message());
                    }
                }
            }
            (TypeRef::List { .. } | TypeRef::Vartuple { .. }, Json::Array(items)) => {
                lengths("array", items.len(), &mut found)
            }
            // Sets and dicts drop repeated items: their length is msgspec's to count.
            (TypeRef::Set { .. } | TypeRef::Frozenset { .. }, Json::Array(_))
            | (TypeRef::Dict { .. }, Json::Object(_)) => return Err(Unsure),
            _ => return Err(Unsure),
        }
        for message in found {
            self.fail(message);
        }
        Ok(())
    }

    /// Unions of `None` and one other type, or of JSON scalar kinds only; anything else is
    /// msgspec's to judge.
    fn union(&mut self, options: &[TypeRef], value: &'j Json<'_>) -> Check {
        let others: Vec<&TypeRef> = options.iter().filter(|t| **t != TypeRef::None).collect();
        let nullable = others.len() < options.len();
        if matches!(value, Json::Null) && nullable {
            return Ok(());
        }
        if let [single] = others[..] {
            if !nullable {
                return self.check(single, value);
            }
            // `T | None` with a value of the wrong JSON kind names both, as msgspec does.
            let (name, fits) = self.shape(single, value).ok_or(Unsure)?;
            if !fits {
                self.fail(
                    ErrorKind::Expected {
                        expected: &format!("{name} | null"),
                        got: kind(value),
                    }
                    .message(),
                );
                return Ok(());
            }
            return self.check(single, value);
        }
        type KindTest = (&'static str, fn(&TypeRef) -> bool);
        const ORDER: [KindTest; 4] = [
            ("bool", |t| *t == TypeRef::Bool),
            ("int", |t| *t == TypeRef::Int),
            ("float", |t| *t == TypeRef::Float),
            ("str", |t| *t == TypeRef::Str),
        ];
        if !others.iter().all(|t| ORDER.iter().any(|(_, is)| is(t))) {
            return Err(Unsure);
        }
        let got = kind(value);
        let accepts = |name: &str| {
            others
                .iter()
                .any(|t| ORDER.iter().any(|(n, is)| *n == name && is(t)))
        };
        let int_token = matches!(value, Json::Number(n) if is_integer(n));
        let ok = accepts(got) || (int_token && (accepts("int") || accepts("float")));
        if !ok {
            let mut names: Vec<&str> = ORDER
                .iter()
                .filter(|(n, _)| accepts(n))
                .map(|(n, _)| *n)
                .collect();
            if nullable {
                names.push("null");
            }
            self.fail(
                ErrorKind::Expected {
                    expected: &names.join(" | "),
                    got,
                }
                .message(),
            );
        }
        Ok(())
    }

    /// msgspec's name for `ty` and whether `value`'s JSON kind can be one, when known.
    fn shape(&self, ty: &TypeRef, value: &'j Json<'_>) -> Option<(&'static str, bool)> {
        let is = |k: &str| {
            kind(value) == k || (k == "int" && matches!(value, Json::Number(n) if is_integer(n)))
        };
        Some(match ty {
            TypeRef::Int => ("int", is("int")),
            TypeRef::Float => ("float", is("int") || is("float")),
            TypeRef::Bool => ("bool", is("bool")),
            TypeRef::Str => ("str", is("str")),
            TypeRef::Bytes => ("bytes", is("str")),
            TypeRef::Uuid => ("uuid", is("str")),
            TypeRef::Date => ("date", is("str")),
            TypeRef::Time => ("time", is("str")),
            TypeRef::Datetime => ("datetime", is("str")),
            TypeRef::Decimal => ("decimal", is("str") || is("int") || is("float")),
            TypeRef::Timedelta => ("duration", is("str")),
            TypeRef::List { .. }
            | TypeRef::Set { .. }
            | TypeRef::Frozenset { .. }
            | TypeRef::Vartuple { .. }
            | TypeRef::Tuple { .. } => ("array", is("array")),
            TypeRef::Dict { .. } => ("object", is("object")),
            TypeRef::Named { name } => match self.schemas.get(name)? {
                Schema::Struct {
                    array_like: false, ..
                }
                | Schema::Dataclass { .. }
                | Schema::Typeddict { .. } => ("object", is("object")),
                _ => return None,
            },
            _ => return None,
        })
    }

    fn literal(&mut self, values: &[Value], value: &'j Json<'_>) -> Check {
        if values.iter().any(|v| value.equals(v)) {
            return Ok(());
        }
        let all_str = values.iter().all(Value::is_string);
        let all_int = values
            .iter()
            .all(|v| matches!(v, Value::Number(n) if is_integer(n.as_str())));
        match value {
            Json::String(text) if all_str => {
                let repr = python_repr(text).ok_or(Unsure)?;
                self.fail(ErrorKind::InvalidEnum(&repr).message());
            }
            Json::Number(n) if all_int && kind(value) == "int" => {
                self.fail(ErrorKind::InvalidEnum(n.as_ref()).message())
            }
            _ => return Err(Unsure),
        }
        Ok(())
    }

    fn named(&mut self, name: &str, value: &'j Json<'_>) -> Check {
        let schemas = self.schemas;
        match schemas.get(name) {
            None => Err(Unsure),
            Some(Schema::Enum { values }) => self.literal(values, value),
            Some(Schema::Struct {
                fields,
                tag_field,
                array_like,
                forbid_unknown_fields,
                ..
            }) => {
                if *array_like || tag_field.is_some() {
                    return Err(Unsure);
                }
                self.object(fields, value, *forbid_unknown_fields, true)
            }
            Some(Schema::Dataclass { fields }) => self.object(fields, value, false, false),
            Some(Schema::Typeddict { fields }) => self.object(fields, value, false, true),
            Some(Schema::Namedtuple { .. }) => Err(Unsure),
        }
    }

    fn object(
        &mut self,
        fields: &[Field],
        value: &'j Json<'_>,
        forbid_unknown: bool,
        renamed: bool,
    ) -> Check {
        let Json::Object(map) = value else {
            self.expected("object", value);
            return Ok(());
        };
        fn wire_name(f: &Field, renamed: bool) -> &str {
            if renamed {
                &f.encode_name
            } else {
                &f.name
            }
        }
        for (key, item) in map {
            match fields.iter().find(|f| wire_name(f, renamed) == *key) {
                Some(field) => self.at(Step::Key(key), |c| c.check(&field.ty, item))?,
                None if forbid_unknown => {
                    self.at(Step::Key(key), |c| {
                        c.loc.pop(); // msgspec reports it at the object itself
                        c.fail(ErrorKind::UnknownField(key).message());
                        c.loc.push(Step::Key(key));
                        Ok(())
                    })?;
                }
                None => {}
            }
        }
        for field in fields.iter().filter(|f| f.required) {
            let name = wire_name(field, renamed);
            if !map.iter().any(|(k, _)| *k == name) {
                let mut loc = self.location();
                loc.push(LocPart::Key(name.to_owned()));
                self.issues.push(Issue {
                    loc,
                    msg: ErrorKind::MissingField(name).message(),
                    kind: "missing_field",
                });
            }
        }
        Ok(())
    }
}

/// Padded standard base64, trailing bits allowed (as msgspec accepts them).
fn is_base64(text: &str) -> bool {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine;
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    ENGINE.decode(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        body: &str,
        ty: &TypeRef,
        schemas: &BTreeMap<String, Schema>,
    ) -> Vec<(String, String)> {
        match validate_body(body.as_bytes(), ty, schemas) {
            BodyCheck::Invalid(issues) => issues
                .into_iter()
                .map(|i| (serde_json::to_string(&i.loc).unwrap(), i.msg))
                .collect(),
            BodyCheck::Valid => vec![],
            BodyCheck::Unsure => vec![("unsure".into(), String::new())],
        }
    }

    #[test]
    fn patterns_mean_what_python_means_or_are_left_to_msgspec() {
        let re = cached_regex("^[a-z]+$").unwrap();
        assert!(re.is_match("abc") && re.is_match("abc\n") && !re.is_match("abc\nd"));
        assert!(cached_regex(r"^a\.b$").unwrap().is_match("a.b"));
        for exact in [
            r"^(a|b$)",
            r"\$",
            "[$]",
            "a$|b",
            r"^[\]$]+$",
            "a$$",
            "^a{1,2}$",
            "a+?",
            r"^(?:a)(?P<b_1>b)\Z",
        ] {
            assert!(cached_regex(exact).is_some(), "{exact}");
        }
        for unsure in [
            r"^\w+$",
            r"\d",
            r"\bx",
            "[[:alpha:]]",
            "(?i)a",
            "[a&&b]",
            "[]a]",
            r"\1",
            "(?P=a)",
            "(?P<1>a)",
            "(?=a)",
        ] {
            assert!(cached_regex(unsure).is_none(), "{unsure}");
        }
    }

    #[test]
    fn reports_every_failing_field() {
        let schemas: BTreeMap<String, Schema> = serde_json::from_str(
            r#"{"m:Line":{"kind":"struct","fields":[
                {"name":"sku","encode_name":"sku","type":{"kind":"str"},"required":true},
                {"name":"price","encode_name":"price","type":{"kind":"float"},"required":true}],
              "tag_field":null,"tag":null,"array_like":false,"forbid_unknown_fields":false,"omit_defaults":false}}"#,
        )
        .unwrap();
        let ty = TypeRef::List {
            item: Box::new(TypeRef::Named {
                name: "m:Line".into(),
            }),
        };
        let issues = check(r#"[{"sku":1,"price":"x"},{"sku":"a"}]"#, &ty, &schemas);
        assert_eq!(
            issues,
            vec![
                (
                    r#"["body",0,"sku"]"#.into(),
                    "Expected `str`, got `int`".into()
                ),
                (
                    r#"["body",0,"price"]"#.into(),
                    "Expected `float`, got `str`".into()
                ),
                (
                    r#"["body",1,"price"]"#.into(),
                    "Object missing required field `price`".into()
                ),
            ]
        );
    }

    #[test]
    fn scalars_and_unions() {
        let none = BTreeMap::new();
        assert_eq!(
            check("1.0", &TypeRef::Int, &none)[0].1,
            "Expected `int`, got `float`"
        );
        assert_eq!(
            check("1e400", &TypeRef::Float, &none)[0].1,
            "Number out of range"
        );
        assert!(check("1", &TypeRef::Float, &none).is_empty());
        let union = TypeRef::Union {
            options: vec![TypeRef::Int, TypeRef::Str, TypeRef::None],
        };
        assert_eq!(
            check("1.5", &union, &none)[0].1,
            "Expected `int | str | null`, got `float`"
        );
        assert_eq!(
            check(r#""Y""#, &TypeRef::Bytes, &none)[0].1,
            "Invalid base64 encoded string"
        );
        assert!(check(r#""Zm9v+/==""#, &TypeRef::Bytes, &none).is_empty());
        let literal = TypeRef::Literal {
            values: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            check(r#""c""#, &literal, &none)[0].1,
            "Invalid enum value 'c'"
        );
        assert_eq!(check("{bad", &TypeRef::Any, &none)[0].0, r#"["body",1,2]"#);
    }
}
