"""Reminders: queued by a re-runnable command, each sent once; checked again when sent."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from samtal.core.models import OutgoingEmail
from samtal.talks import services
from samtal.talks.models import Talk, TalkStatus
from samtal.talks.services import Booking, reminders_queue
from samtal.talks.tests.factories import TalkFactory

# "Today" for the runs: far enough ahead that every talk below is in the future.
TODAY = timezone.localdate() + dt.timedelta(days=20)


@pytest.fixture(autouse=True)
def _remind_14_days_ahead(settings):
    settings.SAMTAL_REMIND_UNBOOKED_DAYS = 14


def run(capture: Any, today: dt.date = TODAY) -> str:
    out = io.StringIO()
    with capture(execute=True):
        call_command("send_reminders", today=today, stdout=out)
    return out.getvalue()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def reminders(kind: str) -> list[tuple[int, str]]:
    return sorted(OutgoingEmail.objects.filter(kind=kind).values_list("recipient_id", "status"))


def booked(employee: Any, day: dt.date, **extra: Any) -> Talk:
    return TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=at(day),
        place="Tallen",
        response="pending",
        **extra,
    )


# --- not booked close to the deadline ------------------------------------------------------


def test_unbooked_reminder_is_sent_once(employee, manager, django_capture_on_commit_callbacks):
    TalkFactory(employee=employee, deadline=TODAY + dt.timedelta(days=10))
    output = run(django_capture_on_commit_callbacks)
    assert "Queued 1 reminder(s) to book, 0 reminder(s) of talks tomorrow" in output
    again = run(django_capture_on_commit_callbacks)
    assert "Queued 0 reminder(s) to book" in again
    run(django_capture_on_commit_callbacks, TODAY + dt.timedelta(days=1))
    assert reminders("talk_remind_unbooked") == [(manager.user_id, "sent")]
    [message] = mail.outbox
    assert message.to == [manager.user.email]


@pytest.mark.parametrize(
    ("days_to_deadline", "expected"),
    [(15, False), (14, True), (1, True), (0, True), (-1, False)],
)
def test_unbooked_reminder_only_within_the_days_before_the_deadline(
    days_to_deadline, expected, employee, django_capture_on_commit_callbacks
):
    TalkFactory(employee=employee, deadline=TODAY + dt.timedelta(days=days_to_deadline))
    run(django_capture_on_commit_callbacks)
    assert bool(reminders("talk_remind_unbooked")) is expected
    assert len(mail.outbox) == int(expected)


def test_the_number_of_days_is_a_setting(employee, settings, django_capture_on_commit_callbacks):
    settings.SAMTAL_REMIND_UNBOOKED_DAYS = 20
    TalkFactory(employee=employee, deadline=TODAY + dt.timedelta(days=18))
    run(django_capture_on_commit_callbacks)
    assert len(reminders("talk_remind_unbooked")) == 1


@pytest.mark.parametrize("status", [TalkStatus.DECLINED, TalkStatus.CANCELLED, TalkStatus.HELD])
def test_unbooked_reminder_only_for_offered_talks(
    status, employee, django_capture_on_commit_callbacks
):
    TalkFactory(employee=employee, status=status, deadline=TODAY + dt.timedelta(days=5))
    booked(employee, TODAY + dt.timedelta(days=3), deadline=TODAY + dt.timedelta(days=5))
    run(django_capture_on_commit_callbacks)
    assert reminders("talk_remind_unbooked") == []


def test_no_unbooked_reminder_without_a_deadline(employee, django_capture_on_commit_callbacks):
    TalkFactory(employee=employee, deadline=None)
    run(django_capture_on_commit_callbacks)
    assert reminders("talk_remind_unbooked") == []


def test_a_talk_booked_meanwhile_skips_the_queued_reminder(
    employee, manager, django_capture_on_commit_callbacks
):
    talk = TalkFactory(employee=employee, deadline=TODAY + dt.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        reminders_queue(today=TODAY)
    services.talk_book(
        talk=talk,
        actor=manager.user,
        booking=Booking(starts_at=at(TODAY), duration_minutes=60, place="Tallen"),
        revision=talk.revision,
    )
    for callback in queued:
        callback()
    assert reminders("talk_remind_unbooked") == [(manager.user_id, "skipped")]
    # Only the two invitations of the booking went out.
    assert len(mail.outbox) == 2
    assert all(m.attachments for m in mail.outbox)


# --- the talk is tomorrow ------------------------------------------------------------------


def test_tomorrow_reminder_to_both_once(employee, manager, django_capture_on_commit_callbacks):
    booked(employee, TODAY + dt.timedelta(days=1))
    booked(employee, TODAY + dt.timedelta(days=2))  # the day after: not yet
    booked(employee, TODAY)  # today: too late for "tomorrow"
    output = run(django_capture_on_commit_callbacks)
    assert "0 reminder(s) to book, 2 reminder(s) of talks tomorrow" in output
    run(django_capture_on_commit_callbacks)
    assert reminders("talk_remind_tomorrow") == sorted(
        [(employee.user_id, "sent"), (manager.user_id, "sent")]
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee.user.email, manager.user.email])


@pytest.mark.parametrize(("hour", "minute"), [(0, 0), (23, 59)])
def test_tomorrow_is_the_whole_local_day(
    hour, minute, employee, django_capture_on_commit_callbacks
):
    day = TODAY + dt.timedelta(days=1)
    TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute))),
        place="Tallen",
    )
    run(django_capture_on_commit_callbacks)
    assert len(reminders("talk_remind_tomorrow")) == 2


def test_tomorrow_reminder_again_after_the_talk_moved_to_another_day(
    employee, manager, django_capture_on_commit_callbacks
):
    talk = booked(employee, TODAY + dt.timedelta(days=1))
    run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.talk_book(
            talk=talk,
            actor=manager.user,
            booking=Booking(
                starts_at=at(TODAY + dt.timedelta(days=2)), duration_minutes=60, place="Tallen"
            ),
            revision=talk.revision,
            confirmed=True,
        )
    mail.outbox.clear()
    run(django_capture_on_commit_callbacks)  # the same day again: nothing new
    assert mail.outbox == []
    run(django_capture_on_commit_callbacks, TODAY + dt.timedelta(days=1))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee.user.email, manager.user.email])
    assert OutgoingEmail.objects.filter(kind="talk_remind_tomorrow", status="sent").count() == 4


def test_a_talk_moved_after_the_reminder_was_queued_skips_it(
    employee, manager, django_capture_on_commit_callbacks
):
    talk = booked(employee, TODAY + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        reminders_queue(today=TODAY)
    Talk.objects.filter(pk=talk.pk).update(starts_at=at(TODAY + dt.timedelta(days=3)))
    for callback in queued:
        callback()
    assert {status for _user, status in reminders("talk_remind_tomorrow")} == {"skipped"}
    assert mail.outbox == []


def test_no_tomorrow_reminder_for_a_cancelled_talk(
    employee, manager, django_capture_on_commit_callbacks
):
    talk = booked(employee, TODAY + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.talk_cancel(talk=talk, actor=manager.user, revision=talk.revision, reason="Sjuk.")
    mail.outbox.clear()
    run(django_capture_on_commit_callbacks)
    assert reminders("talk_remind_tomorrow") == []
    assert mail.outbox == []


def test_a_talk_cancelled_after_the_reminder_was_queued_skips_it(
    employee, manager, django_capture_on_commit_callbacks
):
    talk = booked(employee, TODAY + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        reminders_queue(today=TODAY)
    Talk.objects.filter(pk=talk.pk).update(status=TalkStatus.CANCELLED)
    for callback in queued:
        callback()
    assert {status for _user, status in reminders("talk_remind_tomorrow")} == {"skipped"}


def test_reminders_queue_counts_only_new_ones(employee, manager):
    booked(employee, TODAY + dt.timedelta(days=1))
    TalkFactory(employee=employee, deadline=TODAY + dt.timedelta(days=3))
    first = reminders_queue(today=TODAY)
    assert (first.unbooked, first.tomorrow) == (1, 2)
    second = reminders_queue(today=TODAY)
    assert (second.unbooked, second.tomorrow) == (0, 0)
    assert OutgoingEmail.objects.count() == 3


def test_the_command_reads_today_from_the_command_line(
    employee, django_capture_on_commit_callbacks
):
    booked(employee, TODAY + dt.timedelta(days=1))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--today", TODAY.isoformat(), stdout=out)
    assert "2 reminder(s) of talks tomorrow" in out.getvalue()
