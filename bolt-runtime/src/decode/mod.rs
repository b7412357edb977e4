//! Request bodies parsed and validated in Rust, before the GIL: every failing field becomes a
//! 422 item in msgspec's wording. A body that passes is decoded into the declared Python type
//! by msgspec (which then cannot fail on anything checked here).

mod json;
mod validate;

pub use validate::{validate_body, BodyCheck};
