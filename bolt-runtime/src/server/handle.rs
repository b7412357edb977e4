//! One HTTP request on the server: read the body (within the size limit), run the pipeline,
//! call the handler where it must run, and turn the result into an actix-http response.

use std::borrow::Cow;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;

use actix_http::header::{
    HeaderName, HeaderValue, InvalidHeaderValue, CONTENT_LENGTH, CONTENT_TYPE,
};
use actix_http::{Request, Response, StatusCode};
use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use pyo3::prelude::*;

use super::{keep_thread_state, Served};
use crate::bridge::{AppInner, Outcome, PendingCall, RequestContext};
use crate::http::{HttpRequest, HttpResponse};
use crate::pipeline::{finish_head, prepare, Prepared};

pub(super) async fn respond(
    served: Arc<Served>,
    mut req: Request,
) -> Result<Response<Bytes>, Infallible> {
    let response = match read_body(&mut req, served.app.max_body_size).await {
        Err(response) => response,
        Ok(body) => {
            let head = req.head_mut();
            let request = HttpRequest::from_parts(
                head.method.clone(),
                head.uri.clone(),
                std::mem::take(&mut head.headers),
                body,
            );
            match prepare(&served.app, request) {
                Prepared::Respond(response) => response,
                Prepared::Call(call) => dispatch(&served, call).await,
            }
        }
    };
    Ok(to_actix(response))
}

/// The whole body, or the error response: 413 when it is (or is declared) larger than
/// `limit`, checked before anything is read; 400 when the stream breaks.
async fn read_body(req: &mut Request, limit: usize) -> Result<Bytes, HttpResponse> {
    let too_large = || HttpResponse::detail(413, "Request body too large");
    let declared = req
        .head()
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    let mut payload = req.take_payload();
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await {
        let chunk = chunk.map_err(|_| HttpResponse::detail(400, "Invalid request body"))?;
        total += chunk.len();
        if total > limit {
            return Err(too_large());
        }
        // The usual single chunk is kept as it is; only a split body is copied together.
        match (&mut first, &mut rest) {
            (None, _) => first = Some(chunk),
            (Some(head), None) => {
                let mut joined = BytesMut::with_capacity(declared.unwrap_or(0) as usize);
                joined.extend_from_slice(head);
                joined.extend_from_slice(&chunk);
                rest = Some(joined);
            }
            (Some(_), Some(joined)) => joined.extend_from_slice(&chunk),
        }
    }
    Ok(match (first, rest) {
        (_, Some(joined)) => joined.freeze(),
        (Some(only), None) => only,
        (None, None) => Bytes::new(),
    })
}

async fn dispatch(served: &Served, call: PendingCall) -> HttpResponse {
    let app = &served.app;
    let (route, head) = (call.route, call.head);
    let response = if app.routes[route].is_async {
        // Coroutines are stepped right here; only a real suspension costs a trip to the loop.
        keep_thread_state();
        let stepped = Python::attach(|py| app.step_async(py, call, &served.event_loop));
        match stepped {
            Outcome::Done(response) => response,
            Outcome::Suspended {
                coro,
                yielded,
                context,
            } => await_on_loop(app, route, coro, yielded, context).await,
        }
    } else {
        // Sync handlers may block (ORM, I/O): they run on the pool, off this thread.
        let worker_app = served.app.clone();
        let done = served
            .sync_pool
            .run(move || Python::attach(|py| worker_app.call_sync(py, call)));
        done.await
            .unwrap_or_else(|_| HttpResponse::detail(500, "Internal Server Error"))
    };
    finish_head(response, head)
}

async fn await_on_loop(
    app: &AppInner,
    route: usize,
    coro: Py<PyAny>,
    yielded: Py<PyAny>,
    context: RequestContext,
) -> HttpResponse {
    match Python::attach(|py| app.submit(py, coro, yielded, &context)) {
        Ok(receiver) => match receiver.await {
            Ok(task) => Python::attach(|py| app.finish_task(py, route, task, context)),
            Err(_) => HttpResponse::detail(500, "Internal Server Error"),
        },
        Err(err) => Python::attach(|py| app.render_error(py, err)),
    }
}

pub(super) fn to_actix(response: HttpResponse) -> Response<Bytes> {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = Response::with_body(status, response.body);
    let headers = res.headers_mut();
    if let Some(content_type) = &response.content_type {
        match header_value(content_type) {
            Ok(value) => {
                headers.insert(CONTENT_TYPE, value);
            }
            Err(_) => return unsendable("content-type"),
        }
    }
    for (name, value) in &response.headers {
        match (HeaderName::from_bytes(name.as_bytes()), header_value(value)) {
            (Ok(name), Ok(value)) => headers.append(name, value),
            _ => return unsendable(name),
        }
    }
    res
}

/// Constant values (the content types) are used as they are, without a copy.
#[allow(clippy::ptr_arg)] // the Cow is the point: a borrowed value is 'static
fn header_value(value: &Cow<'static, str>) -> Result<HeaderValue, InvalidHeaderValue> {
    match value {
        Cow::Borrowed(value) => Ok(HeaderValue::from_static(value)),
        Cow::Owned(value) => HeaderValue::from_str(value),
    }
}

/// Rendered responses are checked before they get here; this is the last line of defence.
fn unsendable(name: &str) -> Response<Bytes> {
    eprintln!("django-bolt: response header {name:?} cannot be sent over HTTP; answering 500");
    to_actix(HttpResponse::detail(500, "Internal Server Error"))
}
