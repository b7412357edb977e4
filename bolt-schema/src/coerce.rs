//! Lax (msgspec `strict=False`) conversion of path/query/header/cookie strings to typed values,
//! with msgspec's error wording. Runs before the GIL is taken.

use crate::constraints;
use crate::errors::{is_type_mismatch, ErrorKind};
use crate::manifest::{Constraints, TypeRef};
use crate::temporal;
use crate::value::Value;

/// Conversion failure message, worded as msgspec words it.
pub type CoerceError = String;

/// How a parameter's raw values become one value, decided from its type once: the scalar
/// type each value is read as, whether every value is taken (a list) or only the last one,
/// whether the text `null` is None (an optional type other than `str`, whose union keeps the
/// string), and, for such an optional, the message for a value of the wrong type (naming the
/// optional type, as msgspec does). The interpreted table applies these rules and the code
/// generator writes them out: they exist only here.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamShape {
    pub scalar: TypeRef,
    pub list: bool,
    pub null_is_none: bool,
    pub mismatch: Option<CoerceError>,
}

impl ParamShape {
    pub fn of(ty: &TypeRef) -> Self {
        let (scalar, optional, list) = match ty {
            TypeRef::List { item } => (item.as_ref(), false, true),
            TypeRef::Optional { inner } => match inner.as_ref() {
                TypeRef::List { item } => (item.as_ref(), false, true),
                scalar => (scalar, true, false),
            },
            scalar => (scalar, false, false),
        };
        let null_is_none = optional && *scalar != TypeRef::Str;
        Self {
            scalar: scalar.clone(),
            list,
            null_is_none,
            mismatch: null_is_none.then(|| expected(ty)),
        }
    }
}

/// A parameter type compiled once at table build time.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub ty: TypeRef,
    pub shape: ParamShape,
    pub constraints: Constraints,
    pub pattern: Option<regex::Regex>,
}

impl ParamSpec {
    pub fn new(ty: TypeRef, constraints: Constraints) -> Result<Self, String> {
        check_param_type(&ty)?;
        let pattern = match &constraints.pattern {
            Some(p) => Some(
                constraints::compile_pattern(p)
                    .map_err(|e| format!("invalid pattern {p:?}: {e}"))?,
            ),
            None => None,
        };
        Ok(Self {
            shape: ParamShape::of(&ty),
            ty,
            constraints,
            pattern,
        })
    }

    /// Convert every raw value of a parameter (several for repeated query keys).
    pub fn coerce_all(&self, raw: &[&str]) -> Result<Value, CoerceError> {
        if self.shape.list {
            let mut out = Vec::with_capacity(raw.len());
            for text in raw {
                out.push(self.coerce_one(text)?);
            }
            return Ok(Value::List(out));
        }
        self.coerce_one(raw.last().copied().unwrap_or_default())
    }

    fn coerce_one(&self, text: &str) -> Result<Value, CoerceError> {
        if self.shape.null_is_none && text == "null" {
            return Ok(Value::None);
        }
        let value =
            coerce_scalar(&self.shape.scalar, text).map_err(|e| match &self.shape.mismatch {
                Some(message) if is_type_mismatch(&e) => message.clone(),
                _ => e,
            })?;
        self.check_constraints(&value)?;
        Ok(value)
    }

