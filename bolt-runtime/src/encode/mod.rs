//! JSON encoding of handler results into the response buffer, byte-identical to
//! `msgspec.json.encode` (after `msgspec.convert` to the declared type when the value does
//! not already have it).

pub mod fields;
pub mod plan;
pub mod slots;
pub mod temporal;
pub mod walk;
pub use bolt_schema::write;

pub use fields::{separator, EncodeFn, Item, PlainStruct};
pub use plan::{Node, Plans};
pub use walk::{EncodeError, EncodeResult, Walker};
