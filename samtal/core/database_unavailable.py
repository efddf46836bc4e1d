"""A database that is down, restarting or failing over answers 503 with Retry-After.

Without this, such a request ends in the 500 page ("something went wrong, it has been
logged"), which tells the user nothing useful and looks like a bug. The answer is a short
page in the reader's language saying that Samtal is temporarily unavailable and to try again,
with `Retry-After` for proxies and clients. It is built without touching the database (no
session, no user, no context processors). The error is still logged by Django.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

# Errors of a database that cannot be reached or dropped the connection: refused, timed out,
# "the database system is shutting down", a connection terminated by a restart. Django wraps
# each driver's errors in these two.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_MARK = "_samtal_database_unavailable"


class DatabaseUnavailableMiddleware:
    """Turn the 500 of a request that failed on an unreachable database into a 503.

    Django converts an exception raised in any inner layer (a view, the session or
    authentication middleware) into a 500 response before an outer middleware sees it, and
    sends `got_request_exception` while it handles the exception; the receiver marks the
    request, and this middleware replaces the marked request's 500 response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(
            _mark_unavailable, dispatch_uid="samtal.core.database_unavailable"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            return database_unavailable_response(request)
        return response


def _mark_unavailable(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        setattr(request, _MARK, True)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After and a page in the language of the request (its language cookie or
    Accept-Language; Swedish by default)."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        body = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response
