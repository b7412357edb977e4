//! Functions exported to Python by the core extension (`django_bolt._core`).

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::bridge::App;
use crate::http::{HttpRequest, HttpResponse};
use crate::pipeline::{check_head, check_header_sizes, finish_head, prepare, Prepared};
use crate::server::{run, ServeConfig, ServerLimits};
use crate::stream::{file, FileConditions, Streamed};

/// Serve `app` until SIGTERM/SIGINT, then let in-flight requests finish. Times are seconds.
#[pyfunction]
#[pyo3(signature = (app, host, port, *, workers=1, backlog=1024, shutdown_timeout=30, sync_threads=64,
    head_timeout=10.0, keep_alive=5.0, body_idle_timeout=10.0, body_total_timeout=60.0,
    max_connections=10_000, handler_timeout=None, handler_timeout_503=false, listen_fd=None,
    ready_fd=None))]
#[allow(clippy::too_many_arguments)]
pub fn serve(
    py: Python<'_>,
    app: &Bound<'_, App>,
    host: String,
    port: u16,
    workers: usize,
    backlog: u32,
    shutdown_timeout: u64,
    sync_threads: usize,
    head_timeout: f64,
    keep_alive: f64,
    body_idle_timeout: f64,
    body_total_timeout: f64,
    max_connections: usize,
    handler_timeout: Option<f64>,
    handler_timeout_503: bool,
    listen_fd: Option<i32>,
    ready_fd: Option<i32>,
) -> PyResult<()> {
    let inner = app.get().inner.clone();
    let config = ServeConfig {
        host,
        port,
        workers,
        backlog,
        shutdown_timeout,
        sync_threads,
        limits: ServerLimits {
            head_timeout: seconds("head_timeout", head_timeout)?,
            keep_alive: seconds("keep_alive", keep_alive)?,
            body_idle_timeout: seconds("body_idle_timeout", body_idle_timeout)?,
            body_total_timeout: seconds("body_total_timeout", body_total_timeout)?,
            max_connections,
            handler_timeout: handler_timeout
                .map(|t| seconds("handler_timeout", t))
                .transpose()?,
            handler_timeout_503,
        },
        listen_fd,
        ready_fd,
    };
    py.detach(move || run(inner, config))
        .map_err(|e| PyOSError::new_err(e.to_string()))
}

/// A positive, finite number of seconds.
fn seconds(name: &str, value: f64) -> PyResult<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "{name} must be a positive number of seconds, not {value}"
            ))
        })
}

/// A response as the test transport hands it to Python: status, headers, body, and for a
/// streamed response its iterator and whether it is async (the client pulls the chunks).
type TestResponse<'py> = (
    u16,
    Vec<(String, String)>,
    Bound<'py, PyBytes>,
    Option<(Py<PyAny>, bool)>,
);

/// In-process request through the same pipeline as the server, run in the calling thread.
#[pyfunction]
#[pyo3(signature = (app, method, path, query, headers, body))]
pub fn test_request<'py>(
    py: Python<'py>,
    app: &Bound<'py, App>,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> PyResult<TestResponse<'py>> {
    let inner = &app.get().inner;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    };
    let mut exit = inner.middleware.exit_for(header);
    let mut response =
        answer_test_request(py, inner, &method, path, query, &headers, body, &mut exit)?;
    // The test client reads streamed bodies itself, unencoded.
    inner.middleware.finish(&mut response, &exit, false);
    Ok(to_test_response(py, response))
}

/// `test_request`'s answer before the way out (`Middleware::finish`).
#[allow(clippy::too_many_arguments)]
fn answer_test_request(
    py: Python<'_>,
    inner: &crate::bridge::AppInner,
    method: &str,
    path: String,
    query: String,
    headers: &[(String, String)],
    body: Vec<u8>,
    exit: &mut crate::middleware::Exit,
) -> PyResult<HttpResponse> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    };
    if body.len() > inner.body_limit(&method.to_ascii_uppercase(), &path, header("content-type")) {
        return Ok(HttpResponse::detail(413, "Request body too large"));
    }
    let target = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    if let Some(response) = check_head(inner, method, &target, header) {
        return Ok(response);
    }
    let longest = headers.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    if let Some(response) = check_header_sizes(inner, headers.len(), longest) {
        return Ok(response);
    }
    let conditions = FileConditions::read(&method.to_ascii_uppercase(), header);
    let request = HttpRequest::from_strings(method, path, query, headers, body.into())
        .map_err(pyo3::exceptions::PyValueError::new_err)?;
    let mut response = match prepare(inner, request, exit) {
        Prepared::Respond(response) => response,
        Prepared::Call(call) => {
            let head = call.head;
            finish_head(inner.call_blocking(py, call), head)
        }
        // No request signals here, as for bolt handlers: the test's database connection stays.
        Prepared::Django(request) => {
            let head = request.method() == "HEAD";
            finish_head(inner.call_django(py, request, false), head)
        }
    };
    let head_only = method.eq_ignore_ascii_case("HEAD");
    if let Some(window) = file::open(&mut response, conditions.as_ref(), head_only) {
        response.stream = None;
        match file::read_window(window) {
            Ok(bytes) => response.body = bytes.into(),
            Err(err) => {
                eprintln!("django-bolt: reading a file response failed: {err}");
                response = HttpResponse::detail(500, "Internal Server Error");
            }
        }
    }
    Ok(response)
}

