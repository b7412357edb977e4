//! The Python side of the runtime: the `App` object built from a manifest plus the handler
//! callables, and the per-request steps that need the GIL.

mod authctx;
mod django;
mod eager;
mod invoke;
pub(crate) mod pyrequest;
mod respond;

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::compiled::TableValue;
use crate::encode::{Node, Plans};
use crate::manifest::{Manifest, Source, TypeRef};
use crate::pyvalue::ValueTypes;
use crate::table::{DynamicTable, RouteTable};

pub use crate::capi::RequestContext;
pub use eager::EventLoop;
pub use invoke::{Outcome, PendingCall};

/// The table an app serves from: its own interpreted one, or a generated one passed in as
/// `App(..., table=TABLE)`, which must have been generated from exactly this manifest.
fn choose_table(
    manifest_json: &str,
    manifest: &Manifest,
    compiled: Option<&TableValue>,
) -> PyResult<Box<dyn RouteTable>> {
    let Some(TableValue(table)) = compiled else {
        let table =
            DynamicTable::new(manifest).map_err(|e| PyValueError::new_err(e.to_string()))?;
        return Ok(Box::new(table));
    };
    let expected = bolt_schema::manifest::fingerprint(manifest_json);
    if table.fingerprint != expected {
        return Err(PyValueError::new_err(format!(
            "compiled route table is stale: built from manifest {}, project manifest is {expected}; run `python manage.py boltgen`",
            table.fingerprint
        )));
    }
    if table.extractors.len() != manifest.routes.len() {
        return Err(PyValueError::new_err(
            "compiled route table and manifest disagree on the route count",
        ));
    }
    Ok(Box::new(*table))
}
pub use pyrequest::Request;

/// What Python binds to one manifest route (`runtime.RouteBinding`), read by attribute.
#[derive(FromPyObject)]
pub struct RouteBinding {
    #[pyo3(attribute)]
    handler: Py<PyAny>,
    /// The Python default per parameter (None where the parameter is required).
    #[pyo3(attribute)]
    defaults: Vec<Option<Py<PyAny>>>,
    /// The declared body type (None without a body).
    #[pyo3(attribute)]
    body_type: Py<PyAny>,
    /// The type return values are converted to before encoding.
    #[pyo3(attribute)]
    response_type: Py<PyAny>,
}

/// What the runtime knows about one route besides its table entry.
pub struct RouteInfo {
    pub method: String,
    pub path: String,
    pub handler_name: String,
    pub is_async: bool,
    pub status_code: u16,
    pub handler: Py<PyAny>,
    /// Wire name and source of each parameter, in handler argument order.
    pub params: Vec<(String, Source)>,
    /// Per parameter: a `list[...]` type (a file parameter then gets every file of its name).
    pub many: Vec<bool>,
    /// Python default per parameter (`None` where the parameter is required).
    pub defaults: Vec<Option<Py<PyAny>>>,
    /// Declared body type for the body parameter, if any.
    pub body_type: Option<Py<PyAny>>,
    /// Declared response type (the annotation), for msgspec's conversion of mismatched values.
    pub response_type: Py<PyAny>,
    /// Size of the last JSON body encoded for this route: the next buffer starts that large,
    /// so big responses are not copied while the buffer grows.
    pub encoded_size: std::sync::atomic::AtomicUsize,
}

/// Python objects looked up once when the app is built, so the hot path only calls them.
pub struct PyCache {
    pub bridge: Py<PyAny>,
    pub decode_body: Py<PyAny>,
    pub body_error: Py<PyAny>,
    pub render_response: Py<PyAny>,
    pub render_exception: Py<PyAny>,
    pub response_type: Py<PyAny>,
    /// `asyncio.events._set_running_loop`, for the eager step (`eager.rs`).
    pub set_running_loop: Py<PyAny>,
    pub noop: Py<PyAny>,
    pub request_started: Py<PyAny>,
    pub request_finished: Py<PyAny>,
    /// Marker handed to `submit` for a coroutine that has not started (task mode).
    pub not_started: Py<PyAny>,
    /// `BOLT_ASYNC_MODE = "task"`: every coroutine starts as a Task on the loop.
    pub task_mode: bool,
    pub submit: Py<PyAny>,
    pub run_sync: Py<PyAny>,
    pub encode_declared: Py<PyAny>,
    /// `uploads.make_upload`: an `UploadFile` from a file part.
    pub make_upload: Py<PyAny>,
    /// Starts the pump task of an async response stream (`stream::python`).
    pub start_async_pump: Py<PyAny>,
    /// Builds parameter values and fast-path scalars (dates, UUIDs, decimals).
    pub values: ValueTypes,
}

