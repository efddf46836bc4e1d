"""One person's development plan page and every change to it: who reads and who writes (the
employee and their current manager; HR under the org policy read-only and audit-logged;
everyone else 404), POST-only changes, bad input coming back on the form with nothing changed,
stale forms, the past-date warning with its confirmation, proposals edited through the record,
the follow-up meeting's invitation, the plan following the employee to a new manager, and a
query count that does not grow with the plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samtal.core.models import AuditLogEntry, HistoryEntry, OrgPolicy, OutgoingEmail
from samtal.organisation.models import Person
from samtal.plans.models import (
    ActivityStatus,
    Checkpoint,
    CheckpointStatus,
    DevelopmentPlan,
    GoalStatus,
    PlanActivity,
    PlanGoal,
)
from samtal.plans.tests.factories import (
    add_activity,
    add_checkpoint,
    add_goal,
    agree_record,
    held_record,
    unit_goal,
)

pytestmark = pytest.mark.django_db

POST_ONLY_PERSON = ["goal_add", "activity_add", "checkpoint_add"]
POST_ONLY_ITEM = {"goal_follow_up": "goal", "activity_status": "activity"}


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.fixture
def hr_policy(hr):
    OrgPolicy.current()
    OrgPolicy.objects.filter(pk=1).update(hr_may_read_records=True)
    return hr


@pytest.fixture
def plan(employee, manager):
    """A plan with one goal, an activity for it and a checkpoint in 30 days."""
    goal = add_goal(employee, manager.user, "Lead a research project")
    activity = add_activity(
        employee, employee.user, "Project management course", data={"goal_id": goal.pk}
    )
    checkpoint = add_checkpoint(employee, manager.user, data={"activity_id": activity.pk})
    return {"goal": goal, "activity": activity, "checkpoint": checkpoint}


def plan_url(person: Person) -> str:
    return reverse("plans:plan_detail", args=[person.pk])


def url(name: str, *args: Any) -> str:
    return reverse(f"plans:{name}", args=args)


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def backdate_plan(person: Person, days: int = 90) -> None:
    DevelopmentPlan.objects.filter(person=person).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )


def day(offset: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


def activity_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "activity_type": "course",
        "description": "Statistics course",
        "goal": "",
        "responsible": "employee",
        "responsible_other": "",
        "starts_on": day(10),
        "ends_on": day(40),
        "hours": "40",
        "cost": "5000",
    }
    data.update(overrides)
    return data


# --- my plan and the plan page ------------------------------------------------------------


def test_my_plan_goes_to_the_own_plan(login, employee):
    response = login(employee).get(url("my_plan"))
    assert response.status_code == 302
    assert response["Location"] == plan_url(employee)


def test_my_plan_without_a_person_is_404(login, admin_user):
    assert login(admin_user).get(url("my_plan")).status_code == 404


def test_the_empty_plan_says_so_and_offers_the_forms(login, employee):
    response = login(employee).get(plan_url(employee))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "My development plan" in html
    assert 'id="empty-plan"' in html
    assert "There is no plan yet." in html
    assert url("goal_add", employee.pk) in html
    assert url("activity_add", employee.pk) in html
    assert url("checkpoint_add", employee.pk) in html
    assert not DevelopmentPlan.objects.exists()  # reading creates nothing


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_the_two_parties_see_the_plan(request, login, employee, manager, plan, who):
    ug = unit_goal(employee.unit, title_en="More published articles")
    response = login(request.getfixturevalue(who)).get(plan_url(employee))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lead a research project" in html
    assert "Project management course" in html
    assert plan["checkpoint"].topic in html
    assert ug.title_en in html
    assert "Coming checkpoints" in html
    assert url("checkpoint_complete", plan["checkpoint"].pk) in html
    assert url("checkpoint_meeting", plan["checkpoint"].pk) in html
    assert url("activity_status", plan["activity"].pk) in html
    assert url("goal_follow_up", plan["goal"].pk) in html
    assert url("plan_export", employee.pk, "pdf") + "?lang=sv" in html
    assert url("plan_export", employee.pk, "docx") + "?lang=en" in html
    # The activity's status form offers only the allowed next steps.
    form = next(r["form"] for r in response.context["activities"])
    assert {value for value, _label in form.fields["status"].choices} == {
        "ongoing",
        "done",
        "dropped",
    }
    assert 'id="history-heading"' in html
    assert "Goal added" in html
    assert not AuditLogEntry.objects.exists()


def test_overdue_checkpoints_are_marked_in_words(login, employee, manager, plan):
    Checkpoint.objects.filter(pk=plan["checkpoint"].pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    html = login(employee).get(plan_url(employee)).content.decode()
    assert "Overdue checkpoints" in html
    assert ">Overdue</span>" in html


def test_done_checkpoints_show_their_outcome(login, employee, manager, plan):
    from samtal.plans import services

    services.checkpoint_complete(
        actor=manager.user,
        checkpoint=plan["checkpoint"],
        outcome="Half the course done",
        revision=plan["checkpoint"].revision,
    )
    html = login(employee).get(plan_url(employee)).content.decode()
    assert "Done and cancelled checkpoints" in html
    assert "Half the course done" in html


@pytest.mark.parametrize("who", ["other_manager", "colleague", "hr", "safety_rep", "admin_user"])
def test_others_do_not_see_the_plan(request, login, employee, plan, who):
    client = login(request.getfixturevalue(who))
    assert client.get(plan_url(employee)).status_code == 404
    assert client.get(url("goal_edit", plan["goal"].pk)).status_code == 404
    assert client.get(url("checkpoint_complete", plan["checkpoint"].pk)).status_code == 404
    assert not AuditLogEntry.objects.exists()


def test_hr_under_the_policy_reads_audit_logged_and_cannot_write(login, employee, plan, hr_policy):
    client = login(hr_policy)
    response = client.get(plan_url(employee))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lead a research project" in html
    assert "You read this plan as HR" in html
    assert url("goal_add", employee.pk) not in html
    assert url("checkpoint_complete", plan["checkpoint"].pk) not in html
    entry = AuditLogEntry.objects.get()
    assert entry.actor == hr_policy.user
    assert entry.subject == employee
    assert entry.what == "development_plan"
    assert entry.path == plan_url(employee)
    # Read-only: every change and every change page is 403, and nothing changes.
    goal = plan["goal"]
    assert client.post(url("goal_add", employee.pk), {"text": "x"}).status_code == 403
    assert client.get(url("goal_edit", goal.pk)).status_code == 403
    assert (
        client.post(
            url("goal_follow_up", goal.pk),
            {"status": "reached", "revision": goal.revision},
        ).status_code
        == 403
    )
    assert client.get(url("checkpoint_complete", plan["checkpoint"].pk)).status_code == 403
    assert client.get(url("checkpoint_ics", plan["checkpoint"].pk)).status_code == 404
    assert PlanGoal.objects.count() == 1
    assert PlanGoal.objects.get().status == GoalStatus.OPEN


def test_proposed_items_wait_for_the_record(login, employee, manager):
    record = held_record(employee)
    add_goal(employee, manager.user, "Proposed goal", talk=record.talk)
    response = login(employee).get(plan_url(employee))
    html = response.content.decode()
    assert "Proposed goal" not in html  # not part of the plan until agreed
    assert 'id="proposed-note"' in html
    assert reverse("talks:talk_record", args=[record.talk.pk]) + "#plan" in html
    agree_record(record)
    html = login(employee).get(plan_url(employee)).content.decode()
    assert "Proposed goal" in html
    assert 'id="proposed-note"' not in html


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_pages_render_in_both_languages(client, login, employee, manager, plan, language):
    client.cookies["samtal_language"] = language
    unit_goal(employee.unit)
    checkpoint = plan["checkpoint"]
    pages = [
        plan_url(employee),
        url("goal_edit", plan["goal"].pk),
        url("activity_edit", plan["activity"].pk),
        url("checkpoint_edit", checkpoint.pk),
        url("checkpoint_complete", checkpoint.pk),
        url("checkpoint_cancel", checkpoint.pk),
        url("checkpoint_meeting", checkpoint.pk),
    ]
    for who in (employee, manager):
        for page in pages:
            response = login(who).get(page)
            assert response.status_code == 200, page
            assert f'<html lang="{language}">' in response.content.decode()


# --- adding -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", POST_ONLY_PERSON)
def test_adding_is_post_only(login, employee, name):
    assert login(employee).get(url(name, employee.pk)).status_code == 405


@pytest.mark.parametrize("name", list(POST_ONLY_ITEM))
def test_follow_up_is_post_only(login, employee, plan, name):
    item = plan[POST_ONLY_ITEM[name]]
    assert login(employee).get(url(name, item.pk)).status_code == 405


def test_the_manager_adds_a_goal_linked_to_a_unit_goal(login, employee, manager):
    ug = unit_goal(employee.unit)
    response = login(manager).post(
        url("goal_add", employee.pk),
        {"text": "Publish two articles", "horizon": "long", "unit_goal": ug.pk},
    )
    goal = PlanGoal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == plan_url(employee) + f"#goal-{goal.pk}"
    assert goal.unit_goal == ug
    assert goal.horizon == "long"
    assert goal.agreed_at is not None
    assert goal.created_by == manager.user
    assert ("success", "The goal was added to the plan.") in messages_of(response)


def test_an_empty_goal_is_refused_on_the_page(login, employee):
    response = login(employee).post(
        url("goal_add", employee.pk), {"text": "  ", "horizon": "short"}
    )
    assert response.status_code == 400
    assert response.context["goal_form"].errors["text"]
    assert response.context["open_form"] == "goal"
    assert not PlanGoal.objects.exists()


def test_the_employee_adds_an_activity(login, employee, plan):
    response = login(employee).post(
        url("activity_add", employee.pk), activity_data(goal=plan["goal"].pk)
    )
    assert response.status_code == 302
    activity = PlanActivity.objects.get(description="Statistics course")
    assert activity.goal == plan["goal"]
    assert activity.hours == 40
    assert activity.cost == 5000


def test_an_activity_ending_before_it_starts_is_refused(login, employee):
    response = login(employee).post(
        url("activity_add", employee.pk), activity_data(starts_on=day(20), ends_on=day(10))
    )
    assert response.status_code == 400
    assert response.context["activity_form"].errors["ends_on"] == [
        "The planned end is before the planned start."
    ]
    assert "The planned end is before the planned start." in response.content.decode()
    assert not PlanActivity.objects.exists()


def test_someone_else_responsible_needs_a_name(login, employee):
    response = login(employee).post(
        url("activity_add", employee.pk), activity_data(responsible="other")
    )
    assert response.status_code == 400
    assert response.context["activity_form"].errors["responsible_other"]
    assert not PlanActivity.objects.exists()


def test_a_checkpoint_is_added(login, employee, manager):
    response = login(manager).post(
        url("checkpoint_add", employee.pk), {"due_on": day(30), "topic": "Halfway?"}
    )
    assert response.status_code == 302
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.due_on.isoformat() == day(30)
    assert checkpoint.status == CheckpointStatus.PLANNED


def test_a_checkpoint_before_the_plan_was_created_is_refused(login, employee, plan):
    backdate_plan(employee, days=10)
    response = login(employee).post(
        url("checkpoint_add", employee.pk),
        {"due_on": day(-20), "topic": "Too early", "confirm": "1"},
    )
    assert response.status_code == 400
    assert "before the plan was created" in response.context["checkpoint_form"].errors["due_on"][0]
    assert Checkpoint.objects.count() == 1


def test_a_checkpoint_years_ahead_is_refused(login, employee):
    response = login(employee).post(
        url("checkpoint_add", employee.pk), {"due_on": day(365 * 4), "topic": "Far away"}
    )
    assert response.status_code == 400
    assert not Checkpoint.objects.exists()


def test_a_checkpoint_in_the_past_warns_then_saves_when_confirmed(login, employee, plan):
    backdate_plan(employee)
    client = login(employee)
    data = {"due_on": day(-5), "topic": "Held already"}
    response = client.post(url("checkpoint_add", employee.pk), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["warnings"]
    assert "The date has passed" in html
    assert 'name="confirm" value="1"' in html
    assert "Save anyway" in html
    assert response.context["open_form"] == "checkpoint"
    assert not Checkpoint.objects.filter(topic="Held already").exists()
    response = client.post(url("checkpoint_add", employee.pk), {**data, "confirm": "1"})
    assert response.status_code == 302
    assert Checkpoint.objects.filter(topic="Held already").exists()


def test_adding_to_someone_elses_plan_is_404_and_changes_nothing(
    login, employee, other_manager, colleague, plan
):
    for who in (other_manager, colleague):
        client = login(who)
        assert (
            client.post(
                url("goal_add", employee.pk), {"text": "Mine", "horizon": "short"}
            ).status_code
            == 404
        )
        assert client.post(url("activity_add", employee.pk), activity_data()).status_code == 404
        assert (
            client.post(
                url("checkpoint_add", employee.pk), {"due_on": day(5), "topic": "x"}
            ).status_code
            == 404
        )
    assert PlanGoal.objects.count() == 1
    assert PlanActivity.objects.count() == 1
    assert Checkpoint.objects.count() == 1


# --- following up goals and activities ------------------------------------------------------


def test_the_activity_moves_on(login, employee, plan):
    activity = plan["activity"]
    response = login(employee).post(
        url("activity_status", activity.pk),
        {"status": "ongoing", "outcome": "", "reason": "", "revision": activity.revision},
    )
    assert response.status_code == 302
    assert response["Location"] == plan_url(employee) + f"#activity-{activity.pk}"
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.ONGOING
    assert HistoryEntry.objects.filter(action="plan_activity_status").exists()


def test_dropping_needs_a_reason(login, employee, plan):
    activity = plan["activity"]
    client = login(employee)
    response = client.post(
        url("activity_status", activity.pk),
        {"status": "dropped", "reason": "", "revision": activity.revision},
    )
    assert response.status_code == 400
    form = next(
        r["form"] for r in response.context["activities"] if r["activity"].pk == activity.pk
    )
    assert form.errors["reason"] == ["Say why the activity is dropped."]
    assert "Say why the activity is dropped." in response.content.decode()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED
    response = client.post(
        url("activity_status", activity.pk),
        {"status": "dropped", "reason": "No course this year", "revision": activity.revision},
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DROPPED
    assert activity.drop_reason == "No course this year"


def test_a_status_not_allowed_now_is_refused(login, employee, plan):
    activity = plan["activity"]
    response = login(employee).post(
        url("activity_status", activity.pk),
        {"status": "planned", "revision": activity.revision},
    )
    assert response.status_code == 400
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED


def test_a_stale_status_form_is_told(login, employee, manager, plan):
    activity = plan["activity"]
    stale = activity.revision
    from samtal.plans import services

    services.activity_set_status(
        actor=manager.user, activity=activity, status="ongoing", revision=stale
    )
    response = login(employee).post(
        url("activity_status", activity.pk), {"status": "done", "revision": stale}
    )
    assert response.status_code == 302
    assert any("Someone else changed this" in text for _level, text in messages_of(response))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.ONGOING


def test_the_goal_is_followed_up(login, employee, manager, plan):
    goal = plan["goal"]
    response = login(manager).post(
        url("goal_follow_up", goal.pk),
        {"status": "reached", "outcome": "Led the project", "revision": goal.revision},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.REACHED
    assert goal.outcome == "Led the project"
    html = login(employee).get(plan_url(employee)).content.decode()
    assert "Led the project" in html


def test_changing_an_item_of_someone_not_your_report_is_404(login, employee, other_manager, plan):
    activity, goal = plan["activity"], plan["goal"]
    client = login(other_manager)
    response = client.post(
        url("activity_status", activity.pk), {"status": "done", "revision": activity.revision}
    )
    assert response.status_code == 404
    response = client.post(
        url("goal_follow_up", goal.pk), {"status": "reached", "revision": goal.revision}
    )
    assert response.status_code == 404
    response = client.post(
        url("goal_edit", goal.pk),
        {"text": "Hijacked", "horizon": "short", "revision": goal.revision},
    )
    assert response.status_code == 404
    activity.refresh_from_db()
    goal.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED
    assert goal.status == GoalStatus.OPEN
    assert goal.text == "Lead a research project"


# --- editing ------------------------------------------------------------------------------


def test_the_goal_is_edited(login, employee, plan):
    goal = plan["goal"]
    client = login(employee)
    response = client.get(url("goal_edit", goal.pk))
    assert response.status_code == 200
    assert response.context["form"]["text"].value() == goal.text
    response = client.post(
        url("goal_edit", goal.pk),
        {
            "text": "Lead two projects",
            "horizon": "long",
            "unit_goal": "",
            "revision": goal.revision,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == plan_url(employee) + f"#goal-{goal.pk}"
    goal.refresh_from_db()
    assert goal.text == "Lead two projects"


def test_a_stale_edit_shows_what_is_saved(login, employee, manager, plan):
    goal = plan["goal"]
    stale = goal.revision
    from samtal.plans import services

    services.goal_update(
        actor=manager.user,
        goal=goal,
        data=services.GoalData(text="Manager's wording"),
        revision=stale,
    )
    response = login(employee).post(
        url("goal_edit", goal.pk),
        {"text": "Employee's wording", "horizon": "short", "unit_goal": "", "revision": stale},
    )
    assert response.status_code == 409
    assert response.context["form"]["text"].value() == "Manager's wording"
    assert "Someone else changed this" in response.content.decode()
    goal.refresh_from_db()
    assert goal.text == "Manager's wording"


def test_the_activity_is_edited_and_bad_dates_refused(login, employee, plan):
    activity = plan["activity"]
    client = login(employee)
    assert client.get(url("activity_edit", activity.pk)).status_code == 200
    bad = activity_data(starts_on=day(30), ends_on=day(1), revision=activity.revision)
    response = client.post(url("activity_edit", activity.pk), bad)
    assert response.status_code == 400
    assert response.context["form"].errors["ends_on"]
    activity.refresh_from_db()
    assert activity.description == "Project management course"
    good = activity_data(description="Leadership course", revision=activity.revision)
    assert client.post(url("activity_edit", activity.pk), good).status_code == 302
    activity.refresh_from_db()
    assert activity.description == "Leadership course"


def test_moving_a_checkpoint_into_the_past_needs_confirmation(login, employee, plan):
    backdate_plan(employee)
    checkpoint = plan["checkpoint"]
    client = login(employee)
    assert client.get(url("checkpoint_edit", checkpoint.pk)).status_code == 200
    data = {
        "due_on": day(-2),
        "topic": "Held early",
        "activity": "",
        "revision": checkpoint.revision,
    }
    response = client.post(url("checkpoint_edit", checkpoint.pk), data)
    assert response.status_code == 200
    assert response.context["warnings"]
    assert "Save anyway" in response.content.decode()
    checkpoint.refresh_from_db()
    assert checkpoint.topic != "Held early"
    response = client.post(url("checkpoint_edit", checkpoint.pk), {**data, "confirm": "1"})
    assert response.status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.topic == "Held early"


def test_a_proposed_item_is_edited_by_the_note_taker_through_the_record(login, employee, manager):
    record = held_record(employee)  # the manager takes notes
    goal = add_goal(employee, manager.user, "Proposed goal", talk=record.talk)
    data = {"text": "Better goal", "horizon": "short", "unit_goal": "", "revision": goal.revision}
    # The employee is a party but not the note-taker.
    assert login(employee).get(url("goal_edit", goal.pk)).status_code == 403
    assert login(employee).post(url("goal_edit", goal.pk), data).status_code == 403
    client = login(manager)
    assert client.get(url("goal_edit", goal.pk)).status_code == 200
    response = client.post(url("goal_edit", goal.pk), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("talks:talk_record", args=[record.talk.pk]) + "#plan"
    goal.refresh_from_db()
    assert goal.text == "Better goal"
    assert goal.agreed_at is None


def test_a_proposed_item_is_not_followed_up_before_agreement(login, employee, manager):
    record = held_record(employee)
    goal = add_goal(employee, manager.user, "Proposed goal", talk=record.talk)
    response = login(manager).post(
        url("goal_follow_up", goal.pk), {"status": "reached", "revision": goal.revision}
    )
    assert response.status_code == 302
    assert any("followed up once agreed" in text for _level, text in messages_of(response))
    goal.refresh_from_db()
    assert goal.status == GoalStatus.OPEN


def test_a_proposed_item_is_hidden_from_others(login, employee, manager, other_manager):
    record = held_record(employee)
    goal = add_goal(employee, manager.user, "Proposed goal", talk=record.talk)
    assert login(other_manager).get(url("goal_edit", goal.pk)).status_code == 404


# --- checkpoints ----------------------------------------------------------------------------


def test_a_checkpoint_is_completed(login, employee, manager, plan):
    checkpoint = plan["checkpoint"]
    client = login(employee)
    response = client.get(url("checkpoint_complete", checkpoint.pk))
    assert response.status_code == 200
    assert "Record the outcome of the checkpoint" in response.content.decode()
    response = client.post(
        url("checkpoint_complete", checkpoint.pk), {"outcome": "", "revision": checkpoint.revision}
    )
    assert response.status_code == 400
    response = client.post(
        url("checkpoint_complete", checkpoint.pk),
        {"outcome": "Course half done", "revision": checkpoint.revision},
    )
    assert response.status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.DONE
    assert checkpoint.completed_by == employee.user
    # Done: completing again is refused with a reason, nothing changes.
    response = client.post(
        url("checkpoint_complete", checkpoint.pk),
        {"outcome": "Again", "revision": checkpoint.revision},
    )
    assert response.status_code == 302
    assert ("error", "The checkpoint is already done or cancelled.") in messages_of(response)
    checkpoint.refresh_from_db()
    assert checkpoint.outcome == "Course half done"


def test_a_stale_complete_form_shows_the_current_checkpoint(login, employee, manager, plan):
    checkpoint = plan["checkpoint"]
    stale = checkpoint.revision
    from samtal.plans import services

    services.checkpoint_update(
        actor=manager.user,
        checkpoint=checkpoint,
        data=services.CheckpointData(due_on=checkpoint.due_on, topic="New topic"),
        revision=stale,
    )
    response = login(employee).post(
        url("checkpoint_complete", checkpoint.pk), {"outcome": "Done", "revision": stale}
    )
    assert response.status_code == 409
    assert "New topic" in response.content.decode()
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.PLANNED


def test_a_checkpoint_is_cancelled_with_a_reason(login, employee, manager, plan):
    checkpoint = plan["checkpoint"]
    client = login(manager)
    assert client.get(url("checkpoint_cancel", checkpoint.pk)).status_code == 200
    response = client.post(
        url("checkpoint_cancel", checkpoint.pk), {"reason": "", "revision": checkpoint.revision}
    )
    assert response.status_code == 400
    response = client.post(
        url("checkpoint_cancel", checkpoint.pk),
        {"reason": "Course moved to next year", "revision": checkpoint.revision},
    )
    assert response.status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.CANCELLED


def test_a_follow_up_meeting_is_booked_with_an_invitation(
    login, employee, manager, plan, django_capture_on_commit_callbacks
):
    checkpoint = plan["checkpoint"]
    client = login(manager)
    assert client.get(url("checkpoint_ics", checkpoint.pk)).status_code == 404  # no meeting yet
    assert client.get(url("checkpoint_meeting", checkpoint.pk)).status_code == 200
    when = (timezone.localdate() + dt.timedelta(days=20)).isoformat() + "T13:00"
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat() + "T13:00"
    response = client.post(
        url("checkpoint_meeting", checkpoint.pk),
        {
            "meeting_at": past,
            "meeting_minutes": 30,
            "place": "Room 3",
            "revision": checkpoint.revision,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["meeting_at"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("checkpoint_meeting", checkpoint.pk),
            {
                "meeting_at": when,
                "meeting_minutes": 30,
                "place": "Room 3",
                "revision": checkpoint.revision,
            },
        )
    assert response.status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.meeting_at is not None
    assert checkpoint.place == "Room 3"
    recipients = set(
        OutgoingEmail.objects.filter(kind="checkpoint_meeting").values_list(
            "recipient_id", flat=True
        )
    )
    assert recipients == {employee.user_id, manager.user_id}
    html = login(employee).get(plan_url(employee)).content.decode()
    assert url("checkpoint_ics", checkpoint.pk) in html
    response = login(employee).get(url("checkpoint_ics", checkpoint.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content
    assert b"Room 3" in response.content


# --- the plan follows the employee -------------------------------------------------------------


def test_the_new_manager_takes_over_the_plan(login, employee, manager, other_manager, plan):
    Person.objects.filter(pk=employee.pk).update(manager=other_manager)
    assert login(manager).get(plan_url(employee)).status_code == 404
    client = login(other_manager)
    response = client.get(plan_url(employee))
    assert response.status_code == 200
    assert "Lead a research project" in response.content.decode()
    checkpoint = plan["checkpoint"]
    response = client.post(
        url("checkpoint_complete", checkpoint.pk),
        {"outcome": "Followed up by the new manager", "revision": checkpoint.revision},
    )
    assert response.status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.DONE
    # The old manager can no longer change anything.
    activity = plan["activity"]
    response = login(manager).post(
        url("activity_status", activity.pk), {"status": "done", "revision": activity.revision}
    )
    assert response.status_code == 404
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED


# --- queries ----------------------------------------------------------------------------------


def _grow(employee, manager, n: int) -> None:
    for index in range(n):
        goal = add_goal(employee, manager.user, f"Goal {index}")
        activity = add_activity(
            employee, manager.user, f"Activity {index}", data={"goal_id": goal.pk}
        )
        add_checkpoint(
            employee, manager.user, days_ahead=index + 1, data={"activity_id": activity.pk}
        )


def _page_queries(client, person) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(plan_url(person))
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("who", ["employee", "hr_policy"])
def test_the_plan_page_query_count_does_not_grow(request, login, employee, manager, who):
    unit_goal(employee.unit)
    client = login(request.getfixturevalue(who))
    _grow(employee, manager, 1)
    small = _page_queries(client, employee)
    _grow(employee, manager, 8)
    Checkpoint.objects.filter(pk__in=Checkpoint.objects.order_by("id")[:3].values("id")).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert _page_queries(client, employee) == small
