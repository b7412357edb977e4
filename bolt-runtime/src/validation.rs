//! Request validation issues and their 422 body: `{"detail":[{"loc":[...],"msg":...,"type":...}]}`.

use serde::Serialize;

use crate::http::HttpResponse;

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
            loc: vec![LocPart::Key(source.into()), LocPart::Key(name.into())],
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
            _ => "field",
        };
        Self {
            loc: vec![LocPart::Key(source.into()), LocPart::Key(name.into())],
            msg: format!("Missing required {what}: {name}"),
            kind: "missing",
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    detail: &'a [Issue],
}

pub fn unprocessable(issues: &[Issue]) -> HttpResponse {
    HttpResponse::json(
        422,
        serde_json::to_vec(&Body { detail: issues }).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_all_issues() {
        let response = unprocessable(&[
            Issue::invalid("path", "id", "Expected `int`, got `str`".into()),
            Issue::missing("query", "q"),
        ]);
        assert_eq!(response.status, 422);
        assert_eq!(
            std::str::from_utf8(&response.body).unwrap(),
            r#"{"detail":[{"loc":["path","id"],"msg":"Expected `int`, got `str`","type":"validation_error"},{"loc":["query","q"],"msg":"Missing required query parameter: q","type":"missing"}]}"#
        );
    }
}
