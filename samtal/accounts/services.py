from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from samtal.accounts.models import Role, RoleAssignment, User
from samtal.core.services import history_record

if TYPE_CHECKING:
    from samtal.organisation.models import Unit


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
