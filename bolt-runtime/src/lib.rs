//! bolt-runtime: the HTTP server, the Python bridge and the route tables of django-bolt.

#[doc(hidden)]
#[path = "codegen_api.rs"]
pub mod __codegen;
pub mod bridge;
pub use bolt_schema::coerce;
pub mod compiled;
pub use bolt_schema::constraints;
pub mod decode;
pub mod encode;
pub mod http;
pub use bolt_schema::manifest;
pub mod pipeline;
pub mod py_api;
pub use bolt_schema::router;
pub mod server;
pub mod table;
pub use bolt_schema::temporal;
pub mod validation;
pub use bolt_schema::value;

pub use pyo3;
