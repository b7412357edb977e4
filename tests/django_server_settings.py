"""The demo's settings with tests/django_views.py as the URLconf, for a real `runbolt` serving
Django views (tests/test_django_server.py; tests/ is on its PYTHONPATH)."""

from demo.settings import *  # noqa: F403

ROOT_URLCONF = "django_views"
BOLT_MAX_BODY_SIZE = 8 * 1024 * 1024
# The project package is no longer ROOT_URLCONF's: name its APIs.
BOLT_API = ["demo.api:api", "library.api:api"]
