"""organisation.selectors: every read returns only what the user may see."""

from __future__ import annotations

import pytest
from django.utils import translation

from samtal.accounts.models import Role
from samtal.accounts.permissions import get_roles
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.selectors import history_for
from samtal.core.services import history_record
from samtal.organisation import selectors
from samtal.organisation.models import EmploymentCategory, ImportRun
from samtal.organisation.tests.factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def headcount(unit):
    """The active headcount the selectors annotate on each unit."""
    return unit.headcount


@pytest.fixture
def dept_hr(dept):
    person = PersonFactory(unit=dept, first_name="Disa", last_name="Delhr")
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


def test_unit_tree_is_a_forest_with_headcounts(
    hr, faculty, dept, other_dept, employee, other_employee, django_assert_num_queries
):
    PersonFactory(unit=dept, is_active=False)
    roles = get_roles(hr.user)
    with translation.override("en"), django_assert_num_queries(1):
        tree = selectors.unit_tree(roles=roles)
        names = [n.unit.name for n in tree[0].children]
    assert [n.unit for n in tree] == [faculty]
    assert names == ["Other Department", "The Department"]
    counts = {n.unit.code: headcount(n.unit) for n in tree[0].children}
    # dept: manager + employee (the inactive person is not counted); other: both people.
    assert counts == {"DEP": 2, "OTH": 2}
    assert headcount(tree[0].unit) == 1  # hr's own person; sub-units are not counted


def test_unit_tree_for_scoped_hr_starts_at_their_unit(dept_hr, dept):
    tree = selectors.unit_tree(roles=get_roles(dept_hr.user))
    assert [n.unit for n in tree] == [dept]
    assert tree[0].children == []


def test_unit_tree_for_employee_is_empty(employee):
    assert selectors.unit_tree(roles=get_roles(employee.user)) == []


def test_unit_get_respects_scope(dept_hr, dept, other_dept, hr):
    scoped = get_roles(dept_hr.user)
    assert selectors.unit_get(roles=scoped, code="DEP") == dept
    assert selectors.unit_get(roles=scoped, code="OTH") is None
    assert selectors.unit_get(roles=scoped, code="FAC") is None
    assert selectors.unit_get(roles=get_roles(hr.user), code="OTH") == other_dept
    assert selectors.unit_get(roles=get_roles(hr.user), code="NOPE") is None


def test_unit_ancestors_and_children(faculty, dept, other_dept, employee):
    group = UnitFactory(code="GRP", parent=dept)
    assert selectors.unit_ancestors(unit=group) == [faculty, dept]
    assert selectors.unit_ancestors(unit=faculty) == []
    children = list(selectors.unit_children(unit=faculty))
    assert children == [dept, other_dept]
    assert [headcount(c) for c in children] == [2, 0]


def test_people_list_filters(hr, dept, other_dept, manager, employee, colleague, other_employee):
    roles = get_roles(hr.user)
    researcher = PersonFactory(
        unit=other_dept,
        first_name="Rita",
        last_name="Forskare",
        employment_category=EmploymentCategory.RESEARCHER,
        manager=other_employee,
    )
    gone = PersonFactory(unit=dept, first_name="Gustav", last_name="Slutat", is_active=False)

    def people(**kwargs):
        return set(selectors.people_list(roles=roles, **kwargs))

    everyone_active = {hr, manager, employee, colleague, other_employee, researcher}
    assert people() >= everyone_active - {hr}
    assert gone not in people()
    assert people(status="inactive") == {gone}
    assert gone in people(status="all")
    assert people(query="medarbetare") == {employee}
    assert people(query="erik MEDARB") == {employee}
    assert people(query=employee.employee_number.lower()) == {employee}
    assert people(query="employee@example") == {employee}
    assert people(unit=dept) == {manager, employee, colleague}
    assert people(unit=dept.parent, include_subunits=False) == {hr}
    assert people(category=EmploymentCategory.RESEARCHER) == {researcher}
    no_manager = people(status="no_manager")
    assert researcher not in no_manager
    assert {manager, hr} <= no_manager
    assert employee not in no_manager


