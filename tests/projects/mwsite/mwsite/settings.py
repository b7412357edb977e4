"""A project whose API runs every Rust middleware: CORS from django-cors-headers' settings,
compression, JWT auth, rate limits (in Redis when BOLT_RATE_LIMIT_STORE is set)."""

import os
from pathlib import Path

from django_bolt.middleware import CompressionConfig

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "mwsite-not-secret-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_bolt"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "mwsite.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("MWSITE_DB", str(BASE_DIR / "db.sqlite3"))}}
USE_TZ = True
BOLT_BUILD_DIR = os.environ.get("BOLT_BUILD_DIR", str(BASE_DIR / ".bolt"))

CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
CORS_ALLOW_CREDENTIALS = True
BOLT_COMPRESSION = CompressionConfig(backend="gzip", minimum_size=500)
BOLT_RATE_LIMIT_STORE = os.environ.get("BOLT_RATE_LIMIT_STORE") or None
