from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samtal.accounts.models import LoginThrottle, Role, RoleAssignment, User
from samtal.accounts.selectors import Lockout, throttle_address, throttle_username
from samtal.core.services import history_record

if TYPE_CHECKING:
    from samtal.organisation.models import Unit

logger = logging.getLogger(__name__)


def user_set_language(*, user: User, language: str) -> None:
    """Remember the user's language for pages and the emails they receive."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def role_grant(*, user: User, role: str, unit: Unit | None, actor: User | None) -> RoleAssignment:
    """Give `user` a role for `unit` (None: the whole organisation). Idempotent.

    A safety representative always has a unit; the history of the user records the grant.
    """
    if role not in Role.values:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": role})
    if role == Role.SAFETY_REP and unit is None:
        raise ValidationError(_("A safety representative must have a unit."))
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    if created:
        history_record(
            obj=user, actor=actor, action="role_granted", changes={"role": role, "unit": unit}
        )
    return assignment


def role_revoke(*, user: User, role: str, unit: Unit | None, actor: User | None) -> bool:
    deleted, _details = RoleAssignment.objects.filter(user=user, role=role, unit=unit).delete()
    if deleted:
        history_record(
            obj=user, actor=actor, action="role_revoked", changes={"role": role, "unit": unit}
        )
    return bool(deleted)


# --- login rate limiting ----------------------------------------------------------------


def login_failure_record(*, address: str, username: str) -> Lockout | None:
    """Count one failed login with `username` from `address`, for the pair and for the address.

    Each count runs over a window of SAMTAL_LOGIN_LOCKOUT_MINUTES from its first failure; the
    failure that reaches the limit locks the pair (or the address) for as long, and is logged.
    Returns the lockout now in force, if any. Rows are locked in a fixed order (pair, then
    address), so concurrent failures on several instances neither lose a count nor deadlock.
    """
    now = timezone.now()
    period = timedelta(minutes=settings.SAMTAL_LOGIN_LOCKOUT_MINUTES)
    key = throttle_address(address)
    typed = throttle_username(username)
    login_throttles_prune()
    counts = [
        (LoginThrottle.Scope.ACCOUNT, typed, settings.SAMTAL_LOGIN_FAILURE_LIMIT),
        (LoginThrottle.Scope.ADDRESS, "", settings.SAMTAL_LOGIN_IP_FAILURE_LIMIT),
    ]
    until = None
    with transaction.atomic():
        for scope, who, limit in counts:
            throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(
                scope=scope,
                address=key,
                username=who,
                defaults={"window_start": now, "expires_at": now + period},
            )
            if throttle.window_start + period <= now and not (
                throttle.locked_until and throttle.locked_until > now
            ):
                throttle.failures = 0
                throttle.window_start = now
                throttle.locked_until = None
            throttle.failures += 1
            if throttle.failures >= limit and throttle.locked_until is None:
                throttle.locked_until = now + period
                logger.warning(
                    "Login locked until %s: %d failed logins for %s from %s",
                    throttle.locked_until.isoformat(timespec="seconds"),
                    throttle.failures,
                    f"email {who!r}" if who else "any email",
                    key,
                )
            throttle.expires_at = max(throttle.window_start + period, throttle.locked_until or now)
            throttle.save()
            if throttle.locked_until and throttle.locked_until > now:
                until = max(until or throttle.locked_until, throttle.locked_until)
    return Lockout(until=until) if until else None


def login_success_record(*, address: str, username: str) -> None:
    """A successful login clears the failures of that email from that address. The address's
    own count stays: one valid account must not reset the protection against spraying."""
    LoginThrottle.objects.filter(
        scope=LoginThrottle.Scope.ACCOUNT,
        address=throttle_address(address),
        username=throttle_username(username),
    ).delete()


def login_throttles_clear(*, address: str | None = None, username: str | None = None) -> int:
    """Lift lockouts and forget failures: for a client address, an email address (from any
    client), both together, or everything when neither is given. Returns how many were removed."""
    throttles = LoginThrottle.objects.all()
    if address is not None:
        throttles = throttles.filter(address=throttle_address(address))
    if username is not None:
        throttles = throttles.filter(username=throttle_username(username))
    deleted, _details = throttles.delete()
    if deleted:
        logger.warning(
            "Login lockouts cleared (%d) for %s",
            deleted,
            ", ".join(
                part
                for part in (
                    f"address {address}" if address is not None else "",
                    f"email {username!r}" if username is not None else "",
                )
                if part
            )
            or "everyone",
        )
    return deleted


def login_throttles_prune() -> int:
    """Delete counts whose window and lockout are both over. Rows another login is updating
    are skipped (they are not stale), so pruning never waits for, or deadlocks with, a login."""
    with transaction.atomic():
        stale = list(
            LoginThrottle.objects.filter(expires_at__lte=timezone.now())
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:500]
        )
        if not stale:
            return 0
        deleted, _details = LoginThrottle.objects.filter(pk__in=stale).delete()
    return deleted
