//! A request for one of the project's Django URLs, handed to Django's own request handling
//! (`_bridge.django_dispatch`: its middleware, resolver and view), and its response rendered
//! like any Django response a handler returns.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::pyrequest::Request;
use super::AppInner;
use crate::capi::EnteredContext;
use crate::http::{HttpRequest, HttpResponse};

impl AppInner {
    /// `signals`: send Django's `request_started`/`request_finished` (the server; the test
    /// transport does not, as for bolt handlers, so a test's connection stays open).
    /// A body the server spooled to disk reaches Django as its `wsgi.input` file.
    pub fn call_django(&self, py: Python<'_>, request: HttpRequest, signals: bool) -> HttpResponse {
        let entered = match EnteredContext::enter(py) {
            Ok(entered) => entered,
            Err(err) => return self.render_error(py, err),
        };
        // A streamed body (not for HEAD) is sent later: `_bridge._Closing` sends
        // `request_finished` once it is, from the stream's thread, as a WSGI server does.
        let head = request.method() == "HEAD";
        let started = if signals {
            self.cache.request_started.bind(py).call0().map(|_| ())
        } else {
            Ok(())
        };
        let response = started
            .and_then(|_| Bound::new(py, Request::new(py, Arc::new(request), PyDict::new(py))))
            .and_then(|request| {
                self.cache
                    .bridge
                    .bind(py)
                    .call_method1("django_dispatch", (request, signals))
            })
            .and_then(|response| self.render_returned(&response));
        let response = match response {
            Ok(response) => response,
            Err(err) => self.render_error(py, err),
        };
        if signals && (head || response.stream.is_none()) {
            if let Err(err) = self.cache.request_finished.bind(py).call0() {
                err.print(py);
            }
        }
        match entered.exit() {
            Ok(_) => response,
            Err(err) => self.render_error(py, err),
        }
    }
}
