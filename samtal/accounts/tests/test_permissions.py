"""Roles and scopes (accounts.permissions) and the permission functions built on them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from samtal.accounts.models import Role
from samtal.accounts.permissions import (
    NO_ROLES,
    WHOLE_ORGANISATION,
    Roles,
    get_roles,
    minimal_paths,
    path_in_scope,
    scope_q,
)
from samtal.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from samtal.core.permissions import can_view_audit_log
from samtal.organisation import permissions
from samtal.organisation.models import Person, Unit
from samtal.organisation.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """get_roles caches on the user object; tests that change roles reload the user."""
    return get_roles(type(user).objects.get(pk=user.pk))


def test_anonymous_has_no_roles():
    assert get_roles(AnonymousUser()) is NO_ROLES
    assert not NO_ROLES.is_employee
    assert not NO_ROLES.is_hr
    assert not NO_ROLES.is_safety_rep


def test_employee(employee):
    roles = get_roles(employee.user)
    assert roles.person_id == employee.pk
    assert roles.is_employee
    assert not roles.is_manager
    assert not roles.is_hr
    assert not roles.is_org_wide_hr
    assert not roles.is_safety_rep
    assert not roles.is_admin


def test_manager_is_derived_from_active_reports(manager, employee, colleague):
    assert get_roles(manager.user).is_manager
    Person.objects.filter(manager=manager).update(is_active=False)
    assert not fresh(manager.user).is_manager


def test_org_wide_hr(hr):
    roles = get_roles(hr.user)
    assert roles.is_hr
    assert roles.is_org_wide_hr
    assert roles.hr_paths == (WHOLE_ORGANISATION,)


def test_scoped_hr(dept):
    person = PersonFactory(unit=dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    roles = get_roles(person.user)
    assert roles.is_hr
    assert not roles.is_org_wide_hr
    assert roles.hr_paths == (dept.path,)


def test_safety_rep(safety_rep, dept):
    roles = get_roles(safety_rep.user)
    assert roles.is_safety_rep
    assert roles.safety_rep_paths == (dept.path,)
    assert not roles.is_hr


def test_admin_by_role_or_superuser(admin_user):
    assert get_roles(admin_user).is_admin
    assert get_roles(admin_user).person_id is None
    superuser = UserFactory(is_superuser=True)
    assert get_roles(superuser).is_admin


def test_roles_are_computed_once_per_user_object(employee, django_assert_num_queries):
    user = type(employee.user).objects.get(pk=employee.user.pk)
    with django_assert_num_queries(3):
        first = get_roles(user)
    with django_assert_num_queries(0):
        assert get_roles(user) is first


def test_nested_scopes_collapse_to_the_outermost(faculty, dept, other_dept):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.HR, unit=dept)
    RoleAssignmentFactory(user=user, role=Role.HR, unit=faculty)
    RoleAssignmentFactory(user=user, role=Role.SAFETY_REP, unit=dept)
    RoleAssignmentFactory(user=user, role=Role.SAFETY_REP, unit=other_dept)
    roles = get_roles(user)
    assert roles.hr_paths == (faculty.path,)
    assert set(roles.safety_rep_paths) == {dept.path, other_dept.path}


def testminimal_paths_keeps_only_outermost_paths():
    assert sorted(minimal_paths(["/1/2/", "/1/", "/3/", "/1/2/4/", "/3/"])) == ["/1/", "/3/"]
    assert minimal_paths(["/1/2/", "/"]) == ("/",)
    # "/1/" must not swallow "/12/": paths end in a slash for exactly this reason.
    assert sorted(minimal_paths(["/1/", "/12/"])) == ["/1/", "/12/"]
    assert minimal_paths([]) == ()


def test_scope_q(faculty, dept, other_dept):
    units = Unit.objects.all()
    assert set(units.filter(scope_q((), field="path"))) == set()
    assert set(units.filter(scope_q((WHOLE_ORGANISATION,), field="path"))) == {
        faculty,
        dept,
        other_dept,
    }
    assert set(units.filter(scope_q((dept.path,), field="path"))) == {dept}
    assert set(units.filter(scope_q((dept.path, other_dept.path), field="path"))) == {
        dept,
        other_dept,
    }
    assert set(units.filter(scope_q((faculty.path,), field="path"))) == {
        faculty,
        dept,
        other_dept,
    }


def test_scope_q_whole_organisation_survives_or(faculty):
    # An empty Q() would vanish when OR-ed; the whole-organisation scope must still match all.
    query = scope_q((WHOLE_ORGANISATION,), field="path") | scope_q((), field="path")
    assert Unit.objects.filter(query).count() == Unit.objects.count() == 1


def test_path_in_scope():
    assert path_in_scope("/1/2/", ("/1/",))
    assert path_in_scope("/1/2/", (WHOLE_ORGANISATION,))
    assert not path_in_scope("/1/", ("/1/2/",))
    assert not path_in_scope("/12/", ("/1/",))
    assert not path_in_scope("/1/", ())


def _roles(**kwargs) -> Roles:
    defaults = {
        "person_id": None,
        "is_manager": False,
        "hr_paths": (),
        "safety_rep_paths": (),
        "is_admin": False,
    }
    return Roles(**{**defaults, **kwargs})


@pytest.mark.parametrize(
    ("roles", "browse", "import_", "audit"),
    [
        (_roles(person_id=1), False, False, False),
        (_roles(person_id=1, is_manager=True), False, False, False),
        (_roles(person_id=1, safety_rep_paths=("/1/",)), False, False, False),
        (_roles(person_id=1, hr_paths=("/1/",)), True, False, False),
        (_roles(person_id=1, hr_paths=("/",)), True, True, True),
        (_roles(is_admin=True), True, True, True),
    ],
    ids=["employee", "manager", "safety_rep", "scoped_hr", "hr", "admin"],
)
def test_who_may_browse_import_and_read_the_audit_log(roles, browse, import_, audit):
    assert permissions.can_browse_organisation(roles) is browse
    assert permissions.can_import_people(roles) is import_
    assert can_view_audit_log(roles) is audit


def test_can_manage_unit_roles_follows_the_hr_scope(faculty, dept, other_dept):
    scoped = _roles(hr_paths=(dept.path,))
    assert permissions.can_manage_unit_roles(scoped, dept)
    assert not permissions.can_manage_unit_roles(scoped, other_dept)
    assert not permissions.can_manage_unit_roles(scoped, faculty)
    assert permissions.can_manage_unit_roles(_roles(is_admin=True), faculty)
    assert not permissions.can_manage_unit_roles(_roles(safety_rep_paths=(dept.path,)), dept)


def test_people_visible(employee, colleague, manager, other_employee, other_manager, dept, hr):
    def visible(roles):
        return set(Person.objects.filter(permissions.people_visible_q(roles)))

    assert visible(get_roles(employee.user)) == {employee}
    assert visible(get_roles(manager.user)) == {manager, employee, colleague}
    assert visible(_roles(hr_paths=(dept.path,))) == {manager, employee, colleague}
    assert visible(get_roles(hr.user)) == set(Person.objects.all())
    assert visible(NO_ROLES) == set()


def test_units_visible(faculty, dept, other_dept):
    def visible(roles):
        return set(Unit.objects.filter(permissions.units_visible_q(roles)))

    assert visible(_roles(person_id=1, is_manager=True)) == set()
    assert visible(_roles(hr_paths=(dept.path,))) == {dept}
    assert visible(_roles(is_admin=True)) == {faculty, dept, other_dept}
