//! bolt-runtime: the HTTP server, the Python bridge and the route tables of django-bolt.
//! Public: `__codegen` (all that generated crates and the benches use) and `py_api` (the
//! Python entry points); every other module is crate-private.

#[doc(hidden)]
#[path = "codegen_api.rs"]
pub mod __codegen;
pub(crate) mod bridge;
pub(crate) mod capi;
pub(crate) use bolt_schema::coerce;
pub(crate) mod access_log;
pub(crate) mod compiled;
pub(crate) mod decode;
pub(crate) mod django_urls;
pub(crate) mod encode;
pub(crate) mod form;
pub(crate) mod hosts;
pub(crate) mod http;
pub(crate) use bolt_schema::manifest;
pub(crate) mod middleware;
pub(crate) mod pipeline;
pub mod py_api;
pub(crate) mod pyvalue;
pub(crate) use bolt_schema::router;
pub(crate) mod server;
pub(crate) mod static_files;
pub(crate) mod stream;
pub(crate) mod table;
pub(crate) use bolt_schema::temporal;
pub(crate) mod validation;
pub(crate) use bolt_schema::value;
