//! `BOLT_RUNTIME_ID`: the crate version plus a hash of the runtime's sources and those of the
//! model crate it is built from (bolt-schema), so a project extension built against another
//! runtime is recognised as stale instead of failing at call time.

use std::fs;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    // A missing source directory is a broken build, not an empty hash.
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("BOLT_RUNTIME_ID: cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    // Read when the script runs, not baked in when it is compiled: cargo reuses a compiled
    // build script for the same package at another path (a moved checkout, pip's temporary
    // build directory), where the compile-time directory may no longer exist.
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let crate_dir = Path::new(&manifest_dir);
    let root = crate_dir.parent().unwrap_or(crate_dir);
    let mut sources = Vec::new();
    for member in ["bolt-runtime", "bolt-schema"] {
        println!("cargo:rerun-if-changed=../{member}/src");
        println!("cargo:rerun-if-changed=../{member}/Cargo.toml");
        files(&root.join(member).join("src"), &mut sources);
        sources.push(root.join(member).join("Cargo.toml"));
    }
    // FNV-1a over relative paths and contents: stable across machines and checkouts.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for path in &sources {
        let relative = path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        let contents = fs::read(path)
            .unwrap_or_else(|e| panic!("BOLT_RUNTIME_ID: cannot read {}: {e}", path.display()));
        for byte in relative.bytes().chain([0]).chain(contents) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!(
        "cargo:rustc-env=BOLT_RUNTIME_ID={}-{hash:016x}",
        env!("CARGO_PKG_VERSION")
    );
}
