"""The project's Django URLs in the same table as its BoltAPI routes (issue 13): matched in
Rust (converters, re_path groups), handled by Django's own request handling (middleware,
resolver, views, errors), in both tables; a path served by both is a build error."""

from __future__ import annotations

import pytest
from django.urls import path as django_path
from django_bolt import BoltAPI
from django_bolt.build.django_urls import django_routes
from django_bolt.runtime import collect_routes

api = BoltAPI()


@api.get("/api/ping")
def ping() -> dict:
    return {"pong": True}


@pytest.fixture(autouse=True)
def urlconf(settings):
    settings.ROOT_URLCONF = "django_views"
    from django.urls import clear_url_caches

    clear_url_caches()
    yield
    clear_url_caches()


def test_urlpatterns_are_introspected_into_the_manifest():
    entries, fallback = django_routes()
    by_name = {e.get("name"): e for e in entries}
    assert by_name["blog:article"] == {"regex": "^/(?:blog/)(?:(?P<year>[0-9]+)/(?P<slug>[-a-zA-Z0-9_]+)/\\Z)",
                                       "route": "blog/<int:year>/<slug:slug>/", "view": "django_views.article",
                                       "name": "blog:article", "shape": "/blog/<int>/<slug>/"}
    # Shapes: path() routes whose converters are Django's own and fill a segment each.
    assert by_name["admin:index"]["shape"] == "/admin/"
    assert by_name["admin:auth_user_password_change"]["shape"] == "/admin/auth/user/<str>/password/"
    assert by_name["files"]["shape"] == "/files/<path>" and by_name["by-uuid"]["shape"] == "/u/<uuid>/"
    for regex_only in ["admin:library_book_change", "blog:archive", "year", "legacy"]:
        assert "shape" not in by_name[regex_only], regex_only
    assert by_name["blog:archive"]["regex"] == "^/(?:blog/)(?:archive/(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$)"
    assert by_name["admin:index"]["route"] == "admin/"
    assert fallback is False  # the admin's `(auth|library)` is inside a group
    from django_bolt.build.django_urls import _top_level_alternation

    assert _top_level_alternation(r"^a/$|^b/$") and not _top_level_alternation(r"^(a|b)/[|]\|$")
    manifest = collect_routes(api, django_urls=True).manifest
    assert manifest["django_routes"] == entries
    assert "django_routes" not in collect_routes(api).manifest


def test_converters_and_re_path_groups_reach_the_view(client_for):
    c = client_for(api, django_urls=True)
    r = c.get("/blog/2024/hello-world/")
    assert r.json() == {"year": 2024, "slug": "hello-world", "url": "/blog/2024/hello-world/",
                        "absolute": "http://testserver/blog/2024/hello-world/"}
    assert c.get("/blog/archive/2024/05/").json() == {"year": "2024", "month": "05"}
    assert c.get("/blog/x/hello/").status_code == 404  # int converter: not a Django URL, Rust's 404
    assert c.get("/api/ping").json() == {"pong": True}


@pytest.mark.parametrize(("path", "kwargs"), [
    ("/u/12345678-abcd-ef01-2345-6789abcdef01/", {"pk": ["UUID", "12345678-abcd-ef01-2345-6789abcdef01"]}),
    ("/files/a/b%20c.txt", {"rest": ["str", "a/b c.txt"]}),
    ("/year/2024/", {"year": ["int", "2024"]}),
    ("/s/a%20b/c-d_e/", {"a": ["str", "a b"], "b": ["str", "c-d_e"]}),
    ("/legacy/42/", {"n": ["str", "42"]}),
])
def test_every_kind_of_django_route_reaches_its_view(client_for, path, kwargs):
    """Literal paths and shapes (the phf set and the generated matchers in the compiled table),
    registered converters and `re_path` (the regex set): Django's kwargs, and `reverse()`
    gives back the path served."""
    r = client_for(api, django_urls=True).get(path)
    assert r.status_code == 200, r.text
    assert r.json()["kwargs"] == kwargs
    from urllib.parse import unquote

    assert unquote(r.json()["reversed"]) == unquote(path)


