"""The development plan inside a talk's record: the note-taker proposes goals, activities and
checkpoints, the other party reads them, they join the plan when both agree to the record
(and are frozen into the agreed version), a correction can propose more; who is refused;
bad input; voiding a version waiting for agreement; a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samtal.core.models import OrgPolicy
from samtal.plans.models import Checkpoint, DevelopmentPlan, PlanActivity, PlanGoal
from samtal.plans.selectors import default_goal_year
from samtal.plans.tests.factories import (
    add_activity,
    add_checkpoint,
    add_goal,
    agree_record,
    held_record,
    unit_goal,
)
from samtal.talk_templates.tests.factories import make_draft, make_question, make_section
from samtal.talks import record as rec
from samtal.talks.content_selectors import content_answer
from samtal.talks.models import Agreement, Record

pytestmark = pytest.mark.django_db

NOT_PARTIES = ["hr", "admin_user", "safety_rep", "colleague", "other_manager", "other_employee"]
ADDS = ["record_goal_add", "record_activity_add", "record_checkpoint_add"]


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.fixture
def record(employee) -> Record:
    return held_record(employee)


def url(name: str, record: Record, *args: Any) -> str:
    return reverse(f"plans:{name}", args=[record.talk_id, *args])


def record_url(record: Record) -> str:
    return reverse("talks:talk_record", args=[record.talk_id])


def allow_hr_to_read_records() -> None:
    OrgPolicy.current()
    OrgPolicy.objects.update(hr_may_read_records=True)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def fresh(record: Record) -> Record:
    return Record.objects.select_related("current_version", "agreed_version", "talk").get(
        pk=record.pk
    )


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


GOAL = {"text": "Lead a research project", "horizon": "short"}
ACTIVITY = {
    "activity_type": "course",
    "description": "Project management course",
    "responsible": "employee",
    "starts_on": "",
    "ends_on": "",
}


def checkpoint_data(**extra: Any) -> dict[str, Any]:
    return {"due_on": in_days(60), "topic": "How did the course go?", **extra}


# --- the note-taker proposes ------------------------------------------------------------------


def test_note_taker_proposes_goal_activity_and_checkpoint(login, record, manager, dept):
    linked = unit_goal(dept, title_en="More external funding")
    client = login(manager)

    response = client.post(url("record_goal_add", record), {**GOAL, "unit_goal": linked.pk})
    assert response.status_code == 302
    assert response["Location"] == record_url(record) + "#plan"
    goal = PlanGoal.objects.get()
    assert (goal.origin_talk_id, goal.agreed_at, goal.unit_goal) == (record.talk_id, None, linked)
    assert "joins the plan when you both agree" in messages_of(response)[0]

    response = client.post(url("record_activity_add", record), {**ACTIVITY, "goal": goal.pk})
    assert response.status_code == 302
    activity = PlanActivity.objects.get()
    assert (activity.goal, activity.agreed_at) == (goal, None)

    response = client.post(
        url("record_checkpoint_add", record), checkpoint_data(activity=activity.pk)
    )
    assert response.status_code == 302
    checkpoint = Checkpoint.objects.get()
    assert (checkpoint.activity, checkpoint.origin_talk_id) == (activity, record.talk_id)

    page = client.get(record_url(record)).content.decode()
    assert 'id="plan"' in page
    assert "The development plan" in page
    assert "More external funding" in page  # the unit's goal, and the link to it
    assert "Lead a research project" in page
    assert "Project management course" in page
    assert "How did the course go?" in page
    assert page.count("proposed, joins the plan when you both agree") == 3
    assert reverse("plans:goal_edit", args=[goal.pk]) in page
    assert reverse("plans:activity_edit", args=[activity.pk]) in page
    assert reverse("plans:checkpoint_edit", args=[checkpoint.pk]) in page
    assert url("record_item_remove", record, "goal", goal.pk) in page
    assert url("record_goal_add", record) in page


def test_employee_as_note_taker_proposes(login, employee):
    record = held_record(employee, note_taker="employee")
    response = login(employee).post(url("record_goal_add", record), GOAL)
    assert response.status_code == 302
    assert PlanGoal.objects.get().created_by == employee.user


def test_other_party_reads_the_proposals_without_forms(login, record, manager, employee):
    goal = add_goal(employee, manager.user, talk=record.talk)
    page = login(employee).get(record_url(record)).content.decode()
    assert goal.text in page
    assert "proposed, joins the plan when you both agree" in page
    assert url("record_goal_add", record) not in page
    assert url("record_item_remove", record, "goal", goal.pk) not in page
    # ... and comments on the record as usual.
    assert reverse("talks:record_comment", args=[record.talk_id]) in page


def test_the_unit_goals_of_the_talks_year_are_shown(login, record, manager, dept, faculty):
    year = default_goal_year()
    unit_goal(dept, title_en="Department goal this year")
    unit_goal(faculty, title_en="Faculty goal this year")
    unit_goal(dept, year=year - 1, title_en="Goal of last year")
    unit_goal(dept, published=False, title_en="A draft goal")
    page = login(manager).get(record_url(record)).content.decode()
    assert "Department goal this year" in page
    assert "Faculty goal this year" in page
    assert "Goal of last year" not in page
    assert "A draft goal" not in page


def test_the_plan_so_far_shows_earlier_agreed_items_with_status(login, employee, manager):
    earlier = add_goal(employee, manager.user, text="An earlier goal")  # during the year
    record = held_record(employee)
    page = login(manager).get(record_url(record)).content.decode()
    so_far = page.split('id="plan-so-far-heading"')[1]
    assert earlier.text in so_far
    assert "Open" in so_far


# --- where the section is --------------------------------------------------------------------


def test_section_comes_before_what_may_be_passed_on_without_plan_questions(login, record, manager):
    page = login(manager).get(record_url(record)).content.decode()
    assert page.index('id="plan"') < page.index('id="passed-on"')
    assert page.index('id="plan"') > page.index("Section equal_conditions")


def test_section_follows_the_template_section_with_plan_questions(login, employee, manager):
    version = make_draft()
    plan_section = make_section(version, "development_plan")
    make_question(plan_section, "goals", question_type="plan_item")
    summary = make_section(version, "summary")
    make_question(summary, "summary")
    version = published_version_of(version)
    record = held_record(employee, template_version=version)
    page = login(manager).get(record_url(record)).content.decode()
    plan_at = page.index('id="plan"')
    assert page.index("Section development_plan") < plan_at < page.index("Section summary")


def published_version_of(version: Any) -> Any:
    from samtal.talk_templates.models import TemplateVersion, VersionStatus

    TemplateVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


# --- who is refused -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ADDS)
def test_other_party_gets_403(login, record, employee, name):
    data = {"goal": GOAL, "activity": ACTIVITY, "checkpoint": checkpoint_data()}[name.split("_")[1]]
    response = login(employee).post(url(name, record), data)
    assert response.status_code == 403
    assert not (PlanGoal.objects.exists())
    assert not (PlanActivity.objects.exists())
    assert not Checkpoint.objects.exists()


def test_other_party_gets_403_even_with_bad_input(login, record, employee):
    response = login(employee).post(url("record_goal_add", record), {"text": ""})
    assert response.status_code == 403


def test_other_party_cannot_remove(login, record, manager, employee):
    goal = add_goal(employee, manager.user, talk=record.talk)
    response = login(employee).post(url("record_item_remove", record, "goal", goal.pk))
    assert response.status_code == 403
    assert PlanGoal.objects.filter(pk=goal.pk).exists()


@pytest.mark.parametrize("who", NOT_PARTIES)
def test_non_parties_get_404(request, login, record, manager, employee, who):
    goal = add_goal(employee, manager.user, talk=record.talk)
    client = login(request.getfixturevalue(who))
    for name in ADDS:
        assert client.post(url(name, record), GOAL).status_code == 404
    assert client.post(url("record_item_remove", record, "goal", goal.pk)).status_code == 404
    assert PlanGoal.objects.count() == 1


def test_hr_allowed_to_read_records_still_cannot_propose(login, record, hr):
    allow_hr_to_read_records()
    assert login(hr).post(url("record_goal_add", record), GOAL).status_code == 404


def test_talk_without_record_is_404(login, employee, manager):
    from samtal.talks.tests.factories import booked_talk

    talk = booked_talk(employee)
    response = login(manager).post(reverse("plans:record_goal_add", args=[talk.pk]), GOAL)
    assert response.status_code == 404


@pytest.mark.parametrize("name", ADDS)
def test_get_is_405(login, record, manager, name):
    assert login(manager).get(url(name, record)).status_code == 405


def test_remove_get_is_405_and_unknown_kind_404(login, record, manager, employee):
    goal = add_goal(employee, manager.user, talk=record.talk)
    client = login(manager)
    assert client.get(url("record_item_remove", record, "goal", goal.pk)).status_code == 405
    assert client.post(url("record_item_remove", record, "wish", goal.pk)).status_code == 404
    # An item of another talk is not found through this one.
    other = held_record(employee)
    assert client.post(url("record_item_remove", other, "goal", goal.pk)).status_code == 404


# --- bad input ------------------------------------------------------------------------------


def test_activity_ending_before_it_starts_is_refused_on_the_form_page(login, record, manager):
    response = login(manager).post(
        url("record_activity_add", record),
        {**ACTIVITY, "starts_on": in_days(30), "ends_on": in_days(10)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The planned end is before the planned start." in page
    assert 'action="' + url("record_activity_add", record) + '"' in page
    assert "Project management course" in page  # the form keeps what was written
    assert not PlanActivity.objects.exists()


def test_missing_goal_text_is_refused(login, record, manager):
    response = login(manager).post(
        url("record_goal_add", record), {"text": " ", "horizon": "short"}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not PlanGoal.objects.exists()


def test_unit_goal_of_another_unit_is_refused(login, record, manager, other_dept):
    foreign = unit_goal(other_dept)
    response = login(manager).post(
        url("record_goal_add", record), {**GOAL, "unit_goal": foreign.pk}
    )
    assert response.status_code == 400
    assert not PlanGoal.objects.exists()


def test_nul_in_text_is_refused(login, record, manager):
    response = login(manager).post(url("record_goal_add", record), {**GOAL, "text": "a\x00b"})
    assert response.status_code == 400
    assert not PlanGoal.objects.exists()


def test_checkpoint_in_the_past_asks_to_confirm(login, record, manager, employee):
    plan = DevelopmentPlan.objects.create(person=employee)
    DevelopmentPlan.objects.filter(pk=plan.pk).update(
        created_at=timezone.now() - dt.timedelta(days=90)
    )
    client = login(manager)
    data = checkpoint_data(due_on=in_days(-5), topic="Follow-up already held")
    response = client.post(url("record_checkpoint_add", record), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The date has passed" in page
    assert 'name="confirm" value="1"' in page
    assert not Checkpoint.objects.exists()

    response = client.post(url("record_checkpoint_add", record), {**data, "confirm": "1"})
    assert response.status_code == 302
    assert Checkpoint.objects.get().topic == "Follow-up already held"


def test_checkpoint_before_the_plan_existed_is_refused(login, record, manager):
    response = login(manager).post(
        url("record_checkpoint_add", record), checkpoint_data(due_on=in_days(-400), confirm="1")
    )
    assert response.status_code == 400
    assert "before the plan was created" in response.content.decode()
    assert not Checkpoint.objects.exists()


# --- removing a proposal ---------------------------------------------------------------------


def test_note_taker_removes_a_proposal(login, record, manager, employee):
    goal = add_goal(employee, manager.user, talk=record.talk)
    activity = add_activity(employee, manager.user, talk=record.talk, data={"goal_id": goal.pk})
    response = login(manager).post(url("record_item_remove", record, "goal", goal.pk))
    assert response.status_code == 302
    assert response["Location"] == record_url(record) + "#plan"
    assert not PlanGoal.objects.exists()
    activity.refresh_from_db()
    assert activity.goal_id is None
    assert "removed" in messages_of(response)[0]


# --- voiding, agreement and correction ------------------------------------------------------


def send(record: Record) -> Any:
    current = fresh(record)
    return rec.record_send(
        record=current, actor=current.talk.manager.user, revision=current.revision
    )


def test_adding_while_sent_voids_the_version(login, record, manager, employee):
    version = send(record)
    rec.record_agree(
        record=fresh(record),
        actor=employee.user,
        version_number=version.number,
        hash_=version.content_hash,
    )
    response = login(manager).post(url("record_goal_add", record), GOAL)
    assert response.status_code == 302
    current = fresh(record)
    assert current.state == Record.State.WRITING
    assert not Agreement.objects.filter(version=version, voided_at__isnull=True).exists()
    assert any("voided the agreements to version 1" in m for m in messages_of(response))


def test_removing_while_sent_voids_the_version(login, record, manager, employee):
    goal = add_goal(employee, manager.user, talk=record.talk)
    send(record)
    response = login(manager).post(url("record_item_remove", record, "goal", goal.pk))
    assert response.status_code == 302
    assert fresh(record).state == Record.State.WRITING
    assert any("voided the agreements" in m for m in messages_of(response))


def test_after_agreement_items_are_agreed_frozen_and_locked(login, record, manager, employee):
    client = login(manager)
    client.post(url("record_goal_add", record), GOAL)
    goal = PlanGoal.objects.get()
    client.post(url("record_activity_add", record), {**ACTIVITY, "goal": goal.pk})
    client.post(url("record_checkpoint_add", record), checkpoint_data())
    agreed = agree_record(record)

    for model in (PlanGoal, PlanActivity, Checkpoint):
        assert model.objects.get().agreed_at is not None
    assert agreed.agreed_version is not None
    section = next(s for s in agreed.agreed_version.content["sections"] if s["key"] == "plan_items")
    assert section["title_en"] == "The development plan: goals, activities and checkpoints"
    goals = next(q for q in section["questions"] if q["key"] == "plan_goals")
    assert "Lead a research project" in content_answer(goals, "en")
    assert "Short term" in content_answer(goals, "en")
    assert "Lead a research project" in content_answer(goals, "sv")
    assert {"answer_sv", "answer_en"} <= set(goals)  # written out in each language

    page = client.get(record_url(record)).content.decode()
    plan_part = page.split('id="plan"')[1].split('id="passed-on"')[0]
    assert plan_part.count(">agreed<") == 3
    assert "proposed, joins the plan" not in plan_part
    for name in ADDS:
        assert url(name, record) not in page
    assert "/remove/" not in plan_part

    response = client.post(url("record_goal_add", record), {**GOAL, "text": "Too late"})
    assert response.status_code == 302
    assert "agreed and locked" in messages_of(response)[0]
    assert not PlanGoal.objects.filter(text="Too late").exists()


def test_agreed_item_cannot_be_removed(login, record, manager, employee):
    goal = add_goal(employee, manager.user, talk=record.talk)
    agreed = agree_record(record)
    rec.record_correct(record=agreed, actor=manager.user, revision=agreed.revision)
    response = login(manager).post(url("record_item_remove", record, "goal", goal.pk))
    assert response.status_code == 302
    assert "Only an item proposed in a talk that is not agreed yet" in messages_of(response)[0]
    assert PlanGoal.objects.filter(pk=goal.pk).exists()


def test_a_correction_proposes_more_which_join_when_agreed(login, record, manager, employee):
    first = add_goal(employee, manager.user, talk=record.talk, text="First goal")
    agreed = agree_record(record)
    rec.record_correct(record=agreed, actor=manager.user, revision=agreed.revision)
    client = login(manager)

    response = client.post(url("record_goal_add", record), {**GOAL, "text": "Second goal"})
    assert response.status_code == 302
    second = PlanGoal.objects.get(text="Second goal")
    assert second.agreed_at is None

    page = client.get(record_url(record)).content.decode()
    plan_part = page.split('id="plan"')[1].split('id="passed-on"')[0]
    assert plan_part.count(">agreed<") == 1
    assert plan_part.count("proposed, joins the plan when you both agree") == 1
    assert url("record_item_remove", record, "goal", second.pk) in plan_part
    assert url("record_item_remove", record, "goal", first.pk) not in plan_part

    corrected = agree_record(fresh(record))
    assert corrected.agreed_version is not None
    second.refresh_from_db()
    assert second.agreed_at is not None
    section = next(
        s for s in corrected.agreed_version.content["sections"] if s["key"] == "plan_items"
    )
    text = content_answer(section["questions"][0], "en")
    assert "First goal" in text
    assert "Second goal" in text


def test_others_reading_the_agreed_version_see_the_frozen_plan(
    login, record, manager, employee, hr
):
    add_goal(employee, manager.user, talk=record.talk, text="A frozen goal")
    agree_record(record)
    allow_hr_to_read_records()
    page = login(hr).get(record_url(record)).content.decode()
    assert "The development plan: goals, activities and checkpoints" in page
    assert "A frozen goal" in page
    assert url("record_goal_add", record) not in page


# --- both languages, queries -----------------------------------------------------------------


def test_page_in_swedish(client, login, record, manager, employee):
    add_activity(employee, manager.user, talk=record.talk)
    client.cookies["samtal_language"] = "sv"
    response = login(manager).get(record_url(record))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="plan"' in page
    assert "Kurs eller utbildning" in page or "Course or training" in page


def test_item_form_page_in_swedish(client, login, record, manager):
    client.cookies["samtal_language"] = "sv"
    response = login(manager).post(url("record_goal_add", record), {"text": ""})
    assert response.status_code == 400
    assert '<html lang="sv">' in response.content.decode()


def _record_page_queries(client: Any, record: Record) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(record_url(record)).status_code == 200
    return len(queries)


def test_record_page_queries_do_not_grow_with_the_plan(login, employee, manager, dept, faculty):
    record = held_record(employee)
    unit_goal(dept)
    goal = add_goal(employee, manager.user, talk=record.talk)
    activity = add_activity(employee, manager.user, talk=record.talk, data={"goal_id": goal.pk})
    add_checkpoint(employee, manager.user, talk=record.talk, data={"activity_id": activity.pk})
    client = login(manager)
    small = _record_page_queries(client, record)

    for n in range(5):
        unit_goal(dept if n % 2 else faculty, title_en=f"Unit goal {n}")
        g = add_goal(employee, manager.user, talk=record.talk, text=f"Goal {n}")
        a = add_activity(employee, manager.user, talk=record.talk, data={"goal_id": g.pk})
        add_checkpoint(employee, manager.user, talk=record.talk, data={"activity_id": a.pk})
        earlier = add_goal(employee, manager.user, text=f"Earlier goal {n}")
        b = add_activity(employee, manager.user, data={"goal_id": earlier.pk})
        add_checkpoint(employee, manager.user, data={"activity_id": b.pk})
    large = _record_page_queries(client, record)
    assert large <= small
