//! `django_bolt._core`: the runtime with the interpreted route table, as a Python extension.

use pyo3::prelude::*;

#[pymodule]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    bolt_runtime::py_api::register(module)
}