def test_each_pieces_converters_shape_its_own_segments(client_for):
    """An include and its pattern may name their parameters alike: each segment keeps the
    converter of the pattern it comes from."""
    entries, _ = django_routes()
    assert {e.get("name"): e.get("shape") for e in entries}["nested"] == "/nest/<str>/in/<int>/"
    r = client_for(api, django_urls=True).get("/nest/x/in/1/")
    assert r.status_code == 200 and r.json() == {"pk": ["int", "1"]}


def test_translated_patterns_leave_the_resolving_to_django(settings):
    import types

    from django.urls import clear_url_caches
    from django.utils.translation import gettext_lazy

    urlconf = types.ModuleType("translated_urls")
    urlconf.urlpatterns = [django_path(gettext_lazy("about/"), lambda request: None, name="about")]
    settings.ROOT_URLCONF = urlconf
    clear_url_caches()
    assert django_routes()[1] is True  # another language, another regex


@pytest.mark.parametrize("path", [
    "/u/12345678-ABCD-ef01-2345-6789abcdef01/",  # uuid: lowercase only
    "/u/1234/", "/files/", "/year/24/", "/s/a/b c/", "/s//x/", "/blog/2024/", "/echo/x/", "/nowhere/",
])
def test_paths_no_django_route_serves_are_rusts_404(client_for, path):
    r = client_for(api, django_urls=True).get(path, follow_redirects=False)
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})


def test_a_regex_rust_reads_otherwise_narrows_by_its_exact_prefix(client_for):
    """`\\d` may mean more to one engine than the other: the route's exact prefix sends
    `/legacy/...` to Django, which resolves (here: its 404 page) as it always does."""
    c = client_for(api, django_urls=True)
    r = c.get("/legacy/x/")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert c.get("/legacyx/").json() == {"detail": "Not Found"}


def test_django_handles_bodies_streams_async_views_and_errors(client_for):
    c = client_for(api, django_urls=True)
    # CSRF applies to Django views as under any server.
    assert c.post("/echo/?q=1", content=b"hello").status_code == 403
    assert c.get("/echo/?q=1").json() == {"method": "GET", "body": "", "q": "1"}
    r = c.get("/streamed/")
    assert (r.text, r.headers["content-type"]) == ("one,two,three", "text/csv")
    assert c.get("/async/").text == "async ok"
    r = c.get("/boom/")
    assert r.status_code == 500 and "text/html" in r.headers["content-type"]


def test_the_project_middleware_applies_to_django_routes(client_for):
    c = client_for(api, django_urls=True)
    r = c.get("/echo/")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "same-origin"
    # CommonMiddleware's APPEND_SLASH: Django's own redirect for a Django URL without its slash.
    r = c.get("/echo?q=2", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, "/echo/?q=2")
    assert "referrer-policy" not in c.get("/api/ping").headers  # BoltAPI routes: not Django's middleware


