"""The people list (HR and admin) and a person's page (also oneself and one's manager)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.models import AuditLogEntry
from samtal.core.services import history_record
from samtal.organisation.models import EmploymentCategory
from samtal.organisation.tests.factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db

PEOPLE = reverse("organisation:person_list")


def person_url(person) -> str:
    return reverse("organisation:person_detail", args=[person.employee_number])


def listed(response) -> set:
    return set(response.context["page"].object_list)


@pytest.fixture
def dept_hr(dept):
    person = PersonFactory(unit=dept, first_name="Disa", last_name="Delhr")
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


@pytest.fixture
def everyone(manager, employee, colleague, other_manager, other_employee, hr, safety_rep):
    return {manager, employee, colleague, other_manager, other_employee, hr, safety_rep}


# --- people list ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["hr", "admin_user"])
def test_people_list_shows_everyone_active(request, login, everyone, dept, who):
    gone = PersonFactory(unit=dept, is_active=False)
    response = login(request.getfixturevalue(who)).get(PEOPLE)
    assert response.status_code == 200
    assert listed(response) == everyone
    html = response.content.decode()
    assert f'href="{person_url(next(iter(everyone)))}"' in html
    assert gone.employee_number not in html


def test_people_list_filters(login, hr, everyone, dept, other_dept, employee, other_employee):
    group = UnitFactory(code="GRP", parent=dept)
    in_group = PersonFactory(
        unit=group, employment_category=EmploymentCategory.RESEARCHER, manager=employee
    )
    gone = PersonFactory(unit=other_dept, is_active=False)
    client = login(hr)

    assert listed(client.get(PEOPLE, {"q": "medarbetare"})) == {employee}
    assert listed(client.get(PEOPLE, {"q": other_employee.employee_number})) == {other_employee}
    assert in_group in listed(client.get(PEOPLE, {"unit": "DEP"}))
    assert employee in listed(client.get(PEOPLE, {"unit": " DEP "}))
    assert in_group not in listed(client.get(PEOPLE, {"unit": "DEP", "only_unit": "on"}))
    assert listed(client.get(PEOPLE, {"category": "researcher"})) == {in_group}
    assert listed(client.get(PEOPLE, {"status": "inactive"})) == {gone}
    assert gone in listed(client.get(PEOPLE, {"status": "all"}))
    no_manager = listed(client.get(PEOPLE, {"status": "no_manager"}))
    assert employee not in no_manager
    assert hr in no_manager
    # An empty filter form behaves like the first visit: active people.
    assert gone not in listed(client.get(PEOPLE, {"q": "", "unit": "", "status": ""}))


def test_people_list_unknown_unit_is_a_form_error(login, hr, everyone):
    response = login(hr).get(PEOPLE, {"unit": "NOPE"})
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert listed(response) == set()


@pytest.mark.parametrize("params", [{"category": "astronaut"}, {"status": "dead"}, {"q": "a\x00b"}])
def test_people_list_invalid_filter_shows_errors(login, hr, everyone, params):
    response = login(hr).get(PEOPLE, params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert listed(response) == set()


def test_people_list_for_scoped_hr(
    login, dept_hr, everyone, manager, employee, colleague, safety_rep
):
    client = login(dept_hr)
    assert listed(client.get(PEOPLE)) == {dept_hr, manager, employee, colleague, safety_rep}
    # A unit outside the scope is treated like one that does not exist.
    response = client.get(PEOPLE, {"unit": "OTH"})
    assert "unit" in response.context["form"].errors
    assert listed(response) == set()
    assert listed(client.get(PEOPLE, {"q": "oe@example.se"})) == set()


@pytest.mark.parametrize("who", ["employee", "manager", "safety_rep"])
def test_people_list_refused(request, login, who):
    assert login(request.getfixturevalue(who)).get(PEOPLE).status_code == 403


def test_people_list_is_get_only(login, hr):
    assert login(hr).post(PEOPLE).status_code == 405


def test_people_list_pagination_keeps_the_filter(login, hr, dept):
    for _ in range(60):
        PersonFactory(unit=dept, employment_category=EmploymentCategory.TEACHER)
    client = login(hr)
    response = client.get(PEOPLE, {"category": "teacher", "page": "1"})
    html = response.content.decode()
    assert response.context["page"].paginator.count == 60
    assert "?category=teacher&amp;page=2" in html
    assert "page=1&amp;page" not in html
    second = client.get(PEOPLE, {"category": "teacher", "page": "2"})
    assert len(second.context["page"].object_list) == 10


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"unit": "DEP", "status": "all"}])
def test_people_list_query_count_does_not_grow(login, hr, dept, manager, params):
    client = login(hr)
    for _ in range(5):
        PersonFactory(unit=dept, manager=manager)
    with_5 = _count_queries(client, PEOPLE, params)
    for n in range(45):
        group = UnitFactory(parent=dept) if n % 10 == 0 else None
        PersonFactory(unit=group or dept, manager=manager if n % 2 else None)
    with_50 = _count_queries(client, PEOPLE, params)
    assert with_50 == with_5


# --- person detail ----------------------------------------------------------------------


def test_own_page_is_not_audited(login, employee, manager):
    response = login(employee).get(person_url(employee))
    assert response.status_code == 200
    assert response.context["person"] == employee
    assert response.context["history"] is None
    assert response.context["can_browse"] is False
    html = response.content.decode()
    assert manager.full_name in html
    assert 'href="/organisation/units/' not in html  # no links to pages they cannot open
    assert not AuditLogEntry.objects.exists()


def test_manager_reads_own_report_without_audit(login, manager, employee, colleague):
    client = login(manager)
    response = client.get(person_url(employee))
    assert response.status_code == 200
    assert client.get(person_url(manager)).status_code == 200
    own = client.get(person_url(manager))
    assert set(own.context["reports"]) == {employee, colleague}
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize(("who", "reason"), [("hr", "hr"), ("admin_user", "admin")])
def test_hr_and_admin_reads_are_audited(request, login, employee, who, reason):
    reader = request.getfixturevalue(who)
    history_record(obj=employee, actor=None, action="imported_update", changes={"x": [1, 2]})
    response = login(reader).get(person_url(employee))
    assert response.status_code == 200
    assert len(response.context["history"]) == 1
    entry = AuditLogEntry.objects.get()
    assert entry.actor == getattr(reader, "user", reader)
    assert entry.subject == employee
    assert entry.reason == reason
    assert entry.path == person_url(employee)
    assert entry.what == "person_profile"
    assert entry.subject == employee


def test_hr_reading_own_page_is_not_audited(login, hr):
    assert login(hr).get(person_url(hr)).status_code == 200
    assert not AuditLogEntry.objects.exists()


def test_scoped_hr_reads_inside_scope_only(login, dept_hr, employee, other_employee):
    client = login(dept_hr)
    assert client.get(person_url(employee)).status_code == 200
    assert client.get(person_url(other_employee)).status_code == 404
    assert AuditLogEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "whom"),
    [
        ("colleague", "employee"),
        ("employee", "manager"),
        ("employee", "colleague"),
        ("other_manager", "employee"),
        ("safety_rep", "employee"),
        ("manager", "other_employee"),
    ],
)
def test_person_not_visible_is_404(request, login, who, whom):
    reader = request.getfixturevalue(who)
    subject = request.getfixturevalue(whom)
    assert login(reader).get(person_url(subject)).status_code == 404
    assert not AuditLogEntry.objects.exists()


def test_unknown_person_is_404(login, hr):
    response = login(hr).get(reverse("organisation:person_detail", args=["NOPE"]))
    assert response.status_code == 404
    assert not AuditLogEntry.objects.exists()


def test_an_employee_number_with_a_nul_is_404(login, hr, employee):
    # PostgreSQL refuses to compare text holding a NUL: this was a 500 (hostile-input suite).
    number = f"{employee.employee_number}\x00"
    response = login(hr).get(reverse("organisation:person_detail", args=[number]))
    assert response.status_code == 404


def test_inactive_person_is_marked(login, hr, dept):
    gone = PersonFactory(unit=dept, is_active=False)
    response = login(hr).get(person_url(gone))
    assert response.status_code == 200
    assert 'class="message message-warning"' in response.content.decode()


def test_person_detail_is_get_only(login, employee):
    assert login(employee).post(person_url(employee)).status_code == 405


def test_gender_is_shown_to_the_person_and_hr_but_not_the_manager(login, employee, manager, hr):
    label = "Gender (for equal-conditions statistics)"
    for viewer, shown in ((employee, True), (hr, True), (manager, False)):
        client = login(viewer)
        client.cookies["samtal_language"] = "en"
        url = reverse("organisation:person_detail", args=[employee.employee_number])
        html = client.get(url).content.decode()
        assert (label in html) is shown, viewer
