//! One accepted connection: the per-process connection cap and the request-head deadline.
//!
//! actix-http times only a connection's *first* request head (`client_request_timeout`); after
//! one complete request, a client could send the next head a byte at a time forever. The
//! `GuardedStream` around the socket gives **every** request head the same deadline: armed
//! when the connection opens and again when the first byte after a response arrives, cleared
//! when the service receives the parsed head. A read past the deadline fails, and actix
//! closes the connection.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_codec::{AsyncRead, AsyncWrite, ReadBuf};
use actix_rt::net::TcpStream;
use tokio::time::{sleep, Instant, Sleep};

/// Shared between the stream (which reads) and the service (which sees parsed heads).
#[derive(Debug, Default)]
pub(crate) struct HeadPhase {
    /// True from a response until the next head is parsed (and when the connection opens).
    awaiting_head: AtomicBool,
    /// A response marked `Connection: close` was produced: nothing after it may be sent.
    closing: AtomicBool,
    /// Set once everything encoded before `closing` has been flushed to the socket; from then
    /// on the stream refuses to read or write, so actix drops the connection.
    drained: AtomicBool,
}

impl HeadPhase {
    /// The service got a complete head: body reading has its own timeouts.
    pub(crate) fn head_received(&self) {
        self.awaiting_head.store(false, Ordering::Release);
    }

    /// The response is produced: what the client sends next is a new head.
    pub(crate) fn response_done(&self) {
        self.awaiting_head.store(true, Ordering::Release);
    }

    /// The response just produced closes the connection.
    pub(crate) fn close_after_response(&self) {
        self.closing.store(true, Ordering::Release);
    }

    /// Whether this request came in behind a closing response (pipelined): it must not be
    /// answered. actix-http answers every request it has already parsed, so the connection
    /// is ended from the stream instead.
    pub(crate) fn behind_a_close(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// Waits (bounded) until the closing response has left, after which nothing more is sent.
    pub(crate) async fn wait_drained(&self) {
        for _ in 0..1000 {
            if self.drained.load(Ordering::Acquire) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// Open connections of this process, against `limit`.
#[derive(Debug)]
pub(crate) struct ConnectionCount {
    open: AtomicUsize,
    limit: usize,
}

impl ConnectionCount {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            open: AtomicUsize::new(0),
            limit: limit.max(1),
        })
    }

    /// A slot for one more connection, or None at the cap.
    pub(crate) fn acquire(self: &Arc<Self>) -> Option<ConnectionSlot> {
        let mut current = self.open.load(Ordering::Relaxed);
        loop {
            if current >= self.limit {
                return None;
            }
            match self.open.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(ConnectionSlot(self.clone())),
                Err(seen) => current = seen,
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

/// Released when the connection's stream is dropped.
#[derive(Debug)]
pub(crate) struct ConnectionSlot(Arc<ConnectionCount>);

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The answer to a connection over the cap, written straight to the socket.
pub(crate) const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\ncontent-length: 34\r\nconnection: close\r\n\r\n\
{\"detail\":\"Too many connections\"}\n";

pub(crate) struct GuardedStream {
    inner: TcpStream,
    phase: Arc<HeadPhase>,
    head_timeout: Duration,
    /// When the head being awaited started (connection opened, or first byte after a
    /// response); None while a request is being handled.
    head_started: Option<Instant>,
    /// A check timer, reset only when it fires (at most once per `head_timeout`), never per
    /// request: a per-request timer costs a timer-wheel update on the hot path.
    check: Pin<Box<Sleep>>,
    _slot: ConnectionSlot,
}

impl GuardedStream {
    pub(crate) fn new(inner: TcpStream, head_timeout: Duration, slot: ConnectionSlot) -> Self {
        let phase = Arc::new(HeadPhase::default());
        phase.response_done();
        Self {
            inner,
            phase,
            head_timeout,
            head_started: Some(Instant::now()),
            check: Box::pin(sleep(head_timeout)),
            _slot: slot,
        }
    }

    pub(crate) fn phase(&self) -> Arc<HeadPhase> {
        self.phase.clone()
    }

    fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.inner.peer_addr()
    }
}

/// The stream for an accepted socket, or (over the cap) the 503 written and the socket closed.
pub(crate) async fn accept(
    mut io: TcpStream,
    slot: Option<ConnectionSlot>,
    head_timeout: Duration,
) -> Result<(GuardedStream, Option<std::net::SocketAddr>), actix_http::error::DispatchError> {
    use tokio::io::AsyncWriteExt;
    let Some(slot) = slot else {
        // Bounded: a client that does not read this is dropped after a second.
        let _ =
            tokio::time::timeout(Duration::from_secs(1), io.write_all(TOO_MANY_CONNECTIONS)).await;
        return Err(actix_http::error::DispatchError::Io(io::Error::other(
            "connection limit reached",
        )));
    };
    let stream = GuardedStream::new(io, head_timeout, slot);
    let peer = stream.peer_addr().ok();
    Ok((stream, peer))
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "connection closed after a closing response",
    )
}

fn head_timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "request head not received in time")
}

impl GuardedStream {
    /// Whether the head being awaited is overdue; polls the check timer (registering this
    /// task's waker) and moves it to the next moment worth checking.
    fn head_overdue(&mut self, cx: &mut Context<'_>) -> bool {
        while self.check.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            let next = match self.head_started {
                Some(started) if now >= started + self.head_timeout => return true,
                Some(started) => started + self.head_timeout,
                None => now + self.head_timeout,
            };
            self.check.as_mut().reset(next);
        }
        false
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.phase.drained.load(Ordering::Acquire) {
            return Poll::Ready(Err(closed()));
        }
        let awaiting = this.phase.awaiting_head.load(Ordering::Acquire);
        if !awaiting {
            this.head_started = None;
        }
        if this.head_overdue(cx) {
            return Poll::Ready(Err(head_timed_out()));
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        // The first bytes of a head after a response start its clock.
        if awaiting && this.head_started.is_none() && buf.filled().len() > before {
            this.head_started = Some(Instant::now());
        }
        result
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.phase.drained.load(Ordering::Acquire) {
            return Poll::Ready(Err(closed()));
        }
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.phase.drained.load(Ordering::Acquire) {
            return Poll::Ready(Err(closed()));
        }
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let flushed = Pin::new(&mut this.inner).poll_flush(cx);
        // actix flushes the socket only once its whole write buffer is written, and it encodes
        // a response before the next request's service call: a flush after `closing` was set
        // carries the closing response.
        if matches!(flushed, Poll::Ready(Ok(()))) && this.phase.closing.load(Ordering::Acquire) {
            this.phase.drained.store(true, Ordering::Release);
        }
        flushed
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_slots_are_capped_and_released() {
        let count = ConnectionCount::new(2);
        let a = count.acquire().unwrap();
        let _b = count.acquire().unwrap();
        assert!(count.acquire().is_none());
        drop(a);
        assert_eq!(count.open(), 1);
        assert!(count.acquire().is_some());
    }

    #[test]
    fn the_overload_answer_is_well_formed() {
        let text = std::str::from_utf8(TOO_MANY_CONNECTIONS).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
    }
}
