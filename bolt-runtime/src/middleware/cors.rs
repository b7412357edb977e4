//! CORS (Fetch standard): preflight answers and the headers of actual responses, from the
//! global configuration (django-cors-headers' settings) or a route's `@cors(...)`.

use bolt_schema::policy::CorsPolicy;
use regex::Regex;

use crate::http::HttpResponse;

/// A CORS policy ready for requests: origin patterns compiled, header values joined once.
#[derive(Debug)]
pub struct Cors {
    origins: Vec<String>,
    regexes: Vec<Regex>,
    allow_all: bool,
    credentials: bool,
    methods: Vec<String>,
    /// `*` allows any requested header (reflected, as `*` is not a wildcard with credentials).
    headers: Vec<String>,
    allow_methods: String,
    expose_headers: Option<String>,
    max_age: String,
}

/// Why a preflight is refused (the answer names it).
#[derive(Debug, PartialEq)]
pub enum Refused {
    Origin,
    Method,
    Header(String),
}

impl Cors {
    pub fn new(policy: &CorsPolicy) -> Result<Self, String> {
        let regexes = policy
            .origin_regexes
            .iter()
            .map(|pattern| {
                Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|e| format!("CORS origin regex {pattern:?} is invalid: {e}"))
            })
            .collect::<Result<_, _>>()?;
        let upper = |items: &[String]| items.iter().map(|m| m.to_ascii_uppercase()).collect();
        let lower = |items: &[String]| items.iter().map(|h| h.to_ascii_lowercase()).collect();
        let methods: Vec<String> = upper(&policy.methods);
        Ok(Self {
            origins: policy
                .origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect(),
            regexes,
            allow_all: policy.allow_all || policy.origins.iter().any(|o| o == "*"),
            credentials: policy.credentials,
            allow_methods: methods.join(", "),
            methods,
            headers: lower(&policy.headers),
            expose_headers: (!policy.expose_headers.is_empty())
                .then(|| policy.expose_headers.join(", ")),
            max_age: policy.max_age.to_string(),
        })
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        // `null` (sandboxed documents, file: pages) is only allowed when listed.
        if self.allow_all && origin != "null" {
            return true;
        }
        self.origins.iter().any(|o| o == origin) || self.regexes.iter().any(|r| r.is_match(origin))
    }

    /// The answer to a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`).
    pub fn preflight(
        &self,
        origin: &str,
        method: &str,
        request_headers: Option<&str>,
    ) -> Result<HttpResponse, Refused> {
        if !self.allows_origin(origin) {
            return Err(Refused::Origin);
        }
        let method = method.trim();
        if !self
            .methods
            .iter()
            .any(|m| m == "*" || m.eq_ignore_ascii_case(method))
        {
            return Err(Refused::Method);
        }
        let requested: Vec<String> = request_headers
            .unwrap_or("")
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        let any_header = self.headers.iter().any(|h| h == "*");
        if !any_header {
            if let Some(refused) = requested.iter().find(|h| !self.headers.contains(h)) {
                return Err(Refused::Header(refused.clone()));
            }
        }
        let mut response = HttpResponse::new(204, None, "")
            .with_header("access-control-allow-origin", origin)
            .with_header("access-control-allow-methods", &*self.allow_methods)
            .with_header("access-control-max-age", &*self.max_age);
        if !requested.is_empty() {
            response = response.with_header("access-control-allow-headers", requested.join(", "));
        }
        if self.credentials {
            response = response.with_header("access-control-allow-credentials", "true");
        }
        Ok(response.with_header(
            "vary",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ))
    }

    /// The CORS headers of an actual response. The origin is reflected (never `*`), so a
    /// credentialed request is never answered with a wildcard; `Vary: Origin` always, since
    /// the answer depends on it.
    pub fn apply(&self, response: &mut HttpResponse, origin: Option<&str>) {
        if let Some(origin) = origin.filter(|o| self.allows_origin(o)) {
            let push = |r: &mut HttpResponse, name: &str, value: &str| {
                r.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                r.push_header(name.to_owned(), value.to_owned());
            };
            push(response, "access-control-allow-origin", origin);
            if self.credentials {
                push(response, "access-control-allow-credentials", "true");
            }
            if let Some(expose) = &self.expose_headers {
                push(response, "access-control-expose-headers", expose);
            }
        }
        add_vary(response, "Origin");
    }
}

/// Add `value` to the response's `Vary` header unless it is listed already.
pub fn add_vary(response: &mut HttpResponse, value: &str) {
    let listed = response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("vary"))
        .flat_map(|(_, v)| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case(value) || v.trim() == "*");
    if !listed {
        response.push_header("vary".to_owned(), value.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> CorsPolicy {
        CorsPolicy {
            origins: vec!["https://app.example.com/".into()],
            origin_regexes: vec![r"https://\w+\.preview\.example\.com".into()],
            methods: vec!["GET".into(), "post".into()],
            headers: vec!["Content-Type".into(), "authorization".into()],
            expose_headers: vec!["X-Total".into()],
            credentials: true,
            max_age: 600,
            ..CorsPolicy::default()
        }
    }

    #[test]
    fn origins_match_exactly_or_by_full_regex() {
        let cors = Cors::new(&policy()).unwrap();
        assert!(cors.allows_origin("https://app.example.com"));
        assert!(cors.allows_origin("https://pr1.preview.example.com"));
        assert!(!cors.allows_origin("https://pr1.preview.example.com.evil.net"));
        assert!(!cors.allows_origin("https://evil.com"));
        assert!(!cors.allows_origin("null"));
    }

    #[test]
    fn preflight_checks_method_and_headers() {
        let cors = Cors::new(&policy()).unwrap();
        let ok = cors
            .preflight(
                "https://app.example.com",
                "POST",
                Some("Content-Type, Authorization"),
            )
            .unwrap();
        assert_eq!(ok.status, 204);
        assert_eq!(
            ok.header("access-control-allow-headers"),
            Some("content-type, authorization")
        );
        assert_eq!(ok.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(ok.header("access-control-max-age"), Some("600"));
        assert_eq!(
            cors.preflight("https://app.example.com", "DELETE", None)
                .unwrap_err(),
            Refused::Method
        );
        assert_eq!(
            cors.preflight("https://app.example.com", "GET", Some("x-secret"))
                .unwrap_err(),
            Refused::Header("x-secret".into())
        );
        assert_eq!(
            cors.preflight("https://evil.com", "GET", None).unwrap_err(),
            Refused::Origin
        );
    }

    #[test]
    fn actual_responses_reflect_the_origin_and_vary() {
        let cors = Cors::new(&CorsPolicy {
            allow_all: true,
            credentials: true,
            ..policy()
        })
        .unwrap();
        let mut response = HttpResponse::detail(404, "Not Found");
        cors.apply(&mut response, Some("https://other.org"));
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("https://other.org")
        );
        assert_eq!(response.header("vary"), Some("Origin"));
        let mut again = response.clone();
        cors.apply(&mut again, Some("https://other.org"));
        assert_eq!(again.headers.iter().filter(|(n, _)| n == "vary").count(), 1);
        let mut without = HttpResponse::detail(200, "x");
        cors.apply(&mut without, None);
        assert_eq!(without.header("access-control-allow-origin"), None);
        assert_eq!(without.header("vary"), Some("Origin"));
    }
}
