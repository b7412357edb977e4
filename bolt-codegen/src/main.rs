//! Thin CLI: `bolt-codegen <manifest.json> <out-dir> --runtime <path> [--check]`.

use std::path::PathBuf;
use std::process::ExitCode;

use bolt_codegen::{generate, write, Options};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let runtime = args
        .iter()
        .position(|a| a == "--runtime")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let positional: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--runtime"))
        .map(|(_, a)| a)
        .collect();
    let (Some(manifest), Some(out), Some(runtime)) =
        (positional.first(), positional.get(1), runtime)
    else {
        eprintln!(
            "usage: bolt-codegen <manifest.json> <out-dir> --runtime <bolt-runtime path> [--check]"
        );
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(manifest) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {manifest}: {e}");
            return ExitCode::from(2);
        }
    };
    let name = PathBuf::from(manifest)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let files = match generate(
        &text,
        &Options {
            manifest_name: name,
            runtime_path: runtime,
        },
    ) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}\nhint: fix the handler named above, then run boltgen again");
            return ExitCode::FAILURE;
        }
    };
    let out = PathBuf::from(out);
    let result = if check {
        write::check(&out, &files)
    } else {
        write::write_all(&out, &files)
    };
    match result {
        Ok(report) if check => {
            println!("{}", write::summary(&report));
            if report.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Ok(report) => {
            for (path, state) in report {
                println!("{:>9}  {}", state.as_str(), path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: writing {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
