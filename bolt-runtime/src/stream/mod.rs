//! Response bodies that are not in memory: a file on disk (`file`) and a Python iterator of
//! byte chunks (`python`), each sent chunk by chunk as it is produced.

pub mod file;
pub mod python;

use std::sync::{Arc, Mutex};

pub use file::{FileConditions, FileSource};
pub use python::PySource;

/// What a streamed response sends instead of its in-memory body.
pub enum Streamed {
    File(FileSource),
    Python(PySource),
}

/// A response's streamed body. It is taken once, by the transport that sends it; the handle
/// is shared so that responses stay cheap to clone and compare (by identity).
#[derive(Clone)]
pub struct StreamBody(Arc<Mutex<Option<Streamed>>>);

impl StreamBody {
    pub fn new(streamed: Streamed) -> Self {
        Self(Arc::new(Mutex::new(Some(streamed))))
    }

    pub fn take(&self) -> Option<Streamed> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }

    pub fn is_file(&self) -> bool {
        self.0
            .lock()
            .is_ok_and(|slot| matches!(*slot, Some(Streamed::File(_))))
    }
}

impl std::fmt::Debug for StreamBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StreamBody")
    }
}

impl PartialEq for StreamBody {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