fn to_test_response(py: Python<'_>, response: HttpResponse) -> TestResponse<'_> {
    let stream = match response.stream.as_ref().and_then(|s| s.take()) {
        Some(Streamed::Python(source)) => Some((source.iterator, source.is_async)),
        _ => None,
    };
    (
        response.status,
        response.owned_headers(),
        PyBytes::new(py, &response.body),
        stream,
    )
}

/// The hot path's cost per request, phase by phase (`make bench`): `[(phase, ns), ...]` for
/// `iterations` runs of one request through `app`, the way the server runs it.
#[pyfunction]
#[pyo3(signature = (app, method, path, query="", headers=Vec::new(), body=Vec::new(), iterations=20_000))]
#[allow(clippy::too_many_arguments)]
pub fn profile_request(
    py: Python<'_>,
    app: &Bound<'_, App>,
    method: &str,
    path: &str,
    query: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    iterations: usize,
) -> PyResult<crate::server::Breakdown> {
    let inner = app.get().inner.clone();
    let request = HttpRequest::from_strings(method, path, query, &headers, body.into())
        .map_err(pyo3::exceptions::PyValueError::new_err)?;
    py.detach(move || crate::server::profile(&inner, &request, iterations))
        .map_err(pyo3::exceptions::PyValueError::new_err)
}

/// Validate JSON `body` against a type descriptor and schemas (manifest JSON): the issues as a
/// JSON array, or None when valid (or left to msgspec).
#[pyfunction]
pub fn validate_json(body: &[u8], ty: &str, schemas: &str) -> PyResult<Option<String>> {
    use crate::decode::{validate_body, BodyCheck};
    let bad = |e: serde_json::Error| pyo3::exceptions::PyValueError::new_err(e.to_string());
    let ty: crate::manifest::TypeRef = serde_json::from_str(ty).map_err(bad)?;
    let schemas = serde_json::from_str(schemas).map_err(bad)?;
    Ok(match validate_body(body, &ty, &schemas) {
        BodyCheck::Invalid(issues) => Some(serde_json::to_string(&issues).map_err(bad)?),
        BodyCheck::Valid | BodyCheck::Unsure => None,
    })
}

/// A signed JWT of `claims` (JSON): `key` is the secret (HS*) or a PEM private key.
#[pyfunction]
#[pyo3(signature = (claims, key, algorithm, kid=None))]
pub fn jwt_encode(
    claims: &str,
    key: &str,
    algorithm: &str,
    kid: Option<String>,
) -> PyResult<String> {
    crate::middleware::token::encode(claims, key, algorithm, kid)
        .map_err(pyo3::exceptions::PyValueError::new_err)
}

/// The claims (JSON) of a token checked as requests' are: ValueError naming what failed.
#[pyfunction]
#[pyo3(signature = (token, key, algorithms, audience=Vec::new(), issuer=Vec::new(), leeway=0))]
pub fn jwt_decode(
    token: &str,
    key: &str,
    algorithms: Vec<String>,
    audience: Vec<String>,
    issuer: Vec<String>,
    leeway: u64,
) -> PyResult<String> {
    crate::middleware::token::decode(token, key, &algorithms, &audience, &issuer, leeway)
        .map_err(pyo3::exceptions::PyValueError::new_err)
}

/// Guards (manifest JSON) against a context's JSON (None: anonymous): None when admitted,
/// else `(status, detail)` (the session guard, after Django's middleware).
#[pyfunction]
#[pyo3(signature = (guards, context=None))]
pub fn check_guards(guards: &str, context: Option<&str>) -> PyResult<Option<(u16, &'static str)>> {
    crate::middleware::check_guards(guards, context)
        .map_err(pyo3::exceptions::PyValueError::new_err)
}

/// Module init of a generated project extension: the runtime plus its compiled table.
pub fn register_compiled(
    module: &Bound<'_, PyModule>,
    table: &'static crate::compiled::CompiledTable,
) -> PyResult<()> {
    module.add("FINGERPRINT", table.fingerprint)?;
    module.add("ROUTE_COUNT", table.extractors.len())?;
    module.add("TABLE", crate::compiled::TableValue(table))?;
    register(module)
}

/// Register the runtime's classes and functions on the extension module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("RUNTIME_ID", env!("BOLT_RUNTIME_ID"))?;
    module.add_class::<App>()?;
    module.add_class::<crate::bridge::Request>()?;
    // The type of a project extension's `TABLE` (no constructor: only generated code makes one).
    module.add_class::<crate::compiled::TableValue>()?;
    module.add_function(wrap_pyfunction!(serve, module)?)?;
    module.add_function(wrap_pyfunction!(test_request, module)?)?;
    module.add_function(wrap_pyfunction!(validate_json, module)?)?;
    module.add_function(wrap_pyfunction!(profile_request, module)?)?;
    module.add_function(wrap_pyfunction!(jwt_encode, module)?)?;
    module.add_function(wrap_pyfunction!(jwt_decode, module)?)?;
    module.add_function(wrap_pyfunction!(check_guards, module)?)?;
    Ok(())
}
