//! bolt-runtime: the HTTP server, the Python bridge and the route tables of django-bolt.

#[doc(hidden)]
#[path = "codegen_api.rs"]
pub mod __codegen;
pub mod bridge;
pub mod coerce;
pub mod compiled;
pub mod constraints;
pub mod decode;
pub mod encode;
pub mod http;
pub mod manifest;
pub mod pipeline;
pub mod py_api;
pub mod router;
pub mod server;
pub mod table;
pub mod temporal;
pub mod validation;
pub mod value;

pub use pyo3;
