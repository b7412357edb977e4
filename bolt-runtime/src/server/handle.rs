//! One HTTP request on the server: read the body (within the size limit), run the pipeline,
//! call the handler where it must run, and turn the result into an actix-http response.

use std::borrow::Cow;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;

use actix_http::header::{
    HeaderName, HeaderValue, InvalidHeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE,
};
use actix_http::{ConnectionType, Request, Response, StatusCode};
use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use pyo3::prelude::*;

use super::conn::HeadPhase;
use super::{keep_thread_state, upload, Served, ServerLimits};
use crate::bridge::{AppInner, Outcome, PendingCall, RequestContext};
use crate::form::PartData;
use crate::http::{HttpRequest, HttpResponse, SpooledBody};
use crate::middleware::compress::Encoding;
use crate::middleware::stream::Compressed;
use crate::middleware::Exit;
use crate::pipeline::{
    check_head, check_header_sizes, finish_head, prepare, routes_to_django, Prepared,
};
use crate::stream::{file, FileConditions, Streamed};
use actix_http::body::{BodyStream, BoxBody, SizedStream};
use tokio::time::Instant;

pub(super) async fn respond(
    served: Arc<Served>,
    mut req: Request,
) -> Result<Response<BoxBody>, Infallible> {
    let phase = req.conn_data::<Arc<HeadPhase>>().cloned();
    if let Some(phase) = &phase {
        if phase.behind_a_close() {
            // Pipelined behind a closing response: never answered (see `HeadPhase`).
            phase.wait_drained().await;
            let closing = HttpResponse::detail(503, "Connection closing");
            return Ok(to_actix(closing).map_into_boxed_body());
        }
        phase.head_received();
    }
    // CONNECT and `Upgrade:` requests: actix hands over the rest of the connection as their
    // payload, so there is no body to wait for. The upgrade is declined (answered as a plain
    // request, RFC 9110 §7.8) and the connection closed after the answer.
    let upgrade = req.upgrade();
    let logged = served.app.access_log.as_ref().map(|_| {
        let head = req.head();
        (
            head.method.to_string(),
            head.uri.path().to_owned(),
            Instant::now(),
        )
    });
    let headers = &req.head().headers;
    let mut exit = served
        .app
        .middleware
        .exit_for(|name| headers.get(name).and_then(|v| v.to_str().ok()));
    let (mut response, close, window) = respond_to(&served, &mut req, upgrade, &mut exit).await;
    // The one way out: CORS headers and compression for every answer.
    let encoding = served.app.middleware.finish(&mut response, &exit, true);
    if let (Some(log), Some((method, path, started))) = (&served.app.access_log, logged) {
        // The raw (still percent-encoded) path: a decoded one could forge lines (`%0A`).
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        log.record(method, path, response.status, elapsed_ms);
    }
    let mut response = with_stream(&served.app, response, window, encoding);
    if close || upgrade {
        response
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    if let Some(phase) = phase {
        if response.head().connection_type() == ConnectionType::Close {
            phase.close_after_response();
        }
        phase.response_done();
    }
    Ok(response)
}

/// The response, whether the connection must close after it (a body left unread), and the
/// part of a file it sends.
async fn respond_to(
    served: &Served,
    req: &mut Request,
    upgrade: bool,
    exit: &mut Exit,
) -> (HttpResponse, bool, Option<file::FileWindow>) {
    let head = req.head();
    let target = head.uri.path_and_query().map_or("/", |p| p.as_str());
    let header = |name: &str| head.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(response) = check_head(&served.app, head.method.as_str(), target, header) {
        return (response, true, None);
    }
    let longest = head.headers.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    if let Some(response) = check_header_sizes(&served.app, head.headers.len(), longest) {
        return (response, true, None);
    }
    let content_type = head.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let app = &served.app;
    let mut form = None;
    let mut body_file = None;
    let body = if upgrade {
        Bytes::new()
    } else if let Some(plan) =
        app.multipart_plan(head.method.as_str(), head.uri.path(), content_type)
    {
        // A form route's multipart body is parsed as it arrives (`upload.rs`).
        let content_type = content_type.unwrap_or_default().to_owned();
        let read = upload::read_multipart(
            req,
            &content_type,
            plan,
            app.form_limits,
            app.spool_threshold,
            &served.limits,
        );
        match read.await {
            Ok(parsed) => form = Some(Arc::new(parsed)),
            Err(response) => return (response, true, None),
        }
        Bytes::new()
    } else if app.table.has_django_urls()
        && may_have_body(&head.headers)
        && routes_to_django(app, head.method.as_str(), head.uri.path())
    {
        let read = read_spooled(req, app.max_body_size, app.spool_threshold, &served.limits);
        match read.await {
            Ok(PartData::Memory(body)) => body,
            Ok(PartData::Disk { path, size }) => {
                body_file = Some(Arc::new(SpooledBody { path, size }));
                Bytes::new()
            }
            Err(response) => return (response, true, None),
        }
    } else {
        match read_body(req, app.max_body_size, &served.limits).await {
            Ok(body) => body,
            Err(response) => return (response, true, None),
        }
    };
    let head = req.head_mut();
    // Read before the headers move on: a file response answers them (304, 206).
    let conditions = FileConditions::read(head.method.as_str(), |name| {
        head.headers.get(name).and_then(|v| v.to_str().ok())
    });
    let mut request = HttpRequest::from_parts(
        head.method.clone(),
        head.uri.clone(),
        std::mem::take(&mut head.headers),
        body,
    );
    request.form = form;
    request.body_file = body_file;
    request.peer = req.peer_addr().map(|addr| addr.ip());
    let mut response = match prepare(&served.app, request, exit) {
        Prepared::Respond(response) => response,
        Prepared::Call(call) => dispatch(served, call).await,
        Prepared::Django(request) => dispatch_django(served, request).await,
    };
    let head_only = req.head().method == actix_http::Method::HEAD;
    let window = file::open(&mut response, conditions.as_ref(), head_only);
    (response, false, window)
}

/// Whether the head announces a body (a length over zero, or chunks): only then is the
/// route looked up before the body is read.
fn may_have_body(headers: &actix_http::header::HeaderMap) -> bool {
    headers.contains_key(actix_http::header::TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
}

/// The whole body, or the error response (see `read_chunks`).
async fn read_body(
    req: &mut Request,
    limit: usize,
    limits: &ServerLimits,
) -> Result<Bytes, HttpResponse> {
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    read_chunks(req, limit, limits, |chunk| {
        // The usual single chunk is kept as it is; only a split body is copied together.
        match (&mut first, &mut rest) {
            (None, _) => first = Some(chunk),
            (Some(head), None) => {
                // Capacity from what arrived, never from what was declared: a client cannot
                // make the server reserve memory for bytes it never sends.
                let mut joined = BytesMut::with_capacity((head.len() + chunk.len()) * 2);
                joined.extend_from_slice(head);
                joined.extend_from_slice(&chunk);
                rest = Some(joined);
            }
            (Some(_), Some(joined)) => joined.extend_from_slice(&chunk),
        }
        Ok(())
    })
    .await?;
    Ok(match (first, rest) {
        (_, Some(joined)) => joined.freeze(),
        (Some(only), None) => only,
        (None, None) => Bytes::new(),
    })
}

/// A Django URL's body: in memory up to `threshold`, in a temp file past it (Django reads
/// `wsgi.input` as a file, so a large upload never sits in memory here).
async fn read_spooled(
    req: &mut Request,
    limit: usize,
    threshold: usize,
    limits: &ServerLimits,
) -> Result<PartData, HttpResponse> {
    let mut spool = upload::Spool::Memory(BytesMut::new());
    read_chunks(req, limit, limits, |chunk| {
        spool.write(&chunk, threshold).map_err(upload::spool_failed)
    })
    .await?;
    spool.finish().map_err(upload::spool_failed)
}

/// Each chunk of the body to `sink`, or the error response: 413 when it is (or is declared)
/// larger than `limit`, checked before anything is read; 408 when the client pauses longer
/// than `body_idle_timeout` or takes longer than `body_total_timeout`; 400 when the stream
/// breaks.
async fn read_chunks(
    req: &mut Request,
    limit: usize,
    limits: &ServerLimits,
    mut sink: impl FnMut(Bytes) -> Result<(), HttpResponse>,
) -> Result<(), HttpResponse> {
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
    // No body at all (no Content-Length, not chunked): nothing to time.
    if matches!(payload, actix_http::Payload::None) {
        return Ok(());
    }
    let mut total = 0usize;
    let give_up = Instant::now() + limits.body_total_timeout;
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut payload).poll_next(cx));
        let wait_until = give_up.min(Instant::now() + limits.body_idle_timeout);
        let Ok(chunk) = tokio::time::timeout_at(wait_until, next).await else {
            return Err(HttpResponse::detail(408, "Request body timeout"));
        };
        let Some(chunk) = chunk else { break };
        let chunk = chunk.map_err(|_| HttpResponse::detail(400, "Invalid request body"))?;
        total += chunk.len();
        if total > limit {
            return Err(too_large());
        }
        sink(chunk)?;
    }
    Ok(())
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
        let done = within_budget(served, route, done).await;
        done.unwrap_or_else(|_| HttpResponse::detail(500, "Internal Server Error"))
    };
    finish_head(response, head)
}

