//! Request bodies checked in Rust, before the GIL. The fast path (`fast`) scans a body of a
//! covered type once into a tape of typed tokens (the runtime builds the Python objects from
//! it); every other body is checked by `validate` (all failing fields become 422 items in
//! msgspec's wording) and, if valid, decoded by msgspec.

pub mod cursor;
pub mod fast;
mod json;
pub mod limits;
mod validate;

pub use cursor::{Cursor, Tape};
pub use fast::BodyPlan;
pub use validate::{validate_body, BodyCheck};
