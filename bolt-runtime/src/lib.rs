//! bolt-runtime: the HTTP server, the Python bridge and the route tables of django-bolt.

pub mod bridge;
pub mod coerce;
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
