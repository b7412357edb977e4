//! The per-request cost of the hot path, phase by phase, without a network (`make bench`).
//!
//! Each phase runs `iterations` times on the same request with the same code the server uses
//! (the route table, the pipeline, the eager step, the encoder, actix-http's response
//! encoder), and reports nanoseconds per request. The GIL is taken the way a server thread
//! takes it: by a thread that keeps its Python thread state.

use std::time::Instant;

use actix_codec::Encoder;
use actix_http::body::BodySize;
use actix_http::h1::{Codec, Message};
use bytes::BytesMut;
use pyo3::prelude::*;

use super::handle::to_actix;
use crate::bridge::{AppInner, EventLoop, Outcome, PendingCall};
use crate::http::{HttpRequest, HttpResponse};
use crate::pipeline::{prepare, Prepared};
use crate::router::Lookup;

/// Phase name and nanoseconds per request, in the order a request goes through them.
pub type Breakdown = Vec<(&'static str, f64)>;

fn per_call(started: Instant, iterations: usize) -> f64 {
    started.elapsed().as_nanos() as f64 / iterations as f64
}

fn pending(app: &AppInner, request: &HttpRequest) -> Result<PendingCall, String> {
    match prepare(
        app,
        request.clone(),
        &mut crate::middleware::Exit::default(),
    ) {
        Prepared::Call(call) => Ok(call),
        Prepared::Respond(response) => Err(format!(
            "{} {} is answered {} before any handler runs",
            request.method(),
            request.path(),
            response.status
        )),
        Prepared::Django(_) => Err(format!(
            "{} {} is a Django URL: the profile measures BoltAPI routes",
            request.method(),
            request.path()
        )),
    }
}

/// Run the whole request (pipeline, handler, encoding, response head) the server's way.
fn serve_once(
    py: Python<'_>,
    app: &AppInner,
    request: &HttpRequest,
    event_loop: &EventLoop,
) -> Result<HttpResponse, String> {
    let call = pending(app, request)?;
    let route = call.route;
    let response = if app.routes[route].is_async {
        match app.step_async(py, call, event_loop) {
            Outcome::Done(response) => response,
            Outcome::Suspended { .. } => {
                return Err(format!(
                    "{}: the handler suspended; only handlers that finish in their first step can be profiled",
                    app.routes[route].handler_name
                ))
            }
        }
    } else {
        app.call_sync(py, call)
    };
    Ok(response)
}

fn write_response(
    codec: &mut Codec,
    response: HttpResponse,
    buf: &mut BytesMut,
) -> Result<(), String> {
    let (head, body) = to_actix(response).into_parts();
    let size = BodySize::Sized(body.len() as u64);
    let failed = |e: std::io::Error| e.to_string();
    codec
        .encode(Message::Item((head, size)), buf)
        .map_err(failed)?;
    codec
        .encode(Message::Chunk(Some(body)), buf)
        .map_err(failed)
}

/// Time each phase of `request` through `app` over `iterations` requests. Call it without the
/// GIL, from a thread with a Python thread state.
pub fn profile(
    app: &AppInner,
    request: &HttpRequest,
    iterations: usize,
) -> Result<Breakdown, String> {
    let iterations = iterations.max(1);
    let table = app.table.as_ref();
    let mut breakdown = Breakdown::new();
    actix_rt::System::new().block_on(async {
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(table.lookup(request.method(), request.path()));
        }
        breakdown.push(("routing", per_call(started, iterations)));

        let Lookup::Found { route, captures } = table.lookup(request.method(), request.path())
        else {
            return Err(format!(
                "{} {} is not routed",
                request.method(),
                request.path()
            ));
        };
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(table.extract(route, &captures, request)).ok();
            std::hint::black_box(app.scan_body(route, &request.body));
        }
        breakdown.push(("extraction", per_call(started, iterations)));

        let started = Instant::now();
        for _ in 0..iterations {
            Python::attach(|py| std::hint::black_box(py.None()));
        }
        breakdown.push(("GIL acquisition", per_call(started, iterations)));

        // Handler, encoding and write are timed in small batches, so the values waiting to be
        // encoded stay few (thousands of live results would make the GC's work the cost).
        let event_loop = Python::attach(|py| app.event_loop(py)).map_err(|e| e.to_string())?;
        let is_async = app.routes[route].is_async;
        let mut codec = Codec::new(actix_http::ServiceConfig::default());
        let mut buf = BytesMut::with_capacity(1 << 16);
        let (mut handler_ns, mut encode_ns, mut write_ns) = (0u128, 0u128, 0u128);
        let mut done = 0;
        while done < iterations {
            let batch = (iterations - done).min(32);
            done += batch;
            let calls: Vec<PendingCall> = (0..batch)
                .map(|_| pending(app, request))
                .collect::<Result<_, _>>()?;
            let responses = Python::attach(|py| -> Result<Vec<HttpResponse>, String> {
                let started = Instant::now();
                let values = calls
                    .into_iter()
                    .map(|call| app.handler_value(py, call, &event_loop, is_async))
                    .collect::<Result<Vec<_>, _>>()?;
                handler_ns += started.elapsed().as_nanos();
                let started = Instant::now();
                let responses = values
                    .into_iter()
                    .map(|value| app.respond(py, route, Ok(value.into_bound(py))))
                    .collect();
                encode_ns += started.elapsed().as_nanos();
                Ok(responses)
            })?;
            let started = Instant::now();
            for response in responses {
                write_response(&mut codec, response, &mut buf)?;
                buf.clear();
            }
            write_ns += started.elapsed().as_nanos();
        }
        let per = |total: u128| total as f64 / iterations as f64;
        breakdown.push(("handler call", per(handler_ns)));
        breakdown.push(("encoding", per(encode_ns)));
        breakdown.push(("response write", per(write_ns)));

        let started = Instant::now();
        for _ in 0..iterations {
            let response = Python::attach(|py| serve_once(py, app, request, &event_loop))?;
            write_response(&mut codec, response, &mut buf)?;
            buf.clear();
        }
        breakdown.push(("whole request", per_call(started, iterations)));
        Ok(())
    })?;
    Ok(breakdown)
}
