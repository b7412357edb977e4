//! Transport-neutral request and response values shared by the server and the test transport.

use bytes::Bytes;

#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// Raw path, still percent-encoded, without the query string.
    pub path: String,
    /// Raw query string without the leading `?`.
    pub query: String,
    /// Header names are lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All values of a header, in order (repeated headers are kept separately).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Decoded `key=value` pairs of the query string, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
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

pub fn percent_decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

pub const JSON: &str = "application/json";

impl HttpResponse {
    pub fn new(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Self {
        let headers = content_type
            .map(|ct| vec![("content-type".to_owned(), ct.to_owned())])
            .unwrap_or_default();
        Self {
            status,
            headers,
            body: body.into(),
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

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_query_and_cookies() {
        let req = HttpRequest {
            query: "a=1&a=2&b=x%20y+z".into(),
            headers: vec![
                ("cookie".into(), "s=abc; t=\"q\"".into()),
                ("cookie".into(), "u=%41".into()),
            ],
            ..Default::default()
        };
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
    fn detail_body() {
        assert_eq!(
            &HttpResponse::detail(404, "Not Found").body[..],
            br#"{"detail":"Not Found"}"#
        );
    }
}
