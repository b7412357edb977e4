//! The auth context as Python sees it (`request.context`, django-bolt's keys), and the
//! revocation check for stores kept in Python, both under the GIL for authenticated calls.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;

use super::AppInner;
use crate::middleware::auth::AuthContext;

/// A JSON value as the Python value `json.loads` would give.
fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if n.as_str().contains(['.', 'e', 'E']) {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            } else {
                // An integer past 64 bits, exactly as written.
                py.get_type::<pyo3::types::PyInt>().call1((n.as_str(),))?
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// `request.context`: `user_id, is_staff, is_superuser, auth_backend, permissions,
/// auth_claims` (the claims None for an API key).
pub fn context_dict<'py>(py: Python<'py>, ctx: &AuthContext) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("user_id", ctx.user_id.as_deref())?;
    dict.set_item("is_staff", ctx.is_staff)?;
    dict.set_item("is_superuser", ctx.is_superuser)?;
    dict.set_item("auth_backend", ctx.kind)?;
    dict.set_item("permissions", PyList::new(py, &ctx.permissions)?)?;
    dict.set_item("auth_claims", json_to_py(py, &ctx.claims)?)?;
    Ok(dict)
}

impl AppInner {
    /// For a token whose backend keeps revoked ids in Python: whether the call may go on
    /// (Ok(true) authenticated, Ok(false) now anonymous) or the answer (401/403).
    pub fn still_authenticated(
        &self,
        py: Python<'_>,
        route: usize,
        ctx: &AuthContext,
    ) -> PyResult<Result<bool, crate::http::HttpResponse>> {
        let (Some(jti), true) = (&ctx.jti, self.middleware.revocation_in_python(ctx.backend))
        else {
            return Ok(Ok(true));
        };
        let backend = self.auth_objects[ctx.backend].bind(py);
        let revoked: bool = self
            .cache
            .bridge
            .bind(py)
            .call_method1("is_revoked", (backend, jti))?
            .extract()?;
        if !revoked {
            return Ok(Ok(true));
        }
        Ok(match self.middleware.recheck_anonymous(route) {
            Some(answer) => Err(answer),
            None => Ok(false),
        })
    }
}
