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
    // Inner doc comments cannot appear in an `include!`d file.
    let routes: String = routes
        .lines()
        .filter(|l| !l.starts_with("//!"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(out.join("routes.rs"), routes).expect("write routes.rs");
    std::fs::write(out.join("manifest.json"), manifest).expect("write manifest.json");
    std::fs::write(out.join("static_match.rs"), static_match()).expect("write static_match.rs");
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