impl PyCache {
    fn new(bridge: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = bridge.py();
        let get = |name: &str| bridge.getattr(name).map(Bound::unbind);
        Ok(Self {
            bridge: bridge.clone().unbind(),
            decode_body: get("decode_body")?,
            body_error: get("body_error")?,
            render_response: get("render_response")?,
            render_exception: get("render_exception")?,
            response_type: get("RESPONSE_TYPES")?,
            set_running_loop: py
                .import("asyncio.events")?
                .getattr("_set_running_loop")?
                .unbind(),
            noop: get("_noop")?,
            request_started: get("request_started")?,
            request_finished: get("request_finished")?,
            not_started: get("NOT_STARTED")?,
            task_mode: bridge.call_method0("_task_mode")?.extract()?,
            submit: get("submit")?,
            run_sync: get("run_sync")?,
            encode_declared: get("encode_declared")?,
            start_async_pump: get("start_async_pump")?,
            make_upload: get("make_upload")?,
            values: ValueTypes::new(py)?,
        })
    }
}

pub struct AppInner {
    pub table: Box<dyn RouteTable>,
    /// Declared body type per route (validated in Rust before the GIL), and the named schemas.
    pub body_types: Vec<Option<TypeRef>>,
    pub schemas: std::collections::BTreeMap<String, crate::manifest::Schema>,
    /// Encoding plans for the declared types, and each route's response node.
    pub plans: Plans,
    pub response_nodes: Vec<Node>,
    /// Fast-path plan of each route's body type, when the type is covered.
    pub body_plans: Vec<Option<crate::decode::BodyPlan>>,
    pub routes: Vec<RouteInfo>,
    pub cache: PyCache,
    pub debug: bool,
    pub max_body_size: usize,
    pub request_limits: RequestLimits,
    /// Threads pumping sync response streams, against `BOLT_MAX_SYNC_STREAMING_THREADS`.
    pub sync_streams: crate::stream::python::SyncStreamCount,
    /// Per route: how its form is read and checked (routes with form fields or files).
    pub form_plans: Vec<Option<FormPlan>>,
    pub form_limits: crate::form::FormLimits,
    /// File parts larger than this go to a temp file (`BOLT_MEMORY_SPOOL_THRESHOLD`).
    pub spool_threshold: usize,
    /// CORS, compression, rate limits, authentication and guards (`middleware`).
    pub middleware: crate::middleware::Middleware,
    /// The Python auth backend objects, per manifest `auth_backends` entry (user loading,
    /// revocation stores kept in Python).
    pub auth_objects: Vec<Py<PyAny>>,
    /// `STATIC_URL` (and `MEDIA_URL`) served from disk (None: not configured).
    pub static_files: Option<crate::static_files::StaticFiles>,
    /// `(method, path, status, duration_ms)` after each request the server answers (None:
    /// the access log is off, and costs nothing).
    pub access_log: Option<crate::access_log::AccessLog>,
}

/// A route's form: its file parameters' checks and its body limit for multipart requests.
#[derive(Debug, Clone)]
pub struct FormPlan {
    /// (name, required, limits) of each file parameter.
    pub files: Vec<(String, bool, crate::manifest::FileLimits)>,
    /// The largest multipart body accepted: the largest `File(max_size=...)` times the files
    /// it allows (plus room for the other parts), else `BOLT_MAX_UPLOAD_SIZE`.
    pub upload_limit: usize,
}

/// Room for a multipart body's headers and boundaries, and its non-file fields.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