    fn check_constraints(&self, value: &Value) -> Result<(), CoerceError> {
        let c = &self.constraints;
        match value {
            Value::Int(_) | Value::BigInt(_) => {
                let (min, max) = constraints::int_range(c);
                if let Some(min) = min {
                    constraints::int_min(value, min)?;
                }
                if let Some(max) = max {
                    constraints::int_max(value, max)?;
                }
                Ok(())
            }
            Value::Float(f) => {
                for (op, bound) in constraints::float_bounds(c) {
                    constraints::float_bound(*f, op, bound)?;
                }
                Ok(())
            }
            Value::Str(s) => {
                if let Some(min) = c.min_length {
                    constraints::min_length(s, min)?;
                }
                if let Some(max) = c.max_length {
                    constraints::max_length(s, max)?;
                }
                match (&self.pattern, &c.pattern) {
                    (Some(re), Some(written)) => constraints::pattern(s, re, written),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

/// Types a parameter may have; anything else is a registration error naming the handler.
fn check_param_type(ty: &TypeRef) -> Result<(), String> {
    match ty {
        TypeRef::Int
        | TypeRef::Float
        | TypeRef::Bool
        | TypeRef::Str
        | TypeRef::Uuid
        | TypeRef::Date
        | TypeRef::Datetime
        | TypeRef::Time
        | TypeRef::Decimal => Ok(()),
        TypeRef::List { item }
            if !matches!(**item, TypeRef::List { .. } | TypeRef::Optional { .. }) =>
        {
            check_param_type(item)
        }
        TypeRef::Optional { inner } if !matches!(**inner, TypeRef::Optional { .. }) => {
            check_param_type(inner)
        }
        other => Err(format!("unsupported parameter type {other:?}")),
    }
}

/// msgspec's name for a type in "Expected `X`, got `Y`" messages.
pub fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Int => "int".into(),
        TypeRef::Float => "float".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::Str
        | TypeRef::Uuid
        | TypeRef::Date
        | TypeRef::Datetime
        | TypeRef::Time
        | TypeRef::Decimal => "str".into(),
        TypeRef::Optional { inner } => format!("{} | null", type_name(inner)),
        TypeRef::List { .. } => "array".into(),
        _ => "any".into(),
    }
}

fn expected(ty: &TypeRef) -> CoerceError {
    ErrorKind::Expected {
        expected: &type_name(ty),
        got: "str",
    }
    .message()
}

/// Convert one string to `ty` following msgspec's lax rules.
pub fn coerce_scalar(ty: &TypeRef, text: &str) -> Result<Value, CoerceError> {
    match ty {
        TypeRef::Str => Ok(Value::Str(text.to_owned())),
        TypeRef::Int => coerce_int(text),
        TypeRef::Float => coerce_float(text),
        TypeRef::Bool => coerce_bool(text).ok_or_else(|| expected(ty)),
        TypeRef::Uuid => temporal::parse_uuid(text)
            .map(Value::Uuid)
            .ok_or_else(|| ErrorKind::InvalidUuid.message()),
        TypeRef::Date => temporal::parse_date(text)
            .map(Value::Date)
            .ok_or_else(|| ErrorKind::InvalidDate.message()),
        TypeRef::Time => temporal::parse_time(text)
            .map(Value::Time)
            .ok_or_else(|| ErrorKind::InvalidTime.message()),
        TypeRef::Datetime => temporal::parse_datetime(text)
            .map(|(d, t)| Value::DateTime(d, t))
            .ok_or_else(|| ErrorKind::InvalidDatetime.message()),
        // Finite values only, for the same reason as floats (`coerce_float`).
        TypeRef::Decimal => {
            if is_python_decimal(text) && !is_special_number(text) {
                Ok(Value::Decimal(text.to_owned()))
            } else {
                Err(ErrorKind::InvalidDecimal.message())
            }
        }
        // A union with `str` keeps the string, "null" included.
        TypeRef::Optional { inner } if **inner == TypeRef::Str => Ok(Value::Str(text.to_owned())),
        TypeRef::Optional { inner } => {
            if text == "null" {
                Ok(Value::None)
            } else {
                coerce_scalar(inner, text).map_err(|e| {
                    if is_type_mismatch(&e) {
                        expected(ty)
                    } else {
                        e
                    }
                })
            }
        }
        other => Err(expected(other)),
    }
}

/// A complete strict JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
/// Returns whether it has a fraction or exponent.
fn json_number_shape(text: &str) -> Option<bool> {
    let b = text.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[int_start] == b'0') {
        return None;
    }
    let mut is_float = false;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
        is_float = true;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
        is_float = true;
    }
    (i == b.len()).then_some(is_float)
}

pub fn coerce_int(text: &str) -> Result<Value, CoerceError> {
    let is_float = json_number_shape(text).ok_or_else(|| expected(&TypeRef::Int))?;
    // CPython's int/str conversion limit, as msgspec enforces it (sign included).
    if !is_float && text.len() > 4300 {
        return Err(ErrorKind::IntOutOfRange.message());
    }
    if !is_float {
        return Ok(match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(
                text.trim_start_matches('-')
                    .trim_start_matches('0')
                    .to_owned(),
            )
            .with_sign(text.starts_with('-')),
        });
    }
    let f: f64 = text.parse().map_err(|_| expected(&TypeRef::Int))?;
    if f.is_infinite() {
        return Err(ErrorKind::NumberOutOfRange.message());
    }
    const MAX_EXACT: f64 = 9_007_199_254_740_992.0; // 2**53
    if f.fract() == 0.0 && f.abs() <= MAX_EXACT {
        Ok(Value::Int(f as i64))
    } else {
        Err(expected(&TypeRef::Int))
    }
}

