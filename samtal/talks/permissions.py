"""Who may see and do what with rounds and talks. Views and services both ask here.

A talk is visible to its employee, its manager and HR whose scope holds the talk's unit
(HR sees status and booking only). Everyone else gets 404.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from samtal.accounts.permissions import Roles, path_in_scope, scope_q
from samtal.talks.models import Talk, TalkStatus


def talks_visible_q(roles: Roles) -> Q:
    query = scope_q(roles.hr_paths)
    if roles.person_id is not None:
        query |= Q(employee_id=roles.person_id) | Q(manager_id=roles.person_id)
    return query


def is_talk_employee(roles: Roles, talk: Talk) -> bool:
    return roles.person_id is not None and talk.employee_id == roles.person_id


def is_talk_manager(roles: Roles, talk: Talk) -> bool:
    return roles.person_id is not None and talk.manager_id == roles.person_id


def is_party(roles: Roles, talk: Talk) -> bool:
    return is_talk_employee(roles, talk) or is_talk_manager(roles, talk)


def is_hr_for_talk(roles: Roles, talk: Talk) -> bool:
    return path_in_scope(talk.unit.path, roles.hr_paths)


def can_view_talk(roles: Roles, talk: Talk) -> bool:
    return is_party(roles, talk) or is_hr_for_talk(roles, talk)


# What each action needs: who may do it (a function of roles and talk) and from which status.
def can_book(roles: Roles, talk: Talk) -> bool:
    return is_talk_manager(roles, talk)


def can_respond(roles: Roles, talk: Talk) -> bool:
    return is_talk_employee(roles, talk)


def can_reopen(roles: Roles, talk: Talk) -> bool:
    return is_party(roles, talk)


def can_mark_held(roles: Roles, talk: Talk) -> bool:
    return is_talk_manager(roles, talk)


def can_cancel(roles: Roles, talk: Talk) -> bool:
    return is_talk_manager(roles, talk) or is_hr_for_talk(roles, talk)


def can_reassign(roles: Roles, talk: Talk) -> bool:
    return is_hr_for_talk(roles, talk)


def talk_actions(roles: Roles, talk: Talk) -> set[str]:
    """The actions this user is offered on the talk page (services check again)."""
    actions: set[str] = set()
    status = talk.status
    open_ = status in (TalkStatus.OFFERED, TalkStatus.BOOKED)
    if open_ and can_book(roles, talk):
        actions.add("book")
    if status == TalkStatus.BOOKED and can_respond(roles, talk):
        if talk.response != "accepted":
            actions.add("accept")
        if talk.response != "change_requested":
            actions.add("request_change")
    if open_ and can_respond(roles, talk):
        actions.add("decline")
    if status == TalkStatus.DECLINED and can_reopen(roles, talk):
        actions.add("reopen")
    # Marking as held is offered from the booked time on (the service refuses it before).
    started = talk.starts_at is not None and talk.starts_at <= timezone.now()
    if status == TalkStatus.BOOKED and started and can_mark_held(roles, talk):
        actions.add("held")
    if open_ and can_cancel(roles, talk):
        actions.add("cancel")
    if (
        open_
        and can_reassign(roles, talk)
        and talk.employee.manager_id
        not in (
            None,
            talk.manager_id,
        )
    ):
        actions.add("reassign")
    return actions


def can_manage_rounds(roles: Roles) -> bool:
    return roles.is_hr


def can_manage_round(roles: Roles, unit_paths: list[str]) -> bool:
    """HR may create, change and launch a round only when every unit in it is in their scope."""
    return roles.is_hr and all(path_in_scope(path, roles.hr_paths) for path in unit_paths)


def can_manage_rooms(roles: Roles) -> bool:
    return roles.is_hr or roles.is_admin
