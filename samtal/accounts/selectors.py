from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from samtal.accounts.models import LoginThrottle


@dataclass(frozen=True)
class Lockout:
    """Logins are refused until `until`."""

    until: datetime

    @property
    def seconds_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))

    @property
    def minutes_left(self) -> int:
        return math.ceil(self.seconds_left / 60)


def throttle_address(address: str) -> str:
    """The key a client address is counted under: an IPv6 address counts for its /64, since one
    subscriber (one attacker) usually holds the whole network."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def throttle_username(username: str) -> str:
    """What was typed as the email address, as the login backend reads it. NUL is dropped
    (PostgreSQL refuses it in text); the length is bounded like an email address."""
    return username.replace("\x00", "").strip().lower()[:254]


def _throttles(*, address: str, username: str) -> QuerySet[LoginThrottle]:
    key = throttle_address(address)
    return LoginThrottle.objects.filter(
        Q(scope=LoginThrottle.Scope.ACCOUNT, address=key, username=throttle_username(username))
        | Q(scope=LoginThrottle.Scope.ADDRESS, address=key, username="")
    )


def login_lockout(*, address: str, username: str) -> Lockout | None:
    """The lockout that refuses a login with `username` from `address` now, if any: the pair's
    own or the address's, whichever lasts longer. Whether such a user exists plays no part."""
    until = (
        _throttles(address=address, username=username)
        .filter(locked_until__gt=timezone.now())
        .aggregate(until=Max("locked_until"))["until"]
    )
    return Lockout(until=until) if until else None


def login_lockouts_active() -> QuerySet[LoginThrottle]:
    """Every lockout in force now, the longest first."""
    return LoginThrottle.objects.filter(locked_until__gt=timezone.now()).order_by(
        "-locked_until", "scope", "address", "username"
    )
