"""`manage.py boltgen`: generate the project's route-table crate and compile its extension."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...build import compile as driver
from ...build import project as project_build


class Command(BaseCommand):
    help = "Generate and compile the project's route tables (<project>_bolt extension)"

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None, help="Build directory (default <BASE_DIR>/.bolt)")
        parser.add_argument("--check", action="store_true",
                            help="Exit 1 if the generated code is stale, without writing anything")
        parser.add_argument("--debug", action="store_true", help="Compile the dev profile (faster build)")

    def handle(self, *args, **options):
        try:
            if options["check"]:
                fresh, summary = project_build.check(options["out"])
                self.stdout.write(summary)
                if not fresh:
                    raise SystemExit(1)
                return
            project, result = project_build.boltgen(options["out"], "dev" if options["debug"] else "release")
        except driver.BuildError as exc:
            raise CommandError(str(exc)) from None
        routes = project.manifest["routes"]
        dynamic = sum(1 for r in routes if "{" in r["path"])
        changed = result.generated.changed
        self.stdout.write(
            f"boltgen: {len(routes)} routes ({len(routes) - dynamic} static, {dynamic} dynamic) -> "
            f"{result.generated.crate_dir}; {len(changed)} file(s) changed; "
            f"extension {result.extension.name} built in {result.seconds:.1f}s")
