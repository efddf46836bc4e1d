"""Who sees what of the work environment, for each role: the two parties of a talk and its
observations, the manager keeping the register of the units of their active reports, the
aggregate scopes of HR, safety representatives and managers, and the admin's settings."""

from __future__ import annotations

from typing import Any

import pytest

from samtal.accounts.models import Role, User
from samtal.accounts.permissions import WHOLE_ORGANISATION, get_roles
from samtal.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from samtal.organisation.models import Person
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.talks.models import Talk, TalkStatus
from samtal.talks.tests.factories import booked_talk
from samtal.workenv.permissions import (
    aggregate_paths,
    can_keep_register,
    can_manage_settings,
    can_observe,
    can_see_aggregates,
    register_unit_ids,
    talk_party,
)

pytestmark = pytest.mark.django_db

EVERYONE = [
    "employee",
    "manager",
    "colleague",
    "other_manager",
    "other_employee",
    "hr",
    "safety_rep",
    "admin_user",
]


def roles_of(who: Any) -> Any:
    """Fresh roles (get_roles caches them on the user object)."""
    return get_roles(User.objects.get(pk=getattr(who, "user_id", None) or who.pk))


def by_name(request: Any, who: str) -> Any:
    return request.getfixturevalue(who)


@pytest.fixture
def talk(employee) -> Talk:
    return booked_talk(employee)


def with_status(talk: Talk, status: str) -> Talk:
    Talk.objects.filter(pk=talk.pk).update(status=status)
    talk.refresh_from_db()
    return talk


# --- the talk's parties ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "party"),
    [
        ("employee", "employee"),
        ("manager", "manager"),
        ("colleague", ""),
        ("other_manager", ""),
        ("other_employee", ""),
        ("hr", ""),
        ("safety_rep", ""),
        ("admin_user", ""),
    ],
)
def test_talk_party(request, talk, who, party):
    assert talk_party(roles_of(by_name(request, who)), talk) == party


def test_an_anonymous_user_is_no_party(talk):
    from django.contrib.auth.models import AnonymousUser

    assert talk_party(get_roles(AnonymousUser()), talk) == ""


@pytest.mark.parametrize(
    ("status", "open_"),
    [
        (TalkStatus.OFFERED, False),
        (TalkStatus.BOOKED, False),
        (TalkStatus.HELD, True),
        (TalkStatus.AGREED, True),
        (TalkStatus.DECLINED, False),
        (TalkStatus.CANCELLED, False),
    ],
)
@pytest.mark.parametrize("who", EVERYONE)
def test_can_observe_per_status(request, talk, status, open_, who):
    party = who in ("employee", "manager")
    assert can_observe(roles_of(by_name(request, who)), with_status(talk, status)) == (
        party and open_
    )


def test_a_new_manager_is_no_party_to_the_previous_managers_talk(talk, employee, other_manager):
    Person.objects.filter(pk=employee.pk).update(manager=other_manager)
    assert talk_party(roles_of(other_manager), talk) == ""
    assert talk_party(roles_of(talk.manager), talk) == "manager"


# --- the unit register ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "units"),
    [
        ("manager", ["dept"]),
        ("other_manager", ["other_dept"]),
        ("employee", []),
        ("colleague", []),
        ("other_employee", []),
        ("hr", []),
        ("safety_rep", []),
        ("admin_user", []),
    ],
)
def test_register_unit_ids(request, who, units, employee, other_employee):
    expected = {by_name(request, name).pk for name in units}
    roles = roles_of(by_name(request, who))
    assert register_unit_ids(roles) == expected
    for name in ("dept", "other_dept", "faculty"):
        unit = by_name(request, name)
        assert can_keep_register(roles, unit) == (unit.pk in expected)


def test_the_register_follows_the_units_of_the_active_reports(
    manager, employee, colleague, faculty, dept
):
    lab = UnitFactory(code="LAB", parent=dept)
    elsewhere = PersonFactory(unit=lab, manager=manager)
    assert register_unit_ids(roles_of(manager)) == {dept.pk, lab.pk}
    # The department's unit does not cover the lab below it: each unit's own people.
    Person.objects.filter(pk=elsewhere.pk).update(is_active=False)
    assert register_unit_ids(roles_of(manager)) == {dept.pk}
    Person.objects.filter(manager=manager).update(is_active=False)
    assert register_unit_ids(roles_of(manager)) == set()
    assert not can_keep_register(roles_of(manager), dept)


# --- aggregates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "paths"),
    [
        ("hr", [WHOLE_ORGANISATION]),
        ("safety_rep", ["dept"]),
        ("manager", ["dept"]),
        ("other_manager", ["other_dept"]),
        ("employee", []),
        ("colleague", []),
        ("admin_user", []),
    ],
)
def test_aggregate_paths(request, who, paths, employee, other_employee):
    expected = tuple(
        path if path == WHOLE_ORGANISATION else by_name(request, path).path for path in paths
    )
    roles = roles_of(by_name(request, who))
    assert aggregate_paths(roles) == expected
    for name in ("faculty", "dept", "other_dept"):
        unit = by_name(request, name)
        in_scope = bool(expected) and any(unit.path.startswith(p) for p in expected)
        assert can_see_aggregates(roles, unit) == in_scope


def test_scoped_hr_sees_their_subtree_only(faculty, dept, other_dept):
    person = PersonFactory(unit=dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    roles = roles_of(person)
    assert aggregate_paths(roles) == (dept.path,)
    assert can_see_aggregates(roles, dept)
    assert not can_see_aggregates(roles, other_dept)
    assert not can_see_aggregates(roles, faculty)


def test_a_safety_rep_outside_their_scope_sees_nothing(safety_rep, other_dept, faculty):
    roles = roles_of(safety_rep)
    assert not can_see_aggregates(roles, other_dept)
    assert not can_see_aggregates(roles, faculty)


def test_several_roles_add_up_without_overlap(manager, employee, other_dept, dept, faculty):
    RoleAssignmentFactory(user=manager.user, role=Role.SAFETY_REP, unit=other_dept)
    assert set(aggregate_paths(roles_of(manager))) == {dept.path, other_dept.path}
    RoleAssignmentFactory(user=manager.user, role=Role.HR, unit=faculty)
    assert aggregate_paths(roles_of(manager)) == (faculty.path,)


# --- the settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_admin_manages_the_settings(request, who):
    assert can_manage_settings(roles_of(by_name(request, who))) == (who == "admin_user")


def test_a_superuser_manages_the_settings(db):
    user = UserFactory(is_superuser=True)
    assert can_manage_settings(roles_of(user))