impl FormPlan {
    fn new(route: &crate::manifest::Route, max_upload_size: usize) -> Option<Self> {
        let has_form = route
            .params
            .iter()
            .any(|p| matches!(p.source, Source::Form | Source::File));
        if !has_form {
            return None;
        }
        let files: Vec<_> = route
            .params
            .iter()
            .filter(|p| p.source == Source::File)
            .map(|p| {
                (
                    p.alias.clone(),
                    p.required,
                    p.file.clone().unwrap_or_default(),
                )
            })
            .collect();
        let declared: Option<usize> = files
            .iter()
            .filter_map(|(_, _, l)| {
                let many = l.max_files.unwrap_or(1).max(1);
                l.max_size.map(|size| size.saturating_mul(many))
            })
            .reduce(usize::saturating_add);
        let upload_limit = declared.map_or(max_upload_size, |d| {
            d.saturating_add(MULTIPART_OVERHEAD).max(max_upload_size)
        });
        Some(Self {
            files,
            upload_limit,
        })
    }
}

impl AppInner {
    /// The form plan of the route a multipart request goes to (None for any other request).
    pub fn multipart_plan(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
    ) -> Option<&FormPlan> {
        let multipart = content_type.is_some_and(|ct| {
            ct.trim_start()
                .get(..19)
                .is_some_and(|e| e.eq_ignore_ascii_case("multipart/form-data"))
        });
        if !multipart {
            return None;
        }
        let method = if method == "HEAD" { "GET" } else { method };
        match self.table.lookup(method, path) {
            crate::router::Lookup::Found { route, .. } => self.form_plans[route].as_ref(),
            _ => None,
        }
    }

    /// The body limit of a request: a multipart body for a form route has its route's.
    pub fn body_limit(&self, method: &str, path: &str, content_type: Option<&str>) -> usize {
        self.multipart_plan(method, path, content_type)
            .map_or(self.max_body_size, |plan| plan.upload_limit)
    }
}

/// Checks on a request head before routing (`pipeline::check_head`), in both tables.
#[derive(Debug, Clone)]
pub struct RequestLimits {
    /// Django's `ALLOWED_HOSTS` (None: not checked, or `*`).
    pub allowed_hosts: Option<crate::hosts::AllowedHosts>,
    /// `DATA_UPLOAD_MAX_NUMBER_FIELDS` for the query string (None: no limit).
    pub max_query_fields: Option<usize>,
    /// Longest request target (path and query), else 414.
    pub max_url_length: usize,
    /// Most header lines, and longest header value (`BOLT_MAX_HEADER_SIZE`), else 431.
    pub max_header_count: usize,
    pub max_header_size: usize,
}

impl AppInner {
    /// The process's asyncio loop (started on first use, again after a fork).
    pub fn event_loop(&self, py: Python<'_>) -> PyResult<EventLoop> {
        let event_loop = self.cache.bridge.bind(py).call_method0("event_loop")?;
        Ok(EventLoop::new(event_loop))
    }
}

/// A servable application: route table + handlers. Immutable once built.
#[pyclass(frozen, module = "django_bolt._core")]
pub struct App {
    pub inner: Arc<AppInner>,
}

