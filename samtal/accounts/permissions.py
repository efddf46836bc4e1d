"""Who holds which role. Employee is everyone with a person record; manager is derived from
having active reports; HR, safety representative and admin come from RoleAssignment, each
scoped to a unit subtree or to the whole organisation.

A scope is a tuple of unit paths; "/" is the whole organisation because every path starts
with it, so one prefix test covers both cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from samtal.accounts.models import Role, RoleAssignment

WHOLE_ORGANISATION = "/"


@dataclass(frozen=True)
class Roles:
    person_id: int | None
    is_manager: bool
    hr_paths: tuple[str, ...]
    safety_rep_paths: tuple[str, ...]
    is_admin: bool

    @property
    def is_employee(self) -> bool:
        return self.person_id is not None

    @property
    def is_hr(self) -> bool:
        return bool(self.hr_paths)

    @property
    def is_org_wide_hr(self) -> bool:
        return WHOLE_ORGANISATION in self.hr_paths

    @property
    def is_safety_rep(self) -> bool:
        return bool(self.safety_rep_paths)


NO_ROLES = Roles(None, False, (), (), False)


def get_roles(user: Any) -> Roles:
    """The user's roles, computed once per request object (two small queries)."""
    if not getattr(user, "is_authenticated", False):
        return NO_ROLES
    cached = getattr(user, "_samtal_roles", None)
    if cached is not None:
        return cached
    from samtal.organisation.models import Person

    person_id = Person.objects.filter(user=user).values_list("id", flat=True).first()
    hr: list[str] = []
    safety: list[str] = []
    is_admin = bool(user.is_superuser)
    for role, unit_path in RoleAssignment.objects.filter(user=user).values_list(
        "role", "unit__path"
    ):
        path = unit_path or WHOLE_ORGANISATION
        if role == Role.HR:
            hr.append(path)
        elif role == Role.SAFETY_REP:
            safety.append(path)
        elif role == Role.ADMIN:
            is_admin = True
    is_manager = (
        person_id is not None
        and Person.objects.filter(manager_id=person_id, is_active=True).exists()
    )
    roles = Roles(
        person_id=person_id,
        is_manager=is_manager,
        hr_paths=minimal_paths(hr),
        safety_rep_paths=minimal_paths(safety),
        is_admin=is_admin,
    )
    user._samtal_roles = roles
    return roles


def minimal_paths(paths: list[str]) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor path in the list."""
    result: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return tuple(result)


def scope_q(paths: tuple[str, ...], *, field: str = "unit__path") -> Q:
    """A filter for rows whose unit lies within any of `paths`; matches nothing when empty."""
    if WHOLE_ORGANISATION in paths:
        # Not Q(): an empty Q vanishes when OR-ed with another condition.
        return Q(pk__isnull=False)
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def path_in_scope(path: str, paths: tuple[str, ...]) -> bool:
    return any(path.startswith(p) for p in paths)
