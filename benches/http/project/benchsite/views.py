"""A plain Django view, served by runbolt and by gunicorn in `benches/django_view.py`."""

from django.http import JsonResponse


def django_json(request):
    return JsonResponse({"message": "Hello, World!"})
