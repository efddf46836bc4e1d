"""The units' goals pages: who may manage which unit's goals (manager of the unit's people,
HR in scope, nobody else), adding in both languages, bad input, the edit conflict,
publishing and withdrawing, and the goals of the units above."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.models import HistoryEntry
from samtal.organisation.tests.factories import PersonFactory
from samtal.plans import services
from samtal.plans.forms import default_goal_year
from samtal.plans.models import UnitGoal
from samtal.plans.tests.factories import unit_goal

pytestmark = pytest.mark.django_db

LIST = reverse("plans:unit_goals")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


def list_url(unit: Any, year: int | None = None) -> str:
    year = year or default_goal_year()
    return f"{LIST}?unit={unit.pk}&year={year}"


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def goal_data(**extra: Any) -> dict[str, Any]:
    return {
        "year": timezone.localdate().year,
        "title_sv": "Fler publicerade artiklar",
        "title_en": "More published articles",
        "description_sv": "",
        "description_en": "",
        **extra,
    }


# --- who may ---------------------------------------------------------------------------------


def test_manager_sees_the_units_of_their_reports(login, manager, employee, dept):
    unit_goal(dept, title_en="A goal of the department")
    response = login(manager).get(list_url(dept))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A goal of the department" in page
    assert f'<option value="{dept.pk}" selected' in page


def test_default_unit_and_year(login, manager, employee, dept):
    unit_goal(dept, year=default_goal_year(), title_en="Goal of the default year")
    response = login(manager).get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Goal of the default year" in page
    assert f'value="{default_goal_year()}"' in page


def test_hr_sees_the_units_in_scope(login, hr, dept, other_dept):
    unit_goal(other_dept, title_en="Other department's goal")
    response = login(hr).get(list_url(other_dept))
    assert response.status_code == 200
    assert "Other department&#x27;s goal" in response.content.decode()


def test_hr_with_a_narrow_scope_gets_404_outside_it(login, dept, other_dept):
    person = PersonFactory(unit=dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    client = login(person)
    assert client.get(list_url(dept)).status_code == 200
    assert client.get(list_url(other_dept)).status_code == 404


def test_manager_gets_404_for_a_unit_without_their_reports(login, manager, employee, other_dept):
    assert login(manager).get(list_url(other_dept)).status_code == 404


@pytest.mark.parametrize("who", ["employee", "colleague", "safety_rep", "admin_user"])
def test_everyone_else_gets_404(request, login, manager, dept, who):
    goal = unit_goal(dept)
    client = login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 404
    assert client.post(list_url(dept), goal_data()).status_code == 404
    assert client.get(reverse("plans:unit_goal_edit", args=[goal.pk])).status_code == 404
    for name in ("unit_goal_publish", "unit_goal_withdraw"):
        response = client.post(reverse(f"plans:{name}", args=[goal.pk]), {"revision": 1})
        assert response.status_code == 404
    goal.refresh_from_db()
    assert goal.status == UnitGoal.Status.PUBLISHED


def test_other_manager_cannot_touch_another_units_goal(login, other_manager, other_employee, dept):
    goal = unit_goal(dept, published=False)
    client = login(other_manager)
    assert client.get(reverse("plans:unit_goal_edit", args=[goal.pk])).status_code == 404
    response = client.post(
        reverse("plans:unit_goal_publish", args=[goal.pk]), {"revision": goal.revision}
    )
    assert response.status_code == 404
    goal.refresh_from_db()
    assert goal.status == UnitGoal.Status.DRAFT


def test_a_bad_unit_or_year_in_the_address(login, manager, employee, dept):
    client = login(manager)
    assert client.get(f"{LIST}?unit=abc").status_code == 404
    assert client.get(f"{LIST}?unit=999999").status_code == 404
    response = client.get(f"{LIST}?unit={dept.pk}&year=nonsense")
    assert response.status_code == 200
    assert f'value="{default_goal_year()}"' in response.content.decode()


@pytest.mark.parametrize("name", ["unit_goal_publish", "unit_goal_withdraw"])
def test_get_to_a_change_is_405(login, manager, employee, dept, name):
    goal = unit_goal(dept)
    assert login(manager).get(reverse(f"plans:{name}", args=[goal.pk])).status_code == 405


# --- adding ----------------------------------------------------------------------------------


def test_manager_adds_a_goal_as_a_draft(login, manager, employee, dept):
    response = login(manager).post(list_url(dept), goal_data())
    assert response.status_code == 302
    goal = UnitGoal.objects.get()
    assert (goal.unit, goal.status, goal.created_by) == (dept, "draft", manager.user)
    assert goal.title_sv == "Fler publicerade artiklar"
    assert response["Location"] == list_url(dept, goal.year) + f"#goal-{goal.pk}"
    page = login(manager).get(list_url(dept, goal.year)).content.decode()
    assert "More published articles" in page
    assert "Draft" in page
    assert reverse("plans:unit_goal_publish", args=[goal.pk]) in page


def test_missing_english_title_is_refused(login, manager, employee, dept):
    response = login(manager).post(list_url(dept), goal_data(title_en=""))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not UnitGoal.objects.exists()


def test_year_out_of_range_is_refused(login, manager, employee, dept):
    this_year = timezone.localdate().year
    response = login(manager).post(list_url(dept), goal_data(year=this_year + 5))
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Choose a year from {this_year - 1} to {this_year + 2}." in page
    assert not UnitGoal.objects.exists()


def test_nul_is_refused(login, manager, employee, dept):
    response = login(manager).post(list_url(dept), goal_data(title_sv="a\x00b"))
    assert response.status_code == 400
    assert not UnitGoal.objects.exists()


def test_hr_adds_a_goal_for_a_unit_in_scope(login, hr, faculty):
    response = login(hr).post(list_url(faculty), goal_data())
    assert response.status_code == 302
    assert UnitGoal.objects.get().unit == faculty


# --- publish and withdraw ----------------------------------------------------------------------


def test_publish_then_withdraw(login, manager, employee, dept):
    goal = unit_goal(dept, published=False)
    client = login(manager)
    response = client.post(
        reverse("plans:unit_goal_publish", args=[goal.pk]), {"revision": goal.revision}
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "published"
    assert goal.published_at is not None
    assert "is published" in messages_of(response)[0]

    page = client.get(list_url(dept, goal.year)).content.decode()
    assert "Published" in page
    assert reverse("plans:unit_goal_publish", args=[goal.pk]) not in page
    assert reverse("plans:unit_goal_withdraw", args=[goal.pk]) in page

    response = client.post(
        reverse("plans:unit_goal_withdraw", args=[goal.pk]), {"revision": goal.revision}
    )
    goal.refresh_from_db()
    assert goal.status == "withdrawn"
    page = client.get(list_url(dept, goal.year)).content.decode()
    assert "Withdrawn" in page
    assert reverse("plans:unit_goal_edit", args=[goal.pk]) not in page
    assert reverse("plans:unit_goal_withdraw", args=[goal.pk]) not in page
    assert HistoryEntry.objects.filter(action="unit_goal_withdrawn").count() == 1


def test_a_refused_transition_says_why(login, manager, employee, dept):
    goal = unit_goal(dept, published=False)
    goal = services.unit_goal_withdraw(actor=manager.user, goal=goal, revision=goal.revision)
    response = login(manager).post(
        reverse("plans:unit_goal_publish", args=[goal.pk]), {"revision": goal.revision}
    )
    assert response.status_code == 302
    assert "The goal is withdrawn; that cannot be done now." in messages_of(response)
    goal.refresh_from_db()
    assert goal.status == "withdrawn"


def test_publishing_a_stale_page_is_refused(login, manager, employee, dept):
    goal = unit_goal(dept, published=False)
    stale = goal.revision
    services.unit_goal_update(
        actor=manager.user,
        goal=goal,
        data=services.UnitGoalData(year=goal.year, title_sv="Nytt", title_en="New"),
        revision=stale,
    )
    client = login(manager)
    response = client.post(reverse("plans:unit_goal_publish", args=[goal.pk]), {"revision": stale})
    assert "changed meanwhile" in messages_of(response)[0]
    response = client.post(reverse("plans:unit_goal_publish", args=[goal.pk]), {})
    assert "changed meanwhile" in messages_of(response)[0]
    goal.refresh_from_db()
    assert goal.status == "draft"


# --- changing ---------------------------------------------------------------------------------


def test_edit_page_and_save(login, manager, employee, dept):
    goal = unit_goal(dept)
    client = login(manager)
    page = client.get(reverse("plans:unit_goal_edit", args=[goal.pk])).content.decode()
    assert 'value="More published articles"' in page
    response = client.post(
        reverse("plans:unit_goal_edit", args=[goal.pk]),
        goal_data(title_en="Better articles", revision=goal.revision),
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.title_en == "Better articles"


def test_edit_bad_input(login, manager, employee, dept):
    goal = unit_goal(dept)
    response = login(manager).post(
        reverse("plans:unit_goal_edit", args=[goal.pk]),
        goal_data(title_en="", revision=goal.revision),
    )
    assert response.status_code == 400
    goal.refresh_from_db()
    assert goal.title_en == "More published articles"


def test_edit_conflict_shows_theirs_and_keeps_mine(login, manager, employee, hr, dept):
    goal = unit_goal(dept)
    opened = goal.revision
    services.unit_goal_update(
        actor=hr.user,
        goal=goal,
        data=services.UnitGoalData(year=goal.year, title_sv="HR:s mål", title_en="HR's goal"),
        revision=opened,
    )
    client = login(manager)
    edit = reverse("plans:unit_goal_edit", args=[goal.pk])
    response = client.post(edit, goal_data(title_en="My goal", revision=opened))
    assert response.status_code == 409
    page = response.content.decode()
    assert "someone else changed this goal" in page
    assert "HR&#x27;s goal" in page  # theirs
    assert 'value="My goal"' in page  # mine, kept
    goal.refresh_from_db()
    assert goal.title_en == "HR's goal"

    # Saving again (the form now carries their revision) replaces it deliberately.
    response = client.post(edit, goal_data(title_en="My goal", revision=goal.revision))
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.title_en == "My goal"


def test_a_withdrawn_goal_cannot_be_changed(login, manager, employee, dept):
    goal = unit_goal(dept)
    goal = services.unit_goal_withdraw(actor=manager.user, goal=goal, revision=goal.revision)
    client = login(manager)
    edit = reverse("plans:unit_goal_edit", args=[goal.pk])
    page = client.get(edit).content.decode()
    assert "A withdrawn goal cannot be changed." in page
    assert '<form method="post" novalidate' not in page
    response = client.post(edit, goal_data(title_en="Changed", revision=goal.revision))
    assert response.status_code == 302
    assert "A withdrawn goal cannot be changed." in messages_of(response)
    goal.refresh_from_db()
    assert goal.title_en == "More published articles"


# --- the units above, languages, queries -----------------------------------------------------


def test_published_goals_of_the_units_above_are_shown(login, manager, employee, dept, faculty):
    unit_goal(faculty, title_en="Faculty goal")
    unit_goal(faculty, published=False, title_en="Faculty draft")
    unit_goal(faculty, year=default_goal_year() - 1, title_en="Faculty last year")
    page = login(manager).get(list_url(dept)).content.decode()
    above = page.split('id="above-heading"')[1]
    assert "Faculty goal" in above
    assert "Faculty draft" not in page
    assert "Faculty last year" not in page


def test_pages_in_swedish(client, login, manager, employee, dept):
    goal = unit_goal(dept)
    client.cookies["samtal_language"] = "sv"
    client = login(manager)
    response = client.get(list_url(dept))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="sv">' in page
    assert "Publicerad" in page or "Published" in page
    assert client.get(reverse("plans:unit_goal_edit", args=[goal.pk])).status_code == 200


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_queries_do_not_grow(login, hr, dept, faculty):
    unit_goal(dept)
    unit_goal(faculty)
    client = login(hr)
    small = _queries(client, list_url(dept))
    for n in range(8):
        unit_goal(dept, published=bool(n % 2), title_en=f"Goal {n}")
        unit_goal(faculty, title_en=f"Faculty goal {n}")
    assert _queries(client, list_url(dept)) <= small
