"""Django views and urlpatterns for tests/test_django_urls.py (its ROOT_URLCONF)."""

from django.contrib import admin
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import include, path, re_path, reverse


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
]
