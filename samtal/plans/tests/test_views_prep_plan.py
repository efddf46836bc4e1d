"""The preparation page opens with the development plan and its outcomes: plan continuity
from one talk to the next, the unit's goals for the talk's year, the empty state, who sees
it, and a constant number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samtal.core.models import OrgPolicy
from samtal.plans import services
from samtal.plans.models import PlanActivity, PlanGoal
from samtal.plans.selectors import default_goal_year
from samtal.plans.tests.factories import (
    add_activity,
    add_checkpoint,
    add_goal,
    agree_record,
    held_record,
    unit_goal,
)
from samtal.talks.models import Talk
from samtal.talks.tests.factories import RoundFactory, booked_talk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


def prepare_url(talk: Talk) -> str:
    return reverse("talks:talk_prepare", args=[talk.pk])


def plan_part(page: str) -> str:
    return page.split('id="prep-plan-heading"')[1].split('id="own-heading"')[0]


def test_empty_state_without_a_plan(login, employee):
    talk = booked_talk(employee)
    page = login(employee).get(prepare_url(talk)).content.decode()
    assert "There is no agreed development plan yet." in plan_part(page)
    # The plan comes before the preparation questions.
    assert page.index('id="prep-plan-heading"') < page.index('id="own-heading"')


def test_plan_continuity_from_one_talk_to_the_next(login, employee, manager):
    """Talk 1 agrees a goal, an activity and a checkpoint; during the year the activity is
    done with an outcome, the checkpoint is held and the goal reached; talk 2's preparation
    opens with all of it."""
    client = login(manager)
    first = held_record(employee)
    client.post(
        reverse("plans:record_goal_add", args=[first.talk_id]),
        {"text": "Lead a research project", "horizon": "short"},
    )
    goal = PlanGoal.objects.get()
    client.post(
        reverse("plans:record_activity_add", args=[first.talk_id]),
        {
            "activity_type": "course",
            "description": "Project management course",
            "responsible": "employee",
            "goal": goal.pk,
        },
    )
    activity = PlanActivity.objects.get()
    checkpoint = add_checkpoint(
        employee, manager.user, talk=first.talk, topic="Halfway through the course?"
    )
    agree_record(first)

    activity.refresh_from_db()
    services.activity_set_status(
        actor=employee.user,
        activity=activity,
        status="done",
        revision=activity.revision,
        outcome="Passed; now leads the group's project meetings",
    )
    checkpoint.refresh_from_db()
    services.checkpoint_complete(
        actor=manager.user,
        checkpoint=checkpoint,
        outcome="On track, course half done",
        revision=checkpoint.revision,
    )
    goal.refresh_from_db()
    services.goal_follow_up(
        actor=manager.user,
        goal=goal,
        status="reached",
        outcome="Project started in May",
        revision=goal.revision,
    )

    second = booked_talk(employee, days_ahead=10)
    for who in (employee, manager):
        page = login(who).get(prepare_url(second)).content.decode()
        part = plan_part(page)
        assert "Lead a research project" in part
        assert "Reached" in part
        assert "Project started in May" in part
        assert "Project management course" in part
        assert "Done" in part
        assert "Passed; now leads the group&#x27;s project meetings" in part
        assert "Halfway through the course?" in part
        assert "On track, course half done" in part
        # ... and the last agreed record is there too.
        assert "The last agreed record" in page
    assert reverse("plans:plan_detail", args=[employee.pk]) in page  # the manager's link


def test_dropped_activity_shows_its_reason_and_checkpoints_ahead(login, employee, manager):
    dropped = add_activity(employee, manager.user, description="Conference in Lisbon")
    services.activity_set_status(
        actor=manager.user,
        activity=dropped,
        status="dropped",
        revision=dropped.revision,
        reason="The conference was cancelled",
    )
    add_checkpoint(employee, manager.user, days_ahead=20, topic="Next follow-up")
    talk = booked_talk(employee)
    part = plan_part(login(employee).get(prepare_url(talk)).content.decode())
    assert "Dropped" in part
    assert "The conference was cancelled" in part
    assert "Checkpoints ahead" in part
    assert "Next follow-up" in part
    assert reverse("plans:my_plan") in part


def test_proposals_not_yet_agreed_are_not_the_plan(login, employee, manager):
    record = held_record(employee)
    add_goal(employee, manager.user, talk=record.talk, text="Only proposed")
    talk = booked_talk(employee, days_ahead=10)
    part = plan_part(login(employee).get(prepare_url(talk)).content.decode())
    assert "Only proposed" not in part
    assert "There is no agreed development plan yet." in part


def test_unit_goals_of_the_talks_year(login, employee, dept, faculty):
    round_ = RoundFactory(year=2031, units=[dept])
    unit_goal(dept, year=2031, title_en="Department goal 2031")
    unit_goal(faculty, year=2031, title_en="Faculty goal 2031")
    unit_goal(dept, year=2030, title_en="Department goal 2030")
    unit_goal(dept, year=2031, published=False, title_en="Draft goal 2031")
    talk = booked_talk(
        employee, round=round_, kind=Talk.Kind.ROUND, template_version=round_.template_version
    )
    part = plan_part(login(employee).get(prepare_url(talk)).content.decode())
    assert "goals for 2031" in part
    assert "Department goal 2031" in part
    assert "Faculty goal 2031" in part
    assert "Department goal 2030" not in part
    assert "Draft goal 2031" not in part


def test_extra_talk_shows_this_years_unit_goals(login, employee, dept):
    unit_goal(dept, title_en="This year's goal")
    talk = booked_talk(employee)
    part = plan_part(login(employee).get(prepare_url(talk)).content.decode())
    assert f"goals for {default_goal_year()}" in part
    assert "This year&#x27;s goal" in part


@pytest.mark.parametrize("who", ["hr", "admin_user", "colleague", "other_manager", "safety_rep"])
def test_nobody_else_sees_the_preparation(request, login, employee, manager, who):
    OrgPolicy.current()
    OrgPolicy.objects.update(hr_may_read_records=True)
    add_goal(employee, manager.user)
    talk = booked_talk(employee)
    assert login(request.getfixturevalue(who)).get(prepare_url(talk)).status_code == 404


def test_page_in_swedish(client, login, employee, manager):
    add_activity(employee, manager.user)
    talk = booked_talk(employee)
    client.cookies["samtal_language"] = "sv"
    response = login(employee).get(prepare_url(talk))
    assert response.status_code == 200
    assert '<html lang="sv">' in response.content.decode()
    assert "Project management course" in plan_part(response.content.decode())


def _queries(client: Any, talk: Talk) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(prepare_url(talk)).status_code == 200
    return len(queries)


def test_preparation_queries_do_not_grow_with_the_plan(login, employee, manager, dept):
    unit_goal(dept)
    goal = add_goal(employee, manager.user)
    activity = add_activity(employee, manager.user, data={"goal_id": goal.pk})
    add_checkpoint(employee, manager.user, data={"activity_id": activity.pk})
    talk = booked_talk(employee)
    client = login(employee)
    small = _queries(client, talk)
    for n in range(6):
        unit_goal(dept, title_en=f"Goal {n}")
        g = add_goal(employee, manager.user, text=f"Goal {n}")
        a = add_activity(employee, manager.user, data={"goal_id": g.pk})
        c = add_checkpoint(employee, manager.user, days_ahead=10 + n, data={"activity_id": a.pk})
        services.checkpoint_complete(
            actor=manager.user, checkpoint=c, outcome=f"Held {n}", revision=c.revision
        )
    assert _queries(client, talk) <= small


def test_a_former_manager_no_longer_sees_how_the_plan_goes_on(
    login, employee, manager, other_manager
):
    """After a change of manager, the old manager still opens their talk's preparation and
    record, but not the plan as it has gone on since."""
    from samtal.organisation.services import person_set_manager

    record = agree_record(held_record(employee))
    person_set_manager(person=employee, manager=other_manager, actor=None)
    employee.refresh_from_db()
    add_goal(employee, other_manager.user, text="A goal set with the new manager")
    old = login(manager)
    prepare = old.get(prepare_url(record.talk)).content.decode()
    assert "A goal set with the new manager" not in prepare
    assert "you no longer see it" in plan_part(prepare)
    page = old.get(reverse("talks:talk_record", args=[record.talk.pk])).content.decode()
    assert "A goal set with the new manager" not in page
    new = login(other_manager).get(prepare_url(record.talk))
    assert new.status_code == 404  # not a party of the old talk
