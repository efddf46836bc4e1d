"""The start page: one block per role the user holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.organisation.models import ImportRun
from samtal.organisation.tests.factories import PersonFactory
from samtal.talks.models import TalkStatus
from samtal.talks.tests.factories import TalkFactory, booked_talk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


HOME = reverse("core:home")
SECTIONS = ("me-heading", "team-heading", "hr-heading", "safety-heading", "admin-heading")


def sections(response) -> set[str]:
    html = response.content.decode()
    return {s for s in SECTIONS if f'id="{s}"' in html}


def nav_links(response) -> set[str]:
    html = response.content.decode()
    urls = {
        "units": reverse("organisation:unit_list"),
        "people": reverse("organisation:person_list"),
        "import": reverse("organisation:import"),
        "audit": reverse("core:audit_log"),
    }
    return {name for name, url in urls.items() if f'href="{url}"' in html}


def test_employee_sees_their_talk_and_manager(login, employee, manager):
    response = login(employee).get(HOME)
    assert response.status_code == 200
    assert sections(response) == {"me-heading"}
    assert response.context["person"] == employee
    assert manager.full_name in response.content.decode()
    assert reverse("organisation:person_detail", args=[employee.employee_number]) in (
        response.content.decode()
    )
    assert nav_links(response) == set()


def test_employee_without_manager_is_told_to_contact_hr(login, dept):
    person = PersonFactory(unit=dept)
    response = login(person).get(HOME)
    assert 'class="message message-warning"' in response.content.decode()


def test_manager_sees_their_team(login, manager, employee, colleague, other_employee):
    response = login(manager).get(HOME)
    assert sections(response) == {"me-heading", "team-heading"}
    assert {row.person for row in response.context["team_rows"]} == {employee, colleague}
    html = response.content.decode()
    assert employee.full_name in html
    assert other_employee.full_name not in html
    assert f'href="{reverse("talks:team")}"' in html
    assert "No talk offered yet" in html
    assert nav_links(response) == set()


def test_manager_sees_their_team_talks_and_steps(login, manager, employee, colleague):
    talk = TalkFactory(employee=employee, deadline=timezone.localdate() - dt.timedelta(days=1))
    response = login(manager).get(HOME)
    html = response.content.decode()
    assert reverse("talks:talk_detail", args=[talk.pk]) in html
    assert "Propose a time and place" in html
    assert "1 talk waits for you." in html
    assert "1 talk is overdue." in html
    assert "Overdue" in html


def test_employee_sees_their_current_talk_and_next_step(login, employee, manager):
    TalkFactory(employee=employee, status=TalkStatus.HELD)
    talk = booked_talk(employee)
    response = login(employee).get(HOME)
    assert response.context["my_talk"] == talk
    html = response.content.decode()
    assert reverse("talks:talk_detail", args=[talk.pk]) in html
    assert f'href="{reverse("talks:my_talks")}"' in html
    assert "Accept the time or ask for another" in html
    assert "Room Tallen" in html


def test_employee_without_a_talk_is_told_so(login, employee, manager):
    response = login(employee).get(HOME)
    assert "my_talk" not in response.context
    assert "No talk has been offered to you yet" in response.content.decode()


def test_hr_sees_figures_and_next_steps(login, hr, manager, employee, other_employee):
    ImportRun.objects.create(actor=hr.user, file_name="people.csv", status="applied")
    response = login(hr).get(HOME)
    assert sections(response) == {"me-heading", "hr-heading"}
    figures = response.context["figures"]
    assert figures.active_people == 5  # hr, manager, employee, other_manager, other_employee
    assert figures.without_manager == 3  # hr and both managers
    assert response.context["last_import"].file_name == "people.csv"
    html = response.content.decode()
    assert f"{reverse('organisation:person_list')}?status=no_manager" in html
    assert nav_links(response) == {"units", "people", "import", "audit"}


def test_hr_with_empty_organisation_is_offered_the_import(login, admin_user):
    response = login(admin_user).get(HOME)
    assert response.context["figures"].active_people == 0
    assert f'href="{reverse("organisation:import")}"' in response.content.decode()


def test_scoped_hr_sees_their_subtree_and_no_import(login, dept, employee, other_employee):
    person = PersonFactory(unit=dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    response = login(person).get(HOME)
    assert "hr-heading" in sections(response)
    assert response.context["figures"].active_people == 3  # manager, employee, themselves
    assert nav_links(response) == {"units", "people"}


def test_safety_rep_sees_their_units(login, safety_rep, dept, employee):
    response = login(safety_rep).get(HOME)
    assert sections(response) == {"me-heading", "safety-heading"}
    assert list(response.context["safety_units"]) == [dept]
    assert response.context["safety_units"][0].headcount == 3
    assert nav_links(response) == set()


@override_settings(SAMTAL_ORGANISATION_NAME="Exempeluniversitetet", SAMTAL_ANONYMITY_K=7)
def test_admin_without_person_sees_settings(login, admin_user):
    response = login(admin_user).get(HOME)
    assert sections(response) == {"hr-heading", "admin-heading"}
    html = response.content.decode()
    assert "Exempeluniversitetet" in html
    assert "<dd>7</dd>" in html
    assert admin_user.email in html  # shown by email: no person record
    assert nav_links(response) == {"units", "people", "import", "audit"}


def test_home_is_get_only(login, employee):
    assert login(employee).post(HOME).status_code == 405


def test_home_query_count_does_not_grow_with_the_team(
    login, manager, dept, django_assert_max_num_queries
):
    client = login(manager)
    for _ in range(3):
        TalkFactory(employee=PersonFactory(unit=dept, manager=manager))
    with django_assert_max_num_queries(16) as small:
        client.get(HOME)
    for _ in range(30):
        TalkFactory(employee=PersonFactory(unit=dept, manager=manager))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(HOME)
