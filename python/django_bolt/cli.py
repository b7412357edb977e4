"""`bolt`: the build commands without manage.py, for CI.

    bolt build --settings mysite.settings [--out DIR] [--wheel] [--debug]
    bolt check --settings mysite.settings [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path


def _setup(settings_module: str | None) -> None:
    if settings_module:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        raise SystemExit("bolt: pass --settings <module> or set DJANGO_SETTINGS_MODULE")
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()


def _wheel(crate_dir: Path, out: Path, profile: str) -> Path:
    """A wheel of the project extension (maturin; `wheel` profile = release + fat LTO)."""
    from .build import compile as driver

    maturin = shutil.which("maturin") or str(Path(sys.executable).with_name("maturin"))
    cmd = [maturin, "build", "--profile", profile, "--quiet", "--manifest-path", str(crate_dir / "Cargo.toml"),
           "--out", str(out), "--interpreter", sys.executable]
    proc = subprocess.run(cmd, env=driver.cargo_env("wheel"), capture_output=True, text=True)
    if proc.returncode != 0:
        raise driver.BuildError(f"maturin build failed:\n{proc.stderr[-8000:]}")
    wheels = sorted(out.glob(f"{crate_dir.name.replace('-', '_')}-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        raise driver.BuildError(f"maturin produced no wheel in {out}")
    return wheels[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bolt", description="django-bolt build tools")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("build", "generate and compile the route tables"),
                       ("check", "exit 1 if the generated code is stale")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--settings", help="Django settings module")
        cmd.add_argument("--out", type=Path, default=None, help="build directory (default <BASE_DIR>/.bolt)")
        if name == "build":
            cmd.add_argument("--wheel", action="store_true", help="also build a wheel of the extension (LTO)")
            cmd.add_argument("--debug", action="store_true",
                             help="compile the dev profile (also for the wheel: for tests, not for shipping)")
    args = parser.parse_args(argv)
    _setup(args.settings)
    from .build import compile as driver
    from .build import project as project_build

    try:
        if args.command == "check":
            fresh, summary = project_build.check(args.out)
            print(summary)
            return 0 if fresh else 1
        project, result = project_build.boltgen(args.out, "dev" if args.debug else "release")
        print(f"bolt build: {len(project.routes)} routes -> {result.extension} in {result.seconds:.1f}s")
        if args.wheel:
            wheels_dir = (args.out or project_build.build_dir()) / "wheels"
            wheel = _wheel(result.generated.crate_dir, wheels_dir, "dev" if args.debug else "wheel")
            print(f"bolt build: wheel {wheel}")
    except driver.BuildError as exc:
        print(f"bolt: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
