//! The error table: every validation message both tables (and the generated code) produce,
//! worded as msgspec words them (django-bolt's own for parameters and JSON syntax). No other
//! module writes a message literal (`tests/test_layout.py` checks the sources).

use std::fmt;

/// One validation failure, with what its message needs.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind<'a> {
    /// ``Expected `int`, got `str` ``.
    Expected {
        expected: &'a str,
        got: &'a str,
    },
    IntOutOfRange,
    NumberOutOfRange,
    InvalidDecimal,
    InvalidBase64,
    InvalidUuid,
    InvalidDate,
    InvalidTime,
    InvalidDatetime,
    IntAtLeast(i64),
    IntAtMost(i64),
    /// A float bound: `symbol` is `>=`, `>`, `<=` or `<`; `bound` is Python's repr.
    FloatBound {
        symbol: &'a str,
        bound: &'a str,
    },
    LengthAtLeast {
        type_name: &'a str,
        min: usize,
    },
    LengthAtMost {
        type_name: &'a str,
        max: usize,
    },
    /// The pattern as the user wrote it.
    Pattern(&'a str),
    ArrayLength(usize),
    /// The value as msgspec shows it (a str's repr, or the number).
    InvalidEnum(&'a str),
    UnknownField(&'a str),
    MissingField(&'a str),
    /// A parameter not sent: `what` is "query parameter", "header", "cookie", ...
    MissingParameter {
        what: &'a str,
        name: &'a str,
    },
    InvalidJson {
        line: usize,
        column: usize,
        reason: &'a str,
    },
    FileMissing(&'a str),
    FileTooMany {
        got: usize,
        max: usize,
    },
    FileTooLarge(usize),
    FileTooSmall(usize),
    FileContentType {
        got: &'a str,
        allowed: &'a str,
    },
}

impl ErrorKind<'_> {
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Whether `message` is an `Expected` (wrong type) message: under `Optional`, a wrong-type
/// failure of the inner type is reported against the whole union.
pub fn is_type_mismatch(message: &str) -> bool {
    message.starts_with("Expected `")
}

impl fmt::Display for ErrorKind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Expected { expected, got } => write!(f, "Expected `{expected}`, got `{got}`"),
            Self::IntOutOfRange => f.write_str("Integer value out of range"),
            Self::NumberOutOfRange => f.write_str("Number out of range"),
            Self::InvalidDecimal => f.write_str("Invalid decimal string"),
            Self::InvalidBase64 => f.write_str("Invalid base64 encoded string"),
            Self::InvalidUuid => f.write_str("Invalid UUID"),
            Self::InvalidDate => f.write_str("Invalid RFC3339 encoded date"),
            Self::InvalidTime => f.write_str("Invalid RFC3339 encoded time"),
            Self::InvalidDatetime => f.write_str("Invalid RFC3339 encoded datetime"),
            Self::IntAtLeast(min) => write!(f, "Expected `int` >= {min}"),
            Self::IntAtMost(max) => write!(f, "Expected `int` <= {max}"),
            Self::FloatBound { symbol, bound } => write!(f, "Expected `float` {symbol} {bound}"),
            Self::LengthAtLeast { type_name, min } => {
                write!(f, "Expected `{type_name}` of length >= {min}")
            }
            Self::LengthAtMost { type_name, max } => {
                write!(f, "Expected `{type_name}` of length <= {max}")
            }
            Self::Pattern(pattern) => write!(f, "Expected `str` matching regex '{pattern}'"),
            Self::ArrayLength(length) => write!(f, "Expected `array` of length {length}"),
            Self::InvalidEnum(value) => write!(f, "Invalid enum value {value}"),
            Self::UnknownField(key) => write!(f, "Object contains unknown field `{key}`"),
            Self::MissingField(name) => write!(f, "Object missing required field `{name}`"),
            Self::MissingParameter { what, name } => write!(f, "Missing required {what}: {name}"),
            Self::InvalidJson {
                line,
                column,
                reason,
            } => write!(f, "Invalid JSON at line {line}, column {column}: {reason}"),
            Self::FileMissing(name) => write!(f, "Missing required file: {name}"),
            Self::FileTooMany { got, max } => {
                write!(f, "Too many files: got {got}, at most {max} allowed")
            }
            Self::FileTooLarge(max) => write!(f, "File exceeds maximum size of {max} bytes"),
            Self::FileTooSmall(min) => {
                write!(f, "File is smaller than minimum size of {min} bytes")
            }
            Self::FileContentType { got, allowed } => {
                write!(f, "File type '{got}' not allowed. Allowed types: {allowed}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_msgspec_wording() {
        let cases = [
            (
                ErrorKind::Expected {
                    expected: "int | null",
                    got: "str",
                },
                "Expected `int | null`, got `str`",
            ),
            (ErrorKind::IntAtLeast(11), "Expected `int` >= 11"),
            (
                ErrorKind::FloatBound {
                    symbol: ">",
                    bound: "10.0",
                },
                "Expected `float` > 10.0",
            ),
            (
                ErrorKind::LengthAtLeast {
                    type_name: "str",
                    min: 3,
                },
                "Expected `str` of length >= 3",
            ),
            (
                ErrorKind::Pattern("^x"),
                "Expected `str` matching regex '^x'",
            ),
            (
                ErrorKind::MissingField("price"),
                "Object missing required field `price`",
            ),
            (
                ErrorKind::MissingParameter {
                    what: "header",
                    name: "x-token",
                },
                "Missing required header: x-token",
            ),
        ];
        for (kind, message) in cases {
            assert_eq!(kind.message(), message);
        }
    }
}
