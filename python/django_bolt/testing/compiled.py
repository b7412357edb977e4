"""Compiled route tables for tests: `TestClient(api, compiled=True)` generates and compiles an
extension for that API alone, cached by manifest fingerprint (dev profile, shared target dir)."""

from __future__ import annotations

import hashlib
from types import ModuleType

from .. import _core
from ..api import BoltAPI
from ..build import compile as driver
from ..runtime import ProjectRoutes, collect_routes


def compiled_project(apis: BoltAPI | list[BoltAPI], profile: str = "dev",
                     django_urls: bool = False) -> tuple[ProjectRoutes, ModuleType]:
    # The module name must be unique per route set in one process: derive it from the routes.
    provisional = collect_routes(apis, project="t", django_urls=django_urls)
    project = collect_routes(apis, project=f"t{provisional.fingerprint[:16]}", django_urls=django_urls)
    # Keyed by the generated code and the runtime's id (a hash of the runtime's and the model
    # crate's sources, from bolt-runtime/build.rs), so a changed generator or runtime never
    # reuses an old build.
    files = _core.codegen_generate(project.text, driver.MANIFEST_FILE, str(driver.runtime_source_dir()))
    digest = hashlib.sha256(f"{profile}\0{_core.RUNTIME_ID}".encode())
    for name, content in sorted(files.items()):
        digest.update(f"{name}\0{content}\0".encode())
    code_hash = digest.hexdigest()
    out_dir = driver.cache_dir() / "test-extensions" / code_hash[:16]
    name = driver.crate_name(project.project)
    extension = out_dir / f"{name}.abi3.so"
    if not extension.is_file():
        driver.build(project.text, out_dir, project.project, profile=profile)
    module = driver.load_extension(extension, name)
    if module.FINGERPRINT != project.fingerprint:  # a stale file from an older generator
        raise driver.BuildError(f"{extension} was built from another manifest; delete it and retry")
    return project, module
