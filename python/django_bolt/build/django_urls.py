"""The project's Django URLs (`ROOT_URLCONF`) for the manifest: every `path()`/`re_path()`,
includes flattened, as the regex Django's resolver matches (converters expanded), the
patterns as written, the view, the namespaced URL name, and for `path()` routes of built-in
converters the shape both tables match without a regex. Deterministic: urlpatterns order."""

from __future__ import annotations

import re
from typing import Any

from .._signature import RouteDefinitionError


def _view_path(callback: Any) -> str:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    module = getattr(view, "__module__", None) or type(view).__module__
    name = getattr(view, "__qualname__", None) or type(view).__qualname__
    return f"{module}.{name}"


def django_routes(exclude_admin: bool = False) -> tuple[list[dict[str, Any]], bool]:
    """(entries, fallback): `fallback` when a pattern depends on the request (an i18n prefix),
    so Django must see every path no route serves."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from django.urls.resolvers import LocalePrefixPattern, RoutePattern
    from django.utils.functional import Promise

    entries: list[dict[str, Any]] = []
    fallback = False

    def walk(resolver: Any, regex: str, route: str, namespace: list[str], shaped: str | None) -> None:
        nonlocal fallback
        for item in resolver.url_patterns:
            pattern = item.pattern
            # A shape only for routes made of `path()` patterns alone, each piece's converters
            # read from that piece (an include's and its pattern's may share a name).
            inner = shaped + piece_shape if shaped is not None and isinstance(pattern, RoutePattern) and (
                piece_shape := _piece_shape(pattern)) is not None else None
            # A translated pattern (`path(_("about/"))`) is another regex in another language.
            if isinstance(pattern, LocalePrefixPattern) or isinstance(
                    getattr(pattern, "_route", None) or getattr(pattern, "_regex", None), Promise):
                fallback = True
            raw = pattern.regex.pattern
            # Anchored pieces join as groups; an unanchored one is searched (Django's `search`);
            # a top-level alternation cannot be joined safely: Django decides for those.
            if _top_level_alternation(raw):
                fallback = True
            piece = f"(?:{raw[1:]})" if raw.startswith("^") else f"(?:.*?{raw})"  # Rust: `(?s:.*?)`
            if not raw:
                piece = ""
            if isinstance(item, URLResolver):
                if exclude_admin and getattr(item, "app_name", None) == "admin":
                    continue
                space = [*namespace, item.namespace] if item.namespace else namespace
                walk(item, regex + piece, route + str(pattern), space, inner)
            elif isinstance(item, URLPattern):
                name = ":".join([*namespace, item.name]) if item.name else None
                entry = {"regex": regex + piece, "route": route + str(pattern), "view": _view_path(item.callback)}
                if name:
                    entry["name"] = name
                shape = _shape(inner) if inner is not None else None
                if shape is not None:
                    entry["shape"] = shape
                entries.append(entry)

    walk(get_resolver(), "^/", "", [], "")
    return entries, fallback


def _piece_shape(pattern: Any) -> str | None:
    """One `path()` pattern's route with each converter as its kind (`<int>`), from that
    pattern's own converters; None when one is not Django's own or the text has stray `<>`."""
    from django.urls import converters as builtin

    kinds = {builtin.IntConverter: "int", builtin.StringConverter: "str", builtin.SlugConverter: "slug",
             builtin.UUIDConverter: "uuid", builtin.PathConverter: "path"}
    route = str(pattern)
    pieces, end = [], 0
    for match in _PARAMETER.finditer(route):
        kind = kinds.get(type(pattern.converters.get(match["parameter"])))
        if kind is None:
            return None
        pieces.extend([route[end:match.start()], f"<{kind}>"])
        end = match.end()
    pieces.append(route[end:])
    literal_text = "".join(pieces[::2])
    if "<" in literal_text or ">" in literal_text:
        return None
    return "".join(pieces)


def _shape(shaped_route: str) -> str | None:
    """`/admin/<int>/change/` for a route whose converters each fill a segment (`<path>` the
    last one); None for any other, which is matched by its regex."""
    segments = shaped_route.split("/")
    for index, segment in enumerate(segments):
        if "<" in segment or ">" in segment:
            kind = segment[1:-1] if segment.startswith("<") and segment.endswith(">") else None
            if kind not in _KINDS or (kind == "path" and index != len(segments) - 1):
                return None
    return "/" + shaped_route


_KINDS = ("int", "str", "slug", "uuid", "path")


# Django's `<converter:name>` (django.urls.resolvers._PATH_PARAMETER_COMPONENT_RE).
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def _top_level_alternation(regex: str) -> bool:
    """Whether `regex` has a `|` outside every group and character class."""
    depth, escaped, in_class = 0, False, False
    for char in regex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def check_clashes(routes: list[Any]) -> None:
    """A path both a BoltAPI route and a Django URL serve is an error naming both (checked on
    the routes' literal paths, and on their parameterized ones with a sample value)."""
    from django.urls import Resolver404, resolve

    for route in routes:
        sample = route.path
        for placeholder in _placeholders(route.path):
            sample = sample.replace(placeholder, "1")
        try:
            match = resolve(sample)
        except Resolver404:
            continue
        raise RouteDefinitionError(
            f"{route.method} {route.path} ({route.handler_name}) is also a Django URL: "
            f"{match.route!r} ({_view_path(match.func)}); serve the path from one of them")


def _placeholders(path: str) -> list[str]:
    return re.findall(r"\{[^}]+\}", path)
