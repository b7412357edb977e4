//! The HTTP server: actix-http on actix-server, one listening socket, graceful shutdown on
//! SIGTERM/SIGINT. A single process binds the port itself (no `SO_REUSEPORT`: a second
//! server on the same port fails with "address in use"); `--processes` workers serve the one
//! `SO_REUSEPORT` socket of the group their supervisor bound and passed down (`listen_fd`).
//!
//! actix-http is used directly (no actix-web `App`): the service owns each parsed request, so
//! its head moves into an `HttpRequest` without copying a header.

mod conn;
mod handle;
mod profile;
mod threads;
mod upload;

use std::net::{TcpListener, ToSocketAddrs};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

use actix_service::ServiceFactoryExt;
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
    pub limits: ServerLimits,
    /// A listening socket inherited from the supervisor, served instead of binding (taken
    /// over: closed by the server).
    pub listen_fd: Option<RawFd>,
    /// Written one byte once the server is up (the supervisor's readiness pipe).
    pub ready_fd: Option<RawFd>,
}

/// Timeouts and caps of the connection layer (settings `BOLT_*`, see README "Running in
/// production").
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Every request head on a connection must arrive within this.
    pub head_timeout: Duration,
    /// Idle time allowed between requests on a kept-alive connection.
    pub keep_alive: Duration,
    /// Longest pause between two reads of a body, and longest whole body read.
    pub body_idle_timeout: Duration,
    pub body_total_timeout: Duration,
    /// Open connections per process; the next one is answered 503 and closed.
    pub max_connections: usize,
    /// Time budget of a sync handler: over it a warning is logged, and with
    /// `handler_timeout_503` the client gets a 503 (the thread still finishes the handler).
    pub handler_timeout: Option<Duration>,
    pub handler_timeout_503: bool,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            head_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(5),
            body_idle_timeout: Duration::from_secs(10),
            body_total_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            handler_timeout: None,
            handler_timeout_503: false,
        }
    }
}

/// What every connection of one running server shares.
pub(crate) struct Served {
    pub app: Arc<AppInner>,
    /// The process's asyncio loop (looked up once per server, after any fork), on which
    /// suspended coroutines continue and which is the running loop during an eager step.
    pub event_loop: EventLoop,
    pub sync_pool: SyncPool,
    pub limits: ServerLimits,
}

fn bind(config: &ServeConfig) -> std::io::Result<TcpListener> {
    if let Some(fd) = config.listen_fd {
        return inherited(fd);
    }
    let addr = (config.host.as_str(), config.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("cannot resolve host {:?}", config.host)))?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // Reuse of a TIME_WAIT address only; never SO_REUSEPORT (see the module comment).
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(config.backlog as i32)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// The listening socket `fd`, taken over: it is duplicated into a descriptor this server
/// owns and then closed, so that when the server stops accepting no copy of the socket is
/// left open in this process (the kernel would go on queueing connections on it).
fn inherited(fd: RawFd) -> std::io::Result<TcpListener> {
    // SAFETY: fcntl only reads its integer arguments; on a bad descriptor it fails with EBADF.
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if copy < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: close only reads its integer argument; the caller handed `fd` over to us.
    unsafe { libc::close(fd) };
    // SAFETY: `copy` was just created by F_DUPFD_CLOEXEC, is open, and nothing else owns it.
    let socket = Socket::from(unsafe { OwnedFd::from_raw_fd(copy) });
    if socket.r#type()? != Type::STREAM || !socket.is_listener()? {
        return Err(std::io::Error::other(format!(
            "descriptor {fd} is not a listening TCP socket"
        )));
    }
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// Tell the supervisor this worker is serving (one byte on its readiness pipe).
fn signal_ready(fd: RawFd) {
    // SAFETY: write only reads the one byte of the static buffer; a bad descriptor is EBADF.
    let written = unsafe { libc::write(fd, b"1".as_ptr().cast(), 1) };
    if written != 1 {
        eprintln!(
            "django-bolt: cannot signal readiness on fd {fd}: {}",
            std::io::Error::last_os_error()
        );
    }
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
        limits: config.limits.clone(),
    });
    let local_addr = listener.local_addr()?;
    let connections = conn::ConnectionCount::new(config.limits.max_connections);
    let limits = config.limits.clone();
    let result = actix_rt::System::new().block_on(async move {
        let factory_state = served.clone();
        let server = actix_server::Server::build()
            .workers(config.workers.max(1))
            .backlog(config.backlog)
            .shutdown_timeout(config.shutdown_timeout)
            .disable_signals()
            .listen("django-bolt", listener, move || {
                let served = factory_state.clone();
                let connections = connections.clone();
                let head_timeout = limits.head_timeout;
                let http = actix_http::HttpService::<
                    conn::GuardedStream,
                    _,
                    actix_http::body::BoxBody,
                >::build()
                .keep_alive(limits.keep_alive)
                .client_request_timeout(limits.head_timeout)
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(local_addr)
                .on_connect_ext(|io: &conn::GuardedStream, ext| {
                    ext.insert(io.phase());
                })
                .h1(actix_service::fn_service(move |req| {
                    handle::respond(served.clone(), req)
                }));
                actix_service::fn_service(move |io: actix_rt::net::TcpStream| {
                    let slot = connections.acquire();
                    async move { conn::accept(io, slot, head_timeout).await }
                })
                .and_then(http)
            })?
            .run();
        if let Some(fd) = config.ready_fd {
            signal_ready(fd);
        }
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
