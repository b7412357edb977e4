"""`manage.py runbolt`: serve the project's BoltAPIs from the Rust runtime."""

from __future__ import annotations

import os
import sys
import traceback

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...build.project import CompiledUnavailable, select_runtime
from ...server import ServeOptions, Supervisor, serve_in_process


class Command(BaseCommand):
    help = "Run the django-bolt (Rust) HTTP server"
    requires_system_checks: list = []  # run explicitly in handle() so --skip-checks works

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0", help="Bind address (default 0.0.0.0)")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--processes", type=int, default=1,
                            help="Worker processes serving one socket bound by a supervisor")
        parser.add_argument("--workers", type=int, default=1, help="Server threads per process")
        parser.add_argument("--dev", action="store_true", help="Reload when code changes")
        parser.add_argument("--backlog", type=int, default=1024)
        parser.add_argument("--shutdown-timeout", "--workers-kill-timeout", dest="shutdown_timeout",
                            type=int, default=30, help="Seconds in-flight requests get on shutdown")
        parser.add_argument("--keep-alive", dest="keep_alive", type=float, default=None,
                            help="Seconds an idle kept-alive connection stays open (BOLT_KEEP_ALIVE, default 5)")
        parser.add_argument("--skip-checks", action="store_true")
        parser.add_argument("--no-admin", action="store_true",
                            help="Leave the Django admin's URLs out (also settings.BOLT_NO_ADMIN = True)")
        parser.add_argument("--compiled", action="store_true",
                            help="Refuse to start unless the compiled route table is fresh "
                                 "(also settings.BOLT_REQUIRE_COMPILED = True)")

    def handle(self, *args, **options):
        if options["processes"] < 1 or options["workers"] < 1:
            raise CommandError("--processes and --workers must be at least 1")
        if not options["skip_checks"]:
            self.check(display_num_errors=True)
        if options["dev"] and os.environ.get("RUN_MAIN") != "true":
            self.stdout.write("Development mode: reloading on code changes")
        if options["dev"]:
            from django.utils import autoreload

            autoreload.run_with_reloader(self._serve, **options)
        else:
            self._serve(**options)

    def _serve(self, **options):
        if options["no_admin"]:
            settings.BOLT_NO_ADMIN = True
        require = options["compiled"] or bool(getattr(settings, "BOLT_REQUIRE_COMPILED", False))
        try:
            selection = select_runtime(require_compiled=require)
        except CompiledUnavailable as exc:
            raise CommandError(f"{exc} (--compiled / BOLT_REQUIRE_COMPILED refuses the interpreted table)") from None
        except Exception as exc:
            traceback.print_exc()
            raise CommandError(f"could not load the BoltAPI routes: {exc}") from exc
        runtime = selection.runtime
        serve_options = ServeOptions(
            host=options["host"], port=options["port"], processes=options["processes"],
            workers=options["workers"], backlog=options["backlog"],
            shutdown_timeout=options["shutdown_timeout"], keep_alive=options["keep_alive"])
        self.stdout.write(
            f"django-bolt: {selection.note}; DEBUG={settings.DEBUG}; serving on "
            f"http://{serve_options.host}:{serve_options.port} with {serve_options.processes} process(es)")
        self.stdout.flush()
        if serve_options.processes == 1:
            try:
                serve_in_process(runtime, serve_options)
            except OSError as exc:
                raise CommandError(f"cannot serve on {serve_options.host}:{serve_options.port}: {exc}") from exc
        else:
            try:
                code = Supervisor(runtime, serve_options).run()
            except OSError as exc:
                raise CommandError(f"cannot serve on {serve_options.host}:{serve_options.port}: {exc}") from exc
            sys.exit(code)
