"""Build driver: manifest → generated crate (via bolt-codegen in `_core`) → cargo → an importable
`<project>_bolt` extension. Also loads such an extension and checks its fingerprint."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .. import _core
from ..request import adopt_runtime_module

MANIFEST_FILE = "manifest.json"
PROFILE_DIRS = {"dev": "debug", "release": "release", "wheel": "wheel"}


class BuildError(RuntimeError):
    """A failed generate/compile step; the message says what failed and how to fix it."""


def fingerprint(manifest_text: str) -> str:
    """The SHA-256 of the manifest text, as bolt-codegen stamps it into the generated crate."""
    return _core.codegen_fingerprint(manifest_text)


def crate_name(project: str) -> str:
    """`<project>_bolt`, bolt-codegen's name for the project's crate and extension module."""
    return _core.codegen_crate_name(project)


def cache_dir() -> Path:
    base = os.environ.get("BOLT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "django-bolt")
    return Path(base)


def target_dir(tool: str = "cargo") -> Path:
    """One cargo target dir per tool, shared by every project (rebuilds compile only the
    generated crate). `BOLT_TARGET_DIR` overrides the cargo one."""
    if tool == "cargo" and os.environ.get("BOLT_TARGET_DIR"):
        return Path(os.environ["BOLT_TARGET_DIR"])
    return cache_dir() / ("target-project" if tool == "cargo" else "target-wheel")


def runtime_source_dir() -> Path:
    """bolt-runtime sources the generated crate depends on: those the package ships (unpacked
    once per runtime into the cache, see `_unpacked_runtime`), or the source checkout's."""
    package = Path(__file__).resolve().parent.parent
    shipped = package / "_runtime"
    if (shipped / "bolt-runtime").is_symlink():  # a source checkout links its own crates here
        return (shipped / "bolt-runtime").resolve()
    if (shipped / "bolt-runtime" / "Cargo.toml").is_file():
        return _unpacked_runtime(shipped) / "bolt-runtime"
    checkout = package.parent.parent / "bolt-runtime"
    if (checkout / "Cargo.toml").is_file():
        return checkout
    raise BuildError(f"bolt-runtime sources not found next to {package}\n"
                     "hint: reinstall django-bolt (the wheel ships them) or build from a source checkout")


def _unpacked_runtime(shipped: Path) -> Path:
    """The shipped sources copied to `<cache>/runtime/<RUNTIME_ID>`: installed files carry the
    archive's fixed timestamps, so cargo (which compares mtimes) would take a newer runtime
    installed over an older one for a build it already has; a directory per runtime cannot
    go stale, and the copies get fresh timestamps."""
    dest = cache_dir() / "runtime" / _core.RUNTIME_ID
    done = dest / ".complete"
    if not done.is_file():
        tmp = dest.with_name(f"{dest.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(shipped, tmp, ignore=shutil.ignore_patterns("__pycache__"))
        (tmp / ".complete").write_text(_core.RUNTIME_ID)
        if dest.exists() and not done.is_file():  # left half-copied by an interrupted build
            shutil.rmtree(dest, ignore_errors=True)
        try:
            tmp.rename(dest)
        except OSError:  # another build unpacked it first
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _runtime_lockfile() -> Path | None:
    lock = runtime_source_dir().parent / "Cargo.lock"
    return lock if lock.is_file() else None


def cargo_env(tool: str = "cargo") -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "CARGO_TARGET_DIR": str(target_dir(tool)),
        "PYO3_PYTHON": sys.executable,
        # Extension modules resolve libpython symbols from the interpreter that loads them.
        "PYO3_BUILD_EXTENSION_MODULE": "1",
    })
    env.pop("RUSTFLAGS", None)
    return env


@dataclass
class GenerateResult:
    crate_dir: Path
    crate_name: str
    fingerprint: str
    files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return [path for path, state in self.files if state != "unchanged"]


