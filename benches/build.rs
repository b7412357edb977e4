//! Generates the compiled route lookup for the synthetic bench manifest with bolt-codegen.

#[path = "src_manifest.rs"]
mod src_manifest;

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src_manifest.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let manifest = src_manifest::manifest_json();
    let ir = bolt_codegen::model::lower(&manifest).expect("bench manifest is valid");
    let routes = bolt_codegen::emit::format_tokens(bolt_codegen::emit::routes::emit(&ir))
        .expect("valid Rust");
    let routes = without_inner_docs(&routes);
    std::fs::write(out.join("routes.rs"), routes).expect("write routes.rs");
    // The Django URLs of tests/django_views.py (the admin among them), as the build wrote them.
    println!("cargo:rerun-if-changed=django_urls.json");
    let django_manifest = std::fs::read_to_string("django_urls.json").expect("django_urls.json");
    let django_ir = bolt_codegen::model::lower(&django_manifest).expect("valid Django manifest");
    let django = bolt_codegen::emit::format_tokens(bolt_codegen::emit::django::emit(&django_ir))
        .expect("valid Rust");
    std::fs::write(out.join("django.rs"), without_inner_docs(&django)).expect("write django.rs");
    std::fs::write(out.join("manifest.json"), manifest).expect("write manifest.json");
    std::fs::write(out.join("static_match.rs"), static_match()).expect("write static_match.rs");
}

/// Inner doc comments cannot appear in an `include!`d file.
fn without_inner_docs(source: &str) -> String {
    source
        .lines()
        .filter(|l| !l.starts_with("//!"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The alternative to the phf map that the `static_key` bench measures: a generated `match`.
fn static_match() -> String {
    let arms: String = src_manifest::routes()
        .iter()
        .enumerate()
        .filter(|(_, (_, path))| !path.contains('{'))
        .map(|(id, (_, path))| format!("        {path:?} => Some({id}),\n"))
        .collect();
    format!("pub fn static_match(path: &str) -> Option<usize> {{\n    match path {{\n{arms}        _ => None,\n    }}\n}}\n")
}
