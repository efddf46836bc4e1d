"""The manager's follow-up of the team's plans, the checkpoints box on the start page and the
navigation to the plan pages: what is shown, who is refused, and query counts that do not
grow with the team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samtal.organisation.models import Person
from samtal.organisation.tests.factories import PersonFactory
from samtal.plans import services
from samtal.plans.models import Checkpoint
from samtal.plans.tests.factories import add_activity, add_checkpoint, add_goal

pytestmark = pytest.mark.django_db

FOLLOW_UP = reverse("plans:team_follow_up")
HOME = reverse("core:home")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


def overdue(checkpoint: Checkpoint, days: int = 3) -> None:
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=days)
    )


def give_plan(person: Person, actor, *, index: int = 0) -> None:
    goal = add_goal(person, actor, f"Goal {index}")
    planned = add_activity(person, actor, f"Course {index}", data={"goal_id": goal.pk})
    ongoing = add_activity(person, actor, f"Mentoring {index}")
    services.activity_set_status(
        actor=actor, activity=ongoing, status="ongoing", revision=ongoing.revision
    )
    add_checkpoint(person, actor, days_ahead=10 + index, data={"activity_id": planned.pk})
    overdue(add_checkpoint(person, actor, days_ahead=5, topic=f"Late {index}"))


# --- the follow-up page ---------------------------------------------------------------------


def test_the_manager_sees_each_reports_plan(login, manager, employee, colleague):
    give_plan(employee, manager.user)
    response = login(manager).get(FOLLOW_UP)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    rows = {row.person.pk: row for row in response.context["rows"]}
    assert set(rows) == {employee.pk, colleague.pk}
    row = rows[employee.pk]
    assert (row.planned, row.ongoing, row.done, row.dropped) == (1, 1, 0, 0)
    assert row.next_checkpoint == timezone.localdate() + dt.timedelta(days=10)
    assert row.overdue_checkpoints == 1
    assert not rows[colleague.pk].has_plan
    assert reverse("plans:plan_detail", args=[employee.pk]) in html
    assert reverse("plans:plan_detail", args=[colleague.pk]) in html
    assert "No plan yet" in html
    assert "1 overdue" in html
    # The checkpoints due: the overdue first, in words as well as colour.
    topics = [item.checkpoint.topic for item in response.context["due"]]
    assert topics == ["Late 0", "How is the course going?"]
    assert ">Overdue</span>" in html
    assert "1 checkpoint is overdue." in html


def test_the_managers_own_checkpoints_are_listed_too(login, manager, employee, faculty):
    boss = PersonFactory(unit=faculty)
    Person.objects.filter(pk=manager.pk).update(manager=boss)
    manager.refresh_from_db()
    add_checkpoint(manager, boss.user, days_ahead=7, topic="My own follow-up")
    response = login(manager).get(FOLLOW_UP)
    html = response.content.decode()
    assert "My own follow-up" in html
    assert "Your own plan" in html


def test_checkpoints_far_ahead_and_done_are_left_out(login, manager, employee):
    add_checkpoint(employee, manager.user, days_ahead=60, topic="Far ahead")
    done = add_checkpoint(employee, manager.user, days_ahead=5, topic="Done already")
    services.checkpoint_complete(
        actor=manager.user, checkpoint=done, outcome="Fine", revision=done.revision
    )
    response = login(manager).get(FOLLOW_UP)
    assert response.context["due"] == []
    assert "No checkpoint is overdue or due within 30 days." in response.content.decode()


def test_a_former_report_is_not_followed_up(login, manager, employee, other_manager):
    give_plan(employee, manager.user)
    Person.objects.filter(pk=employee.pk).update(manager=other_manager)
    PersonFactory(unit=employee.unit, manager=manager)  # still a manager
    response = login(manager).get(FOLLOW_UP)
    assert employee.pk not in {row.person.pk for row in response.context["rows"]}
    assert response.context["due"] == []
    new = login(other_manager).get(FOLLOW_UP)
    assert employee.pk in {row.person.pk for row in new.context["rows"]}


@pytest.mark.parametrize("who", ["employee", "hr", "safety_rep", "admin_user"])
def test_non_managers_are_refused(request, login, manager, employee, who):
    assert login(request.getfixturevalue(who)).get(FOLLOW_UP).status_code == 403


def test_the_follow_up_page_is_get_only(login, manager, employee):
    assert login(manager).post(FOLLOW_UP).status_code == 405


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_follow_up_page_renders_in_both_languages(client, login, manager, employee, language):
    client.cookies["samtal_language"] = language
    give_plan(employee, manager.user)
    response = login(manager).get(FOLLOW_UP)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def _team_with_plans(manager, size: int, start: int) -> None:
    for index in range(size):
        person = PersonFactory(unit=manager.unit, manager=manager)
        give_plan(person, manager.user, index=start + index)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("url", [FOLLOW_UP, HOME])
def test_the_query_count_does_not_grow_with_the_team(login, manager, url):
    client = login(manager)
    _team_with_plans(manager, 3, 0)
    small = _queries(client, url)
    _team_with_plans(manager, 9, 3)
    assert len(client.get(FOLLOW_UP).context["rows"]) == 12
    assert _queries(client, url) == small


# --- the start page and the navigation -------------------------------------------------------


def test_the_start_page_shows_checkpoints_due(login, manager, employee):
    give_plan(employee, manager.user)
    html = login(employee).get(HOME).content.decode()
    assert 'id="checkpoints-heading"' in html
    assert "Late 0" in html
    assert "1 checkpoint is overdue." in html
    assert reverse("plans:plan_detail", args=[employee.pk]) in html
    assert reverse("plans:my_plan") in html
    html = login(manager).get(HOME).content.decode()
    assert "Late 0" in html
    assert employee.full_name in html
    assert FOLLOW_UP in html


def test_the_start_page_without_checkpoints(login, employee):
    html = login(employee).get(HOME).content.decode()
    assert "No checkpoint is overdue or due within 30 days." in html


def test_the_start_page_without_a_person_has_no_checkpoints(login, admin_user):
    response = login(admin_user).get(HOME)
    assert response.status_code == 200
    assert 'id="checkpoints-heading"' not in response.content.decode()


def _nav(html: str) -> str:
    return html[html.index('aria-label="Main"') : html.index("</nav>")]


def test_navigation_by_role(login, manager, employee, hr, admin_user):
    employee_nav = _nav(login(employee).get(HOME).content.decode())
    assert reverse("plans:my_plan") in employee_nav
    assert FOLLOW_UP not in employee_nav
    assert reverse("plans:unit_goals") not in employee_nav
    assert reverse("plans:competence") not in employee_nav
    manager_nav = _nav(login(manager).get(HOME).content.decode())
    for link in (reverse("plans:my_plan"), FOLLOW_UP, reverse("plans:unit_goals")):
        assert link in manager_nav
    assert reverse("plans:competence") in manager_nav
    hr_nav = _nav(login(hr).get(HOME).content.decode())
    assert reverse("plans:unit_goals") in hr_nav
    assert reverse("plans:competence") in hr_nav
    assert FOLLOW_UP not in hr_nav
    admin_nav = _nav(login(admin_user).get(HOME).content.decode())
    assert reverse("plans:my_plan") not in admin_nav


def test_navigation_marks_the_current_page(login, manager, employee):
    html = login(employee).get(reverse("plans:plan_detail", args=[employee.pk])).content.decode()
    nav = _nav(html)
    assert f'href="{reverse("plans:my_plan")}" aria-current="page"' in nav
    # The manager reading a report's plan is not on "My development plan".
    html = login(manager).get(reverse("plans:plan_detail", args=[employee.pk])).content.decode()
    assert f'href="{reverse("plans:my_plan")}" aria-current' not in _nav(html)
    html = login(manager).get(FOLLOW_UP).content.decode()
    assert f'href="{FOLLOW_UP}" aria-current="page"' in _nav(html)


def test_the_team_page_links_each_plan(login, manager, employee, colleague):
    html = login(manager).get(reverse("talks:team")).content.decode()
    assert reverse("plans:plan_detail", args=[employee.pk]) in html
    assert reverse("plans:plan_detail", args=[colleague.pk]) in html
    assert FOLLOW_UP in html
