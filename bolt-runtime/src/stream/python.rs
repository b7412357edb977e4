//! Python iterators as response bodies. A sync iterator is pumped by a thread of its own (its
//! `__next__` may block); an async one by a task on the process's event loop. Either hands
//! each chunk over a small bounded channel the moment it is produced, so nothing buffers a
//! stream, and a client that stops reading stops the producer (backpressure).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use tokio::sync::mpsc;

/// Chunks in flight between a producer and the connection.
const CHANNEL_CAPACITY: usize = 32;

/// An iterator of `bytes` chunks (the bridge has normalised what the handler yields).
pub struct PySource {
    pub iterator: Py<PyAny>,
    pub is_async: bool,
    /// SSE keep-alive: this comment is sent whenever the stream has been quiet that long.
    pub keepalive: Option<(Duration, Bytes)>,
}

/// A stream that failed after its head was sent: the connection is closed mid-body, so the
/// client sees a truncated response rather than a complete one.
#[derive(Debug)]
pub struct StreamAborted;

impl std::fmt::Display for StreamAborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the response stream raised")
    }
}

impl std::error::Error for StreamAborted {}

impl From<std::io::Error> for StreamAborted {
    fn from(_: std::io::Error) -> Self {
        StreamAborted
    }
}

type Chunk = Result<Bytes, StreamAborted>;

/// Live sync pumps, against `BOLT_MAX_SYNC_STREAMING_THREADS`.
pub struct SyncStreamCount {
    live: Arc<AtomicUsize>,
    max: usize,
}

impl SyncStreamCount {
    pub fn new(max: usize) -> Self {
        Self {
            live: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }
}

/// Stops the producer when the body is dropped (the response finished or the client left).
enum Producer {
    Thread,
    /// The pump task's `concurrent.futures.Future`: cancelling it cancels the task on the
    /// loop, so an `await` in the generator raises CancelledError and its `finally` runs now.
    Task(Py<PyAny>),
}

impl Drop for Producer {
    fn drop(&mut self) {
        if let Producer::Task(future) = self {
            Python::attach(|py| {
                if let Err(err) = future.bind(py).call_method0("cancel") {
                    err.print(py);
                }
            });
        }
    }
}

/// The body actix sends: chunks as they arrive, keep-alive comments in the pauses.
pub struct ChunkStream {
    receiver: mpsc::Receiver<Chunk>,
    keepalive: Option<(Duration, Bytes, Pin<Box<tokio::time::Sleep>>)>,
    _producer: Producer,
}

impl futures_core::Stream for ChunkStream {
    type Item = Chunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chunk>> {
        let this = &mut *self;
        match this.receiver.poll_recv(cx) {
            Poll::Ready(item) => {
                if let Some((every, _, timer)) = &mut this.keepalive {
                    timer.as_mut().reset(tokio::time::Instant::now() + *every);
                }
                Poll::Ready(item)
            }
            Poll::Pending => {
                let Some((every, comment, timer)) = &mut this.keepalive else {
                    return Poll::Pending;
                };
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                timer.as_mut().reset(tokio::time::Instant::now() + *every);
                Poll::Ready(Some(Ok(comment.clone())))
            }
        }
    }
}

/// The next chunk of a sync iterator: `Ok(None)` at its end.
fn next_chunk(iterator: &Bound<'_, PyAny>) -> PyResult<Option<Bytes>> {
    match iterator.call_method0("__next__") {
        Ok(chunk) => Ok(Some(Bytes::from_owner(chunk.extract::<PyBackedBytes>()?))),
        Err(err) if err.is_instance_of::<pyo3::exceptions::PyStopIteration>(iterator.py()) => {
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

fn close_iterator(iterator: &Bound<'_, PyAny>) {
    if let Ok(close) = iterator.getattr("close") {
        if let Err(err) = close.call0() {
            err.print(iterator.py());
        }
    }
}

impl PySource {
    /// Start the producer; `start_async` is the bridge's `start_async_pump`. None when the
    /// sync-stream threads are all in use.
    pub fn start(
        self,
        py: Python<'_>,
        start_async: &Py<PyAny>,
        sync_streams: &SyncStreamCount,
    ) -> PyResult<Option<ChunkStream>> {
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let producer = if self.is_async {
            let sink = ChunkSink {
                sender: Mutex::new(Some(sender)),
            };
            let future = start_async
                .bind(py)
                .call1((self.iterator, Bound::new(py, sink)?))?;
            Producer::Task(future.unbind())
        } else {
            let live = sync_streams.live.clone();
            if live.fetch_add(1, Ordering::AcqRel) >= sync_streams.max {
                live.fetch_sub(1, Ordering::AcqRel);
                // Refused: closed all the same (a handler's `finally`, a Django response's
                // resources and its `request_finished`).
                close_iterator(self.iterator.bind(py));
                return Ok(None);
            }
            let iterator = self.iterator;
            let spawned = std::thread::Builder::new()
                .name("bolt-stream".into())
                .spawn(move || {
                    pump_sync(&iterator, &sender);
                    Python::attach(|py| close_iterator(iterator.bind(py)));
                    live.fetch_sub(1, Ordering::AcqRel);
                });
            if let Err(err) = spawned {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "cannot start a streaming thread: {err}"
                )));
            }
            Producer::Thread
        };
        let keepalive = self.keepalive.map(|(every, comment)| {
            let timer = Box::pin(tokio::time::sleep(every));
            (every, comment, timer)
        });
        Ok(Some(ChunkStream {
            receiver,
            keepalive,
            _producer: producer,
        }))
    }
}

fn pump_sync(iterator: &Py<PyAny>, sender: &mpsc::Sender<Chunk>) {
    loop {
        let next = Python::attach(|py| next_chunk(iterator.bind(py)).map_err(|err| err.print(py)));
        let chunk = match next {
            Ok(Some(chunk)) => Ok(chunk),
            Ok(None) => return,
            Err(()) => Err(StreamAborted),
        };
        let failed = chunk.is_err();
        // Waits while the client is slow; fails once the body was dropped (client gone).
        if sender.blocking_send(chunk).is_err() || failed {
            return;
        }
    }
}

/// What an async pump (`_bridge.start_async_pump`) hands its chunks to.
#[pyclass(module = "django_bolt._core", frozen)]
pub struct ChunkSink {
    sender: Mutex<Option<mpsc::Sender<Chunk>>>,
}

/// `ChunkSink.send` results.
const SENT: u8 = 0;
const FULL: u8 = 1;
const CLOSED: u8 = 2;

#[pymethods]
impl ChunkSink {
    /// 0: sent; 1: the channel is full (try again shortly); 2: the client is gone.
    fn send(&self, chunk: PyBackedBytes) -> u8 {
        let Ok(slot) = self.sender.lock() else {
            return CLOSED;
        };
        let Some(sender) = slot.as_ref() else {
            return CLOSED;
        };
        match sender.try_send(Ok(Bytes::from_owner(chunk))) {
            Ok(()) => SENT,
            Err(mpsc::error::TrySendError::Full(_)) => FULL,
            Err(mpsc::error::TrySendError::Closed(_)) => CLOSED,
        }
    }

    /// End the body; with `failed`, cut the connection so the client sees it incomplete.
    #[pyo3(signature = (failed=false))]
    fn close(&self, failed: bool) {
        if let Ok(mut slot) = self.sender.lock() {
            if let Some(sender) = slot.take() {
                if failed {
                    let _ = sender.try_send(Err(StreamAborted));
                }
            }
        }
    }
}