#[pymethods]
impl App {
    /// `handlers[i]`, `defaults[i]` and `body_types[i]` belong to manifest route `i`.
    #[new]
    /// `bindings[i]` belongs to manifest route `i`. With `table` (a project extension's
    /// `TABLE`), the app serves from that generated table, which must have been generated from
    /// exactly this manifest.
    #[pyo3(signature = (manifest_json, bindings, schema_classes, bridge, *, debug=false, max_body_size=10 * 1024 * 1024, table=None, allowed_hosts=None, use_x_forwarded_host=false, max_query_fields=None, max_url_length=8192, max_sync_streams=1000, max_upload_size=1024 * 1024, max_form_parts=100, spool_threshold=1024 * 1024, max_header_count=100, max_header_size=8192, middleware=None, auth_objects=Vec::new(), static_files=None, access_log=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        manifest_json: &str,
        bindings: Vec<RouteBinding>,
        schema_classes: &Bound<'_, PyDict>,
        bridge: &Bound<'_, PyAny>,
        debug: bool,
        max_body_size: usize,
        table: Option<PyRef<'_, TableValue>>,
        allowed_hosts: Option<Vec<String>>,
        use_x_forwarded_host: bool,
        max_query_fields: Option<usize>,
        max_url_length: usize,
        max_sync_streams: usize,
        max_upload_size: usize,
        max_form_parts: usize,
        spool_threshold: usize,
        max_header_count: usize,
        max_header_size: usize,
        middleware: Option<&str>,
        auth_objects: Vec<Py<PyAny>>,
        static_files: Option<&str>,
        access_log: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let manifest =
            Manifest::from_json(manifest_json).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let count = manifest.routes.len();
        if bindings.len() != count {
            return Err(PyValueError::new_err(format!(
                "{} route bindings for {count} manifest routes: one per route expected",
                bindings.len()
            )));
        }
        let table = choose_table(manifest_json, &manifest, table.as_deref())?;
        let config: crate::middleware::MiddlewareConfig = match middleware {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| PyValueError::new_err(format!("middleware configuration: {e}")))?,
            None => Default::default(),
        };
        let middleware =
            crate::middleware::Middleware::new(&manifest, config).map_err(PyValueError::new_err)?;
        let static_mounts: Vec<crate::static_files::StaticMount> = match static_files {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| PyValueError::new_err(format!("static files configuration: {e}")))?,
            None => Vec::new(),
        };
        if auth_objects.len() != manifest.auth_backends.len() {
            return Err(PyValueError::new_err(format!(
                "{} auth objects for {} manifest auth backends",
                auth_objects.len(),
                manifest.auth_backends.len()
            )));
        }
        let mut routes = Vec::with_capacity(count);
        for (route, binding) in manifest.routes.iter().zip(bindings) {
            let RouteBinding {
                handler,
                defaults: route_defaults,
                body_type,
                response_type,
            } = binding;
            if route_defaults.len() != route.params.len() {
                return Err(PyValueError::new_err(format!(
                    "{}: one default per parameter expected",
                    route.handler
                )));
            }
            let py = bridge.py();
            routes.push(RouteInfo {
                method: route.method.clone(),
                path: route.path.clone(),
                handler_name: route.handler.clone(),
                is_async: route.is_async,
                status_code: route.status_code,
                handler,
                params: route
                    .params
                    .iter()
                    .map(|p| (p.alias.clone(), p.source))
                    .collect(),
                many: route
                    .params
                    .iter()
                    .map(|p| matches!(p.ty, TypeRef::List { .. }))
                    .collect(),
                defaults: route_defaults,
                body_type: (!body_type.is_none(py)).then_some(body_type),
                response_type,
                encoded_size: std::sync::atomic::AtomicUsize::new(256),
            });
        }
        let cache = PyCache::new(bridge)?;
        let py = bridge.py();
        let plans = Plans::new(py, &manifest.schemas, schema_classes)?;
        let response_nodes = manifest
            .routes
            .iter()
            .map(|r| {
                plans.node(
                    py,
                    r.response
                        .as_ref()
                        .unwrap_or(&crate::manifest::TypeRef::Any),
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        let body_plans = manifest
            .routes
            .iter()
            .map(|r| {
                let body = r.params.iter().find(|p| p.source == Source::Body)?;
                let buildable = |index: usize| crate::decode::build::buildable(&plans, index);
                crate::decode::BodyPlan::new(&body.ty, &manifest.schemas, &buildable)
            })
            .collect();
        Ok(Self {
            inner: Arc::new(AppInner {
                table,
                body_plans,
                body_types: manifest
                    .routes
                    .iter()
                    .map(|r| {
                        r.params
                            .iter()
                            .find(|p| p.source == Source::Body)
                            .map(|p| p.ty.clone())
                    })
                    .collect(),
                schemas: manifest.schemas.clone(),
                plans,
                response_nodes,
                routes,
                cache,
                debug,
                max_body_size,
                request_limits: RequestLimits {
                    allowed_hosts: allowed_hosts.and_then(|hosts| {
                        crate::hosts::AllowedHosts::new(hosts, use_x_forwarded_host)
                    }),
                    max_query_fields,
                    max_url_length,
                    max_header_count,
                    max_header_size,
                },
                sync_streams: crate::stream::python::SyncStreamCount::new(max_sync_streams),
                form_plans: manifest
                    .routes
                    .iter()
                    .map(|r| FormPlan::new(r, max_upload_size))
                    .collect(),
                spool_threshold,
                middleware,
                auth_objects,
                static_files: crate::static_files::StaticFiles::new(static_mounts),
                access_log: access_log.map(crate::access_log::AccessLog::new),
                form_limits: crate::form::FormLimits {
                    max_parts: max_form_parts,
                    max_fields: max_query_fields,
                },
            }),
        })
    }

    #[getter]
    fn route_count(&self) -> usize {
        self.inner.table.route_count()
    }

    /// Names of the schemas whose responses are written by a generated encoder.
    #[getter]
    fn generated_encoders(&self) -> Vec<String> {
        let generated = self.inner.table.encoders();
        self.inner
            .schemas
            .keys()
            .zip(generated)
            .filter(|(_, encoder)| encoder.is_some())
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Paths of the routes whose bodies are scanned by a generated decoder.
    #[getter]
    fn generated_decoders(&self) -> Vec<String> {
        let inner = &self.inner;
        (0..inner.routes.len())
            .filter(|&r| inner.body_plans[r].is_some() && inner.table.body_scanner(r).is_some())
            .map(|r| inner.routes[r].path.clone())
            .collect()
    }

    /// The JSON body route `route` would send for `value` (benchmarks and tests).
    fn encode_response<'py>(
        &self,
        py: Python<'py>,
        route: usize,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        if route >= self.inner.routes.len() {
            return Err(PyValueError::new_err(format!("no route {route}")));
        }
        Ok(pyo3::types::PyBytes::new(
            py,
            &self.inner.encode_json(route, value)?,
        ))
    }

    /// Route `route`'s Rust body check (benchmarks and tests): the 422 items as JSON, or None.
    fn check_body(&self, py: Python<'_>, route: usize, body: &[u8]) -> PyResult<Option<String>> {
        use crate::decode::{validate_body, BodyCheck};
        let Some(Some(ty)) = self.inner.body_types.get(route) else {
            return Err(PyValueError::new_err(format!("route {route} has no body")));
        };
        let checked = py.detach(|| validate_body(body, ty, &self.inner.schemas));
        Ok(match checked {
            BodyCheck::Invalid(issues) => Some(serde_json::to_string(&issues).unwrap_or_default()),
            BodyCheck::Valid | BodyCheck::Unsure => None,
        })
    }

    /// Route `route`'s body argument as the handler would get it (benchmarks and tests):
    /// `(value, fast)` where `fast` says the fast path scanned and built it; a body that fails
    /// validation raises ValueError with the 422 items as JSON.
    fn decode_body<'py>(
        &self,
        py: Python<'py>,
        route: usize,
        body: &[u8],
    ) -> PyResult<(Bound<'py, PyAny>, bool)> {
        let Some(Some(_)) = self.inner.body_types.get(route) else {
            return Err(PyValueError::new_err(format!("route {route} has no body")));
        };
        let owned = bytes::Bytes::copy_from_slice(body);
        let tape = py.detach(|| self.inner.scan_body(route, &owned));
        if tape.is_none() {
            if let Some(issues) = self.check_body(py, route, body)? {
                return Err(PyValueError::new_err(issues));
            }
        }
        let fast = tape.is_some();
        Ok((self.inner.body_value(py, route, body, tape.as_ref())?, fast))
    }

    /// Whether the fast path takes `body` for `route` (the scan alone, without the GIL;
    /// benchmarks and tests).
    fn fast_scan(&self, py: Python<'_>, route: usize, body: &[u8]) -> PyResult<bool> {
        if route >= self.inner.routes.len() {
            return Err(PyValueError::new_err(format!("no route {route}")));
        }
        let owned = bytes::Bytes::copy_from_slice(body);
        Ok(py.detach(|| self.inner.scan_body(route, &owned).is_some()))
    }

    #[getter]
    fn compiled(&self) -> bool {
        self.inner.table.fingerprint().is_some()
    }
}
