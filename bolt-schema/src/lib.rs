//! bolt-schema: django-bolt's model, shared by the runtime (which interprets it) and the code
//! generator (which emits code from it). No Python, no server: the manifest types, route
//! patterns and the route trie, the parameter-type rules and constraint lowering, body
//! coverage and the JSON cursor the fast path scans with, the JSON byte rules (keys, tags,
//! scalars) and msgspec's wording of every validation error.

pub mod coerce;
pub mod constraints;
pub mod decode;
pub mod django;
pub mod errors;
pub mod manifest;
pub mod policy;
pub mod router;
pub mod routes;
pub mod temporal;
pub mod validation;
pub mod value;
pub mod write;
