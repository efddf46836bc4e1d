"""A request that fails because the database cannot be reached answers 503 with Retry-After
and a page in the reader's language, built without the database; other errors stay 500.

No test here has database access: pytest-django would turn any query into an error other than
the database errors handled, so a page that needed the database could not pass."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from samtal.core.database_unavailable import RETRY_AFTER_SECONDS


@login_not_required
def refused(request: HttpRequest) -> HttpResponse:
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


@login_not_required
def dropped(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


@login_not_required
def broken(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug, not the database")


def needs_login(request: HttpRequest) -> HttpResponse:
    return HttpResponse("fine")


urlpatterns = [
    path("refused/", refused),
    path("dropped/", dropped),
    path("broken/", broken),
    path("needs-login/", needs_login),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def client() -> Client:
    # Django's test client re-raises a view's exception; a server answers instead.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("url", ["/refused/", "/dropped/"])
def test_a_database_error_answers_503_with_retry_after(client, url):
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert '<html lang="sv">' in body
    assert "Traceback" not in body
    assert 'href="/"' in body


def test_the_page_follows_the_readers_language(client):
    response = client.get("/refused/", headers={"accept-language": "en"})
    assert response.status_code == 503
    assert response["Content-Language"] == "en"
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "<h1>Temporarily unavailable</h1>" in body
    assert f"Try again in {RETRY_AFTER_SECONDS} seconds" in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert client.get("/refused/", headers={"accept-language": "en"})["Content-Language"] == "sv"


def test_a_post_answers_503_too(client):
    assert client.post("/refused/", {"text": "x"}).status_code == 503


def test_a_session_that_cannot_be_loaded_answers_503(client, monkeypatch):
    """The database fails before any view runs: the login check loads the session."""

    def unreachable(self):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32
    response = client.get("/needs-login/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_other_errors_stay_500(client):
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_it_sits_outside_the_session_middleware():
    middleware = settings.MIDDLEWARE
    position = middleware.index("samtal.core.database_unavailable.DatabaseUnavailableMiddleware")
    assert position < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert position < middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
