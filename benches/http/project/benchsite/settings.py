"""Settings of the benchmark project. The database file and the compiled-table directory come
from the environment, so the benchmark driver decides where they live."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django_bolt", "people"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "benchsite.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("BENCH_DB", str(BASE_DIR / "bench.sqlite3")),
        "CONN_MAX_AGE": 60,
    }
}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
BOLT_API = ["people.api:api"]
BOLT_BUILD_DIR = os.environ.get("BOLT_BUILD_DIR", str(BASE_DIR / ".bolt"))
BOLT_PROJECT_NAME = "benchsite"
# Production logging: no access log line per request (uvicorn and granian run with
# --no-access-log too).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django_bolt": {"level": "WARNING"},
    },
}
