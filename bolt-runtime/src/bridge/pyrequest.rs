//! The `Request` object handed to handlers that ask for it.

use std::sync::Arc;

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::http::HttpRequest;

/// An `UploadFile` for a file part: its bytes, or the path of its temp file.
pub fn upload<'py>(
    py: Python<'py>,
    make: &Bound<'py, PyAny>,
    part: &crate::form::FilePart,
) -> PyResult<Bound<'py, PyAny>> {
    let data = match &part.data {
        crate::form::PartData::Memory(bytes) => PyBytes::new(py, bytes).into_any(),
        crate::form::PartData::Disk { path, .. } => {
            path.to_path_buf().into_pyobject(py)?.into_any()
        }
    };
    make.call1((
        &part.field,
        part.filename.as_deref(),
        part.content_type.as_deref(),
        part.headers.clone(),
        data,
    ))
}

#[pyclass(module = "django_bolt._core", name = "Request")]
pub struct Request {
    inner: Arc<HttpRequest>,
    params: Py<PyDict>,
    /// Free-form per-request storage for middleware and handlers.
    #[pyo3(get, set)]
    state: Py<PyAny>,
    /// Set by Django's auth middleware or by handlers; else loaded on first use (`load_user`).
    user: Py<PyAny>,
    /// The auth context dict (`request.auth` is the same object), None when anonymous.
    #[pyo3(get, set)]
    context: Py<PyAny>,
    /// The auth backend object that loads the context's user on first access of `user`.
    load_user: Option<Py<PyAny>>,
    /// Django's `request.META`, built on first use (and then kept: Django code writes to it).
    meta: Option<Py<PyDict>>,
}

impl Request {
    pub fn new(py: Python<'_>, inner: Arc<HttpRequest>, params: Bound<'_, PyDict>) -> Self {
        Self {
            inner,
            params: params.unbind(),
            state: PyDict::new(py).into_any().unbind(),
            user: py.None(),
            context: py.None(),
            load_user: None,
            meta: None,
        }
    }
}

impl Request {
    /// The request authenticated: its context dict, and the backend that loads its user.
    pub fn authenticated(&mut self, context: Py<PyAny>, backend: Py<PyAny>) {
        self.context = context;
        self.load_user = Some(backend);
    }

    fn current_user<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(backend) = self.load_user.take() {
            if self.user.is_none(py) {
                self.user = py
                    .import("django_bolt._bridge")?
                    .getattr("lazy_user")?
                    .call1((backend, self.context.bind(py)))?
                    .unbind();
            }
        }
        Ok(self.user.bind(py).clone())
    }
}