/// A Django URL: Django's request handling (its middleware, resolver and view), on the pool
/// like a sync handler.
async fn dispatch_django(served: &Served, request: HttpRequest) -> HttpResponse {
    let head = request.method() == "HEAD";
    let worker_app = served.app.clone();
    let done = served
        .sync_pool
        .run(move || Python::attach(|py| worker_app.call_django(py, request, true)));
    let response = done
        .await
        .unwrap_or_else(|_| HttpResponse::detail(500, "Internal Server Error"));
    finish_head(response, head)
}

/// A sync handler's result, watched against `handler_timeout`: over it, a warning is logged
/// once and, with `handler_timeout_503`, the client gets a 503 (the handler's thread cannot be
/// stopped; it finishes and its result is dropped).
async fn within_budget<F, E>(served: &Served, route: usize, done: F) -> Result<HttpResponse, E>
where
    F: std::future::Future<Output = Result<HttpResponse, E>>,
{
    let Some(budget) = served.limits.handler_timeout else {
        return done.await;
    };
    tokio::pin!(done);
    match tokio::time::timeout(budget, &mut done).await {
        Ok(result) => result,
        Err(_) => {
            let handler = &served.app.routes[route].handler_name;
            eprintln!(
                "django-bolt: handler {handler} is still running after its {:.1} s budget \
                 (BOLT_HANDLER_TIMEOUT)",
                budget.as_secs_f64()
            );
            if served.limits.handler_timeout_503 {
                return Ok(HttpResponse::detail(503, "Handler timed out"));
            }
            done.await
        }
    }
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

/// The actix response, its body streamed from disk or from Python where it has one.
fn with_stream(
    app: &AppInner,
    mut response: HttpResponse,
    window: Option<file::FileWindow>,
    encoding: Option<Encoding>,
) -> Response<BoxBody> {
    let streamed = response.stream.take().and_then(|s| s.take());
    let Some(streamed) = streamed else {
        return to_actix(response).map_into_boxed_body();
    };
    let head = to_actix(response);
    match streamed {
        Streamed::File(_) => match window {
            Some(window) => {
                let len = window.len;
                let body = file_chunks(window);
                head.set_body(SizedStream::new(len, body))
                    .map_into_boxed_body()
            }
            None => head.map_into_boxed_body(),
        },
        Streamed::Python(source) => {
            let started = Python::attach(|py| {
                source.start(py, &app.cache.start_async_pump, &app.sync_streams)
            });
            match started {
                Ok(Some(chunks)) => match encoding {
                    None => head.set_body(BodyStream::new(chunks)).map_into_boxed_body(),
                    Some(encoding) => match Compressed::new(chunks, encoding) {
                        Ok(compressed) => head
                            .set_body(BodyStream::new(compressed))
                            .map_into_boxed_body(),
                        Err(err) => {
                            eprintln!("django-bolt: starting a compressed stream failed: {err}");
                            let failed = HttpResponse::detail(500, "Internal Server Error");
                            to_actix(failed).map_into_boxed_body()
                        }
                    },
                },
                Ok(None) => {
                    let busy = HttpResponse::detail(503, "Too many streaming responses");
                    to_actix(busy).map_into_boxed_body()
                }
                Err(err) => {
                    Python::attach(|py| err.print(py));
                    let failed = HttpResponse::detail(500, "Internal Server Error");
                    to_actix(failed).map_into_boxed_body()
                }
            }
        }
    }
}

/// A file window in 64 KiB chunks, read on tokio's blocking pool.
fn file_chunks(
    window: file::FileWindow,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    use std::io::Seek;
    use tokio::io::AsyncReadExt;
    let file::FileWindow {
        mut file,
        offset,
        len,
    } = window;
    // A seek is one cheap syscall; the reads go to the blocking pool.
    let sought = file.seek(std::io::SeekFrom::Start(offset));
    let reader = tokio::fs::File::from_std(file).take(if sought.is_ok() { len } else { 0 });
    tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024)
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
    let mut close = false;
    for (name, value) in &response.headers {
        // `Connection: close` from a handler is honoured (no further pipelined request is
        // answered); actix writes the header itself.
        if name.eq_ignore_ascii_case(CONNECTION.as_str()) {
            close |= value.trim().eq_ignore_ascii_case("close");
            continue;
        }
        match (HeaderName::from_bytes(name.as_bytes()), header_value(value)) {
            (Ok(name), Ok(value)) => headers.append(name, value),
            _ => return unsendable(name),
        }
    }
    if close {
        res.head_mut().set_connection_type(ConnectionType::Close);
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
