//! The request steps that run without the GIL: routing, automatic HEAD/OPTIONS, trailing-slash
//! redirects and parameter validation. Only a request that survives them reaches Python.

use crate::bridge::{AppInner, PendingCall};
use crate::decode::{validate_body, BodyCheck};
use crate::http::{HttpRequest, HttpResponse};
use crate::middleware::Exit;
use crate::router::Lookup;
use crate::table::Arg;
use crate::table::RouteTable;
use crate::validation::unprocessable;

// Moved once per request, by value: boxing the call would cost an allocation to save a copy.
#[allow(clippy::large_enum_variant)]
pub enum Prepared {
    Respond(HttpResponse),
    Call(PendingCall),
    /// A path of the project's Django URLs: Django handles the request.
    Django(HttpRequest),
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

/// What answers a request no BoltAPI route serves, in this order.
enum Unrouted {
    /// A GET/HEAD under `STATIC_URL` (or `MEDIA_URL`): the file, or 404.
    StaticFile,
    /// A BoltAPI route serves the path with its trailing slash added or removed.
    SlashRedirect(String),
    /// One of the project's Django URLs (or the path with a slash added: Django's
    /// APPEND_SLASH redirect is Django's).
    Django,
    NotFound,
}

fn unrouted(app: &AppInner, method: &str, path: &str) -> Unrouted {
    let table = app.table.as_ref();
    let readable = matches!(method, "GET" | "HEAD");
    if readable && app.static_files.as_ref().is_some_and(|f| f.claims(path)) {
        return Unrouted::StaticFile;
    }
    if let Some(target) = slash_variant(table, method, path) {
        return Unrouted::SlashRedirect(target);
    }
    if table.has_django_urls() {
        let decoded = crate::http::percent_decode(path);
        if table.serves_django(&decoded)
            || (!decoded.ends_with('/') && table.serves_django(&format!("{decoded}/")))
        {
            return Unrouted::Django;
        }
    }
    Unrouted::NotFound
}

/// Whether `prepare` will hand this request to Django, from its head alone: the server reads
/// such a body its own way (spooled, as Django reads a file), before routing.
pub fn routes_to_django(app: &AppInner, method: &str, path: &str) -> bool {
    app.table.has_django_urls()
        && matches!(app.table.lookup(method, path), Lookup::NotFound)
        && matches!(unrouted(app, method, path), Unrouted::Django)
}

/// What a request head alone decides, before its body is read (the server) or routed (both
/// paths): CONNECT (405), an over-long target (414), a host outside `ALLOWED_HOSTS` (400) and
/// more query fields than `DATA_UPLOAD_MAX_NUMBER_FIELDS` (400).
pub fn check_head<'a>(
    app: &AppInner,
    method: &str,
    target: &str,
    header: impl Fn(&str) -> Option<&'a str>,
) -> Option<HttpResponse> {
    let limits = &app.request_limits;
    if method == "CONNECT" {
        return Some(HttpResponse::detail(405, "Method Not Allowed"));
    }
    if target.len() > limits.max_url_length {
        return Some(HttpResponse::detail(414, "URI Too Long"));
    }
    if let Some(hosts) = &limits.allowed_hosts {
        let forwarded = hosts
            .use_forwarded_host
            .then(|| header("x-forwarded-host"))
            .flatten();
        if !hosts.allows(forwarded.or_else(|| header("host"))) {
            return Some(HttpResponse::detail(400, "Invalid Host header"));
        }
    }
    if let (Some(max), Some((_, query))) = (limits.max_query_fields, target.split_once('?')) {
        if query.split('&').filter(|field| !field.is_empty()).count() > max {
            let detail = format!(
                "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS ({max})"
            );
            return Some(HttpResponse::detail(400, &detail));
        }
    }
    None
}

/// 431 for a request with more header lines than `max_header_count`, or a header value longer
/// than `max_header_size` (`longest`: the longest value's length).
pub fn check_header_sizes(app: &AppInner, count: usize, longest: usize) -> Option<HttpResponse> {
    let limits = &app.request_limits;
    if count > limits.max_header_count {
        return Some(HttpResponse::detail(431, "Too many headers"));
    }
    if longest > limits.max_header_size {
        let max = limits.max_header_size;
        let detail = format!("Header value too large (max {max} bytes)");
        return Some(HttpResponse::detail(431, &detail));
    }
    None
}

/// `application/json` and `application/*+json`, parameters ignored.
fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// The form of a form route's request, or the answer to a body that is not one (400, 413).
fn read_form(app: &AppInner, request: &HttpRequest) -> Result<crate::form::FormData, HttpResponse> {
    use crate::form::FormError;
    crate::form::parse(request.header("content-type"), &request.body, app.form_limits).map_err(
        |err| match err {
            FormError::TooManyFields(max) => HttpResponse::detail(
                400,
                &format!(
                    "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS ({max})"
                ),
            ),
            FormError::TooManyParts(max) => HttpResponse::detail(
                413,
                &format!("Too many parts in the multipart body (at most {max})"),
            ),
            FormError::Malformed(reason) => {
                HttpResponse::detail(400, &format!("Malformed multipart body: {reason}"))
            }
        },
    )
}

