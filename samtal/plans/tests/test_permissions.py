"""Who reads and changes a development plan, who manages a unit's goals and whose competence
needs a user sees as aggregates, for each role."""

from __future__ import annotations

from typing import Any

import pytest

from samtal.accounts.models import Role, User
from samtal.accounts.permissions import WHOLE_ORGANISATION, get_roles
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.models import AuditLogEntry, OrgPolicy
from samtal.organisation.models import Person
from samtal.organisation.services import person_set_manager
from samtal.organisation.tests.factories import PersonFactory
from samtal.plans.permissions import (
    PlanAccess,
    can_manage_unit_goals,
    competence_paths,
    plan_access,
)
from samtal.plans.selectors import person_for_plan, plan_for_reader

pytestmark = pytest.mark.django_db

NONE = PlanAccess(False)


def roles_of(who: Any) -> Any:
    """Fresh roles (get_roles caches them on the user object)."""
    return get_roles(User.objects.get(pk=getattr(who, "user_id", None) or who.pk))


def hr_policy(allow: bool) -> None:
    OrgPolicy.current()
    OrgPolicy.objects.update(hr_may_read_records=allow)


@pytest.fixture
def dept_hr(dept):
    person = PersonFactory(unit=dept, first_name="Dora", last_name="Hr")
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


@pytest.fixture
def other_hr(other_dept):
    person = PersonFactory(unit=other_dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=other_dept)
    return person


# --- the plan ---------------------------------------------------------------------------------


@pytest.mark.parametrize("allow", [False, True])
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("employee", PlanAccess(True, True, "employee")),
        ("manager", PlanAccess(True, True, "manager")),
        ("colleague", NONE),
        ("other_manager", NONE),
        ("other_employee", NONE),
        ("safety_rep", NONE),
        ("admin_user", NONE),
        ("other_hr", NONE),
    ],
)
def test_the_two_parties_read_and_write_and_nobody_else_whatever_the_policy(
    request, allow, who, expected, employee
):
    hr_policy(allow)
    assert plan_access(roles=roles_of(request.getfixturevalue(who)), person=employee) == expected


@pytest.mark.parametrize("who", ["hr", "dept_hr"])
def test_hr_in_scope_reads_only_under_the_policy_and_never_writes(request, who, employee):
    roles = roles_of(request.getfixturevalue(who))
    hr_policy(False)
    assert plan_access(roles=roles, person=employee) == NONE
    hr_policy(True)
    assert plan_access(roles=roles, person=employee) == PlanAccess(True, False, reason="hr")


def test_hr_reading_their_own_plan_is_the_employee(hr):
    hr_policy(True)
    assert plan_access(roles=roles_of(hr), person=hr) == PlanAccess(True, True, "employee")


def test_a_manager_reads_only_the_plans_of_their_own_reports(manager, employee, colleague):
    roles = roles_of(manager)
    assert plan_access(roles=roles, person=colleague).party == "manager"
    # Their own plan as an employee of their own manager (none here) is theirs.
    assert plan_access(roles=roles, person=manager).party == "employee"
    # The employee does not read their manager's plan.
    assert plan_access(roles=roles_of(employee), person=manager) == NONE


def test_the_plan_follows_the_employee_to_the_new_manager(employee, manager, dept):
    new = PersonFactory(unit=dept)
    person_set_manager(person=employee, manager=new, actor=None)
    assert plan_access(roles=roles_of(new), person=employee).party == "manager"
    assert plan_access(roles=roles_of(manager), person=employee) == NONE
    # The manager of the manager has no access of their own.
    boss = PersonFactory(unit=dept)
    Person.objects.filter(pk=new.pk).update(manager=boss)
    assert plan_access(roles=roles_of(boss), person=employee) == NONE


def test_hr_reads_are_audit_logged_and_the_parties_are_not(employee, manager, hr):
    hr_policy(True)
    for who in (employee, manager):
        plan_for_reader(reader=who.user, roles=roles_of(who), person=employee, path="/plans/")
    assert not AuditLogEntry.objects.exists()
    access = plan_for_reader(reader=hr.user, roles=roles_of(hr), person=employee, path="/plans/1/")
    assert access.can_read
    assert not access.can_write
    [entry] = AuditLogEntry.objects.all()
    assert (entry.actor, entry.subject, entry.what, entry.reason, entry.path) == (
        hr.user,
        employee,
        "development_plan",
        "hr",
        "/plans/1/",
    )
    hr_policy(False)
    assert not plan_for_reader(reader=hr.user, roles=roles_of(hr), person=employee).can_read
    assert AuditLogEntry.objects.count() == 1


def test_person_for_plan_hides_who_may_not_be_read(employee, manager, other_manager):
    assert person_for_plan(roles=roles_of(manager), pk=employee.pk) == employee
    assert person_for_plan(roles=roles_of(other_manager), pk=employee.pk) is None
    assert person_for_plan(roles=roles_of(manager), pk=999999) is None


# --- unit goals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "units"),
    [
        ("manager", {"dept"}),
        ("other_manager", {"other_dept"}),
        ("hr", {"faculty", "dept", "other_dept"}),
        ("dept_hr", {"dept"}),
        ("other_hr", {"other_dept"}),
        ("employee", set()),
        ("safety_rep", set()),
        ("admin_user", set()),
    ],
)
def test_who_manages_which_units_goals(request, who, units, employee, other_employee):
    roles = roles_of(request.getfixturevalue(who))
    for unit in ("faculty", "dept", "other_dept"):
        allowed = can_manage_unit_goals(roles=roles, unit=request.getfixturevalue(unit))
        assert allowed is (unit in units), unit


def test_a_manager_manages_the_units_of_their_active_reports(manager, employee, other_dept):
    assert can_manage_unit_goals(roles=roles_of(manager), unit=other_dept) is False
    elsewhere = PersonFactory(unit=other_dept, manager=manager)
    assert can_manage_unit_goals(roles=roles_of(manager), unit=other_dept) is True
    Person.objects.filter(pk=elsewhere.pk).update(is_active=False)
    assert can_manage_unit_goals(roles=roles_of(manager), unit=other_dept) is False


# --- competence needs (aggregates) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "paths"),
    [
        ("manager", ["dept"]),
        ("other_manager", ["other_dept"]),
        ("hr", [WHOLE_ORGANISATION]),
        ("dept_hr", ["dept"]),
        ("employee", []),
        ("safety_rep", []),
        ("admin_user", []),
    ],
)
def test_competence_paths_for_each_role(request, who, paths, employee, other_employee):
    expected = tuple(
        p if p == WHOLE_ORGANISATION else request.getfixturevalue(p).path for p in paths
    )
    assert competence_paths(roles_of(request.getfixturevalue(who))) == expected


def test_competence_paths_join_hr_scope_and_reports_without_overlap(
    manager, employee, other_dept, faculty
):
    PersonFactory(unit=other_dept, manager=manager)
    roles = roles_of(manager)
    assert sorted(competence_paths(roles)) == sorted([employee.unit.path, other_dept.path])
    # HR over the faculty covers both departments: one path remains.
    RoleAssignmentFactory(user=manager.user, role=Role.HR, unit=faculty)
    assert competence_paths(roles_of(manager)) == (faculty.path,)
