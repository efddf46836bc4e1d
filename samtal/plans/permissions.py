"""Who may read and change a development plan and a unit's goals.

The plan is the employee's and their current manager's: both read it and follow it up
(DESIGN.md's privacy table: the next manager sees the plan). HR in scope reads it only when
the org policy allows HR to read talk content, read-only and audit-logged. Everyone else gets
404. Unit goals are published by HR for units in their scope and by a manager for the units
their reports belong to.
"""

from __future__ import annotations

from dataclasses import dataclass

from samtal.accounts.permissions import Roles, minimal_paths, path_in_scope
from samtal.core.models import OrgPolicy
from samtal.organisation.models import Person, Unit


@dataclass(frozen=True)
class PlanAccess:
    can_read: bool
    can_write: bool = False
    party: str = ""  # "employee" or "manager" for the two who follow the plan up
    reason: str = ""  # the audit reason for a reader who is neither


def plan_access(*, roles: Roles, person: Person) -> PlanAccess:
    if roles.person_id is not None and roles.person_id == person.pk:
        return PlanAccess(True, True, "employee")
    if roles.person_id is not None and roles.person_id == person.manager_id:
        return PlanAccess(True, True, "manager")
    in_scope = roles.is_hr and path_in_scope(person.unit.path, roles.hr_paths)
    if in_scope and OrgPolicy.current().hr_may_read_records:
        return PlanAccess(True, False, reason="hr")
    return PlanAccess(False)


def manager_unit_ids(person_id: int | None) -> set[int]:
    """The units the manager's active reports belong to."""
    if person_id is None:
        return set()
    return set(
        Person.objects.filter(manager_id=person_id, is_active=True)
        .values_list("unit_id", flat=True)
        .distinct()
    )


def can_manage_unit_goals(*, roles: Roles, unit: Unit) -> bool:
    if roles.is_hr and path_in_scope(unit.path, roles.hr_paths):
        return True
    return roles.is_manager and unit.pk in manager_unit_ids(roles.person_id)


def competence_paths(roles: Roles) -> tuple[str, ...]:
    """The unit subtrees whose competence needs the user sees as aggregates: HR their scope,
    a manager the units of their reports."""
    paths = set(roles.hr_paths)
    if roles.is_manager:
        paths.update(
            Unit.objects.filter(pk__in=manager_unit_ids(roles.person_id)).values_list(
                "path", flat=True
            )
        )
    return minimal_paths(list(paths))