pub fn prepare(app: &AppInner, mut request: HttpRequest, exit: &mut Exit) -> Prepared {
    let table = app.table.as_ref();
    if let Some(response) = app.middleware.preflight(table, &request) {
        exit.preflight = true;
        return Prepared::Respond(response);
    }
    let mut head = false;
    let mut lookup = table.lookup(request.method(), request.path());
    if request.method() == "HEAD" && !matches!(lookup, Lookup::Found { .. }) {
        if let found @ Lookup::Found { .. } = table.lookup("GET", request.path()) {
            lookup = found;
            head = true;
        }
    }
    let (route, captures) = match lookup {
        Lookup::Found { route, captures } => {
            exit.route = Some(route);
            (route, captures)
        }
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
            let response = match unrouted(app, request.method(), request.path()) {
                Unrouted::StaticFile => app
                    .static_files
                    .as_ref()
                    .and_then(|files| {
                        files.answer(request.path(), request.header("accept-encoding"))
                    })
                    .unwrap_or_else(|| HttpResponse::detail(404, "Not Found")),
                Unrouted::SlashRedirect(target) => {
                    let location = if request.query().is_empty() {
                        target
                    } else {
                        format!("{target}?{}", request.query())
                    };
                    HttpResponse::new(308, None, "").with_header("location", location)
                }
                Unrouted::Django => return Prepared::Django(request),
                Unrouted::NotFound => HttpResponse::detail(404, "Not Found"),
            };
            return Prepared::Respond(response);
        }
    };
    let auth = match app.middleware.admit(route, &request) {
        Ok(context) => context,
        Err(response) => return Prepared::Respond(response),
    };
    // A JSON body needs a JSON media type: a cross-site HTML form can send `text/plain` or a
    // form encoding, never `application/json` (a request without the header is a client
    // that is not a browser form, and is accepted, as FastAPI does).
    if app.body_types[route].is_some() && !request.body.is_empty() {
        if let Some(content_type) = request.header("content-type") {
            if !is_json_media_type(content_type) {
                return Prepared::Respond(HttpResponse::detail(
                    415,
                    "Unsupported Media Type: a JSON body needs Content-Type: application/json",
                ));
            }
        }
    }
    if app.form_plans[route].is_some() {
        drop(captures);
        request.auth = auth;
        return prepare_form(app, request, route, head);
    }
    let extracted = table.extract(route, &captures, &request);
    drop(captures);
    request.auth = auth;
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

/// A form route's request: its form parsed (a bad one answered), its file parameters checked
/// (their issues join the others), then extracted like any other.
fn prepare_form(app: &AppInner, mut request: HttpRequest, route: usize, head: bool) -> Prepared {
    // The server has parsed a multipart body as it streamed in; anything else is parsed here.
    if request.form.is_none() {
        match read_form(app, &request) {
            Ok(form) => request.form = Some(std::sync::Arc::new(form)),
            Err(response) => return Prepared::Respond(response),
        }
    }
    let plan = app.form_plans[route].as_ref().expect("a form route");
    let mut issues = Vec::new();
    for (name, required, limits) in &plan.files {
        let form = request.form.as_deref();
        crate::form::check_files(form, name, *required, limits, &mut issues);
    }
    // The captures borrow the path: looked up again now that the form is in place.
    let method = if head { "GET" } else { request.method() };
    let Lookup::Found { captures, .. } = app.table.lookup(method, request.path()) else {
        return Prepared::Respond(HttpResponse::detail(404, "Not Found"));
    };
    let extracted = app.table.extract(route, &captures, &request);
    drop(captures);
    match extracted {
        Ok(args) if issues.is_empty() => Prepared::Call(PendingCall {
            route,
            args,
            request,
            head,
            body_tape: None,
        }),
        Ok(_) => Prepared::Respond(unprocessable(&issues)),
        Err(mut found) => {
            found.extend(issues);
            Prepared::Respond(unprocessable(&found))
        }
    }
}

/// HEAD answers carry the GET headers and no body.
pub fn finish_head(mut response: HttpResponse, head: bool) -> HttpResponse {
    if head {
        response.body = bytes::Bytes::new();
        // A Python stream is never started; a file keeps its validators (`open_file`).
        if !response.stream.as_ref().is_some_and(|s| s.is_file()) {
            response.stream = None;
        }
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
    fn json_media_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.api+json",
            "application/problem+JSON",
        ] {
            assert!(is_json_media_type(ok), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "application/+json",
            "text/json",
            "",
        ] {
            assert!(!is_json_media_type(bad), "{bad}");
        }
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
