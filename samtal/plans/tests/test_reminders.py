"""Checkpoint reminders: queued by the re-runnable `send_reminders` command, to both parties,
N days before and once when overdue; each sent once, again only for a new date, and checked
again when sent."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from samtal.core.models import OutgoingEmail
from samtal.organisation.models import Person
from samtal.organisation.services import person_set_manager
from samtal.organisation.tests.factories import PersonFactory
from samtal.plans import services
from samtal.plans.models import Checkpoint
from samtal.plans.tests.factories import add_checkpoint, add_goal, held_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DUE_IN = 30  # days from today to the checkpoint in most tests


@pytest.fixture(autouse=True)
def _remind_7_days_ahead(settings):
    settings.SAMTAL_CHECKPOINT_REMIND_DAYS = 7


def run(capture: Any, today: dt.date) -> str:
    out = io.StringIO()
    with capture(execute=True):
        call_command("send_reminders", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


def reminders(kind: str | None = None) -> list[tuple[int, str]]:
    rows = OutgoingEmail.objects.filter(
        kind__in=[kind] if kind else ["checkpoint_soon", "checkpoint_overdue"]
    )
    return sorted(rows.values_list("recipient_id", "status"))


def both(employee: Any, manager: Any, status: str = "sent") -> list[tuple[int, str]]:
    return sorted([(employee.user_id, status), (manager.user_id, status)])


def days_before(checkpoint: Checkpoint, days: int) -> dt.date:
    return checkpoint.due_on - dt.timedelta(days=days)


@pytest.fixture
def checkpoint(employee, manager) -> Checkpoint:
    return add_checkpoint(employee, manager.user, days_ahead=DUE_IN, topic="Course booked?")


def test_each_reminder_is_sent_once_to_both(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    assert "0 reminder(s) of checkpoints coming up" in run(capture, days_before(checkpoint, 8))
    output = run(capture, days_before(checkpoint, 7))
    assert "2 reminder(s) of checkpoints coming up, 0 reminder(s) of overdue checkpoints" in output
    assert "0 reminder(s) of checkpoints coming up" in run(capture, days_before(checkpoint, 7))
    for days in (3, 1, 0):
        run(capture, days_before(checkpoint, days))
    assert reminders("checkpoint_soon") == both(employee, manager)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee.user.email, manager.user.email])

    output = run(capture, days_before(checkpoint, -1))
    assert "0 reminder(s) of checkpoints coming up, 2 reminder(s) of overdue checkpoints" in output
    for days in (-1, -2, -10):
        assert "0 reminder(s) of overdue checkpoints" in run(capture, days_before(checkpoint, days))
    assert reminders("checkpoint_overdue") == both(employee, manager)
    assert len(mail.outbox) == 4


@pytest.mark.parametrize(
    ("days_before_due", "kind"),
    [
        (8, None),
        (7, "checkpoint_soon"),
        (1, "checkpoint_soon"),
        (0, "checkpoint_soon"),
        (-1, "checkpoint_overdue"),
        (-services.OVERDUE_REMIND_WITHIN_DAYS, "checkpoint_overdue"),
        (-services.OVERDUE_REMIND_WITHIN_DAYS - 1, None),
    ],
)
def test_what_a_first_run_queues_depends_on_the_date(
    days_before_due, kind, checkpoint, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks, days_before(checkpoint, days_before_due))
    kinds = set(OutgoingEmail.objects.values_list("kind", flat=True))
    assert kinds == ({kind} if kind else set())


def test_the_number_of_days_is_a_setting(checkpoint, settings, django_capture_on_commit_callbacks):
    settings.SAMTAL_CHECKPOINT_REMIND_DAYS = 14
    run(django_capture_on_commit_callbacks, days_before(checkpoint, 14))
    assert len(reminders("checkpoint_soon")) == 2


def test_an_employee_without_a_manager_is_reminded_alone(dept, django_capture_on_commit_callbacks):
    alone = PersonFactory(unit=dept, manager=None)
    checkpoint = add_checkpoint(alone, alone.user, days_ahead=DUE_IN)
    run(django_capture_on_commit_callbacks, days_before(checkpoint, 7))
    assert reminders() == [(alone.user_id, "sent")]
    [message] = mail.outbox
    assert message.to == [alone.user.email]


def test_after_a_change_of_manager_the_new_manager_is_reminded(
    checkpoint, employee, manager, dept, django_capture_on_commit_callbacks
):
    new = PersonFactory(unit=dept)
    person_set_manager(person=employee, manager=new, actor=None)
    run(django_capture_on_commit_callbacks, days_before(checkpoint, 7))
    assert reminders() == both(employee, new)


def test_a_moved_checkpoint_is_reminded_again(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    run(capture, days_before(checkpoint, 7))
    assert len(reminders("checkpoint_soon")) == 2
    moved = services.checkpoint_update(
        actor=employee.user,
        checkpoint=checkpoint,
        data=services.CheckpointData(
            due_on=checkpoint.due_on + dt.timedelta(days=14), topic=checkpoint.topic
        ),
        revision=checkpoint.revision,
    )
    run(capture, days_before(checkpoint, 6))  # the old date's window: nothing new
    assert len(reminders("checkpoint_soon")) == 2
    run(capture, days_before(moved, 7))
    assert reminders("checkpoint_soon") == sorted(both(employee, manager) * 2)
    assert len(mail.outbox) == 4


def test_a_queued_reminder_for_a_checkpoint_moved_meanwhile_is_skipped(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.checkpoint_reminders_queue(today=days_before(checkpoint, 7))
    services.checkpoint_update(
        actor=manager.user,
        checkpoint=checkpoint,
        data=services.CheckpointData(
            due_on=checkpoint.due_on + dt.timedelta(days=3), topic=checkpoint.topic
        ),
        revision=checkpoint.revision,
    )
    for callback in queued:
        callback()
    assert reminders() == both(employee, manager, "skipped")
    assert mail.outbox == []


@pytest.mark.parametrize("close", ["complete", "cancel"])
def test_a_checkpoint_closed_before_the_reminder_is_not_reminded(
    close, checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    if close == "complete":
        services.checkpoint_complete(
            actor=employee.user, checkpoint=checkpoint, outcome="Done early.", revision=1
        )
    else:
        services.checkpoint_cancel(
            actor=manager.user, checkpoint=checkpoint, reason="Not needed.", revision=1
        )
    for days in (7, 0, -1):
        run(django_capture_on_commit_callbacks, days_before(checkpoint, days))
    assert reminders() == []
    assert mail.outbox == []


@pytest.mark.parametrize("close", ["complete", "cancel"])
def test_a_queued_reminder_for_a_checkpoint_closed_meanwhile_is_skipped(
    close, checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.checkpoint_reminders_queue(today=days_before(checkpoint, -1))
    assert len(reminders("checkpoint_overdue")) == 2
    if close == "complete":
        services.checkpoint_complete(
            actor=manager.user, checkpoint=checkpoint, outcome="Held late.", revision=1
        )
    else:
        services.checkpoint_cancel(
            actor=manager.user, checkpoint=checkpoint, reason="Covered elsewhere.", revision=1
        )
    for callback in queued:
        callback()
    assert reminders("checkpoint_overdue") == both(employee, manager, "skipped")
    assert mail.outbox == []


def test_a_proposed_checkpoint_is_not_reminded_until_agreed(
    employee, manager, django_capture_on_commit_callbacks
):
    record = held_record(employee)
    checkpoint = add_checkpoint(employee, manager.user, days_ahead=DUE_IN, talk=record.talk)
    assert checkpoint.agreed_at is None
    for days in (7, -1):
        run(django_capture_on_commit_callbacks, days_before(checkpoint, days))
    assert reminders() == []


def test_an_employee_who_left_is_not_reminded(
    checkpoint, employee, django_capture_on_commit_callbacks
):
    Person.objects.filter(pk=employee.pk).update(is_active=False)
    run(django_capture_on_commit_callbacks, days_before(checkpoint, 7))
    assert reminders() == []


def test_a_reminder_queued_for_the_previous_manager_is_not_sent(
    checkpoint, employee, manager, dept, django_capture_on_commit_callbacks
):
    """The previous manager no longer sees the plan: a reminder queued before the change of
    manager is skipped for them (the employee still gets theirs)."""
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.checkpoint_reminders_queue(today=days_before(checkpoint, 7))
    person_set_manager(person=employee, manager=PersonFactory(unit=dept), actor=None)
    for callback in queued:
        callback()
    assert reminders() == sorted([(employee.user_id, "sent"), (manager.user_id, "skipped")])


def test_the_queue_counts_only_new_reminders(employee, manager, colleague):
    add_goal(employee, manager.user)
    soon = add_checkpoint(employee, manager.user, days_ahead=DUE_IN)
    add_checkpoint(colleague, colleague.user, days_ahead=DUE_IN - 9)
    today = days_before(soon, 2)  # the colleague's checkpoint is then 7 days overdue
    first = services.checkpoint_reminders_queue(today=today)
    assert (first.before, first.overdue) == (2, 2)
    second = services.checkpoint_reminders_queue(today=today)
    assert (second.before, second.overdue) == (0, 0)
    assert OutgoingEmail.objects.count() == 4
