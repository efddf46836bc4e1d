"""Reminders of work-environment actions: queued by the re-runnable `send_reminders` command,
N days before the due date and once when it has passed, to the person responsible and the
managers keeping the unit's register; each sent once, again only for a new date, checked
again when sent, and found in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samtal.core.emails import emails_send_pending
from samtal.core.models import OutgoingEmail
from samtal.organisation.models import Person
from samtal.organisation.tests.factories import PersonFactory
from samtal.workenv import services
from samtal.workenv.models import Action, Observation
from samtal.workenv.reminders import action_reminders_queue
from samtal.workenv.services import ActionData
from samtal.workenv.tests.factories import action, assess, held_talk, observation, outside_risk

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DUE_IN = 30
KINDS = ["action_due", "action_overdue"]


@pytest.fixture(autouse=True)
def _remind_7_days_ahead(settings):
    settings.SAMTAL_ACTION_REMIND_DAYS = 7


def run(capture: Any, today: dt.date) -> str:
    out = io.StringIO()
    with capture(execute=True):
        call_command("send_reminders", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


def reminders(kind: str | None = None) -> list[tuple[int, str]]:
    rows = OutgoingEmail.objects.filter(kind__in=[kind] if kind else KINDS)
    return sorted(rows.values_list("recipient_id", "status"))


def sent_to(*people: Any, status: str = "sent") -> list[tuple[int, str]]:
    return sorted((person.user_id, status) for person in people)


@pytest.fixture
def risk(employee, manager):
    return assess(observation(held_talk(employee)), manager)


@pytest.fixture
def item(risk, manager, colleague) -> Action:
    """An action the colleague is responsible for, due in 30 days."""
    return action(risk, manager, due_in_days=DUE_IN, responsible=colleague)


def day(item: Action, offset: int) -> dt.date:
    """`offset` days after the action's due date (negative: before)."""
    return Action.objects.get(pk=item.pk).due_on + dt.timedelta(days=offset)


def move(item: Action, manager: Any, days: int) -> Action:
    current = Action.objects.get(pk=item.pk)
    return services.action_update(
        actor=manager.user,
        action=current,
        data=ActionData(
            what=current.what,
            due_on=current.due_on + dt.timedelta(days=days),
            responsible_id=current.responsible_id,
            responsible_other=current.responsible_other,
            cost=current.cost,
        ),
        revision=current.revision,
    )


