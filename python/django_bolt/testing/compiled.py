"""Compiled route tables for tests: `TestClient(api, compiled=True)` generates and compiles an
extension for that API alone, cached by manifest fingerprint (dev profile, shared target dir)."""

from __future__ import annotations

import hashlib
from types import ModuleType

from .. import _core
from ..api import BoltAPI
from ..build import compile as driver
from ..runtime import ProjectRoutes, collect_routes


def compiled_project(apis: BoltAPI | list[BoltAPI]) -> tuple[ProjectRoutes, ModuleType]:
    # The module name must be unique per route set in one process: derive it from the routes.
    provisional = collect_routes(apis, project="t")
    project = collect_routes(apis, project=f"t{provisional.fingerprint[:16]}")
    # Keyed by the generated code itself, so a changed generator never reuses an old build.
    files = _core.codegen_generate(project.text, driver.MANIFEST_FILE, str(driver.runtime_source_dir()))
    code_hash = hashlib.sha256("\0".join(f"{k}\0{v}" for k, v in sorted(files.items())).encode()).hexdigest()
    out_dir = driver.cache_dir() / "test-extensions" / code_hash[:16]
    name = driver.crate_name(project.project)
    extension = out_dir / f"{name}.abi3.so"
    if not extension.is_file():
        driver.build(project.text, out_dir, project.project, profile="dev")
    module = driver.load_extension(extension, name)
    if module.FINGERPRINT != project.fingerprint:  # a stale file from an older generator
        raise driver.BuildError(f"{extension} was built from another manifest; delete it and retry")
    return project, module
