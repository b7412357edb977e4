from django.urls import path

from .views import django_json

urlpatterns: list = [path("django/json", django_json)]
