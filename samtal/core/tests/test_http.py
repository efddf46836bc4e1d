"""The client's address: REMOTE_ADDR, or X-Forwarded-For only as far as proxies are trusted."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from samtal.core.http import client_ip


def request(remote: str = "10.0.0.5", forwarded: str | None = None):
    request = RequestFactory().get("/")
    request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No trusted proxy: the header is the client's own word.
        (0, "203.0.113.7", "192.0.2.1", "203.0.113.7"),
        (0, "2001:db8::1", None, "2001:db8::1"),
        (0, "::ffff:203.0.113.7", None, "203.0.113.7"),
        # One proxy: the right-most entry is what the proxy saw; entries left of it are forged.
        (1, "10.0.0.5", "192.0.2.1", "192.0.2.1"),
        (1, "10.0.0.5", "6.6.6.6, 192.0.2.1", "192.0.2.1"),
        (1, "10.0.0.5", " 2001:db8::7 ", "2001:db8::7"),
        # Two proxies: the second entry from the right.
        (2, "10.0.0.5", "6.6.6.6, 192.0.2.1, 10.0.0.4", "192.0.2.1"),
        # Missing, too short or malformed: the nearest proxy, never the forged value.
        (1, "10.0.0.5", None, "10.0.0.5"),
        (2, "10.0.0.5", "192.0.2.1", "10.0.0.5"),
        (1, "10.0.0.5", "6.6.6.6, not-an-address", "10.0.0.5"),
        (1, "10.0.0.5", "", "10.0.0.5"),
        (0, "", None, "unknown"),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.SAMTAL_TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(remote, forwarded)) == expected
