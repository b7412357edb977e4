//! The HTTP server: actix-http on actix-server, one listening socket (SO_REUSEPORT, so forked
//! workers can share the port), graceful shutdown on SIGTERM/SIGINT.
//!
//! actix-http is used directly (no actix-web `App`): the service owns each parsed request, so
//! its head moves into an `HttpRequest` without copying a header.

mod handle;
mod profile;
mod threads;

use std::net::{TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use socket2::{Domain, Socket, Type};

use crate::bridge::{AppInner, EventLoop};
pub use profile::{profile, Breakdown};
pub(crate) use threads::{keep_thread_state, SyncPool};

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub backlog: u32,
    /// Seconds in-flight requests get to finish after a shutdown signal.
    pub shutdown_timeout: u64,
    /// Most threads running sync handlers at once (the pool grows to it on demand).
    pub sync_threads: usize,
}

/// What every connection of one running server shares.
pub(crate) struct Served {
    pub app: Arc<AppInner>,
    /// The process's asyncio loop (looked up once per server, after any fork), on which
    /// suspended coroutines continue and which is the running loop during an eager step.
    pub event_loop: EventLoop,
    pub sync_pool: SyncPool,
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
    let event_loop = Python::attach(|py| app.event_loop(py))
        .map_err(|e| std::io::Error::other(format!("cannot start the asyncio loop: {e}")))?;
    let served = Arc::new(Served {
        app,
        event_loop,
        sync_pool: SyncPool::new(config.sync_threads.max(1)),
    });
    let local_addr = listener.local_addr()?;
    let result = actix_rt::System::new().block_on(async move {
        let factory_state = served.clone();
        let server = actix_server::Server::build()
            .workers(config.workers.max(1))
            .backlog(config.backlog)
            .shutdown_timeout(config.shutdown_timeout)
            .disable_signals()
            .listen("django-bolt", listener, move || {
                let served = factory_state.clone();
                actix_http::HttpService::build()
                    .keep_alive(Duration::from_secs(5))
                    .client_request_timeout(Duration::from_secs(30))
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .local_addr(local_addr)
                    .h1(actix_service::fn_service(move |req| {
                        handle::respond(served.clone(), req)
                    }))
                    .tcp()
            })?
            .run();
        let handle = server.handle();
        actix_rt::spawn(async move {
            wait_for_shutdown_signal().await;
            handle.stop(true).await;
        });
        let result = server.await;
        served.sync_pool.close();
        result
    });
    result
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
