//! Handler results and exceptions to HTTP responses.

use std::sync::atomic::Ordering;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use super::AppInner;
use crate::encode::{EncodeError, Walker};
use crate::http::HttpResponse;

const TEXT: &str = "text/plain; charset=utf-8";
const OCTETS: &str = "application/octet-stream";

type Rendered = (u16, Vec<(String, String)>, Vec<u8>);

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
        let response = if let Ok(text) = value.cast_exact::<PyString>() {
            HttpResponse::new(status, Some(TEXT), text.to_str()?.as_bytes().to_vec())
        } else if let Ok(raw) = value.cast_exact::<PyBytes>() {
            HttpResponse::new(status, Some(OCTETS), raw.as_bytes().to_vec())
        } else if value.is_instance(self.cache.response_type.bind(py))? {
            let (status, headers, body): Rendered = self
                .cache
                .render_response
                .bind(py)
                .call1((value,))?
                .extract()?;
            return Ok(HttpResponse {
                status,
                headers,
                body: body.into(),
            });
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

    /// The JSON body for `value` under the route's declared type: written straight into a Rust
    /// buffer, or, when the value does not have that type, msgspec's conversion of it.
    pub fn encode_json(&self, route: usize, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        let size_hint = &self.routes[route].encoded_size;
        let mut buf = Vec::with_capacity(size_hint.load(Ordering::Relaxed) + 64);
        let walker = Walker {
            plans: &self.plans,
            generated: self.table.generated_encoders(),
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
            .and_then(|r| r.extract::<Rendered>());
        match rendered {
            Ok((status, headers, body)) => HttpResponse {
                status,
                headers,
                body: body.into(),
            },
            Err(inner) => {
                inner.print(py);
                HttpResponse::detail(500, "Internal Server Error")
            }
        }
    }
}