def test_each_reminder_is_sent_once(item, manager, colleague, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert "0 reminder(s) of work-environment actions due soon" in run(capture, day(item, -8))
    output = run(capture, day(item, -7))
    assert "2 reminder(s) of work-environment actions due soon" in output
    assert "0 reminder(s) of overdue work-environment actions" in output
    assert "0 reminder(s) of work-environment actions due soon" in run(capture, day(item, -7))
    for offset in (-3, -1, 0):
        run(capture, day(item, offset))
    assert reminders("action_due") == sent_to(colleague, manager)
    assert len(mail.outbox) == 3  # the assignment and the two reminders

    output = run(capture, day(item, 1))
    assert "2 reminder(s) of overdue work-environment actions" in output
    for offset in (1, 2, 20):
        assert "0 reminder(s) of overdue work-environment actions" in run(
            capture, day(item, offset)
        )
    assert reminders("action_overdue") == sent_to(colleague, manager)
    assert len(mail.outbox) == 5


def test_running_the_queue_twice_queues_nothing_new(item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = action_reminders_queue(today=day(item, -2))
        second = action_reminders_queue(today=day(item, -2))
    assert (first.due, first.overdue) == (2, 0)
    assert (second.due, second.overdue) == (0, 0)


def test_a_moved_date_reminds_again(item, manager, colleague, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    run(capture, day(item, -7))
    assert reminders("action_due") == sent_to(colleague, manager)
    moved = move(item, manager, 14)
    assert "0 reminder(s) of work-environment actions due soon" in run(capture, day(moved, -8))
    assert "2 reminder(s) of work-environment actions due soon" in run(capture, day(moved, -7))
    assert reminders("action_due") == sent_to(colleague, manager, colleague, manager)
    keys = OutgoingEmail.objects.filter(kind="action_due").values_list("key", flat=True)
    assert {key.split(":")[3] for key in keys} == {
        (moved.due_on - dt.timedelta(days=14)).isoformat(),
        moved.due_on.isoformat(),
    }


def test_a_reminder_queued_before_the_date_moved_is_not_sent(
    item, manager, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    action_reminders_queue(today=day(item, -7))  # queued, not sent (no commit yet)
    move(item, manager, 14)
    emails_send_pending()
    assert {status for _user, status in reminders("action_due")} == {"skipped"}
    assert [m for m in mail.outbox if "to be done by" in m.subject] == []


@pytest.mark.parametrize("effective", [True, False])
def test_a_closed_action_is_not_reminded_of(
    item, manager, effective, django_capture_on_commit_callbacks
):
    current = Action.objects.get(pk=item.pk)
    services.action_follow_up(
        actor=manager.user,
        action=current,
        effective=effective,
        outcome="Done early.",
        revision=current.revision,
    )
    capture = django_capture_on_commit_callbacks
    for offset in (-7, -1, 1, 5):
        run(capture, day(item, offset))
    assert reminders() == []


def test_an_action_closed_after_queuing_is_skipped(item, manager):
    action_reminders_queue(today=day(item, 2))
    current = Action.objects.get(pk=item.pk)
    services.action_follow_up(
        actor=manager.user,
        action=current,
        effective=True,
        outcome="Done.",
        revision=current.revision,
    )
    mail.outbox.clear()
    emails_send_pending()
    assert {status for _user, status in reminders("action_overdue")} == {"skipped"}
    assert mail.outbox == []


def test_a_started_action_is_still_reminded_of(item, manager, django_capture_on_commit_callbacks):
    current = Action.objects.get(pk=item.pk)
    services.action_start(actor=manager.user, action=current, revision=current.revision)
    run(django_capture_on_commit_callbacks, day(item, -1))
    assert len(reminders("action_due")) == 2


def test_an_action_overdue_for_long_is_not_reminded_of_on_a_first_run(
    item, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks, day(item, 31))
    assert reminders() == []


# --- recipients -----------------------------------------------------------------------------


def test_the_manager_responsible_for_their_own_action_gets_one_email(
    risk, manager, employee, django_capture_on_commit_callbacks
):
    own = action(risk, manager, responsible=manager)
    run(django_capture_on_commit_callbacks, day(own, -1))
    assert reminders("action_due") == sent_to(manager)


def test_someone_outside_samtal_responsible_leaves_the_manager(
    risk, manager, employee, django_capture_on_commit_callbacks
):
    current = Observation.objects.get(pk=risk.pk)
    made = services.action_add(
        actor=manager.user,
        observation=current,
        data=ActionData(
            what="Fix the light.",
            due_on=TODAY + dt.timedelta(days=3),
            responsible_other="Facilities office",
        ),
    )
    run(django_capture_on_commit_callbacks, day(made, -1))
    assert reminders("action_due") == sent_to(manager)


def test_every_manager_keeping_the_register_is_reminded_and_nobody_else(
    item,
    manager,
    colleague,
    employee,
    dept,
    other_manager,
    other_employee,
    hr,
    safety_rep,
    django_capture_on_commit_callbacks,
):
    # A second manager with a report in the department keeps its register too.
    deputy = PersonFactory(unit=dept, first_name="Dag", user__email="deputy@example.se")
    PersonFactory(unit=dept, manager=deputy)
    run(django_capture_on_commit_callbacks, day(item, -1))
    assert reminders("action_due") == sent_to(colleague, manager, deputy)


def test_an_inactive_responsible_is_not_reminded(
    item, manager, colleague, django_capture_on_commit_callbacks
):
    Person.objects.filter(pk=colleague.pk).update(is_active=False)
    run(django_capture_on_commit_callbacks, day(item, -1))
    assert reminders("action_due") == sent_to(manager)


def test_a_manager_who_no_longer_keeps_the_register_is_skipped_at_sending(
    item, manager, colleague, employee, other_manager
):
    action_reminders_queue(today=day(item, -1))
    # The manager's reports move to another manager before the reminder goes out.
    Person.objects.filter(manager=manager).update(manager=other_manager)
    mail.outbox.clear()
    emails_send_pending()
    assert reminders("action_due") == sorted(
        [(colleague.user_id, "sent"), (manager.user_id, "skipped")]
    )


# --- scale ----------------------------------------------------------------------------------


def add_actions(count: int, risks: list[Any], people: list[Any]) -> None:
    Action.objects.bulk_create(
        Action(
            observation=risks[n % len(risks)],
            unit_id=risks[n % len(risks)].unit_id,
            what=f"Action {n}",
            responsible=people[n % len(people)],
            due_on=TODAY + dt.timedelta(days=n % 3 - 1),  # yesterday, today, tomorrow
        )
        for n in range(count)
    )


def queries_for(count: int, risks: list[Any], people: list[Any]) -> int:
    Action.objects.all().delete()
    OutgoingEmail.objects.all().delete()
    add_actions(count, risks, people)
    with CaptureQueriesContext(connection) as queries:
        run_ = action_reminders_queue(today=TODAY)
    assert run_.due + run_.overdue >= count
    return len(queries)


def test_the_queries_do_not_grow_with_the_actions(
    risk, dept, other_dept, manager, other_manager, employee, colleague, other_employee
):
    risks = [assess(risk, manager), assess(outside_risk(other_dept, other_manager), other_manager)]
    people = [employee, colleague, other_employee]
    assert queries_for(2, risks, people) == queries_for(20, risks, people)
