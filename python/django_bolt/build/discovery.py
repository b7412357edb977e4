"""Find the project's `BoltAPI` objects: `settings.BOLT_API`, or `api` modules of the project
package and of every installed app."""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..api import BoltAPI

API_MODULE_NAMES = ("api", "bolt_api")


def _import_attr(spec: str) -> object:
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ImproperlyConfigured(f"BOLT_API entry {spec!r} must look like 'package.module:attribute'")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImproperlyConfigured(f"BOLT_API entry {spec!r}: {module_name} has no attribute {attr!r}") from None


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _apis_in(module_name: str) -> list[BoltAPI]:
    if not _module_exists(module_name):
        return []
    module = importlib.import_module(module_name)
    return [value for value in vars(module).values() if isinstance(value, BoltAPI)]


def discover_apis() -> list[BoltAPI]:
    configured = getattr(settings, "BOLT_API", None)
    if configured:
        entries = [configured] if isinstance(configured, str) else list(configured)
        found = []
        for spec in entries:
            api = _import_attr(spec)
            if not isinstance(api, BoltAPI):
                raise ImproperlyConfigured(f"BOLT_API entry {spec!r} is a {type(api).__name__}, not a BoltAPI")
            found.append(api)
        return found
    packages: list[str] = []
    root_urlconf = getattr(settings, "ROOT_URLCONF", "") or ""
    if "." in root_urlconf:
        packages.append(root_urlconf.split(".")[0])
    packages.extend(config.name for config in apps.get_app_configs() if not config.name.startswith("django"))
    found: list[BoltAPI] = []
    for package in dict.fromkeys(packages):
        for module_name in API_MODULE_NAMES:
            for api in _apis_in(f"{package}.{module_name}"):
                if all(api is not other for other in found):
                    found.append(api)
    if not found:
        raise ImproperlyConfigured(
            "No BoltAPI found: define `api = BoltAPI()` in <project>/api.py or an installed app's api.py, "
            "or list them in settings.BOLT_API = ['module:attribute']")
    return found
