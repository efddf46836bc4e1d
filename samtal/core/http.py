"""Facts about the HTTP client that Django does not give directly."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _ip(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def client_ip(request: HttpRequest) -> str:
    """The address of the client, as the outermost trusted proxy saw it.

    Without trusted proxies (SAMTAL_TRUSTED_PROXY_COUNT=0) it is REMOTE_ADDR: X-Forwarded-For is
    then whatever the client chose to send. Behind N proxies that each append the address they
    received the request from, the client is the N-th entry from the right; entries further left
    were written by the client and are ignored. A missing or malformed header falls back to
    REMOTE_ADDR (the nearest proxy), which is safe: it only makes more clients share one count.
    """
    remote = _ip(request.META.get("REMOTE_ADDR", "")) or "unknown"
    proxies: int = settings.SAMTAL_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _ip(forwarded[-proxies]) or remote
