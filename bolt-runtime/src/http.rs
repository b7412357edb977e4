//! Transport-neutral request and response values shared by the server and the test transport.
//!
//! A request keeps what actix-http parsed (method, URI, header map) instead of copying it
//! into owned strings: the server moves the parsed head in, and only the parts a route reads
//! are ever looked at.

use std::borrow::Cow;

use actix_http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_http::{Method, Uri};
use bytes::Bytes;

#[derive(Debug, Clone)]
enum Target {
    /// The request target as the server parsed it.
    Uri(Uri),
    /// Path and query given separately (the in-process test transport).
    Parts { path: String, query: String },
}

#[derive(Debug, Clone)]
pub struct HttpRequest {
    method: Method,
    target: Target,
    /// Lowercase names; every value is valid UTF-8 (see `from_parts`).
    headers: HeaderMap,
    pub body: Bytes,
    /// The parsed form, for routes with form fields or files (`pipeline::prepare`).
    pub form: Option<std::sync::Arc<crate::form::FormData>>,
    /// The client's address (None in the test transport).
    pub peer: Option<std::net::IpAddr>,
    /// What the request authenticated as (`middleware::Middleware::admit`).
    pub auth: Option<std::sync::Arc<crate::middleware::auth::AuthContext>>,
    /// A Django URL's body past the spool threshold, in a temp file (`body` is then empty);
    /// removed when the request is dropped.
    pub body_file: Option<std::sync::Arc<SpooledBody>>,
}

/// A request body on disk.
#[derive(Debug)]
pub struct SpooledBody {
    pub path: tempfile::TempPath,
    pub size: u64,
}

impl Default for HttpRequest {
    fn default() -> Self {
        Self {
            method: Method::GET,
            target: Target::Parts {
                path: "/".into(),
                query: String::new(),
            },
            headers: HeaderMap::new(),
            body: Bytes::new(),
            form: None,
            peer: None,
            auth: None,
            body_file: None,
        }
    }
}

impl HttpRequest {
    /// A request from what the server parsed. Header values that are not UTF-8 are replaced
    /// by their lossy UTF-8 form, so every reader sees text.
    pub fn from_parts(method: Method, uri: Uri, mut headers: HeaderMap, body: Bytes) -> Self {
        let invalid: Vec<HeaderName> = headers
            .iter()
            .filter(|(_, v)| std::str::from_utf8(v.as_bytes()).is_err())
            .map(|(n, _)| n.clone())
            .collect();
        for name in invalid {
            let values: Vec<HeaderValue> = headers
                .get_all(&name)
                .map(|v| lossy_value(v.as_bytes()))
                .collect();
            headers.remove(&name);
            for value in values {
                headers.append(name.clone(), value);
            }
        }
        Self {
            method,
            target: Target::Uri(uri),
            headers,
            body,
            form: None,
            peer: None,
            auth: None,
            body_file: None,
        }
    }

    /// A request from plain strings (the test transport and unit tests): the method is
    /// uppercased and header names lowercased; a name or value HTTP cannot carry is an error.
    pub fn from_strings(
        method: &str,
        path: impl Into<String>,
        query: impl Into<String>,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Self, String> {
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("invalid HTTP method {method:?}"))?;
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let header = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
                .map_err(|_| format!("invalid header name {name:?}"))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| format!("invalid value for header {name:?}"))?;
            map.append(header, value);
        }
        Ok(Self {
            method,
            target: Target::Parts {
                path: path.into(),
                query: query.into(),
            },
            headers: map,
            body,
            form: None,
            peer: None,
            auth: None,
            body_file: None,
        })
    }

    /// Values of a form field (none without a parsed form).
    pub fn form_values(&self, name: &str) -> Vec<&str> {
        self.form
            .as_ref()
            .map_or_else(Vec::new, |form| form.values(name))
    }

    pub fn method(&self) -> &str {
        self.method.as_str()
    }

    /// Raw path, still percent-encoded, without the query string.
    pub fn path(&self) -> &str {
        match &self.target {
            Target::Uri(uri) => uri.path(),
            Target::Parts { path, .. } => path,
        }
    }

    /// Raw query string without the leading `?`.
    pub fn query(&self) -> &str {
        match &self.target {
            Target::Uri(uri) => uri.query().unwrap_or(""),
            Target::Parts { query, .. } => query,
        }
    }

    pub fn header<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.header_values(name).next()
    }

    /// All values of a header, in order (repeated headers are kept separately).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.get_all(name).map(value_text)
    }

    /// Every header as `(lowercase name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value_text(value)))
    }

    /// Decoded `key=value` pairs of the query string, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query().as_bytes())
            .into_owned()
            .collect()
    }

    /// Cookies from every `Cookie` header (`a=1; b=2`).
    pub fn cookies(&self) -> Vec<(String, String)> {
        self.header_values("cookie")
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                Some((name.trim().to_owned(), percent_decode(value)))
            })
            .collect()
    }
}

