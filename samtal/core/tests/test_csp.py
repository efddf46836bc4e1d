"""The Content-Security-Policy: on every response, with no inline script or style allowed, and
templates that need none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# The 500 test routes to this module (pytest.mark.urls); the real URLs are included after it.
urlpatterns = [path("boom/", boom)]


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {response}"
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def assert_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_the_policy_wraps_every_middleware_that_may_answer_by_itself():
    # WhiteNoise (static files), the 503 while the database is away, CSRF failures, redirects.
    middleware = settings.MIDDLEWARE
    assert middleware[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "csp.middleware.CSPMiddleware",
    ]


def test_html_pages_anonymous_and_logged_in(client, login, employee):
    assert_policy(client.get(reverse("accounts:login")))
    assert_policy(client.get(reverse("core:home")))  # the redirect to the login page
    assert_policy(login(employee).get(reverse("core:home")))


def test_htmx_partial_responses(login, employee):
    response = login(employee).get(reverse("core:home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert_policy(response)


def test_pdf_download(login, employee):
    response = login(employee).get(reverse("plans:plan_export", args=[employee.pk, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_policy(response)


def test_csv_download(login, hr):
    response = login(hr).get(reverse("plans:competence_export", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert_policy(response)


def test_errors_403_404_405_and_csrf(login, employee):
    client = login(employee)
    forbidden = client.get(reverse("core:audit_log"))
    assert forbidden.status_code == 403
    assert_policy(forbidden)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_policy(missing)
    wrong_method = client.get(reverse("accounts:logout"))
    assert wrong_method.status_code == 405
    assert_policy(wrong_method)
    strict = Client(enforce_csrf_checks=True)
    csrf = strict.post(reverse("accounts:login"), {"username": "a@example.se", "password": "x"})
    assert csrf.status_code == 403
    assert_policy(csrf)


@pytest.mark.urls(__name__)
def test_server_error():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert_policy(response)


def test_rate_limited_login(client):
    for _ in range(5):
        response = client.post(
            reverse("accounts:login"), {"username": "a@example.se", "password": "wrong"}
        )
    assert response.status_code == 429
    assert_policy(response)


# --- the templates need nothing the policy forbids ----------------------------------------


def _browser_templates() -> list[Path]:
    """Templates a browser shows: not emails, and not the documents WeasyPrint renders to PDF
    on the server (their <style> never reaches a browser)."""
    roots = [BASE_DIR / "templates", *sorted((BASE_DIR / "samtal").glob("*/templates"))]
    found = []
    for root in roots:
        for template in sorted(root.rglob("*.html")):
            relative = template.relative_to(root).as_posix()
            if relative.startswith("emails/") or "export" in relative or "_pdf" in relative:
                continue
            found.append(template)
    return found


FORBIDDEN = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx attribute that evaluates script": re.compile(
        r"\shx-on|hx-vals\s*=\s*['\"]\s*(js|javascript):|hx-trigger\s*=\s*['\"][^'\"]*\[",
        re.IGNORECASE,
    ),
}


def test_browser_templates_hold_no_inline_script_or_style():
    templates = _browser_templates()
    assert len(templates) > 40  # the scan really looks at the app's pages
    problems = [
        f"{template.relative_to(BASE_DIR)}: {what}"
        for template in templates
        for what, pattern in FORBIDDEN.items()
        if pattern.search(template.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_the_scan_would_notice_inline_code():
    samples = [
        "<script>alert(1)</script>",
        '<p style="color: red">',
        '<button onclick="go()">',
        '<a href="javascript:go()">',
        "<style>p {}</style>",
        '<div hx-on:click="go()">',
        '<input hx-trigger="keyup[ctrlKey]">',
    ]
    for sample in samples:
        assert any(pattern.search(sample) for pattern in FORBIDDEN.values()), sample
    assert not any(
        pattern.search('<script src="/static/x.js" defer></script>')
        for pattern in FORBIDDEN.values()
    )


def test_htmx_is_told_not_to_inject_styles_or_evaluate():
    base = (BASE_DIR / "templates" / "base.html").read_text(encoding="utf-8")
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base
