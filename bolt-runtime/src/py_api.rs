//! Functions exported to Python by the core extension (`django_bolt._core`).

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::bridge::App;
use crate::http::{HttpRequest, HttpResponse};
use crate::pipeline::{finish_head, prepare, Prepared};
use crate::server::{run, ServeConfig};

/// Serve `app` until SIGTERM/SIGINT, then let in-flight requests finish.
#[pyfunction]
#[pyo3(signature = (app, host, port, *, workers=1, backlog=1024, shutdown_timeout=30))]
pub fn serve(
    py: Python<'_>,
    app: &Bound<'_, App>,
    host: String,
    port: u16,
    workers: usize,
    backlog: u32,
    shutdown_timeout: u64,
) -> PyResult<()> {
    let inner = app.get().inner.clone();
    let config = ServeConfig {
        host,
        port,
        workers,
        backlog,
        shutdown_timeout,
    };
    py.detach(move || run(inner, config))
        .map_err(|e| PyOSError::new_err(e.to_string()))
}

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
) -> (u16, Vec<(String, String)>, Bound<'py, PyBytes>) {
    let inner = &app.get().inner;
    if body.len() > inner.max_body_size {
        let response = HttpResponse::detail(413, "Request body too large");
        return (
            response.status,
            response.headers,
            PyBytes::new(py, &response.body),
        );
    }
    let headers = headers
        .into_iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect();
    let request = HttpRequest {
        method: method.to_ascii_uppercase(),
        path,
        query,
        headers,
        body: body.into(),
    };
    let response = match prepare(inner, request) {
        Prepared::Respond(response) => response,
        Prepared::Call(call) => {
            let head = call.head;
            finish_head(inner.call_blocking(py, call), head)
        }
    };
    (
        response.status,
        response.headers,
        PyBytes::new(py, &response.body),
    )
}

/// Module init of a generated project extension: the runtime plus its compiled table.
pub fn register_compiled(
    module: &Bound<'_, PyModule>,
    table: &'static crate::compiled::CompiledTable,
) -> PyResult<()> {
    let stored = *crate::bridge::COMPILED_TABLE.get_or_init(|| table);
    module.add("FINGERPRINT", stored.fingerprint)?;
    module.add("ROUTE_COUNT", stored.extractors.len())?;
    register(module)
}

/// Register the runtime's classes and functions on the extension module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("RUNTIME_ID", env!("BOLT_RUNTIME_ID"))?;
    module.add_class::<App>()?;
    module.add_class::<crate::bridge::Request>()?;
    module.add_function(wrap_pyfunction!(serve, module)?)?;
    module.add_function(wrap_pyfunction!(test_request, module)?)?;
    Ok(())
}
