//! Golden files: the generated crate for `tests/golden/manifest.json` must match
//! `tests/golden/expected/` byte for byte. Refresh with `make golden`
//! (`BOLT_UPDATE_GOLDEN=1 cargo test -p bolt-codegen --test golden`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bolt_codegen::{generate, Options};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden")
}

fn generated() -> BTreeMap<PathBuf, String> {
    let manifest =
        fs::read_to_string(golden_dir().join("manifest.json")).expect("fixture manifest");
    // Relative to tests/golden/expected, so the golden crate itself builds from the checkout.
    let options = Options {
        manifest_name: "manifest.json".into(),
        runtime_path: "../../../bolt-runtime".into(),
    };
    generate(&manifest, &options).expect("fixture manifest generates")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn generated_code_matches_golden_files() {
    let expected_dir = golden_dir().join("expected");
    let files = generated();
    if std::env::var_os("BOLT_UPDATE_GOLDEN").is_some() {
        let _ = fs::remove_dir_all(&expected_dir);
        for (path, content) in &files {
            let target = expected_dir.join(path);
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::write(target, content).unwrap();
        }
        return;
    }
    for (path, content) in &files {
        let golden = fs::read_to_string(expected_dir.join(path)).unwrap_or_else(|_| {
            panic!("missing golden file {}; run `make golden`", path.display())
        });
        assert!(
            golden == *content,
            "{} differs from its golden file; review and run `make golden`",
            path.display()
        );
    }
    let extra: Vec<_> = files_under(&expected_dir)
        .into_iter()
        .filter(|p| !files.contains_key(p.strip_prefix(&expected_dir).unwrap()))
        .collect();
    assert!(
        extra.is_empty(),
        "golden files no longer generated: {extra:?}"
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generated(), generated());
}

#[test]
fn routes_use_phf_and_no_regex() {
    let routes = &generated()[Path::new("src/routes.rs")];
    assert!(routes.contains("static STATIC_PATHS: phf::Map<&'static str, Endpoints>"));
    assert!(!routes.to_lowercase().contains("regex"));
}
