//! The access log, written off the I/O threads: each answered request's line is queued
//! (bounded: when Python's `logging` cannot keep up, lines are dropped and counted, never
//! waited for) and one thread of its own hands the queued lines to the Python callable, under
//! one GIL acquisition per batch. The thread starts with the first line, so it belongs to
//! the process that serves (after any fork).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;

/// Lines queued before new ones are dropped.
const QUEUE: usize = 16 * 1024;

struct Line {
    method: String,
    path: String,
    status: u16,
    elapsed_ms: f64,
}

pub struct AccessLog {
    /// `(method, path, status, duration_ms)`: `django_bolt.logging`'s writer.
    callable: Arc<Py<PyAny>>,
    queue: OnceLock<SyncSender<Line>>,
    dropped: Arc<AtomicU64>,
}

impl AccessLog {
    pub fn new(callable: Py<PyAny>) -> Self {
        Self {
            callable: Arc::new(callable),
            queue: OnceLock::new(),
            dropped: Arc::default(),
        }
    }

    /// Queue one request's line; never blocks.
    pub fn record(&self, method: String, path: String, status: u16, elapsed_ms: f64) {
        let queue = self.queue.get_or_init(|| self.start());
        let line = Line {
            method,
            path,
            status,
            elapsed_ms,
        };
        if queue.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn start(&self) -> SyncSender<Line> {
        let (sender, receiver) = sync_channel(QUEUE);
        let (callable, dropped) = (self.callable.clone(), self.dropped.clone());
        let spawned = std::thread::Builder::new()
            .name("bolt-access-log".into())
            .spawn(move || write_lines(&receiver, &callable, &dropped));
        if let Err(err) = spawned {
            // The receiver is gone with the closure: every line is counted as dropped.
            eprintln!("django-bolt: cannot start the access log thread: {err}");
        }
        sender
    }
}

fn write_lines(receiver: &Receiver<Line>, callable: &Py<PyAny>, dropped: &AtomicU64) {
    while let Ok(first) = receiver.recv() {
        Python::attach(|py| {
            let callable = callable.bind(py);
            let mut next = Some(first);
            while let Some(line) = next {
                let args = (line.method, line.path, line.status, line.elapsed_ms);
                if let Err(err) = callable.call1(args) {
                    err.print(py);
                }
                next = receiver.try_recv().ok();
            }
        });
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            eprintln!("django-bolt: {lost} access log lines dropped (the log could not keep up)");
        }
    }
}
