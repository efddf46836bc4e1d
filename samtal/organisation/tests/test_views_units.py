"""Unit list and unit detail, and registering safety representatives on a unit."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samtal.accounts.models import Role, RoleAssignment
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.models import HistoryEntry
from samtal.organisation.tests.factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db

UNITS = reverse("organisation:unit_list")
REFUSED_ROLES = ["employee", "manager", "safety_rep"]


def detail(code: str) -> str:
    return reverse("organisation:unit_detail", args=[code])


def add_url(code: str) -> str:
    return reverse("organisation:unit_safety_rep_add", args=[code])


def remove_url(code: str, assignment_id: int) -> str:
    return reverse("organisation:unit_safety_rep_remove", args=[code, assignment_id])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def dept_hr(dept):
    """HR for the department (and its sub-units) only."""
    person = PersonFactory(unit=dept, first_name="Disa", last_name="Delhr")
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


# --- unit list --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["hr", "admin_user"])
def test_unit_list_shows_the_whole_tree(request, login, who, faculty, dept, other_dept, employee):
    response = login(request.getfixturevalue(who)).get(UNITS)
    assert response.status_code == 200
    tree = response.context["tree"]
    assert [node.unit for node in tree] == [faculty]
    assert {node.unit for node in tree[0].children} == {dept, other_dept}
    html = response.content.decode()
    for code in ("FAC", "DEP", "OTH"):
        assert f'href="{detail(code)}"' in html
    assert "Institutionen" in html  # Swedish names by default


def test_unit_list_in_english_shows_english_names(login, hr, dept):
    client = login(hr)
    client.cookies["samtal_language"] = "en"
    response = client.get(UNITS)
    html = response.content.decode()
    assert "The Department" in html
    assert '<html lang="en">' in html


def test_unit_list_for_scoped_hr_shows_only_their_subtree(login, dept_hr, dept, other_dept):
    group = UnitFactory(code="GRP", parent=dept)
    response = login(dept_hr).get(UNITS)
    assert response.status_code == 200
    tree = response.context["tree"]
    assert [node.unit for node in tree] == [dept]
    assert [node.unit for node in tree[0].children] == [group]
    html = response.content.decode()
    assert f'href="{detail("OTH")}"' not in html
    assert f'href="{detail("FAC")}"' not in html


def test_unit_list_empty_offers_import(login, admin_user):
    response = login(admin_user).get(UNITS)
    assert response.context["tree"] == []
    assert f'href="{reverse("organisation:import")}"' in response.content.decode()


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_unit_list_refused(request, login, who):
    assert login(request.getfixturevalue(who)).get(UNITS).status_code == 403


def test_unit_list_is_get_only(login, hr):
    assert login(hr).post(UNITS).status_code == 405


# --- unit detail ------------------------------------------------------------------------


def test_unit_detail(login, hr, faculty, dept, other_dept, manager, employee, safety_rep):
    group = UnitFactory(code="GRP", parent=dept, name_sv="Gruppen")
    PersonFactory(unit=group)
    response = login(hr).get(detail("DEP"))
    assert response.status_code == 200
    ctx = response.context
    assert ctx["unit"] == dept
    assert ctx["ancestors"] == [faculty]
    assert [(c, c.headcount) for c in ctx["children"]] == [(group, 1)]
    # Only the unit's own people, not those of sub-units.
    assert set(ctx["people"].object_list) == {manager, employee, safety_rep}
    assert [a.user for a in ctx["safety_reps"]] == [safety_rep.user]
    assert ctx["can_manage_roles"] is True
    html = response.content.decode()
    assert 'aria-current="page"' in html
    assert add_url("DEP") in html
    assert "Gruppen" in html


def test_unit_detail_paginates(login, hr, dept):
    for _ in range(55):
        PersonFactory(unit=dept)
    client = login(hr)
    first = client.get(detail("DEP"))
    assert len(first.context["people"].object_list) == 50
    second = client.get(detail("DEP"), {"page": 2})
    assert len(second.context["people"].object_list) == 5


def test_unit_detail_unknown_code_is_404(login, hr):
    assert login(hr).get(detail("NOPE")).status_code == 404


def test_a_code_with_a_nul_is_404(login, hr, dept, employee):
    # PostgreSQL refuses to compare text holding a NUL: this was a 500 (hostile-input suite).
    client = login(hr)
    assert client.get(detail("DE\x00P")).status_code == 404
    response = client.post(add_url("DE\x00P"), {"person": employee.employee_number})
    assert response.status_code == 404


def test_unit_detail_for_scoped_hr(login, dept_hr, dept, faculty, other_dept):
    client = login(dept_hr)
    response = client.get(detail("DEP"))
    assert response.status_code == 200
    assert response.context["can_manage_roles"] is True
    assert client.get(detail("OTH")).status_code == 404
    assert client.get(detail("FAC")).status_code == 404


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_unit_detail_refused_even_for_own_unit(request, login, who, dept):
    assert login(request.getfixturevalue(who)).get(detail("DEP")).status_code == 403


def test_unit_detail_is_get_only(login, hr, dept):
    assert login(hr).post(detail("DEP")).status_code == 405


# --- safety representatives -------------------------------------------------------------


def test_add_safety_rep_by_employee_number(login, hr, dept, employee):
    response = login(hr).post(add_url("DEP"), {"person": f"  {employee.employee_number} "})
    assert response.status_code == 302
    assert response["Location"] == detail("DEP")
    assert RoleAssignment.objects.filter(
        user=employee.user, role=Role.SAFETY_REP, unit=dept
    ).exists()
    assert messages_of(response)[0][0] == "success"
    entry = HistoryEntry.objects.get(action="safety_rep_added")
    assert entry.object_id == str(dept.pk)
    assert entry.actor == hr.user
    assert entry.changes == {"person": employee.pk}


def test_add_safety_rep_by_email_twice_is_one_assignment(login, hr, dept, employee):
    client = login(hr)
    client.post(add_url("DEP"), {"person": "EMPLOYEE@example.se"})
    client.post(add_url("DEP"), {"person": "employee@example.se"})
    assert RoleAssignment.objects.filter(user=employee.user, role=Role.SAFETY_REP).count() == 1
    assert HistoryEntry.objects.filter(action="safety_rep_added").count() == 1


def test_new_safety_rep_gets_the_role(login, hr, dept, employee):
    login(hr).post(add_url("DEP"), {"person": employee.employee_number})
    client = Client()
    client.force_login(employee.user)
    response = client.get(reverse("core:home"))
    assert list(response.context["safety_units"]) == [dept]


@pytest.mark.parametrize("value", ["nobody@example.se", "E99999", ""])
def test_add_unknown_person_is_refused(login, hr, dept, employee, value):
    response = login(hr).post(add_url("DEP"), {"person": value})
    assert response.status_code == 302
    assert [level for level, _ in messages_of(response)] == ["error"]
    assert not RoleAssignment.objects.filter(role=Role.SAFETY_REP).exists()


def test_add_inactive_person_is_refused(login, hr, dept):
    gone = PersonFactory(unit=dept, is_active=False)
    response = login(hr).post(add_url("DEP"), {"person": gone.employee_number})
    assert [level for level, _ in messages_of(response)] == ["error"]
    assert not RoleAssignment.objects.filter(role=Role.SAFETY_REP).exists()


def test_scoped_hr_adds_in_own_unit(login, dept_hr, dept, employee):
    response = login(dept_hr).post(add_url("DEP"), {"person": employee.employee_number})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=employee.user, role=Role.SAFETY_REP).exists()


def test_scoped_hr_cannot_add_in_another_unit(login, dept_hr, other_dept, employee):
    response = login(dept_hr).post(add_url("OTH"), {"person": employee.employee_number})
    assert response.status_code == 404
    assert not RoleAssignment.objects.filter(role=Role.SAFETY_REP).exists()


def test_scoped_hr_cannot_find_people_outside_their_scope(login, dept_hr, dept, other_employee):
    response = login(dept_hr).post(add_url("DEP"), {"person": other_employee.employee_number})
    assert response.status_code == 302
    messages = messages_of(response)
    assert [level for level, _ in messages] == ["error"]
    assert other_employee.last_name not in messages[0][1]
    assert not RoleAssignment.objects.filter(role=Role.SAFETY_REP).exists()


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_add_refused_for_other_roles(request, login, who, dept, colleague):
    client = login(request.getfixturevalue(who))
    response = client.post(add_url("DEP"), {"person": colleague.employee_number})
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=colleague.user).exists()


def test_add_unknown_unit_is_404(login, hr, employee):
    assert login(hr).post(add_url("NOPE"), {"person": employee.employee_number}).status_code == 404


def test_remove_safety_rep(login, hr, dept, safety_rep):
    assignment = RoleAssignment.objects.get(user=safety_rep.user, role=Role.SAFETY_REP)
    response = login(hr).post(remove_url("DEP", assignment.pk))
    assert response.status_code == 302
    assert response["Location"] == detail("DEP")
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert [level for level, _ in messages_of(response)] == ["success"]
    entry = HistoryEntry.objects.get(action="safety_rep_removed")
    # services stores the pk as a number here but as text on add; compare as text.
    assert str(entry.changes["person"]) == str(safety_rep.pk)


def test_remove_through_another_units_url_is_404(login, hr, dept, other_dept, safety_rep):
    assignment = RoleAssignment.objects.get(user=safety_rep.user, role=Role.SAFETY_REP)
    assert login(hr).post(remove_url("OTH", assignment.pk)).status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_remove_cannot_touch_other_roles(login, admin_user, hr):
    hr_role = RoleAssignment.objects.get(user=hr.user, role=Role.HR)
    assert login(admin_user).post(remove_url("FAC", hr_role.pk)).status_code == 404
    assert RoleAssignment.objects.filter(pk=hr_role.pk).exists()


def test_remove_unknown_assignment_is_404(login, hr, dept):
    assert login(hr).post(remove_url("DEP", 999_999)).status_code == 404


def test_scoped_hr_cannot_remove_in_another_unit(login, dept_hr, other_dept, other_employee):
    assignment = RoleAssignmentFactory(
        user=other_employee.user, role=Role.SAFETY_REP, unit=other_dept
    )
    assert login(dept_hr).post(remove_url("OTH", assignment.pk)).status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_remove_refused_for_other_roles(request, login, who, safety_rep):
    assignment = RoleAssignment.objects.get(user=safety_rep.user, role=Role.SAFETY_REP)
    response = login(request.getfixturevalue(who)).post(remove_url("DEP", assignment.pk))
    assert response.status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_safety_rep_urls_are_post_only(login, hr, safety_rep):
    assignment = RoleAssignment.objects.get(user=safety_rep.user, role=Role.SAFETY_REP)
    client = login(hr)
    assert client.get(add_url("DEP")).status_code == 405
    assert client.get(remove_url("DEP", assignment.pk)).status_code == 405
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_safety_rep_urls_need_csrf(hr, safety_rep, employee):
    assignment = RoleAssignment.objects.get(user=safety_rep.user, role=Role.SAFETY_REP)
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr.user)
    assert client.post(add_url("DEP"), {"person": employee.employee_number}).status_code == 403
    assert client.post(remove_url("DEP", assignment.pk)).status_code == 403
    assert RoleAssignment.objects.filter(role=Role.SAFETY_REP).count() == 1


# --- query counts -----------------------------------------------------------------------


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _populate(units, people_per_unit: int) -> None:
    for unit in units:
        for _ in range(people_per_unit):
            PersonFactory(unit=unit)


def test_unit_pages_query_count_does_not_grow(login, hr, faculty, dept, other_dept, safety_rep):
    client = login(hr)
    _populate([dept, other_dept], 3)
    small_list = _count_queries(client, UNITS)
    small_detail = _count_queries(client, detail("DEP"))
    more = [UnitFactory(parent=faculty) for _ in range(10)]
    _populate([dept, other_dept, *more], 4)
    RoleAssignmentFactory(user=PersonFactory(unit=dept).user, role=Role.SAFETY_REP, unit=dept)
    assert _count_queries(client, UNITS) == small_list
    assert _count_queries(client, detail("DEP")) == small_detail
    assert _count_queries(client, detail("FAC")) <= small_detail
