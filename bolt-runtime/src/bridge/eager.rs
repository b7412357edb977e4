//! The server's ways of calling a handler, each request in a fresh `contextvars.Context`
//! (server threads keep their Python thread state across requests, so without it a context
//! variable set by one request would be seen by the next):
//!
//! - a sync handler runs to completion on a pool thread, inside Django's request signals;
//! - an async handler is called and its coroutine stepped once (`coro.send(None)` through the
//!   C API) on the server thread, with the process's event loop as the running loop. It
//!   usually finishes there; one that really suspends continues as a Task on the loop, in the
//!   same context.

use pyo3::ffi;
use pyo3::prelude::*;

use super::{AppInner, Outcome, PendingCall};
use crate::capi::{self, EnteredContext};
use crate::http::HttpResponse;

/// The process's asyncio loop as the eager step uses it.
pub struct EventLoop {
    pub event_loop: Py<PyAny>,
    /// `loop._ready` (asyncio's loops never replace it).
    ready: Option<Py<PyAny>>,
    /// The last `loop._scheduled` seen: the loop replaces the list when it drops cancelled
    /// timers, so it is looked up again after each step (one attribute read per request).
    scheduled: std::sync::Mutex<Option<Py<PyAny>>>,
}

/// Lengths of the loop's callback queues before a step.
pub struct Queued {
    ready: usize,
    scheduled: usize,
}

fn length(queue: Option<&Py<PyAny>>, py: Python<'_>) -> usize {
    queue.and_then(|q| q.bind(py).len().ok()).unwrap_or(0)
}

impl EventLoop {
    pub fn new(event_loop: Bound<'_, PyAny>) -> Self {
        let py = event_loop.py();
        let attr = |name| event_loop.getattr(name).ok().map(Bound::unbind);
        Self {
            ready: attr(pyo3::intern!(py, "_ready")),
            scheduled: std::sync::Mutex::new(attr(pyo3::intern!(py, "_scheduled"))),
            event_loop: event_loop.clone().unbind(),
        }
    }

    fn queued(&self, py: Python<'_>) -> Queued {
        let scheduled = self.scheduled.lock().map_or(0, |s| length(s.as_ref(), py));
        Queued {
            ready: length(self.ready.as_ref(), py),
            scheduled,
        }
    }

    /// Whether callbacks were added since `before` (a replaced `_scheduled` counts as a change:
    /// waking the loop once too often costs little, missing a timer would delay it).
    fn changed(&self, py: Python<'_>, before: &Queued) -> bool {
        let current = self
            .event_loop
            .bind(py)
            .getattr(pyo3::intern!(py, "_scheduled"))
            .ok();
        let Ok(mut cached) = self.scheduled.lock() else {
            return true;
        };
        let same_list = match (&current, cached.as_ref()) {
            (Some(current), Some(cached)) => current.is(cached.bind(py)),
            (None, None) => true,
            _ => false,
        };
        if !same_list {
            *cached = current.map(Bound::unbind);
            return true;
        }
        length(self.ready.as_ref(), py) != before.ready
            || length(cached.as_ref(), py) != before.scheduled
    }
}

/// How a coroutine's first step ended.
enum Step<'py> {
    Returned(Bound<'py, PyAny>),
    Yielded(Bound<'py, PyAny>),
}

/// `PyIter_Send(coro, None)`.
fn send_none<'py>(coro: &Bound<'py, PyAny>) -> PyResult<Step<'py>> {
    let py = coro.py();
    let mut out: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: `coro` is a live object and the GIL is held (we have `py`); `PyIter_Send` stores
    // a new reference in `out` for PYGEN_RETURN and PYGEN_NEXT and leaves it NULL, with an
    // exception set, for PYGEN_ERROR.
    let sent = unsafe { ffi::PyIter_Send(coro.as_ptr(), ffi::Py_None(), &mut out) };
    if sent == ffi::PySendResult::PYGEN_ERROR {
        return Err(PyErr::fetch(py));
    }
    // SAFETY: not PYGEN_ERROR, so `out` is the non-NULL new reference PyIter_Send returned.
    let value = unsafe { Bound::from_owned_ptr(py, out) };
    Ok(if sent == ffi::PySendResult::PYGEN_RETURN {
        Step::Returned(value)
    } else {
        Step::Yielded(value)
    })
}

/// What an async handler's call and first step produced.
pub enum Stepped<'py> {
    Returned(Bound<'py, PyAny>),
    Suspended {
        coro: Bound<'py, PyAny>,
        yielded: Bound<'py, PyAny>,
    },
}

