"""Django views and urlpatterns for tests/test_django_urls.py (its ROOT_URLCONF)."""

from django.contrib import admin
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import include, path, re_path, register_converter, reverse


def article(request, year, slug):
    return JsonResponse({"year": year, "slug": slug, "url": reverse("blog:article", args=[year, slug]),
                         "absolute": request.build_absolute_uri()})


def archive(request, year, month):
    return JsonResponse({"year": year, "month": month})


def echo(request):
    return JsonResponse({"method": request.method, "body": request.body.decode(), "q": request.GET.get("q")})


def streamed(request):
    return StreamingHttpResponse(iter([b"one,", b"two,", b"three"]), content_type="text/csv")


async def async_view(request):
    return HttpResponse("async ok", content_type="text/plain")


def boom(request):
    raise ValueError("view failed")


def kwargs_view(request, **kwargs):
    """The view's kwargs with their Python types, and what `reverse()` makes of them."""
    name = request.resolver_match.view_name
    return JsonResponse({"kwargs": {k: [type(v).__name__, str(v)] for k, v in kwargs.items()},
                         "reversed": reverse(name, kwargs=kwargs)})


class YearConverter:
    """A registered converter: matched by its regex, so by Rust's regex set."""

    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{value:04d}"


register_converter(YearConverter, "yyyy")

blog = ([path("<int:year>/<slug:slug>/", article, name="article"),
         re_path(r"^archive/(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$", archive, name="archive")], "blog")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("blog/", include(blog)),
    path("echo/", echo, name="echo"),
    path("streamed/", streamed),
    path("async/", async_view),
    path("boom/", boom),
    path("café/", echo, name="cafe"),
    path("u/<uuid:pk>/", kwargs_view, name="by-uuid"),
    path("files/<path:rest>", kwargs_view, name="files"),
    path("year/<yyyy:year>/", kwargs_view, name="year"),
    path("s/<str:a>/<slug:b>/", kwargs_view, name="strs"),
    re_path(r"^legacy/(?P<n>\d+)/$", kwargs_view, name="legacy"),
]
