"""Who may see and change what in the organisation app. Every view asks here."""

from __future__ import annotations

from django.db.models import Q

from samtal.accounts.permissions import WHOLE_ORGANISATION, Roles, path_in_scope, scope_q
from samtal.organisation.models import Unit


def browse_scope(roles: Roles) -> tuple[str, ...]:
    """The unit subtrees whose units and people the user may browse (HR and admin)."""
    if roles.is_admin:
        return (WHOLE_ORGANISATION,)
    return roles.hr_paths


def can_browse_organisation(roles: Roles) -> bool:
    return bool(browse_scope(roles))


def can_import_people(roles: Roles) -> bool:
    # An import may touch any unit, so it needs the whole organisation in scope.
    return roles.is_admin or roles.is_org_wide_hr


def can_manage_unit_roles(roles: Roles, unit: Unit) -> bool:
    return path_in_scope(unit.path, browse_scope(roles))


def units_visible_q(roles: Roles) -> Q:
    return scope_q(browse_scope(roles), field="path")


def people_visible_q(roles: Roles) -> Q:
    """Oneself, one's own reports, and everyone in an HR/admin scope."""
    query = scope_q(browse_scope(roles))
    if roles.person_id is not None:
        query |= Q(pk=roles.person_id) | Q(manager_id=roles.person_id)
    return query