impl Value {
    fn with_sign(self, negative: bool) -> Value {
        match self {
            Value::BigInt(d) if negative => Value::BigInt(format!("-{d}")),
            other => other,
        }
    }
}

/// A float parameter: a JSON number. `nan`, `inf` and `infinity` (which msgspec's lax mode
/// would take) are rejected, as msgspec's strict decode rejects them in bodies: a NaN passes
/// every comparison filter and an infinity reaches the database as a value it cannot store.
pub fn coerce_float(text: &str) -> Result<Value, CoerceError> {
    json_number_shape(text).ok_or_else(|| expected(&TypeRef::Float))?;
    let f: f64 = text.parse().map_err(|_| expected(&TypeRef::Float))?;
    if f.is_infinite() {
        return Err(ErrorKind::NumberOutOfRange.message());
    }
    // msgspec reads an integer `-0` as +0.0.
    Ok(Value::Float(
        if f == 0.0 && !text.contains(['.', 'e', 'E']) {
            0.0
        } else {
            f
        },
    ))
}

pub fn coerce_bool(text: &str) -> Option<Value> {
    if text.eq_ignore_ascii_case("true") || text == "1" {
        Some(Value::Bool(true))
    } else if text.eq_ignore_ascii_case("false") || text == "0" {
        Some(Value::Bool(false))
    } else {
        None
    }
}

/// `nan`, `snan` (with payload) or an infinity, in any case and sign.
fn is_special_number(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    unsigned.starts_with("nan") || unsigned.starts_with("snan") || unsigned.starts_with("inf")
}

