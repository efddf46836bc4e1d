"""Who sees what of the work environment (DESIGN.md's privacy table, issue 7):

- the two parties of a talk see and change the observations of that talk (only the employee
  decides whether the description may leave it);
- a manager keeps the register of the units their active reports belong to: every
  observation of those units, de-identified (no name, no talk, the description only with the
  employee's permission), with risk assessments and actions;
- HR, the safety representatives and managers see aggregates for the units in their scope,
  and the annual follow-up of those units; never a single observation.
- the admin sets the routine, the contacts and the risk matrix.
"""

from __future__ import annotations

from samtal.accounts.permissions import Roles, minimal_paths, path_in_scope
from samtal.organisation.models import Unit
from samtal.plans.permissions import manager_unit_ids
from samtal.talks.models import Talk, TalkStatus
from samtal.workenv.models import Party

# A talk raises observations once it is held: in the talk and afterwards. Not before: a
# booked talk can still move to another manager, who must not inherit what was raised.
OBSERVABLE_TALK_STATUSES = (TalkStatus.HELD, TalkStatus.AGREED)


def talk_party(roles: Roles, talk: Talk) -> str:
    """ "employee" or "manager" for the two parties of `talk`, "" for anyone else."""
    if roles.person_id is None:
        return ""
    if roles.person_id == talk.employee_id:
        return Party.EMPLOYEE
    if roles.person_id == talk.manager_id:
        return Party.MANAGER
    return ""


def can_observe(roles: Roles, talk: Talk) -> bool:
    return bool(talk_party(roles, talk)) and talk.status in OBSERVABLE_TALK_STATUSES


def register_unit_ids(roles: Roles) -> set[int]:
    """The units whose register the user keeps: those of their active reports."""
    if not roles.is_manager:
        return set()
    return manager_unit_ids(roles.person_id)


def can_keep_register(roles: Roles, unit: Unit) -> bool:
    return unit.pk in register_unit_ids(roles)


def aggregate_paths(roles: Roles) -> tuple[str, ...]:
    """The unit subtrees whose SAM aggregates and annual follow-ups the user sees: HR and
    safety representatives their scope, a manager the units of their reports."""
    paths = set(roles.hr_paths) | set(roles.safety_rep_paths)
    unit_ids = register_unit_ids(roles)
    if unit_ids:
        paths.update(Unit.objects.filter(pk__in=unit_ids).values_list("path", flat=True))
    return minimal_paths(list(paths))


def can_see_aggregates(roles: Roles, unit: Unit) -> bool:
    return path_in_scope(unit.path, aggregate_paths(roles))


def can_manage_settings(roles: Roles) -> bool:
    return roles.is_admin
