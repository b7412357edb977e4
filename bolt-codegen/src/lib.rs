//! bolt-codegen: manifest → IR → emitted files of a project's `<project>_bolt` crate.
//! `generate` is pure; `write` puts the result on disk.

pub mod emit;
pub mod model;
pub mod write;

use std::collections::BTreeMap;
use std::path::PathBuf;

use bolt_schema::manifest::ManifestError;
use bolt_schema::routes::TableError;

pub use model::{crate_name, fingerprint};

#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A route problem; the message names the handler (`module:qualname`).
    #[error("{0}")]
    Route(#[from] TableError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("generated {file} does not parse: {error}")]
    Syntax { file: String, error: syn::Error },
}

pub struct Options {
    /// Shown in the `@generated` header (a file name, not a machine path).
    pub manifest_name: String,
    /// Path of the bolt-runtime sources the generated crate depends on.
    pub runtime_path: String,
}

fn rust(file: &str, formatted: Result<String, syn::Error>) -> Result<String, CodegenError> {
    formatted.map_err(|error| CodegenError::Syntax {
        file: file.to_owned(),
        error,
    })
}

/// Every file of the generated crate, keyed by path relative to the crate root, stamped.
pub fn generate(
    manifest_text: &str,
    options: &Options,
) -> Result<BTreeMap<PathBuf, String>, CodegenError> {
    let ir = model::lower(manifest_text)?;
    let stub_path = format!("{}.pyi", ir.crate_name);
    let unstamped = [
        (stub_path.as_str(), emit::scaffold::stub_pyi(&ir)?),
        (
            "Cargo.toml",
            emit::scaffold::cargo_toml(&ir, &options.runtime_path)?,
        ),
        ("pyproject.toml", emit::scaffold::pyproject_toml(&ir)?),
        (
            "src/lib.rs",
            rust(
                "src/lib.rs",
                emit::format_source(&emit::scaffold::lib_rs(&ir)?),
            )?,
        ),
        (
            "src/routes.rs",
            rust(
                "src/routes.rs",
                emit::format_tokens(emit::routes::emit(&ir)),
            )?,
        ),
        (
            "src/django.rs",
            rust(
                "src/django.rs",
                emit::format_tokens(emit::django::emit(&ir)),
            )?,
        ),
        (
            "src/decode.rs",
            rust(
                "src/decode.rs",
                emit::format_tokens(emit::decoders::emit(&ir)),
            )?,
        ),
        (
            "src/encode.rs",
            rust(
                "src/encode.rs",
                emit::format_tokens(emit::encoders::emit(&ir)),
            )?,
        ),
        (
            "src/extract.rs",
            rust(
                "src/extract.rs",
                emit::format_tokens(emit::extractors::emit(&ir)),
            )?,
        ),
    ];
    Ok(unstamped
        .into_iter()
        .map(|(path, content)| {
            let path = PathBuf::from(path);
            let stamped = write::stamp(&path, &options.manifest_name, &content);
            (path, stamped)
        })
        .collect())
}