#[pymethods]
impl Request {
    /// `request.user`: a lazy Django user for an authenticated request, else None (or what
    /// Django's `AuthenticationMiddleware` set).
    #[getter]
    fn user<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.current_user(py)
    }

    #[setter]
    fn set_user(&mut self, value: Py<PyAny>) {
        self.load_user = None;
        self.user = value;
    }

    /// django-bolt's alias of `context`.
    #[getter]
    fn auth(&self, py: Python<'_>) -> Py<PyAny> {
        self.context.clone_ref(py)
    }

    #[setter]
    fn set_auth(&mut self, value: Py<PyAny>) {
        self.context = value;
    }

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

    /// A Django URL's body spooled to disk: `(path, size)` of its temp file (`body` is then
    /// empty), or None. The file is removed once the request is gone.
    #[getter]
    fn _body_file(&self) -> Option<(String, u64)> {
        let spooled = self.inner.body_file.as_ref()?;
        Some((spooled.path.to_string_lossy().into_owned(), spooled.size))
    }

    /// The form's fields (the last value of a repeated one); empty without a form.
    #[getter]
    fn form<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in self.inner.form.iter().flat_map(|f| f.fields.iter()) {
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    /// The uploaded files by field name: an `UploadFile`, or a list when several share it.
    #[getter]
    fn files<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let Some(form) = &self.inner.form else {
            return Ok(dict);
        };
        let make = py.import("django_bolt.uploads")?.getattr("make_upload")?;
        for part in &form.files {
            let upload = upload(py, &make, part)?;
            match dict.get_item(&part.field)? {
                None => dict.set_item(&part.field, upload)?,
                Some(prev) => match prev.cast::<pyo3::types::PyList>() {
                    Ok(list) => list.append(upload)?,
                    Err(_) => {
                        dict.set_item(&part.field, pyo3::types::PyList::new(py, [prev, upload])?)?
                    }
                },
            }
        }
        Ok(dict)
    }

    /// Typed path parameters.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> Bound<'py, PyDict> {
        self.params.bind(py).clone()
    }

    /// Django's `META` keys: REQUEST_METHOD, PATH_INFO, QUERY_STRING, SERVER_NAME/PORT,
    /// CONTENT_TYPE, CONTENT_LENGTH and an `HTTP_*` entry per header.
    #[getter(META)]
    fn meta<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        if let Some(meta) = &self.meta {
            return Ok(meta.bind(py).clone());
        }
        let meta = PyDict::new(py);
        meta.set_item("REQUEST_METHOD", self.inner.method())?;
        meta.set_item("PATH_INFO", self.path())?;
        meta.set_item("SCRIPT_NAME", "")?;
        meta.set_item("QUERY_STRING", self.inner.query())?;
        meta.set_item("wsgi.url_scheme", "http")?;
        let host = self.inner.header("host").unwrap_or("localhost");
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (name, port),
            _ => (host, "80"),
        };
        meta.set_item("SERVER_NAME", name)?;
        meta.set_item("SERVER_PORT", port)?;
        for (header, value) in self.headers(py)?.iter() {
            let header: String = header.extract()?;
            let key = match header.as_str() {
                "content-type" => "CONTENT_TYPE".to_owned(),
                "content-length" => "CONTENT_LENGTH".to_owned(),
                other => format!("HTTP_{}", other.to_ascii_uppercase().replace('-', "_")),
            };
            meta.set_item(key, value)?;
        }
        self.meta = Some(meta.clone().unbind());
        Ok(meta)
    }

    /// Django's `build_absolute_uri`: `location` joined to this request's URL.
    #[pyo3(signature = (location=None))]
    fn build_absolute_uri(&self, py: Python<'_>, location: Option<&str>) -> PyResult<String> {
        let host = self.inner.header("host").unwrap_or("localhost");
        let base = format!("http://{host}{}", self.get_full_path());
        let Some(location) = location else {
            return Ok(base);
        };
        py.import("urllib.parse")?
            .getattr("urljoin")?
            .call1((base, location))?
            .extract()
    }

    /// `await request.auser()`: the user (as `request.user`).
    fn auser<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let user = self.current_user(py)?;
        py.import("django_bolt._bridge")?
            .getattr("resolved")?
            .call1((user,))
    }

    /// Unknown attributes fall back to `state` (middleware keeps `_messages` and the like there).
    fn __getattr__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let state = self.state.bind(py);
        if let Ok(dict) = state.cast::<PyDict>() {
            if let Some(value) = dict.get_item(name)? {
                return Ok(value);
            }
        }
        Err(pyo3::exceptions::PyAttributeError::new_err(format!(
            "'Request' object has no attribute '{name}'"
        )))
    }

    fn get_full_path(&self) -> String {
        if self.inner.query().is_empty() {
            self.path()
        } else {
            format!("{}?{}", self.path(), self.inner.query())
        }
    }

    fn __getitem__<'py>(&mut self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        Ok(match key {
            "method" => self.method().into_pyobject(py)?.into_any(),
            "path" => self.path().into_pyobject(py)?.into_any(),
            "query" => self.query(py)?.into_any(),
            "headers" => self.headers(py)?.into_any(),
            "cookies" => self.cookies(py)?.into_any(),
            "body" => self.body(py).into_any(),
            "params" => self.params(py).into_any(),
            "form" => self.form(py)?.into_any(),
            "files" => self.files(py)?.into_any(),
            "state" => self.state.bind(py).clone(),
            "user" => self.current_user(py)?,
            "context" | "auth" => self.context.bind(py).clone(),
            _ => return Err(PyKeyError::new_err(key.to_owned())),
        })
    }

    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &mut self,
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
