//! Python thread states for the server's own threads, and the pool that runs sync handlers.
//!
//! `Python::attach` on a thread without a Python thread state creates one and destroys it when
//! the GIL is released: per request, that is an allocation of the state and its frame stack
//! (an `mmap`, an `munmap`, page faults and a `gettid`). Server threads instead get one thread
//! state for their whole life, so attaching only takes the GIL.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};

use pyo3::ffi;
use tokio::sync::oneshot;

/// Give the calling thread a Python thread state that outlives every later `Python::attach`
/// on it. A thread that has a thread state already (a Python thread, or one kept before) is
/// left as it is.
pub(crate) fn keep_thread_state() {
    // SAFETY: `Py_IsInitialized` may be called at any time. When the interpreter runs and this
    // thread has no thread state, it cannot hold the GIL (holding it needs a state), so
    // `PyGILState_Ensure` creates and binds a state and takes the GIL, and `PyEval_SaveThread`
    // releases the GIL while leaving that state bound with its gilstate counter at one: later
    // Ensure/Release pairs (pyo3's attach) reuse it and never drop it.
    unsafe {
        if ffi::Py_IsInitialized() == 0 || !ffi::PyGILState_GetThisThreadState().is_null() {
            return;
        }
        ffi::PyGILState_Ensure();
        ffi::PyEval_SaveThread();
    }
}

/// Undo `keep_thread_state` on a thread that is about to exit (pool threads, which end while
/// the interpreter still runs).
fn drop_thread_state() {
    // SAFETY: called without the GIL on a thread whose state was created by
    // `keep_thread_state` (counter one, GIL released): restoring it retakes the GIL, and the
    // matching `PyGILState_Release(UNLOCKED)` brings the counter to zero, which deletes the
    // state and releases the GIL.
    unsafe {
        if ffi::Py_IsInitialized() == 0 {
            return;
        }
        let state = ffi::PyGILState_GetThisThreadState();
        if state.is_null() {
            return;
        }
        ffi::PyEval_RestoreThread(state);
        ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_UNLOCKED);
    }
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    idle: usize,
    threads: usize,
    closed: bool,
}

/// Threads for sync handlers (which may block on the ORM or other I/O, so they stay off the
/// connection-serving threads). The pool grows on demand up to `max` threads and keeps them,
/// each with its Python thread state, until the server stops; more jobs than threads wait
/// in order.
pub(crate) struct SyncPool {
    shared: Arc<(Mutex<Queue>, Condvar)>,
    max: usize,
}

impl SyncPool {
    pub fn new(max: usize) -> Self {
        Self {
            shared: Arc::default(),
            max: max.max(1),
        }
    }

    /// Run `work` on a pool thread; the receiver gets its result (or is dropped, when the
    /// pool was closed or the work panicked).
    pub fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> oneshot::Receiver<T> {
        let (sender, receiver) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = sender.send(work());
        });
        let (lock, ready) = &*self.shared;
        let Ok(mut queue) = lock.lock() else {
            return receiver;
        };
        if queue.closed {
            return receiver;
        }
        queue.jobs.push_back(job);
        if queue.idle == 0 && queue.threads < self.max {
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new()
                .name("bolt-sync".into())
                .spawn(move || worker(shared));
            if spawned.is_ok() {
                queue.threads += 1;
            }
        } else {
            ready.notify_one();
        }
        receiver
    }

    /// Let every thread finish its current job and exit; queued jobs are dropped.
    pub fn close(&self) {
        let (lock, ready) = &*self.shared;
        if let Ok(mut queue) = lock.lock() {
            queue.closed = true;
            queue.jobs.clear();
        }
        ready.notify_all();
    }
}

impl Drop for SyncPool {
    fn drop(&mut self) {
        self.close();
    }
}

fn worker(shared: Arc<(Mutex<Queue>, Condvar)>) {
    keep_thread_state();
    let (lock, ready) = &*shared;
    loop {
        let job = {
            let Ok(mut queue) = lock.lock() else { break };
            loop {
                if queue.closed {
                    break None;
                }
                if let Some(job) = queue.jobs.pop_front() {
                    break Some(job);
                }
                queue.idle += 1;
                queue = match ready.wait(queue) {
                    Ok(queue) => queue,
                    Err(_) => return,
                };
                queue.idle -= 1;
            }
        };
        let Some(job) = job else { break };
        // A panicking handler path must not take the thread (and its queue slot) with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
    drop_thread_state();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_jobs_on_at_most_max_threads() {
        let pool = SyncPool::new(2);
        let receivers: Vec<_> = (0..20)
            .map(|i| {
                pool.run(move || {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    (i, std::thread::current().name().map(str::to_owned))
                })
            })
            .collect();
        let results: Vec<_> = receivers
            .into_iter()
            .map(|r| r.blocking_recv().unwrap())
            .collect();
        assert_eq!(results.len(), 20);
        assert!(results
            .iter()
            .all(|(_, n)| n.as_deref() == Some("bolt-sync")));
        assert!(pool.shared.0.lock().unwrap().threads <= 2);
    }

    #[test]
    fn closed_pool_drops_work_and_panics_do_not_kill_threads() {
        let pool = SyncPool::new(1);
        let panicked = pool.run(|| -> u8 { panic!("handler path panicked") });
        assert!(panicked.blocking_recv().is_err());
        assert_eq!(pool.run(|| 7).blocking_recv().unwrap(), 7);
        pool.close();
        assert!(pool.run(|| 8).blocking_recv().is_err());
    }
}
