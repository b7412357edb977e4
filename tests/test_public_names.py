"""The names django-bolt projects import, where they import them from."""

from __future__ import annotations

import pytest


def test_markers_are_importable_where_django_bolt_users_import_them():
    import django_bolt
    from django_bolt import param_functions, params

    for name in ("Query", "Path", "Header", "Cookie", "Form", "File", "Body", "Depends"):
        assert getattr(param_functions, name) is getattr(params, name)
    assert django_bolt.UploadFile.__module__ == "django_bolt.uploads"
    assert django_bolt.FileSize.MB_10 == 10 * 1024 * 1024
    assert django_bolt.MediaType.JSON == "application/json"


def test_status_constants():
    from django_bolt import status, status_codes

    assert status.HTTP_201_CREATED == 201
    assert status.HTTP_422_UNPROCESSABLE_ENTITY == 422
    assert status.HTTP_404_NOT_FOUND == status_codes.HTTP_404_NOT_FOUND == 404
    assert status.is_success(204) and status.is_client_error(404) and not status.is_server_error(404)


def test_cookie_class_formats_with_djangos_rules():
    from django_bolt.cookies import Cookie, make_delete_cookie

    assert Cookie("s", "v", httponly=True).to_header_value() == "s=v; HttpOnly; Path=/; SameSite=Lax"
    assert Cookie("s", "v", samesite=False, secure=True).to_header_value() == "s=v; Path=/; Secure"
    assert make_delete_cookie("s").to_header_value() == 's=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
    with pytest.raises(ValueError, match="samesite"):
        Cookie("s", samesite="sometimes").to_header_value()