impl AppInner {
    /// Server path for a sync handler (on a pool thread): it runs to completion in its own
    /// context, between Django's request_started and request_finished signals, so its
    /// database connection is recycled (CONN_MAX_AGE, health checks) as in any Django view.
    /// The result is rendered before request_finished: a lazy one (a QuerySet) still has its
    /// connection.
    pub fn call_sync(&self, py: Python<'_>, call: PendingCall) -> HttpResponse {
        let route = call.route;
        let entered = match EnteredContext::enter(py) {
            Ok(entered) => entered,
            Err(err) => return self.render_error(py, err),
        };
        let handler = self.routes[route].handler.bind(py);
        let result = self
            .cache
            .request_started
            .bind(py)
            .call0()
            .and_then(|_| self.build_args(py, call))
            .and_then(|args| capi::call(handler, &args));
        let response = self.respond(py, route, result);
        if let Err(err) = self.cache.request_finished.bind(py).call0() {
            err.print(py);
        }
        match entered.exit() {
            Ok(_) => response,
            Err(err) => self.render_error(py, err),
        }
    }

    /// Server path for an async handler, on the server thread. A result of the first step is
    /// rendered in the request's context; a suspended coroutine is handed back with it.
    pub fn step_async(&self, py: Python<'_>, call: PendingCall, event_loop: &EventLoop) -> Outcome {
        let route = call.route;
        let entered = match EnteredContext::enter(py) {
            Ok(entered) => entered,
            Err(err) => return Outcome::Done(self.render_error(py, err)),
        };
        let stepped = self.call_and_step(py, call, event_loop);
        let (coro, yielded) = match stepped {
            Ok(Stepped::Suspended { coro, yielded }) => (coro.unbind(), yielded.unbind()),
            done => {
                let response = self.respond(
                    py,
                    route,
                    done.map(|s| match s {
                        Stepped::Returned(value) => value,
                        Stepped::Suspended { .. } => unreachable!("handled above"),
                    }),
                );
                return Outcome::Done(match entered.exit() {
                    Ok(_) => response,
                    Err(err) => self.render_error(py, err),
                });
            }
        };
        match entered.exit() {
            Ok(context) => Outcome::Suspended {
                coro,
                yielded,
                context,
            },
            Err(err) => Outcome::Done(self.render_error(py, err)),
        }
    }

    /// Call the async handler and step its coroutine once (in the current context). In task
    /// mode (`BOLT_ASYNC_MODE = "task"`) the coroutine is not stepped: it starts as a Task.
    pub fn call_and_step<'py>(
        &self,
        py: Python<'py>,
        call: PendingCall,
        event_loop: &EventLoop,
    ) -> PyResult<Stepped<'py>> {
        let handler = self.routes[call.route].handler.bind(py);
        let args = self.build_args(py, call)?;
        let coro = capi::call(handler, &args)?;
        if self.cache.task_mode {
            let yielded = self.cache.not_started.bind(py).clone();
            return Ok(Stepped::Suspended { coro, yielded });
        }
        Ok(match self.eager_step(py, &coro, event_loop)? {
            Step::Returned(value) => Stepped::Returned(value),
            Step::Yielded(yielded) => Stepped::Suspended { coro, yielded },
        })
    }

    /// `coro.send(None)` with the event loop installed as the running loop, so awaitables
    /// created during the step belong to it. Callbacks the step left on the loop
    /// (`create_task`, timers) are picked up by waking it, since it sleeps in another thread.
    /// There is no current Task during the step: code that needs one before its first
    /// suspension (`asyncio.timeout`, `TaskGroup`) wants `BOLT_ASYNC_MODE = "task"`.
    fn eager_step<'py>(
        &self,
        py: Python<'py>,
        coro: &Bound<'py, PyAny>,
        event_loop: &EventLoop,
    ) -> PyResult<Step<'py>> {
        let set_running_loop = self.cache.set_running_loop.bind(py);
        let loop_object = event_loop.event_loop.bind(py);
        let queued = event_loop.queued(py);
        capi::call1(set_running_loop, loop_object)?;
        let step = send_none(coro);
        let cleared = capi::call1(set_running_loop, &py.None().into_bound(py));
        if event_loop.changed(py, &queued) {
            let wake = loop_object.getattr(pyo3::intern!(py, "call_soon_threadsafe"))?;
            capi::call1(&wake, self.cache.noop.bind(py))?;
        }
        cleared?;
        step
    }

    /// What the handler returns for `call`, before rendering (the hot-path profile): the
    /// value of an async handler's first step (which must finish there), or a sync handler's
    /// result (without Django's request signals), each in a fresh context.
    pub fn handler_value(
        &self,
        py: Python<'_>,
        call: PendingCall,
        event_loop: &EventLoop,
        is_async: bool,
    ) -> Result<Py<PyAny>, String> {
        let name = self.routes[call.route].handler_name.clone();
        let failed = |err: PyErr| format!("{name} raised: {err}");
        let entered = EnteredContext::enter(py).map_err(failed)?;
        let value = if is_async {
            match self.call_and_step(py, call, event_loop).map_err(failed)? {
                Stepped::Returned(value) => value,
                Stepped::Suspended { .. } => {
                    return Err(format!("{name}: the handler suspended in its first step"))
                }
            }
        } else {
            let handler = self.routes[call.route].handler.bind(py);
            let args = self.build_args(py, call).map_err(failed)?;
            capi::call(handler, &args).map_err(failed)?
        };
        entered.exit().map_err(failed)?;
        Ok(value.unbind())
    }
}