fn lossy_value(raw: &[u8]) -> HeaderValue {
    let text = String::from_utf8_lossy(raw);
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Header values are UTF-8 by construction (`from_parts`, `from_strings`).
fn value_text(value: &HeaderValue) -> &str {
    std::str::from_utf8(value.as_bytes()).unwrap_or("")
}

pub fn percent_decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// A header of a response: names are lowercase; constant ones cost no allocation.
pub type Header = (Cow<'static, str>, Cow<'static, str>);

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    /// Kept apart from the other headers: nearly every response has one, usually a constant,
    /// so the common response carries no header list at all.
    pub content_type: Option<Cow<'static, str>>,
    pub headers: Vec<Header>,
    pub body: Bytes,
    /// A body sent from disk or from a Python iterator instead of `body`.
    pub stream: Option<crate::stream::StreamBody>,
}

pub const JSON: &str = "application/json";

impl HttpResponse {
    pub fn new(status: u16, content_type: Option<&'static str>, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            content_type: content_type.map(Cow::Borrowed),
            headers: Vec::new(),
            body: body.into(),
            stream: None,
        }
    }

    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status, Some(JSON), body)
    }

    /// `{"detail": "<text>"}` with the given status.
    pub fn detail(status: u16, text: &str) -> Self {
        let body = serde_json::to_vec(&serde_json::json!({ "detail": text })).unwrap_or_default();
        Self::json(status, body)
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers
            .push((Cow::Borrowed(name), Cow::Owned(value.into())));
        self
    }

    /// Add a header given as text (a rendered Python response): a content type replaces the
    /// kept one when there is none yet.
    pub fn push_header(&mut self, name: String, value: String) {
        if self.content_type.is_none() && name.eq_ignore_ascii_case("content-type") {
            self.content_type = Some(Cow::Owned(value));
        } else {
            self.headers.push((Cow::Owned(name), Cow::Owned(value)));
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        if name.eq_ignore_ascii_case("content-type") {
            if let Some(content_type) = &self.content_type {
                return Some(content_type);
            }
        }
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// Every header as owned pairs, the content type first (for Python).
    pub fn owned_headers(&self) -> Vec<(String, String)> {
        let content_type = self
            .content_type
            .as_ref()
            .map(|ct| ("content-type".to_owned(), ct.to_string()));
        content_type
            .into_iter()
            .chain(
                self.headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string())),
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(query: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        HttpRequest::from_strings("get", "/", query, &headers, Bytes::new()).unwrap()
    }

    #[test]
    fn parses_query_and_cookies() {
        let req = strings(
            "a=1&a=2&b=x%20y+z",
            &[("Cookie", "s=abc; t=\"q\""), ("cookie", "u=%41")],
        );
        assert_eq!(req.method(), "GET");
        let pairs = req.query_pairs();
        assert_eq!(pairs[1], ("a".into(), "2".into()));
        assert_eq!(pairs[2], ("b".into(), "x y z".into()));
        assert_eq!(
            req.cookies(),
            vec![
                ("s".into(), "abc".into()),
                ("t".into(), "q".into()),
                ("u".into(), "A".into())
            ]
        );
    }

    #[test]
    fn server_requests_read_from_the_uri_and_keep_header_text() {
        let mut headers = HeaderMap::new();
        headers.append(
            HeaderName::from_static("x-raw"),
            HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        );
        headers.append(
            HeaderName::from_static("x-raw"),
            HeaderValue::from_static("two"),
        );
        let uri: Uri = "/a%20b/c?x=1&y".parse().unwrap();
        let req = HttpRequest::from_parts(Method::POST, uri, headers, Bytes::new());
        assert_eq!(
            (req.method(), req.path(), req.query()),
            ("POST", "/a%20b/c", "x=1&y")
        );
        let values: Vec<&str> = req.header_values("x-raw").collect();
        assert_eq!(values, ["caf\u{fffd}", "two"]);
        assert_eq!(req.header("missing"), None);
    }

    #[test]
    fn invalid_test_headers_are_errors() {
        let bad = [("bad name".to_string(), "v".to_string())];
        assert!(HttpRequest::from_strings("GET", "/", "", &bad, Bytes::new()).is_err());
        let bad = [("x".to_string(), "line\nbreak".to_string())];
        assert!(HttpRequest::from_strings("GET", "/", "", &bad, Bytes::new()).is_err());
    }

    #[test]
    fn detail_body() {
        assert_eq!(
            &HttpResponse::detail(404, "Not Found").body[..],
            br#"{"detail":"Not Found"}"#
        );
    }
}
