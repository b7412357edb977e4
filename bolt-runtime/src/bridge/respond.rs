//! Handler results and exceptions to HTTP responses.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use std::time::Duration;

use super::AppInner;
use crate::encode::{EncodeError, Walker};
use crate::http::HttpResponse;
use crate::stream::{FileSource, PySource, StreamBody, Streamed};

const TEXT: &str = "text/plain; charset=utf-8";
const OCTETS: &str = "application/octet-stream";

/// `(status, headers, body, stream)`: `stream` is None, `("file", path)`, or
/// `("iter", iterator, is_async, keepalive_seconds, keepalive_comment)`.
type Rendered<'py> = (
    u16,
    Vec<(String, String)>,
    PyBackedBytes,
    Option<Bound<'py, PyTuple>>,
);

fn stream_from(spec: &Bound<'_, PyTuple>) -> PyResult<Streamed> {
    let kind: String = spec.get_item(0)?.extract()?;
    match kind.as_str() {
        "file" => Ok(Streamed::File(FileSource {
            path: spec.get_item(1)?.extract::<std::path::PathBuf>()?,
        })),
        "iter" => {
            let keepalive = match spec.get_item(3)?.extract::<Option<f64>>()? {
                Some(seconds) if seconds > 0.0 && seconds.is_finite() => {
                    let comment: Vec<u8> = spec.get_item(4)?.extract()?;
                    Some((Duration::from_secs_f64(seconds), Bytes::from(comment)))
                }
                _ => None,
            };
            Ok(Streamed::Python(PySource {
                iterator: spec.get_item(1)?.unbind(),
                is_async: spec.get_item(2)?.extract()?,
                keepalive,
            }))
        }
        other => Err(PyValueError::new_err(format!(
            "unknown response stream kind {other:?}"
        ))),
    }
}

/// A response rendered in Python, checked to be sendable over HTTP in both transports (a
/// header name or value HTTP cannot carry is an error, answered 500 like any other).
fn from_rendered((status, headers, body, stream): Rendered<'_>) -> PyResult<HttpResponse> {
    if !(100..=999).contains(&status) {
        return Err(PyValueError::new_err(format!(
            "response status {status} is not an HTTP status code"
        )));
    }
    let mut response = HttpResponse::new(status, None, Bytes::from_owner(body));
    for (name, value) in headers {
        let name_ok = actix_http::header::HeaderName::from_bytes(name.as_bytes()).is_ok();
        if !name_ok || actix_http::header::HeaderValue::from_str(&value).is_err() {
            return Err(PyValueError::new_err(format!(
                "response header {name:?}: {value:?} cannot be sent over HTTP"
            )));
        }
        response.push_header(name.to_ascii_lowercase(), value);
    }
    if let Some(spec) = stream {
        response.stream = Some(StreamBody::new(stream_from(&spec)?));
    }
    Ok(response)
}

impl AppInner {
    pub fn respond(
        &self,
        py: Python<'_>,
        route: usize,
        result: PyResult<Bound<'_, PyAny>>,
    ) -> HttpResponse {
        match result.and_then(|value| self.render_value(route, &value)) {
            Ok(response) => response,
            Err(err) => self.render_error(py, err),
        }
    }

    fn render_value(&self, route: usize, value: &Bound<'_, PyAny>) -> PyResult<HttpResponse> {
        let py = value.py();
        let status = self.routes[route].status_code;
        // The common results first: a dict or list is JSON without further type checks.
        let plain_json =
            value.cast_exact::<PyDict>().is_ok() || value.cast_exact::<PyList>().is_ok();
        let response = if plain_json && status != 204 {
            HttpResponse::json(status, self.encode_json(route, value)?)
        } else if let Ok(text) = value.cast_exact::<PyString>() {
            HttpResponse::new(status, Some(TEXT), text.to_str()?.as_bytes().to_vec())
        } else if let Ok(raw) = value.cast_exact::<PyBytes>() {
            HttpResponse::new(status, Some(OCTETS), raw.as_bytes().to_vec())
        } else if value.is_instance(self.cache.response_type.bind(py))? {
            return self.render_returned(value);
        } else if status == 204 {
            HttpResponse::new(204, None, "")
        } else {
            HttpResponse::json(status, self.encode_json(route, value)?)
        };
        Ok(if status == 204 {
            HttpResponse::new(204, None, "")
        } else {
            response
        })
    }

    /// A response object (`Response`, Django's `HttpResponse`) rendered for sending.
    pub fn render_returned(&self, value: &Bound<'_, PyAny>) -> PyResult<HttpResponse> {
        let rendered: Rendered<'_> = self
            .cache
            .render_response
            .bind(value.py())
            .call1((value,))?
            .extract()?;
        from_rendered(rendered)
    }

    /// The JSON body for `value` under the route's declared type: written straight into a Rust
    /// buffer, or, when the value does not have that type, msgspec's conversion of it.
    pub fn encode_json(&self, route: usize, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        let size_hint = &self.routes[route].encoded_size;
        let mut buf = Vec::with_capacity(size_hint.load(Ordering::Relaxed) + 64);
        let walker = Walker {
            plans: &self.plans,
            generated: self.table.encoders(),
        };
        match walker.encode(&self.response_nodes[route], value, &mut buf, 0) {
            Ok(()) => {
                size_hint.store(buf.len(), Ordering::Relaxed);
                Ok(buf)
            }
            Err(EncodeError::Python(err)) => Err(err),
            Err(EncodeError::Mismatch) => {
                let declared = self.routes[route].response_type.bind(value.py());
                let encoded = self
                    .cache
                    .encode_declared
                    .bind(value.py())
                    .call1((value, declared))?;
                Ok(encoded.cast::<PyBytes>()?.as_bytes().to_vec())
            }
        }
    }

    /// Exceptions become responses in Python (`HTTPException` shapes, validation errors, 500s);
    /// if even that fails, a plain 500.
    pub fn render_error(&self, py: Python<'_>, err: PyErr) -> HttpResponse {
        let rendered = self
            .cache
            .render_exception
            .bind(py)
            .call1((err.into_value(py), self.debug))
            .and_then(|r| from_rendered(r.extract::<Rendered<'_>>()?));
        match rendered {
            Ok(response) => response,
            Err(inner) => {
                inner.print(py);
                HttpResponse::detail(500, "Internal Server Error")
            }
        }
    }
}