/// The grammar of Python's `decimal.Decimal(str)`: surrounding whitespace, sign, digits with
/// optional `.` and `_` separators, exponent, or inf/infinity/nan/snan (any case).
pub fn is_python_decimal(text: &str) -> bool {
    let t = text.trim();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = t.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity") {
        return true;
    }
    if let Some(payload) = lower
        .strip_prefix("snan")
        .or_else(|| lower.strip_prefix("nan"))
    {
        return payload.bytes().all(|c| c.is_ascii_digit());
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let digit_run = |s: &str| {
        !s.is_empty()
            && !s.starts_with('_')
            && !s.ends_with('_')
            && !s.contains("__")
            && s.bytes().all(|c| c.is_ascii_digit() || c == b'_')
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (a.is_empty() || digit_run(a))
                && (b.is_empty() || digit_run(b))
                && !(a.is_empty() && b.is_empty())
        }
        None => digit_run(mantissa),
    };
    // Exponents past 17 significant digits overflow Decimal's range (InvalidOperation):
    // msgspec's call, not a value to build.
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        let significant = digits
            .trim_start_matches(['0', '_'])
            .bytes()
            .filter(u8::is_ascii_digit);
        digit_run(digits) && significant.count() <= 17
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(text: &str) -> Result<Value, String> {
        coerce_scalar(&TypeRef::Int, text)
    }

    #[test]
    fn ints_follow_msgspec_lax_rules() {
        assert_eq!(int("1"), Ok(Value::Int(1)));
        assert_eq!(int("-0"), Ok(Value::Int(0)));
        assert_eq!(int("1e3"), Ok(Value::Int(1000)));
        assert_eq!(int("1.0"), Ok(Value::Int(1)));
        assert_eq!(
            int("99999999999999999999999"),
            Ok(Value::BigInt("99999999999999999999999".into()))
        );
        for bad in [
            "01", "+5", "1.5", "abc", "", " 1", "1 ", "nan", "0x10", "1_000",
        ] {
            assert_eq!(int(bad), Err("Expected `int`, got `str`".into()), "{bad}");
        }
        assert_eq!(int("1e400"), Err("Number out of range".into()));
        assert!(matches!(int(&"1".repeat(4300)), Ok(Value::BigInt(_))));
        assert_eq!(
            int(&"1".repeat(4301)),
            Err("Integer value out of range".into())
        );
        assert_eq!(
            int(&format!("-{}", "1".repeat(4300))),
            Err("Integer value out of range".into())
        );
    }

    #[test]
    fn floats_bools_and_optionals() {
        assert_eq!(coerce_scalar(&TypeRef::Float, "1.5"), Ok(Value::Float(1.5)));
        assert!(coerce_scalar(&TypeRef::Float, ".5").is_err());
        for bad in [
            "+inf", "--inf", "+nan", "--nan", "nan", "NaN", "-inf", "inf", "Infinity", "1e400",
        ] {
            assert!(coerce_scalar(&TypeRef::Float, bad).is_err(), "{bad}");
        }
        for bad in [
            "NaN", "-nan", "sNaN", "snan12", "Infinity", "-inf", " +Inf ",
        ] {
            assert_eq!(
                coerce_scalar(&TypeRef::Decimal, bad),
                Err(ErrorKind::InvalidDecimal.message()),
                "{bad}"
            );
        }
        assert_eq!(
            coerce_scalar(&TypeRef::Decimal, "1.50"),
            Ok(Value::Decimal("1.50".into()))
        );
        let opt_str = TypeRef::Optional {
            inner: Box::new(TypeRef::Str),
        };
        assert_eq!(
            coerce_scalar(&opt_str, "null"),
            Ok(Value::Str("null".into()))
        );
        assert_eq!(coerce_scalar(&TypeRef::Bool, "TRUE"), Ok(Value::Bool(true)));
        assert_eq!(coerce_scalar(&TypeRef::Bool, "0"), Ok(Value::Bool(false)));
        assert!(coerce_scalar(&TypeRef::Bool, "yes").is_err());
        let opt = TypeRef::Optional {
            inner: Box::new(TypeRef::Int),
        };
        assert_eq!(coerce_scalar(&opt, "null"), Ok(Value::None));
        assert_eq!(
            coerce_scalar(&opt, ""),
            Err("Expected `int | null`, got `str`".into())
        );
    }

    #[test]
    fn decimals_follow_python_grammar() {
        for ok in [
            "1.50",
            "1e2",
            "NaN",
            "-0",
            " 1",
            "1_000",
            ".5",
            "5.",
            "-Infinity",
            "sNaN12",
        ] {
            assert!(is_python_decimal(ok), "{ok}");
        }
        for bad in ["abc", "", ".", "1e", "1__0", "_1", "1.2.3"] {
            assert!(!is_python_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn constraints_use_msgspec_wording() {
        let spec = |c: Constraints, ty| ParamSpec::new(ty, c).unwrap();
        let gt = spec(
            Constraints {
                gt: Some(10.0),
                ..Default::default()
            },
            TypeRef::Int,
        );
        assert_eq!(gt.coerce_all(&["5"]), Err("Expected `int` >= 11".into()));
        let lt = spec(
            Constraints {
                lt: Some(10.0),
                ..Default::default()
            },
            TypeRef::Int,
        );
        assert_eq!(lt.coerce_all(&["50"]), Err("Expected `int` <= 9".into()));
        let fgt = spec(
            Constraints {
                gt: Some(10.0),
                ..Default::default()
            },
            TypeRef::Float,
        );
        assert_eq!(
            fgt.coerce_all(&["5.5"]),
            Err("Expected `float` > 10.0".into())
        );
        let min = spec(
            Constraints {
                min_length: Some(3),
                ..Default::default()
            },
            TypeRef::Str,
        );
        assert_eq!(
            min.coerce_all(&["ab"]),
            Err("Expected `str` of length >= 3".into())
        );
        let pat = spec(
            Constraints {
                pattern: Some("^x".into()),
                ..Default::default()
            },
            TypeRef::Str,
        );
        assert_eq!(
            pat.coerce_all(&["abcd"]),
            Err("Expected `str` matching regex '^x'".into())
        );
        let list = spec(
            Constraints::default(),
            TypeRef::List {
                item: Box::new(TypeRef::Int),
            },
        );
        assert_eq!(
            list.coerce_all(&["1", "2"]),
            Ok(Value::List(vec![Value::Int(1), Value::Int(2)]))
        );
    }
}
