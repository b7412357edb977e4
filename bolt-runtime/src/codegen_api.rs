//! Everything generated crates use, in one place (`bolt_runtime::__codegen`), so they depend on
//! bolt-runtime alone and instantiate none of its generics themselves.

pub use crate::coerce::{coerce_bool, coerce_float, coerce_int, coerce_scalar, is_python_decimal};
pub use crate::compiled::{CompiledTable, DjangoFn, Endpoints, ExtractFn, ScanFn};
pub use crate::decode::limits::{limits_from_json, Limits};
pub use crate::decode::{Cursor, Tape};
pub use crate::django_urls::{regex_set, set_matches};
pub use crate::encode::plan::StructPlan;
pub use crate::encode::{separator, EncodeFn, EncodeResult, Item, PlainStruct, Walker};
pub use crate::http::{percent_decode, HttpRequest};
pub use crate::manifest::Manifest;
pub use crate::manifest::TypeRef;
pub use crate::py_api::register_compiled;
pub use crate::router::Lookup;
pub use crate::router::{lookup_with, Walk};
pub use crate::table::{Arg, DynamicTable, RouteTable};
pub use crate::temporal::{is_date, is_datetime, is_time, is_uuid};
pub use crate::validation::Issue;
pub use crate::value::Value;
pub use bolt_schema::constraints::{self, FloatOp};
/// The Django converters' segment checks the generated Django matchers call.
pub use bolt_schema::django;
pub use bolt_schema::errors::is_type_mismatch;
pub use bytes::Bytes;
pub use {phf, pyo3, regex};

use std::sync::LazyLock;

/// A `pattern=` constraint compiled on first use.
pub type Pattern = LazyLock<regex::Regex>;

/// Raw values of a parameter in the query string / headers / cookies, in order.
pub fn values_of<'r>(pairs: &'r [(String, String)], key: &str) -> Vec<&'r str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}
