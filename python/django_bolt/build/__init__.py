"""Introspection of a Django project: discover its BoltAPIs and describe them as a manifest."""

from .discovery import discover_apis
from .manifest import MANIFEST_VERSION, build_manifest, manifest_json, merge_apis

__all__ = ["discover_apis", "build_manifest", "manifest_json", "merge_apis", "MANIFEST_VERSION"]
