//! Compiled route table of the `{{ project }}` project, served by bolt-runtime.
// Generated code reaches the runtime only through its safe `__codegen` API.
#![deny(unsafe_code)]

mod decode;
mod django;
mod encode;
mod extract;
mod routes;

use bolt_runtime::__codegen::pyo3::prelude::*;
use bolt_runtime::__codegen::{register_compiled, CompiledTable};

/// sha256 of the manifest this crate was generated from.
pub const FINGERPRINT: &str = "{{ fingerprint }}";

static TABLE: CompiledTable = CompiledTable {
    fingerprint: FINGERPRINT,
    lookup: routes::lookup,
    extractors: &extract::EXTRACTORS,
    encoders: &encode::ENCODERS,
    body_scanners: &decode::BODY_SCANNERS,
    django: django::SERVES,
};

#[pymodule]
#[pyo3(crate = "bolt_runtime::__codegen::pyo3")]
fn {{ crate_name }}(module: &Bound<'_, PyModule>) -> PyResult<()> {
    register_compiled(module, &TABLE)
}
