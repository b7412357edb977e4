//! The actix-web server: one listening socket (SO_REUSEPORT, so forked workers can share the
//! port), graceful shutdown on SIGTERM/SIGINT, and the handoff between tokio and Python.

use std::net::{TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpServer};
use pyo3::prelude::*;
use socket2::{Domain, Socket, Type};

use crate::bridge::{AppInner, Outcome, PendingCall};
use crate::http::{HttpRequest, HttpResponse};
use crate::pipeline::{finish_head, prepare, Prepared};

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub backlog: u32,
    /// Seconds in-flight requests get to finish after a shutdown signal.
    pub shutdown_timeout: u64,
}

fn bind(config: &ServeConfig) -> std::io::Result<TcpListener> {
    let addr = (config.host.as_str(), config.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("cannot resolve host {:?}", config.host)))?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(config.backlog as i32)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// Serve until SIGTERM or SIGINT, then stop accepting and let in-flight requests finish
/// (actix treats SIGINT as a forced stop; Ctrl-C here is graceful too). Blocks the calling
/// thread: call it without the GIL.
pub fn run(app: Arc<AppInner>, config: ServeConfig) -> std::io::Result<()> {
    let listener = bind(&config)?;
    actix_rt::System::new().block_on(async move {
        let data = web::Data::from(app);
        let server = HttpServer::new(move || {
            actix_web::App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(config.workers.max(1))
        .backlog(config.backlog)
        .shutdown_timeout(config.shutdown_timeout)
        .client_request_timeout(Duration::from_secs(30))
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        actix_rt::spawn(async move {
            wait_for_shutdown_signal().await;
            handle.stop(true).await;
        });
        server.await
    })
}

async fn wait_for_shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

async fn handle(
    req: actix_web::HttpRequest,
    payload: web::Payload,
    app: web::Data<AppInner>,
) -> actix_web::HttpResponse {
    let body = match payload.to_bytes_limited(app.max_body_size).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => return to_actix(HttpResponse::detail(400, "Invalid request body")),
        Err(_) => return to_actix(HttpResponse::detail(413, "Request body too large")),
    };
    let headers = req
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let request = HttpRequest {
        method: req.method().as_str().to_owned(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        headers,
        body,
    };
    let response = match prepare(&app, request) {
        Prepared::Respond(response) => response,
        Prepared::Call(call) => dispatch(app.into_inner(), call).await,
    };
    to_actix(response)
}

async fn dispatch(app: Arc<AppInner>, call: PendingCall) -> HttpResponse {
    let (route, head) = (call.route, call.head);
    let response = if app.routes[route].is_async {
        // Coroutines are stepped right here; only a real suspension costs a trip to the loop.
        match Python::attach(|py| app.call_eager(py, call)) {
            Outcome::Done(response) => response,
            Outcome::Suspended { coro, yielded } => await_on_loop(&app, route, coro, yielded).await,
        }
    } else {
        // Sync handlers may block (ORM, I/O): keep them off the connection-serving thread.
        let worker_app = app.clone();
        let joined = tokio::task::spawn_blocking(move || {
            Python::attach(|py| worker_app.call_eager(py, call))
        })
        .await;
        match joined {
            Ok(Outcome::Done(response)) => response,
            _ => HttpResponse::detail(500, "Internal Server Error"),
        }
    };
    finish_head(response, head)
}

async fn await_on_loop(
    app: &AppInner,
    route: usize,
    coro: Py<PyAny>,
    yielded: Py<PyAny>,
) -> HttpResponse {
    match Python::attach(|py| app.submit(py, coro, yielded)) {
        Ok(receiver) => match receiver.await {
            Ok(task) => Python::attach(|py| app.finish_task(py, route, task)),
            Err(_) => HttpResponse::detail(500, "Internal Server Error"),
        },
        Err(err) => Python::attach(|py| app.render_error(py, err)),
    }
}

fn to_actix(response: HttpResponse) -> actix_web::HttpResponse {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = actix_web::HttpResponse::build(status);
    for (name, value) in &response.headers {
        builder.append_header((name.as_str(), value.as_str()));
    }
    builder.body(response.body)
}