def test_the_admin_is_served(client_for):
    c = client_for(api, django_urls=True)
    r = c.get("/admin/login/")
    assert r.status_code == 200 and "csrfmiddlewaretoken" in r.text
    r = c.get("/admin/", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith("/admin/login/")


def test_a_path_served_by_both_is_a_build_error():
    from django_bolt._signature import RouteDefinitionError

    clash = BoltAPI(trailing_slash="keep")

    @clash.get("/blog/{year}/{slug}/")
    def taken(year: int, slug: str) -> dict:
        return {}

    with pytest.raises(RouteDefinitionError, match=r"also a Django URL: .*django_views.article"):
        collect_routes(clash, django_urls=True)


# --- static files -------------------------------------------------------------------------------

@pytest.fixture
def static_root(tmp_path, settings):
    root = tmp_path / "collected"
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_text("body { color: red }")
    (root / "css" / "site.0123456789ab.css").write_text("body { color: blue }")
    (root / "js").mkdir()
    (root / "js" / "app.js").write_text("console.log(1)" * 50)
    import gzip

    (root / "js" / "app.js.gz").write_bytes(gzip.compress((root / "js" / "app.js").read_bytes()))
    (tmp_path / "secret.txt").write_text("secret")
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    settings.STATIC_ROOT = str(root)
    settings.STATIC_URL = "static/"
    return root


def test_static_files_from_static_root(client_for, static_root):
    c = client_for(api)
    r = c.get("/static/css/site.css")
    assert (r.status_code, r.text, r.headers["content-type"]) == (200, "body { color: red }", "text/css")
    assert r.headers["cache-control"] == "public, max-age=60" and r.headers["etag"]
    assert c.get("/static/css/site.css", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    ranged = c.get("/static/css/site.css", headers={"Range": "bytes=0-3"})
    assert (ranged.status_code, ranged.content) == (206, b"body")
    hashed = c.get("/static/css/site.0123456789ab.css")
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    import gzip

    gzipped = [("accept-encoding", "gzip")]
    status, headers, body, _ = c.runtime.test_request("GET", "/static/js/app.js", "", gzipped, b"")
    assert status == 200 and dict(headers)["content-encoding"] == "gzip"
    assert gzip.decompress(bytes(body)) == (static_root / "js" / "app.js").read_bytes()


@pytest.mark.parametrize("path", [
    "/static/leak.txt", "/static/%2e%2e/secret.txt", "/static/css/%2E%2E%2F%2E%2E%2Fsecret.txt",
    "/static/css/..%5c..%5csecret.txt", "/static/missing.css", "/static/css", "/static/.x",
])
def test_no_traversal_out_of_the_static_root(client_for, static_root, path):
    r = client_for(api).get(path)
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})


def test_debug_serves_the_finders_directories_before_collectstatic(client_for, settings):
    settings.DEBUG = True
    settings.STATIC_ROOT = None
    r = client_for(api).get("/static/admin/css/base.css")
    assert r.status_code == 200 and r.headers["content-type"] == "text/css" and b"body" in r.content


def test_a_changed_urlconf_changes_the_fingerprint(settings):
    from django.urls import clear_url_caches

    with_urls = collect_routes(api, django_urls=True).fingerprint
    settings.ROOT_URLCONF = "demo.urls"  # the admin only
    clear_url_caches()
    assert collect_routes(api, django_urls=True).fingerprint != with_urls  # `bolt check`: stale
    assert collect_routes(api).fingerprint == collect_routes(api).fingerprint


def test_forwarded_proto_and_host_follow_djangos_settings(client_for, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["testserver", "api.example.com"]
    r = client_for(api, django_urls=True).get("/blog/2024/a/", headers={"X-Forwarded-Proto": "https",
                                                                       "X-Forwarded-Host": "api.example.com"})
    assert r.json()["absolute"] == "https://api.example.com/blog/2024/a/"


def test_non_ascii_paths_reach_django_as_under_wsgi(client_for):
    c = client_for(api, django_urls=True)
    assert c.get("/caf%C3%A9/?q=x").json()["q"] == "x"
    assert c.get("/admin/%E2%82%AC/", follow_redirects=False).status_code in (302, 404)  # never a 500
    assert c.get("/caf%FF/", follow_redirects=False).status_code == 404


def test_precompressed_siblings_stay_in_the_root_and_files_are_nosniff(client_for, static_root, tmp_path):
    import gzip

    (tmp_path / "outside.gz").write_bytes(gzip.compress(b"secret"))
    (static_root / "css" / "site.css.gz").symlink_to(tmp_path / "outside.gz")
    c = client_for(api)
    status, headers, body, _ = c.runtime.test_request("GET", "/static/css/site.css", "", [("accept-encoding", "gzip")],
                                                      b"")
    headers = dict(headers)
    assert "content-encoding" not in headers and bytes(body) == b"body { color: red }"
    assert headers["x-content-type-options"] == "nosniff"


def test_no_admin_holds_inside_django_too(settings):
    from django_bolt import _bridge

    settings.BOLT_NO_ADMIN = True
    assert _bridge._admin_left_out("/admin/login/")
    assert not _bridge._admin_left_out("/blog/2024/a/")
    settings.BOLT_NO_ADMIN = False
    assert not _bridge._admin_left_out("/admin/login/")
