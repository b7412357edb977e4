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
use tokio::time::{sleep, Sleep};

/// Shared between the stream (which reads) and the service (which sees parsed heads).
#[derive(Debug, Default)]
pub(crate) struct HeadPhase {
    /// True from a response until the next head is parsed (and when the connection opens).
    awaiting_head: AtomicBool,
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
    /// The running head deadline, if one is armed.
    deadline: Option<Pin<Box<Sleep>>>,
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
            deadline: Some(Box::pin(sleep(head_timeout))),
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

fn head_timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "request head not received in time")
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let awaiting = this.phase.awaiting_head.load(Ordering::Acquire);
        if !awaiting {
            this.deadline = None;
        }
        if let Some(deadline) = this.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(head_timed_out()));
            }
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        // The first bytes of a head after a response start its deadline.
        if awaiting && this.deadline.is_none() && buf.filled().len() > before {
            let mut deadline = Box::pin(sleep(this.head_timeout));
            // Registers this task's waker, so the deadline fires even if nothing more arrives.
            if deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(head_timed_out()));
            }
            this.deadline = Some(deadline);
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
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
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
