"""In production mode the session, CSRF and language cookies are Secure and SameSite=Lax, and
the session cookie is HttpOnly: the cookie settings are read from a production process, then
the cookies of a real login are checked under them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from samtal.accounts.tests.factories import PASSWORD
from samtal.core.tests.test_settings import _good_key, _production_env, _run

COOKIE_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
)


@pytest.fixture(scope="module")
def production_cookie_settings() -> dict[str, object]:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {COOKIE_SETTINGS!r}}}))"
    )
    result = _run(
        ["-c", script],
        _production_env(SECRET_KEY=_good_key(), ALLOWED_HOSTS="samtal.example.se"),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_cookie_settings(production_cookie_settings):
    assert production_cookie_settings == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        # The CSRF token reaches htmx through the page (hx-headers), not through script
        # reading the cookie; HttpOnly would add nothing (see Django's CSRF_COOKIE_HTTPONLY).
        "CSRF_COOKIE_HTTPONLY": False,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SECURE": True,
    }


@pytest.mark.django_db
def test_login_cookies_under_production_settings(
    client, settings, employee, production_cookie_settings
):
    for name, value in production_cookie_settings.items():
        setattr(settings, name, value)
    page = client.get(reverse("accounts:login"), secure=True)
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    response = client.post(
        reverse("accounts:login"),
        {"username": "employee@example.se", "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    language = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    for cookie in (csrf, session, language):
        assert cookie["secure"] is True, cookie.key
        assert cookie["samesite"] == "Lax", cookie.key
    assert session["httponly"] is True
