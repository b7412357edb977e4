//! Request validation issues and their 422 body: `{"detail":[{"loc":[...],"msg":...,"type":...}]}`.

use serde::Serialize;

use crate::errors::ErrorKind;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LocPart {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub loc: Vec<LocPart>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl Issue {
    pub fn invalid(source: &str, name: &str, msg: String) -> Self {
        Self {
            loc: vec![
                LocPart::Key(loc_source(source).into()),
                LocPart::Key(name.into()),
            ],
            msg,
            kind: "validation_error",
        }
    }

    pub fn missing(source: &str, name: &str) -> Self {
        let what = match source {
            "query" => "query parameter",
            "header" => "header",
            "cookie" => "cookie",
            "path" => "path parameter",
            "form" => "form field",
            _ => "field",
        };
        Self {
            loc: vec![
                LocPart::Key(loc_source(source).into()),
                LocPart::Key(name.into()),
            ],
            msg: ErrorKind::MissingParameter { what, name }.message(),
            kind: "missing",
        }
    }
}

/// A `File()` check that failed (`kind` is django-bolt's `file_*` type).
impl Issue {
    pub fn file(name: &str, kind: &'static str, msg: String) -> Self {
        Self {
            loc: vec![LocPart::Key("body".into()), LocPart::Key(name.into())],
            msg,
            kind,
        }
    }
}

/// Form fields and files are parts of the body: their `loc` starts with "body", as in
/// django-bolt and FastAPI.
fn loc_source(source: &str) -> &str {
    match source {
        "form" | "file" => "body",
        other => other,
    }
}

#[derive(Serialize)]
struct Body<'a> {
    detail: &'a [Issue],
}

/// The 422 body for `issues`: `{"detail":[...]}`.
pub fn unprocessable_body(issues: &[Issue]) -> Vec<u8> {
    serde_json::to_vec(&Body { detail: issues }).unwrap_or_default()
}
