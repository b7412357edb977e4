//! `django_bolt._core`: the runtime with the interpreted route table, and the code generator,
//! as one Python extension.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bolt_codegen::{generate, write, Options};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

/// Generate the project crate's files from manifest text: `{relative path: content}`.
#[pyfunction]
fn codegen_generate(
    manifest_text: &str,
    manifest_name: &str,
    runtime_path: &str,
) -> PyResult<BTreeMap<String, String>> {
    let options = Options {
        manifest_name: manifest_name.to_owned(),
        runtime_path: runtime_path.to_owned(),
    };
    let files =
        generate(manifest_text, &options).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(files
        .into_iter()
        .map(|(path, content)| (path.to_string_lossy().into_owned(), content))
        .collect())
}

/// Write (or with `check`, compare) generated files under `out_dir`; returns `(path, state)` for
/// every file written, or for every stale file when checking.
#[pyfunction]
#[pyo3(signature = (out_dir, files, check=false))]
fn codegen_write(
    out_dir: &str,
    files: BTreeMap<String, String>,
    check: bool,
) -> PyResult<Vec<(String, String)>> {
    let files: BTreeMap<PathBuf, String> = files
        .into_iter()
        .map(|(p, c)| (PathBuf::from(p), c))
        .collect();
    let out = Path::new(out_dir);
    let report = if check {
        write::check(out, &files)
    } else {
        write::write_all(out, &files)
    };
    let report = report.map_err(|e| PyOSError::new_err(format!("{out_dir}: {e}")))?;
    Ok(report
        .into_iter()
        .map(|(p, s)| (p.to_string_lossy().into_owned(), s.as_str().to_owned()))
        .collect())
}

/// `bolt check`'s one-line summary of stale files.
#[pyfunction]
fn codegen_summary(stale: Vec<(String, String)>) -> String {
    let states: Vec<(PathBuf, write::FileState)> = stale
        .into_iter()
        .map(|(p, s)| {
            let state = match s.as_str() {
                "created" => write::FileState::Created,
                "updated" => write::FileState::Updated,
                _ => write::FileState::Unchanged,
            };
            (PathBuf::from(p), state)
        })
        .collect();
    write::summary(&states)
}

/// The extension module (and crate) name of a project's compiled table: `<project>_bolt`.
#[pyfunction]
fn codegen_crate_name(project: &str) -> String {
    bolt_codegen::model::crate_name(project)
}

/// The fingerprint a compiled table is stamped with: the SHA-256 of its manifest text.
#[pyfunction]
fn codegen_fingerprint(manifest_text: &str) -> String {
    bolt_codegen::model::fingerprint(manifest_text)
}

#[pymodule]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_function(wrap_pyfunction!(codegen_generate, module)?)?;
    module.add_function(wrap_pyfunction!(codegen_write, module)?)?;
    module.add_function(wrap_pyfunction!(codegen_summary, module)?)?;
    module.add_function(wrap_pyfunction!(codegen_crate_name, module)?)?;
    module.add_function(wrap_pyfunction!(codegen_fingerprint, module)?)?;
    bolt_runtime::py_api::register(module)
}