def test_people_list_is_ordered_by_last_then_first_name(dept):
    admin = PersonFactory(unit=dept, first_name="Zed", last_name="Admin")
    RoleAssignmentFactory(user=admin.user, role=Role.ADMIN)
    b = PersonFactory(unit=dept, first_name="Bo", last_name="Berg")
    a = PersonFactory(unit=dept, first_name="Ada", last_name="Berg")
    c = PersonFactory(unit=dept, first_name="Ada", last_name="Cedar")
    assert list(selectors.people_list(roles=get_roles(admin.user))) == [admin, a, b, c]


def test_people_list_respects_scope(dept_hr, employee, other_employee, manager):
    visible = set(selectors.people_list(roles=get_roles(dept_hr.user)))
    assert employee in visible
    assert manager in visible
    assert other_employee not in visible
    own = set(selectors.people_list(roles=get_roles(manager.user)))
    assert own == {manager, employee}
    assert set(selectors.people_list(roles=get_roles(employee.user))) == {employee}


def test_person_get(hr, dept_hr, employee, other_employee, colleague):
    assert selectors.person_get(roles=get_roles(hr.user), employee_number="nope") is None
    scoped = get_roles(dept_hr.user)
    assert selectors.person_get(roles=scoped, employee_number=employee.employee_number)
    assert (
        selectors.person_get(roles=scoped, employee_number=other_employee.employee_number) is None
    )
    own = get_roles(employee.user)
    assert selectors.person_get(roles=own, employee_number=employee.employee_number) == employee
    assert selectors.person_get(roles=own, employee_number=colleague.employee_number) is None


def test_manager_history_and_reports(manager, employee, colleague, other_manager):
    history = list(selectors.person_manager_history(person=employee))
    assert [r.manager for r in history] == [manager]
    assert set(selectors.reports_of(person_id=manager.pk)) == {employee, colleague}
    colleague.is_active = False
    colleague.save()
    assert list(selectors.reports_of(person_id=manager.pk)) == [employee]
    assert list(selectors.reports_of(person_id=other_manager.pk)) == []


def test_organisation_figures(hr, dept_hr, manager, employee, colleague, other_employee):
    everyone = selectors.organisation_figures(roles=get_roles(hr.user))
    # hr, dept_hr, manager, employee, colleague, other_manager, other_employee
    assert everyone.active_people == 7
    assert everyone.units == 3
    assert everyone.managers == 2
    assert everyone.without_manager == 4  # hr, dept_hr, manager, other_manager
    scoped = selectors.organisation_figures(roles=get_roles(dept_hr.user))
    assert scoped.active_people == 4
    assert scoped.units == 1
    assert scoped.managers == 1
    assert scoped.without_manager == 2


def test_recent_imports_newest_first(hr):
    older = ImportRun.objects.create(actor=hr.user, file_name="a.csv", status="applied")
    newer = ImportRun.objects.create(actor=None, file_name="b.csv", status="rejected")
    assert list(selectors.recent_imports()) == [newer, older]
    assert list(selectors.recent_imports(limit=1)) == [newer]


def test_safety_rep_units(safety_rep, dept, other_dept, employee):
    group = UnitFactory(code="GRP", parent=dept)
    units = list(selectors.safety_rep_units(roles=get_roles(safety_rep.user)))
    assert units == [dept, group]
    assert headcount(units[0]) == 3  # manager, employee, safety_rep
    assert list(selectors.safety_rep_units(roles=get_roles(employee.user))) == []


def test_unit_safety_reps(safety_rep, dept, other_dept):
    assert [a.user for a in selectors.unit_safety_reps(unit=dept)] == [safety_rep.user]
    assert list(selectors.unit_safety_reps(unit=other_dept)) == []


def test_history_is_separate_per_person(employee, colleague):
    history_record(obj=employee, actor=None, action="manager_changed")
    assert history_for(obj=employee).count() == 1
    assert history_for(obj=colleague).count() == 0
