"""Django views and urlpatterns for tests/test_django_urls.py and tests/test_django_server.py
(their ROOT_URLCONF)."""

import hashlib

from django.contrib import admin
from django.core.signals import request_finished
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import include, path, re_path, register_converter, reverse
from django.views.decorators.csrf import csrf_exempt


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


@csrf_exempt
def upload(request):
    """What Django read: each uploaded file's digest and size, and the body's `wsgi.input`."""
    files = {name: [hashlib.sha256(f.read()).hexdigest(), f.size] for name, f in request.FILES.items()}
    stream = request.META["wsgi.input"]
    return JsonResponse({"files": files, "fields": dict(request.POST.items()), "input": type(stream).__name__,
                         "input_name": getattr(stream, "name", None)})


# The order of a streamed response's end and `request_finished` (on a real server).
EVENTS: list[str] = []
request_finished.connect(lambda sender, **kwargs: EVENTS.append("request_finished"), weak=False)


def streamed_events(request):
    EVENTS.clear()
    EVENTS.append("view returned")

    def chunks():
        yield b"one,"
        yield b"two"
        EVENTS.append("body sent")
    return StreamingHttpResponse(chunks(), content_type="text/plain")


def events(request):
    return JsonResponse({"events": list(EVENTS)})


def kwargs_view(request, **kwargs):
    """The view's kwargs with their Python types, and what `reverse()` makes of them."""
    name = request.resolver_match.view_name
    return JsonResponse({"kwargs": {k: [type(v).__name__, str(v)] for k, v in kwargs.items()},
                         "reversed": reverse(name, kwargs=kwargs)})


def pk_view(request, pk):
    return JsonResponse({"pk": [type(pk).__name__, str(pk)]})


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
    # The include's `pk` and its pattern's `pk` have different converters (the inner one wins).
    path("nest/<str:pk>/", include([path("in/<int:pk>/", pk_view, name="nested")])),
    path("upload/", upload),
    path("streamed-events/", streamed_events),
    path("events/", events),
]
