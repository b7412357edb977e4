//! Request bodies: the model's scanners and checker (bolt-schema), and `build`, which turns a
//! fast-path tape into the Python objects msgspec would return.

pub mod build;
pub use bolt_schema::decode::{
    cursor, fast, limits, validate_body, BodyCheck, BodyPlan, Cursor, Tape,
};