def generate(manifest_text: str, out_dir: Path, project: str) -> GenerateResult:
    """Write the generated crate under `out_dir/<crate>` (only changed files) and the manifest."""
    name = crate_name(project)
    crate_dir = out_dir / name
    try:
        files = _core.codegen_generate(manifest_text, MANIFEST_FILE, str(runtime_source_dir()))
    except ValueError as exc:
        raise BuildError(f"code generation failed: {exc}") from None
    files[MANIFEST_FILE] = manifest_text
    report = _core.codegen_write(str(crate_dir), files)
    lock = _runtime_lockfile()
    if lock is not None and not (crate_dir / "Cargo.lock").exists():
        shutil.copyfile(lock, crate_dir / "Cargo.lock")  # same pinned versions as the runtime
    return GenerateResult(crate_dir, name, fingerprint(manifest_text), report)


def check(manifest_text: str, out_dir: Path, project: str) -> list[tuple[str, str]]:
    """Stale files (`[(path, "created" | "updated")]`); empty when the generated code is fresh."""
    files = _core.codegen_generate(manifest_text, MANIFEST_FILE, str(runtime_source_dir()))
    files[MANIFEST_FILE] = manifest_text
    return _core.codegen_write(str(out_dir / crate_name(project)), files, check=True)


def stale_summary(stale: list[tuple[str, str]]) -> str:
    return _core.codegen_summary(stale)


def compile_crate(crate_dir: Path, name: str, profile: str = "release") -> Path:
    """`cargo build` the generated crate; returns the built shared library."""
    cargo = shutil.which("cargo")
    if cargo is None:
        raise BuildError("cargo not found on PATH\nhint: install Rust (https://rustup.rs) to compile "
                         "route tables, or serve from the interpreted table without boltgen")
    cmd = [cargo, "build", "--quiet", "--profile", profile, "--manifest-path", str(crate_dir / "Cargo.toml")]
    proc = subprocess.run(cmd, env=cargo_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"cargo build of {crate_dir} failed:\n{proc.stderr[-8000:]}")
    built = target_dir() / PROFILE_DIRS[profile] / f"lib{name}.so"
    if not built.is_file():
        raise BuildError(f"cargo did not produce {built}")
    return built


def install_extension(built: Path, out_dir: Path, name: str) -> Path:
    """Copy the library next to the crate as `<crate>.abi3.so` (atomic, so a running server
    that already loaded the old file keeps working)."""
    dest = out_dir / f"{name}.abi3.so"
    tmp = dest.with_suffix(f".tmp{os.getpid()}")
    shutil.copyfile(built, tmp)
    os.replace(tmp, dest)
    return dest


_loaded: dict[str, ModuleType] = {}


def load_extension(path: Path, name: str) -> ModuleType:
    """Import a compiled project extension from a file (once per path per process)."""
    key = str(path.resolve())
    if key not in _loaded:
        loader = importlib.machinery.ExtensionFileLoader(name, key)
        spec = importlib.util.spec_from_file_location(name, key, loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        adopt_runtime_module(module)
        _loaded[key] = module
    return _loaded[key]


def find_extension(out_dir: Path, name: str) -> ModuleType | None:
    """The project's compiled extension: from `out_dir`, else an installed wheel."""
    path = out_dir / f"{name}.abi3.so"
    if path.is_file():
        return load_extension(path, name)
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    adopt_runtime_module(module)
    return module


@dataclass
class BuildResult:
    generated: GenerateResult
    extension: Path
    seconds: float


def build(manifest_text: str, out_dir: Path, project: str, profile: str = "release") -> BuildResult:
    started = time.perf_counter()
    generated = generate(manifest_text, out_dir, project)
    built = compile_crate(generated.crate_dir, generated.crate_name, profile)
    extension = install_extension(built, out_dir, generated.crate_name)
    return BuildResult(generated, extension, time.perf_counter() - started)
