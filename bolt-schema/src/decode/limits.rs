//! `msgspec.Meta` constraints on the fast body path: a value is read, then its token checked.
//! Only acceptance matters here; a value out of bounds sends the body to the full path, which
//! words the error.

use super::cursor::{Cursor, Token};
use crate::constraints::{self, FloatOp};
use crate::manifest::{Constraints, TypeRef};

/// `msgspec.Meta` constraints the fast path checks (`multiple_of` and regexes Rust cannot
/// compile leave the type to the full path).
#[derive(Debug)]
pub struct Limits {
    int_range: (Option<i64>, Option<i64>),
    float_bounds: Vec<(FloatOp, f64)>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<regex::Regex>,
    /// What these limits were lowered from (generated scanners embed it, see `to_json`).
    source: (Constraints, bool),
}

impl Limits {
    /// Limits for a value of a type whose item count can shrink when built (`collapses`: sets
    /// and dicts drop repeated items, so their `min_length` is left to the full path).
    pub fn new(c: &Constraints, collapses: bool) -> Option<Self> {
        if c.multiple_of.is_some() || c.tz.is_some() || (collapses && c.min_length.is_some()) {
            return None;
        }
        // Bounds are read as f64: past 2^53 an integer bound may be rounded.
        let exact = |bound: Option<f64>| bound.is_none_or(|b| b.abs() <= 9_007_199_254_740_992.0);
        if ![c.gt, c.ge, c.lt, c.le].into_iter().all(exact) {
            return None;
        }
        Some(Self {
            int_range: constraints::int_range(c),
            float_bounds: constraints::float_bounds(c),
            min_length: c.min_length,
            max_length: c.max_length,
            pattern: match &c.pattern {
                Some(pattern) => Some(super::validate::cached_regex(pattern)?),
                None => None,
            },
            source: (c.clone(), collapses),
        })
    }

    /// The constraints object these limits were lowered from and whether the type collapses:
    /// what a generated scanner passes back to `limits_from_json`.
    pub fn to_json(&self) -> (String, bool) {
        let (constraints, collapses) = &self.source;
        let json = serde_json::to_string(constraints).expect("constraints serialize");
        (json, *collapses)
    }

    fn length_ok(&self, len: usize) -> bool {
        self.min_length.is_none_or(|min| len >= min) && self.max_length.is_none_or(|max| len <= max)
    }

    /// Whether the value read as `token` meets every limit.
    pub fn allow(&self, c: &Cursor<'_>, token: Token) -> bool {
        match token {
            Token::Int(n) => {
                let (min, max) = self.int_range;
                min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
            }
            Token::Float(f) => self
                .float_bounds
                .iter()
                .all(|(op, bound)| constraints::float_bound(f, *op, *bound).is_ok()),
            Token::Str(..) | Token::Unescaped(_) => c.token_text(token).is_some_and(|text| {
                self.length_ok(text.chars().count())
                    && self.pattern.as_ref().is_none_or(|re| re.is_match(text))
            }),
            Token::Array(n) | Token::Map(n) => self.length_ok(n as usize),
            Token::Null | Token::Bool(_) | Token::Struct(_) | Token::Field(_) => false,
        }
    }
}

impl Cursor<'_> {
    /// A value read by `inner` that must meet `limits` (None: limits the fast path cannot
    /// check, so never accepted).
    pub fn limited(
        &mut self,
        limits: Option<&Limits>,
        inner: impl FnOnce(&mut Self) -> Option<()>,
    ) -> Option<()> {
        let limits = limits?;
        let at = self.tape.tokens.len();
        inner(self)?;
        let token = *self.tape.tokens.get(at)?;
        limits.allow(self, token).then_some(())
    }
}

/// Sets and dicts can hold fewer items than the JSON they were read from (see `Limits::new`).
pub fn collapses(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Set { .. } | TypeRef::Frozenset { .. } | TypeRef::Dict { .. }
    )
}

/// Limits from a constraints object in manifest JSON (generated crates embed it; the
/// generator only emits limits `Limits::new` takes for their type).
pub fn limits_from_json(json: &str, collapses: bool) -> Option<Limits> {
    Limits::new(&serde_json::from_str(json).ok()?, collapses)
}
