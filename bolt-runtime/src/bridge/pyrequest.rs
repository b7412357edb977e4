//! The `Request` object handed to handlers that ask for it.

use std::sync::Arc;

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::http::HttpRequest;

#[pyclass(module = "django_bolt._core", name = "Request")]
pub struct Request {
    inner: Arc<HttpRequest>,
    params: Py<PyDict>,
    /// Free-form per-request storage for middleware and handlers.
    #[pyo3(get, set)]
    state: Py<PyAny>,
    #[pyo3(get, set)]
    user: Py<PyAny>,
    #[pyo3(get, set)]
    context: Py<PyAny>,
    #[pyo3(get, set)]
    auth: Py<PyAny>,
}

impl Request {
    pub fn new(py: Python<'_>, inner: Arc<HttpRequest>, params: Bound<'_, PyDict>) -> Self {
        Self {
            inner,
            params: params.unbind(),
            state: PyDict::new(py).into_any().unbind(),
            user: py.None(),
            context: py.None(),
            auth: py.None(),
        }
    }
}

#[pymethods]
impl Request {
    #[getter]
    fn method(&self) -> &str {
        self.inner.method()
    }

    #[getter]
    fn path(&self) -> String {
        crate::http::percent_decode(self.inner.path())
    }

    #[getter]
    fn query_string(&self) -> &str {
        self.inner.query()
    }

    /// Query parameters; for a repeated key the last value wins.
    #[getter]
    fn query<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in self.inner.query_pairs() {
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    /// Headers with lowercase names; repeated headers are joined with ", ".
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in self.inner.headers() {
            let joined = match dict.get_item(name)? {
                Some(prev) => format!("{}, {value}", prev.extract::<String>()?),
                None => value.to_owned(),
            };
            dict.set_item(name, joined)?;
        }
        Ok(dict)
    }

    #[getter]
    fn cookies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in self.inner.cookies() {
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }

    /// Typed path parameters.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> Bound<'py, PyDict> {
        self.params.bind(py).clone()
    }

    fn get_full_path(&self) -> String {
        if self.inner.query().is_empty() {
            self.path()
        } else {
            format!("{}?{}", self.path(), self.inner.query())
        }
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        Ok(match key {
            "method" => self.method().into_pyobject(py)?.into_any(),
            "path" => self.path().into_pyobject(py)?.into_any(),
            "query" => self.query(py)?.into_any(),
            "headers" => self.headers(py)?.into_any(),
            "cookies" => self.cookies(py)?.into_any(),
            "body" => self.body(py).into_any(),
            "params" => self.params(py).into_any(),
            "state" => self.state.bind(py).clone(),
            "user" => self.user.bind(py).clone(),
            "context" => self.context.bind(py).clone(),
            "auth" => self.auth.bind(py).clone(),
            _ => return Err(PyKeyError::new_err(key.to_owned())),
        })
    }

    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.__getitem__(py, key) {
            Ok(value) => Ok(value),
            Err(err) if err.is_instance_of::<PyKeyError>(py) => {
                Ok(default.unwrap_or_else(|| py.None().into_bound(py)))
            }
            Err(err) => Err(err),
        }
    }

    fn __repr__(&self) -> String {
        format!("<Request {} {}>", self.inner.method(), self.path())
    }
}
