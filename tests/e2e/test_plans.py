"""The development plan in a real browser, from one talk to the next: the manager proposes a
goal (linked to the unit's goal), an activity and a checkpoint in the record, both agree, the
checkpoint's reminder reaches both, the employee completes it and marks the activity done,
and next year's preparation opens with the outcomes. The manager follows the team up, HR
sees the competence needs without any name. Every page is scanned with axe-core, in Swedish
and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from samtal.accounts.tests.factories import PASSWORD
from samtal.organisation.models import Person
from samtal.plans.models import ActivityStatus, Checkpoint, CheckpointStatus, PlanActivity
from samtal.plans.tests.factories import unit_goal
from samtal.talks.models import Record, TalkStatus
from samtal.talks.tests.factories import TalkFactory
from tests.e2e.conftest import log_in
from tests.e2e.test_journeys import check_page, prefer, visit
from tests.e2e.test_talks import log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GOAL = "Handleda en doktorand på egen hand"
ACTIVITY = "Kurs i forskarhandledning, 3 hp"
TOPIC = "Hur går handledarkursen?"
CHECKPOINT_OUTCOME = "Kursen är halvvägs; första handledningsmötet är bokat."
ACTIVITY_OUTCOME = "Kursen klar med godkänt resultat."


def open_form(page: Page, action: str) -> Locator:
    """The form posting to `action`, its folded-away box opened as a user would."""
    form = page.locator(f"main form[action^='{action}']")
    box = page.locator("main details", has=page.locator(f"form[action^='{action}']"))
    if box.count() and not box.first.evaluate("d => d.open"):
        box.first.locator("summary").first.click()
    return form


def submit(page: Page, action: str) -> None:
    page.locator(f"main form[action^='{action}'] button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_plan_from_one_talk_to_the_next(
    page: Page, language: str, employee: Person, manager: Person, hr: Person, mailoutbox
) -> None:
    for person in (employee, manager, hr):
        prefer(person, language)
    today = timezone.localdate()
    goal_of_unit = unit_goal(
        employee.unit,
        title_sv="Stärkt handledning",
        title_en="Stronger supervision",
    )
    talk = TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        place="Tallen",
        response="accepted",
    )
    base = f"/talks/{talk.pk}"
    plans = f"/plans/talk/{talk.pk}"
    due = today + dt.timedelta(days=20)

    # The manager holds the talk and proposes the plan in the record.
    log_in(page, "manager@example.se", PASSWORD)
    visit(page, f"{base}/", language)
    submit(page, f"{base}/held/")
    visit(page, f"{base}/record/", language)
    expect(page.locator("#plan")).to_contain_text(
        goal_of_unit.title_sv if language == "sv" else goal_of_unit.title_en
    )
    form = open_form(page, f"{plans}/goals/add/")
    form.locator("[name=text]").fill(GOAL)
    form.locator("select[name=unit_goal]").select_option(str(goal_of_unit.pk))
    submit(page, f"{plans}/goals/add/")
    check_page(page, language)
    form = open_form(page, f"{plans}/activities/add/")
    form.locator("select[name=activity_type]").select_option("course")
    form.locator("[name=description]").fill(ACTIVITY)
    form.locator("[name=starts_on]").fill((today + dt.timedelta(days=7)).isoformat())
    form.locator("[name=ends_on]").fill((today + dt.timedelta(days=60)).isoformat())
    form.locator("[name=hours]").fill("40")
    form.locator("[name=cost]").fill("6000")
    submit(page, f"{plans}/activities/add/")
    check_page(page, language)
    form = open_form(page, f"{plans}/checkpoints/add/")
    form.locator("[name=due_on]").fill(due.isoformat())
    form.locator("[name=topic]").fill(TOPIC)
    submit(page, f"{plans}/checkpoints/add/")
    check_page(page, language)
    expect(page.locator("#plan")).to_contain_text(GOAL)
    expect(page.locator("#plan")).to_contain_text(ACTIVITY)
    expect(page.locator("#plan")).to_contain_text(TOPIC)

    # The record with its plan is sent and agreed by both.
    submit(page, f"{base}/record/send/")
    check_page(page, language)
    submit(page, f"{base}/record/agree/")
    log_out(page)
    log_in(page, "employee@example.se", PASSWORD)
    visit(page, f"{base}/record/", language)
    expect(page.locator("main")).to_contain_text(ACTIVITY)
    submit(page, f"{base}/record/agree/")
    check_page(page, language)
    assert Record.objects.get(talk=talk).state == "agreed"
    checkpoint = Checkpoint.objects.get(plan__person=employee)
    activity = PlanActivity.objects.get(plan__person=employee)
    assert checkpoint.agreed_at is not None
    assert activity.agreed_at is not None

    # A week before the checkpoint both are reminded, once however often the job runs.
    mailoutbox.clear()
    for _ in range(2):
        call_command("send_reminders", today=due - dt.timedelta(days=7))
    reminded = sorted(m.to[0] for m in mailoutbox)
    assert reminded == ["employee@example.se", "manager@example.se"]
    assert any(TOPIC in m.body for m in mailoutbox)

    # The employee follows the plan up: the checkpoint's outcome, the activity done.
    visit(page, "/plans/", language)
    expect(page.locator("main")).to_contain_text(TOPIC)
    visit(page, f"/plans/checkpoints/{checkpoint.pk}/complete/", language)
    page.locator("main [name=outcome]").fill(CHECKPOINT_OUTCOME)
    submit(page, f"/plans/checkpoints/{checkpoint.pk}/complete/")
    check_page(page, language)
    status_form = open_form(page, f"/plans/activities/{activity.pk}/status/")
    status_form.locator("select[name=status]").select_option("done")
    status_form.locator("[name=outcome]").fill(ACTIVITY_OUTCOME)
    submit(page, f"/plans/activities/{activity.pk}/status/")
    check_page(page, language)
    checkpoint.refresh_from_db()
    activity.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.DONE
    assert activity.status == ActivityStatus.DONE

    # Next year's talk: its preparation opens with the plan and what came of it.
    next_talk = TalkFactory(employee=employee)
    visit(page, f"/talks/{next_talk.pk}/prepare/", language)
    expect(page.locator("main")).to_contain_text(ACTIVITY_OUTCOME)
    expect(page.locator("main")).to_contain_text(CHECKPOINT_OUTCOME)
    log_out(page)

    # The manager's follow-up and the unit's goals.
    log_in(page, "manager@example.se", PASSWORD)
    visit(page, "/plans/follow-up/", language)
    expect(page.locator("main")).to_contain_text(employee.last_name)
    visit(page, f"/plans/{employee.pk}/", language)
    visit(page, "/plans/unit-goals/", language)
    log_out(page)

    # HR sees the competence needs as aggregates only, and no one's plan.
    log_in(page, "hr@example.se", PASSWORD)
    visit(page, "/plans/competence/", language)
    for name in (employee.full_name, employee.first_name, manager.full_name):
        expect(page.locator("main")).not_to_contain_text(name)
    visit(page, f"/plans/{employee.pk}/", language, status=404)
