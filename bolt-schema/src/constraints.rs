//! Constraint checks (`ge/gt/le/lt/min_length/max_length/pattern`) with msgspec's wording.
//! The interpreted table calls them through `ParamSpec`; generated extractors call them directly
//! with the bounds baked in as literals.

use crate::errors::ErrorKind;
use crate::manifest::Constraints;
use crate::value::Value;

/// Inclusive integer bounds: msgspec shows `gt=0` as `>= 1` and `lt=10` as `<= 9`.
pub fn int_range(c: &Constraints) -> (Option<i64>, Option<i64>) {
    let lower = [c.ge.map(|b| b.ceil()), c.gt.map(|b| b.floor() + 1.0)];
    let upper = [c.le.map(|b| b.floor()), c.lt.map(|b| b.ceil() - 1.0)];
    let min = lower
        .into_iter()
        .flatten()
        .reduce(f64::max)
        .map(|b| b as i64);
    let max = upper
        .into_iter()
        .flatten()
        .reduce(f64::min)
        .map(|b| b as i64);
    (min, max)
}

fn int_as_f64(value: &Value) -> f64 {
    match value {
        Value::Int(i) => *i as f64,
        Value::BigInt(digits) => digits.parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

pub fn int_min(value: &Value, min: i64) -> Result<(), String> {
    match value {
        Value::Int(i) if *i >= min => Ok(()),
        Value::BigInt(_) if int_as_f64(value) >= min as f64 => Ok(()),
        _ => Err(ErrorKind::IntAtLeast(min).message()),
    }
}

pub fn int_max(value: &Value, max: i64) -> Result<(), String> {
    match value {
        Value::Int(i) if *i <= max => Ok(()),
        Value::BigInt(_) if int_as_f64(value) <= max as f64 => Ok(()),
        _ => Err(ErrorKind::IntAtMost(max).message()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatOp {
    Ge,
    Gt,
    Le,
    Lt,
}

/// The float bounds of `c`, in the order they are checked.
pub fn float_bounds(c: &Constraints) -> Vec<(FloatOp, f64)> {
    [
        (FloatOp::Ge, c.ge),
        (FloatOp::Gt, c.gt),
        (FloatOp::Le, c.le),
        (FloatOp::Lt, c.lt),
    ]
    .into_iter()
    .filter_map(|(op, bound)| bound.map(|b| (op, b)))
    .collect()
}

pub fn float_bound(value: f64, op: FloatOp, bound: f64) -> Result<(), String> {
    let (ok, symbol) = match op {
        FloatOp::Ge => (value >= bound, ">="),
        FloatOp::Gt => (value > bound, ">"),
        FloatOp::Le => (value <= bound, "<="),
        FloatOp::Lt => (value < bound, "<"),
    };
    if ok {
        Ok(())
    } else {
        Err(ErrorKind::FloatBound {
            symbol,
            bound: &python_float_repr(bound),
        }
        .message())
    }
}

pub fn min_length(text: &str, min: usize) -> Result<(), String> {
    if text.chars().count() >= min {
        Ok(())
    } else {
        Err(ErrorKind::LengthAtLeast {
            type_name: "str",
            min,
        }
        .message())
    }
}

pub fn max_length(text: &str, max: usize) -> Result<(), String> {
    if text.chars().count() <= max {
        Ok(())
    } else {
        Err(ErrorKind::LengthAtMost {
            type_name: "str",
            max,
        }
        .message())
    }
}

/// msgspec's `pattern` is an unanchored search; `re` comes from `compile_pattern(written)`.
pub fn pattern(text: &str, re: &regex::Regex, written: &str) -> Result<(), String> {
    if re.is_match(text) {
        Ok(())
    } else {
        Err(ErrorKind::Pattern(written).message())
    }
}

/// A `pattern=` as a Rust regex, with `$` meaning what it means to Python's `re`.
pub fn compile_pattern(written: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&python_pattern(written).0)
}

/// `pattern` in Rust's regex syntax, with `$` rewritten to Python's meaning (the end, or just
/// before a final newline) and `\Z` to Rust's `\z`, and whether the whole pattern is in the
/// subset both engines read alike: literals, `.`, classes of literals and ranges, groups
/// (`(?:` and `(?P<name>` too), alternation, quantifiers and the anchors `^ $ \Z`. Other
/// escaped letters or digits (`\w`, `\d`, `\s`, `\b`, back-references), other `(?...)`, and
/// POSIX, nested or set-operation classes are not: their meanings differ between the engines.
pub fn python_pattern(pattern: &str) -> (String, bool) {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut exact = true;
    let chars: Vec<char> = pattern.chars().collect();
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        i += 1;
        match c {
            '\\' => {
                out.push(c);
                match next {
                    // Python's `\Z` is Rust's `\z`.
                    Some('Z') if !in_class => {
                        i += 1;
                        out.push('z');
                    }
                    Some(escaped) => {
                        i += 1;
                        // Letters and digits name classes, anchors or back-references; `\<`
                        // and `\>` are word boundaries to Rust, literals to Python.
                        exact &= escaped.is_ascii_punctuation() && !matches!(escaped, '<' | '>');
                        out.push(escaped);
                    }
                    None => exact = false,
                }
            }
            '[' if in_class => {
                exact = false; // Rust: a nested class; Python: a literal `[`
                out.push(c);
            }
            '[' => {
                in_class = true;
                out.push(c);
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A leading `]` is a literal in Python, an empty class error in Rust.
                exact &= chars.get(i) != Some(&']');
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '&' | '-' | '~' if in_class && next == Some(c) => {
                exact = false; // Rust set operators
                out.push(c);
            }
            '(' if next == Some('?') => {
                // `(?:` and `(?P<name>` read alike; flags, lookarounds and `(?P=` do not.
                exact &= chars.get(i + 1) == Some(&':') || named_group(&chars[i + 1..]);
                out.push(c);
            }
            '{' if !in_class => {
                // Rust reads `a{ 1 }` as a repetition, Python as literal text.
                let close = chars[i..].iter().position(|&ch| ch == '}');
                exact &=
                    close.is_none_or(|end| !chars[i..i + end].iter().any(|ch| ch.is_whitespace()));
                out.push(c);
            }
            '*' | '+' | '?' | '}' if !in_class && next == Some('+') => {
                exact = false; // possessive to Python 3.11+, a repeated repetition to Rust
                out.push(c);
            }
            '$' if !in_class => {
                // Python's `$` matches before a final newline without consuming it; the
                // rewrite consumes it, so only a `$` that ends its branch is exact.
                exact &= matches!(next, None | Some(')' | '|' | '$'));
                out.push_str("(?:\\n?\\z)");
            }
            _ => out.push(c),
        }
    }
    (out, exact && !in_class)
}

/// Whether `text` (after a group's `(?`) opens a named group: `P<name>`.
fn named_group(text: &[char]) -> bool {
    let Some(name) = text.strip_prefix(&['P', '<']) else {
        return false;
    };
    let end = name.iter().position(|&c| c == '>');
    end.is_some_and(|end| {
        end > 0
            && !name[0].is_ascii_digit()
            && name[..end]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == '_')
    })
}

/// Python's `repr(float)` for the bounds shown in messages (`10.0`, `1e+16`, `0.5`).
pub fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let exp = if f == 0.0 {
        0
    } else {
        f.abs().log10().floor() as i32
    };
    if (-4..16).contains(&exp) {
        let s = format!("{f}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{f:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_range_normalizes_exclusive_bounds() {
        let c = Constraints {
            gt: Some(0.0),
            lt: Some(10.0),
            ..Default::default()
        };
        assert_eq!(int_range(&c), (Some(1), Some(9)));
        let c = Constraints {
            ge: Some(5.0),
            gt: Some(6.0),
            le: Some(8.0),
            ..Default::default()
        };
        assert_eq!(int_range(&c), (Some(7), Some(8)));
    }

    #[test]
    fn messages() {
        assert_eq!(
            int_min(&Value::Int(0), 1),
            Err("Expected `int` >= 1".into())
        );
        assert_eq!(
            int_max(&Value::BigInt("99999999999999999999".into()), 9),
            Err("Expected `int` <= 9".into())
        );
        assert_eq!(
            float_bound(0.5, FloatOp::Gt, 0.5),
            Err("Expected `float` > 0.5".into())
        );
        assert_eq!(
            min_length("ab", 3),
            Err("Expected `str` of length >= 3".into())
        );
        assert_eq!(
            max_length("abcd", 3),
            Err("Expected `str` of length <= 3".into())
        );
    }

    #[test]
    fn float_repr_matches_python() {
        assert_eq!(python_float_repr(10.0), "10.0");
        assert_eq!(python_float_repr(1e16), "1e+16");
        assert_eq!(python_float_repr(0.5), "0.5");
        assert_eq!(python_float_repr(1e-5), "1e-05");
    }
}
