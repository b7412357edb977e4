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
    let mut differences = Vec::new();
    for (path, content) in &files {
        match fs::read_to_string(expected_dir.join(path)) {
            Ok(golden) if golden == *content => {}
            Ok(golden) => differences.push(first_difference(path, &golden, content)),
            Err(_) => differences.push(format!("{}: new file", path.display())),
        }
    }
    let stale: Vec<PathBuf> = files_under(&expected_dir)
        .into_iter()
        .map(|p| p.strip_prefix(&expected_dir).unwrap().to_path_buf())
        .filter(|p| !files.contains_key(p))
        .collect();
    differences.extend(
        stale
            .iter()
            .map(|p| format!("{}: no longer generated", p.display())),
    );
    if differences.is_empty() {
        return;
    }
    let update = std::env::var_os("BOLT_UPDATE_GOLDEN").is_some();
    if update {
        // Rewritten, and still a failure: an update is always a visible change to review
        // and commit, never a silent pass (run the test again to see it green).
        let _ = fs::remove_dir_all(&expected_dir);
        for (path, content) in &files {
            let target = expected_dir.join(path);
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::write(target, content).unwrap();
        }
    }
    panic!(
        "generated code differs from tests/golden/expected:\n{}\n{}",
        differences.join("\n"),
        if update {
            "golden files rewritten: review the diff (`git diff tests/golden`) and commit it"
        } else {
            "review, then run `make golden` to rewrite them"
        }
    );
}

/// The first lines where `golden` and `generated` part, with a little context.
fn first_difference(path: &Path, golden: &str, generated: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) =
        (golden.lines().collect(), generated.lines().collect());
    let at = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    let mut text = format!("{}: differs from line {}", path.display(), at + 1);
    for line in old.iter().skip(at).take(3) {
        text.push_str(&format!("\n  - {line}"));
    }
    for line in new.iter().skip(at).take(3) {
        text.push_str(&format!("\n  + {line}"));
    }
    text
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
