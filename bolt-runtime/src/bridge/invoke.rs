//! A handler's arguments from the coerced values, the TestClient's way of calling it (to
//! completion in the calling thread), and the handoff of a suspended coroutine to the event
//! loop. The server's own call paths are in `eager.rs`.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCFunction, PyDict, PyTuple};
use tokio::sync::oneshot;

use super::pyrequest::Request;
use super::AppInner;
use crate::capi::{self, EnteredContext, RequestContext};
use crate::http::{HttpRequest, HttpResponse};
use crate::manifest::Source;
use crate::table::Arg;

/// A request that passed routing and validation and now needs its handler.
pub struct PendingCall {
    pub route: usize,
    pub args: Vec<Arg>,
    pub request: HttpRequest,
    /// Answering HEAD with the GET handler: drop the body at the end.
    pub head: bool,
    /// The body scanned by the fast path, ready to be built (else msgspec decodes it).
    pub body_tape: Option<crate::decode::Tape>,
}

pub enum Outcome {
    Done(HttpResponse),
    /// The coroutine awaited something that is not ready; it must continue on the event loop.
    Suspended {
        coro: Py<PyAny>,
        yielded: Py<PyAny>,
        /// The request's context, in which the coroutine continues.
        context: RequestContext,
    },
}

/// A parameter's default as this request gets it: a list, dict or set default is copied, so
/// a handler that changes it (`tags.append(...)`) never changes the next request's default.
fn fresh_default<'py>(default: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::types::{PyList, PySet};
    if default.is_exact_instance_of::<PyList>()
        || default.is_exact_instance_of::<PyDict>()
        || default.is_exact_instance_of::<PySet>()
    {
        return default.call_method0("copy");
    }
    Ok(default.clone())
}

impl AppInner {
    /// The fast path's tape for `route`'s body (generated scanner, else the plan's), when the
    /// body type is covered and the body valid.
    pub fn scan_body(&self, route: usize, body: &bytes::Bytes) -> Option<crate::decode::Tape> {
        let plan = self.body_plans[route].as_ref()?;
        match self.table.body_scanner(route) {
            Some(generated) => generated(body),
            None => plan.scan(body),
        }
    }

