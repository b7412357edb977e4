//! The request steps that run without the GIL: routing, automatic HEAD/OPTIONS, trailing-slash
//! redirects and parameter validation. Only a request that survives them reaches Python.

use crate::bridge::{AppInner, PendingCall};
use crate::decode::{validate_body, BodyCheck};
use crate::http::{HttpRequest, HttpResponse};
use crate::router::Lookup;
use crate::table::Arg;
use crate::table::RouteTable;
use crate::validation::unprocessable;

// Moved once per request, by value: boxing the call would cost an allocation to save a copy.
#[allow(clippy::large_enum_variant)]
pub enum Prepared {
    Respond(HttpResponse),
    Call(PendingCall),
}

/// `Allow` header value: the routed methods plus the ones answered automatically.
fn allow_header(mut methods: Vec<String>) -> String {
    if methods.iter().any(|m| m == "GET") {
        methods.push("HEAD".into());
    }
    methods.push("OPTIONS".into());
    methods.sort();
    methods.dedup();
    methods.join(", ")
}

fn path_exists(table: &dyn RouteTable, method: &str, path: &str) -> bool {
    !matches!(table.lookup(method, path), Lookup::NotFound)
}

/// The other trailing-slash form of `path`, when that form is routed.
fn slash_variant(table: &dyn RouteTable, method: &str, path: &str) -> Option<String> {
    if path == "/" {
        return None;
    }
    let other = match path.strip_suffix('/') {
        Some(stripped) => stripped.to_owned(),
        None => format!("{path}/"),
    };
    // Never redirect off-site: browsers read `//host` and `/\host` as another host.
    if other.starts_with("//") || other.contains('\\') {
        return None;
    }
    path_exists(table, method, &other).then_some(other)
}

pub fn prepare(app: &AppInner, request: HttpRequest) -> Prepared {
    let table = app.table.as_ref();
    let mut head = false;
    let mut lookup = table.lookup(request.method(), request.path());
    if request.method() == "HEAD" && !matches!(lookup, Lookup::Found { .. }) {
        if let found @ Lookup::Found { .. } = table.lookup("GET", request.path()) {
            lookup = found;
            head = true;
        }
    }
    let (route, captures) = match lookup {
        Lookup::Found { route, captures } => (route, captures),
        Lookup::MethodNotAllowed(methods) if request.method() == "OPTIONS" => {
            let response =
                HttpResponse::new(204, None, "").with_header("allow", allow_header(methods));
            return Prepared::Respond(response);
        }
        Lookup::MethodNotAllowed(methods) => {
            let response = HttpResponse::detail(405, "Method Not Allowed")
                .with_header("allow", allow_header(methods));
            return Prepared::Respond(response);
        }
        Lookup::NotFound => {
            let response = match slash_variant(table, request.method(), request.path()) {
                Some(target) => {
                    let location = if request.query().is_empty() {
                        target
                    } else {
                        format!("{target}?{}", request.query())
                    };
                    HttpResponse::new(308, None, "").with_header("location", location)
                }
                None => HttpResponse::detail(404, "Not Found"),
            };
            return Prepared::Respond(response);
        }
    };
    let extracted = table.extract(route, &captures, &request);
    // The body is checked unless it was optional and left out; its errors join the others.
    let body_sent = extracted
        .as_ref()
        .map_or(!request.body.is_empty(), |args| args.contains(&Arg::Body));
    // A covered, valid body becomes a tape here; anything else gets the full check.
    let body_tape = if body_sent {
        app.scan_body(route, &request.body)
    } else {
        None
    };
    let body_issues = match &app.body_types[route] {
        Some(ty) if body_sent && body_tape.is_none() => {
            match validate_body(&request.body, ty, &app.schemas) {
                BodyCheck::Invalid(issues) => issues,
                BodyCheck::Valid | BodyCheck::Unsure => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    match extracted {
        Ok(args) if body_issues.is_empty() => Prepared::Call(PendingCall {
            route,
            args,
            request,
            head,
            body_tape,
        }),
        Ok(_) => Prepared::Respond(unprocessable(&body_issues)),
        Err(mut issues) => {
            issues.extend(body_issues);
            Prepared::Respond(unprocessable(&issues))
        }
    }
}

/// HEAD answers carry the GET headers and no body.
pub fn finish_head(mut response: HttpResponse, head: bool) -> HttpResponse {
    if head {
        response.body = bytes::Bytes::new();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_off_site_redirects() {
        let table = crate::table::DynamicTable::new(
            &crate::manifest::Manifest::from_json(
                r#"{"version":1,"project":"p","routes":[{"id":0,"method":"GET","path":"/{x}","handler":"m:f",
                "is_async":false,"status_code":200,"params":[{"name":"x","alias":"x","source":"path",
                "type":{"kind":"str"},"required":true}]}]}"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(slash_variant(&table, "GET", "/\\evil.com/"), None);
        assert_eq!(slash_variant(&table, "GET", "//evil.com/"), None);
        assert_eq!(slash_variant(&table, "GET", "/ok/"), Some("/ok".into()));
    }

    #[test]
    fn allow_lists_automatic_methods() {
        assert_eq!(
            allow_header(vec!["POST".into(), "GET".into()]),
            "GET, HEAD, OPTIONS, POST"
        );
        assert_eq!(allow_header(vec!["DELETE".into()]), "DELETE, OPTIONS");
    }
}