    /// The body argument: built from the fast path's tape, or decoded by msgspec.
    pub fn body_value<'py>(
        &self,
        py: Python<'py>,
        route: usize,
        body: &[u8],
        tape: Option<&crate::decode::Tape>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let (Some(tape), Some(plan)) = (tape, &self.body_plans[route]) {
            let built =
                crate::decode::build::Builder::new(plan, &self.cache.values, &self.plans, tape)
                    .root(py);
            // Validator errors become the 422 they stand for, as when msgspec decodes.
            return built.map_err(|err| {
                let converted = self.cache.body_error.bind(py).call1((err.value(py),));
                match converted {
                    Ok(exception) => PyErr::from_value(exception),
                    Err(other) => other,
                }
            });
        }
        let body = PyBytes::new(py, body);
        let ty = self.routes[route]
            .body_type
            .as_ref()
            .map(|t| t.bind(py).clone());
        self.cache.decode_body.bind(py).call1((body, ty))
    }

    /// The handler's positional arguments, in order.
    pub(super) fn build_args<'py>(
        &self,
        py: Python<'py>,
        mut call: PendingCall,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let route = &self.routes[call.route];
        let cache = &self.cache;
        if let Some(ctx) = call.request.auth.as_deref() {
            match self.still_authenticated(py, call.route, ctx)? {
                Ok(true) => {}
                Ok(false) => call.request.auth = None,
                Err(answer) => {
                    let detail = crate::middleware::denied_detail(answer.status);
                    let exception = py
                        .import("django_bolt.exceptions")?
                        .getattr("HTTPException")?
                        .call1((answer.status, detail))?;
                    return Err(PyErr::from_value(exception));
                }
            }
        }
        let needs_request = call.args.iter().any(|a| matches!(a, Arg::Request));
        // The body stays readable for a body argument after the request moves into `Request`.
        let body = call.request.body.clone();
        let form = call.request.form.clone();
        let mut request = None;
        if needs_request {
            let params = PyDict::new(py);
            for (arg, (alias, source)) in call.args.iter().zip(&route.params) {
                if let (Arg::Value(v), Source::Path) = (arg, source) {
                    params.set_item(alias, cache.values.to_py(py, v)?)?;
                }
            }
            let moved = std::mem::take(&mut call.request);
            let auth = moved.auth.as_deref().map(|ctx| {
                let context = super::authctx::context_dict(py, ctx)?;
                let backend = self.auth_objects[ctx.backend].clone_ref(py);
                PyResult::Ok((context.into_any().unbind(), backend))
            });
            let mut built = Request::new(py, Arc::new(moved), params);
            if let Some(auth) = auth {
                let (context, backend) = auth?;
                built.authenticated(context, backend);
            }
            request = Some(built);
        }
        let body_tape = call.body_tape.take();
        let mut values = Vec::with_capacity(call.args.len());
        for (index, arg) in call.args.into_iter().enumerate() {
            values.push(match arg {
                Arg::Value(v) => cache.values.to_py(py, &v)?,
                Arg::Default => match &route.defaults[index] {
                    Some(default) => fresh_default(default.bind(py))?,
                    None => py.None().into_bound(py),
                },
                Arg::Request => {
                    Bound::new(py, request.take().expect("one request argument"))?.into_any()
                }
                Arg::Body => self.body_value(py, call.route, &body, body_tape.as_ref())?,
                Arg::Files => {
                    let (name, _) = &route.params[index];
                    self.uploads(py, form.as_deref(), name, route.many[index])?
                }
            });
        }
        Ok(values)
    }

    /// The `UploadFile`s of the file parameter `name`: a list for `list[UploadFile]`, else
    /// the first one (None when there is none: the parameter was optional).
    fn uploads<'py>(
        &self,
        py: Python<'py>,
        form: Option<&crate::form::FormData>,
        name: &str,
        many: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let make = self.cache.make_upload.bind(py);
        let mut made = Vec::new();
        for part in form.into_iter().flat_map(|f| f.files_named(name)) {
            made.push(crate::bridge::pyrequest::upload(py, make, part)?);
            if !many {
                break;
            }
        }
        if many {
            return Ok(pyo3::types::PyList::new(py, made)?.into_any());
        }
        Ok(made
            .into_iter()
            .next()
            .unwrap_or_else(|| py.None().into_bound(py)))
    }

    /// TestClient path: everything runs in the calling thread, so the handler shares the
    /// caller's database connection (and its test transaction).
    pub fn call_blocking(&self, py: Python<'_>, call: PendingCall) -> HttpResponse {
        let route = call.route;
        let handler = self.routes[route].handler.bind(py);
        let mut result = self
            .build_args(py, call)
            .and_then(|args| capi::call(handler, &args));
        if self.routes[route].is_async {
            result = result.and_then(|coro| self.cache.run_sync.bind(py).call1((coro,)));
        }
        self.respond(py, route, result)
    }

    /// Hand a suspended coroutine to the event loop; the receiver yields the finished task.
    pub fn submit(
        &self,
        py: Python<'_>,
        coro: Py<PyAny>,
        yielded: Py<PyAny>,
        context: &RequestContext,
    ) -> PyResult<oneshot::Receiver<Py<PyAny>>> {
        let (sender, receiver) = oneshot::channel();
        let sender = Mutex::new(Some(sender));
        let on_done =
            PyCFunction::new_closure(py, None, None, move |args: &Bound<'_, PyTuple>, _kwargs| {
                if let Some(sender) = sender.lock().ok().and_then(|mut s| s.take()) {
                    let _ = sender.send(args.get_item(0)?.unbind());
                }
                Ok::<(), PyErr>(())
            })?;
        self.cache
            .submit
            .bind(py)
            .call1((coro, yielded, on_done, context.object(py)))?;
        Ok(receiver)
    }

    /// Response for a task finished on the event loop, rendered in the request's context.
    pub fn finish_task(
        &self,
        py: Python<'_>,
        route: usize,
        task: Py<PyAny>,
        context: RequestContext,
    ) -> HttpResponse {
        let result = task.bind(py).call_method0("result");
        let entered = match EnteredContext::reenter(py, context) {
            Ok(entered) => entered,
            Err(err) => return self.render_error(py, err),
        };
        let response = self.respond(py, route, result);
        match entered.exit() {
            Ok(_) => response,
            Err(err) => self.render_error(py, err),
        }
    }
}
