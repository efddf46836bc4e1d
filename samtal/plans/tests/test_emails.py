"""Emails about checkpoints: each kind rendered in the recipient's language with its link,
worded for the employee or the manager; the follow-up meeting with a calendar invitation
(one UID per checkpoint, SEQUENCE up on every change) and its cancellation."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from samtal.core.models import OutgoingEmail
from samtal.plans import services
from samtal.plans.models import Checkpoint, DevelopmentPlan
from samtal.plans.tests.factories import add_activity, add_checkpoint, add_goal

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = timezone.localdate()
# A March day at least two weeks ahead: "mars" in Swedish, "March" in English (month names
# come from Django's own catalogs).
MARCH_10 = next(
    day
    for day in (dt.date(TODAY.year + n, 3, 10) for n in range(3))
    if day > TODAY + dt.timedelta(days=14)
)
MEETING = dt.datetime.combine(MARCH_10, dt.time(10), tzinfo=STOCKHOLM)


def speak(person: Any, language: str) -> None:
    person.user.preferred_language = language
    person.user.save()


@pytest.fixture(autouse=True)
def _english_by_default(employee, manager):
    speak(employee, "en")
    speak(manager, "en")


@pytest.fixture
def checkpoint(employee, manager) -> Checkpoint:
    activity = add_activity(employee, manager.user, "Project management course")
    return services.checkpoint_add(
        actor=manager.user,
        person=employee,
        data=services.CheckpointData(
            due_on=MARCH_10, topic="Is the <course> booked?", activity_id=activity.pk
        ),
    )


def message_to(person: Any) -> mail.EmailMessage:
    [message] = [m for m in mail.outbox if m.to == [person.user.email]]
    return message


def html_of(message: Any) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(html)


def ics_of(message: Any) -> tuple[Any, Any, str]:
    [(name, content, mimetype)] = message.attachments
    assert name.endswith(".ics")
    data = content if isinstance(content, bytes) else content.encode()
    calendar = icalendar.Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event, mimetype


def remind(capture: Any, today: dt.date) -> None:
    with capture(execute=True):
        services.checkpoint_reminders_queue(today=today)


def book(
    checkpoint: Checkpoint, actor: Any, when: dt.datetime = MEETING, **extra: Any
) -> Checkpoint:
    current = Checkpoint.objects.get(pk=checkpoint.pk)
    return services.checkpoint_book_meeting(
        actor=actor,
        checkpoint=current,
        meeting_at=when,
        minutes=extra.get("minutes", 30),
        place=extra.get("place", "Room Tallen"),
        revision=current.revision,
    )


def plan_link(employee: Any) -> str:
    return f"http://127.0.0.1:8000/plans/{employee.pk}/"


# --- reminders --------------------------------------------------------------------------------


def test_the_reminder_before_is_worded_for_each_party(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    remind(django_capture_on_commit_callbacks, MARCH_10 - dt.timedelta(days=7))
    to_employee, to_manager = message_to(employee), message_to(manager)
    assert to_employee.subject == (
        f"Checkpoint of your development plan on {MARCH_10.isoformat()}: Is the <course> booked?"
    )
    assert to_manager.subject == (
        f"Checkpoint of the development plan of Erik Medarbetare on {MARCH_10.isoformat()}"
    )
    date = f"10 March {MARCH_10.year}"
    assert to_employee.body.startswith("Hello Erik,")
    assert f"A checkpoint of your development plan is coming up on {date}." in to_employee.body
    assert "note what you want to bring up with your manager" in to_employee.body
    assert to_manager.body.startswith("Hello Maja,")
    assert (
        f"A checkpoint of the development plan of Erik Medarbetare is coming up on {date}."
        in to_manager.body
    )
    assert "Agree with Erik how to hold the follow-up" in to_manager.body
    for message in (to_employee, to_manager):
        # Plain text is not escaped; HTML is.
        assert "What to check: Is the <course> booked?" in message.body
        assert "Activity: Project management course" in message.body
        assert plan_link(employee) in message.body
        html = html_of(message)
        assert "Is the &lt;course&gt; booked?" in html
        assert "<course>" not in html
        assert f'<a href="{plan_link(employee)}">Open the development plan in Samtal</a>' in html
        assert '<html lang="en">' in html
        assert message.attachments == []


def test_the_overdue_reminder_asks_to_hold_the_follow_up_and_write_the_outcome(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    remind(django_capture_on_commit_callbacks, MARCH_10 + dt.timedelta(days=1))
    to_employee, to_manager = message_to(employee), message_to(manager)
    assert to_employee.subject == "Checkpoint not done yet: Is the <course> booked?"
    assert to_manager.subject == (
        "Checkpoint not done yet in the development plan of Erik Medarbetare"
    )
    date = f"10 March {MARCH_10.year}"
    assert f"your development plan, {date}, has passed" in to_employee.body
    assert "not marked as done" in to_employee.body
    assert "Hold the follow-up with your manager and write down what it came to" in (
        to_employee.body
    )
    assert f"the development plan of Erik Medarbetare, {date}, has passed" in to_manager.body
    assert "Hold the follow-up with Erik and write down what it came to" in to_manager.body
    for message in (to_employee, to_manager):
        assert plan_link(employee) in message.body
        assert plan_link(employee) in html_of(message)


def test_a_checkpoint_without_an_activity_leaves_the_line_out(
    employee, manager, django_capture_on_commit_callbacks
):
    add_goal(employee, manager.user)
    checkpoint = add_checkpoint(employee, manager.user, days_ahead=3, topic="How is it going?")
    remind(django_capture_on_commit_callbacks, checkpoint.due_on)
    assert "Activity:" not in message_to(employee).body


@pytest.mark.parametrize("kind", ["soon", "overdue", "meeting", "cancelled"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_kind_is_rendered_in_the_recipients_language(
    kind, language, checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    speak(employee, language)
    speak(manager, "en" if language == "sv" else "sv")
    send_kind(kind, checkpoint, manager, django_capture_on_commit_callbacks)
    to_employee, to_manager = message_to(employee), message_to(manager)
    month = {"sv": "mars", "en": "March"}
    for message, lang in (
        (to_employee, language),
        (to_manager, "en" if language == "sv" else "sv"),
    ):
        html = html_of(message)
        assert f'<html lang="{lang}">' in html
        assert f"10 {month[lang]} {MARCH_10.year}" in message.body
        greeting = {"sv": "Hej {name}!", "en": "Hello {name},"}[lang]
        name = "Erik" if message is to_employee else "Maja"
        assert message.body.startswith(greeting.format(name=name))
        assert plan_link(employee) in message.body
        assert plan_link(employee) in html
        assert "Is the <course> booked?" in message.body


def send_kind(kind: str, checkpoint: Checkpoint, manager: Any, capture: Any) -> None:
    if kind == "soon":
        remind(capture, MARCH_10 - dt.timedelta(days=2))
    elif kind == "overdue":
        remind(capture, MARCH_10 + dt.timedelta(days=2))
    elif kind == "meeting":
        with capture(execute=True):
            book(checkpoint, manager.user)
    else:
        with capture(execute=True):
            booked = book(checkpoint, manager.user)
        mail.outbox.clear()
        with capture(execute=True):
            services.checkpoint_cancel(
                actor=manager.user,
                checkpoint=booked,
                reason="We met in the corridor.",
                revision=booked.revision,
            )


@pytest.mark.parametrize(
    ("kind", "english"),
    [
        ("soon", "A checkpoint of your development plan is coming up"),
        ("overdue", "has passed, and the checkpoint is not marked as done"),
        ("meeting", "A short follow-up meeting about your development plan is booked."),
        ("cancelled", "The follow-up meeting about your development plan has been cancelled."),
    ],
)
def test_a_swedish_recipient_reads_swedish(
    kind, english, checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    speak(employee, "sv")
    send_kind(kind, checkpoint, manager, django_capture_on_commit_callbacks)
    message = message_to(employee)
    assert english not in message.body
    assert english not in html_of(message)
    assert "development plan" not in message.subject
    assert "utvecklingsplan" in message.body


# --- the follow-up meeting ------------------------------------------------------------------


def test_the_meeting_invitation_goes_to_both_with_a_calendar_file(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booked = book(checkpoint, manager.user, minutes=45)
    to_employee, to_manager = message_to(employee), message_to(manager)
    assert (
        to_employee.subject == f"Follow-up of your development plan: {MARCH_10.isoformat()} 10:00"
    )
    assert to_manager.subject == (
        f"Follow-up of the development plan of Erik Medarbetare: {MARCH_10.isoformat()} 10:00"
    )
    when = f"When: 10 March {MARCH_10.year} 10:00 (45 minutes)"
    for message in (to_employee, to_manager):
        assert when in message.body
        assert "Where: Room Tallen" in message.body
        assert "The invitation is attached for your calendar." in message.body
        assert "The time or place has changed." not in message.body
        calendar, event, mimetype = ics_of(message)
        assert mimetype == "text/calendar; charset=utf-8; method=REQUEST"
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == f"checkpoint-{booked.pk}@127.0.0.1"
        assert int(event["SEQUENCE"]) == 1
        assert str(event["STATUS"]) == "CONFIRMED"
        assert str(event["LOCATION"]) == "Room Tallen"
        assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
        assert event.decoded("DTSTART") == MEETING
        assert event.decoded("DTEND") == MEETING + dt.timedelta(minutes=45)
        assert "Erik Medarbetare" in str(event["SUMMARY"])
        assert plan_link(employee) in str(event["DESCRIPTION"])
        assert str(event["ORGANIZER"]) == f"mailto:{manager.user.email}"
        attendees = sorted(str(a) for a in event["ATTENDEE"])
        assert attendees == sorted(
            [f"mailto:{employee.user.email}", f"mailto:{manager.user.email}"]
        )
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]


def test_rebooking_keeps_the_uid_and_raises_the_sequence(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booked = book(checkpoint, manager.user)
    _calendar, first, _mimetype = ics_of(message_to(employee))
    sequences = [int(first["SEQUENCE"])]
    for days in (1, 2):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            booked = book(booked, employee.user, MEETING + dt.timedelta(days=days))
        message = message_to(employee)
        assert message.subject.startswith("New time for the follow-up of the development plan")
        assert "The time or place has changed." in message.body
        _calendar, event, _mimetype = ics_of(message)
        assert event["UID"] == first["UID"]
        assert event.decoded("DTSTART") == MEETING + dt.timedelta(days=days)
        sequences.append(int(event["SEQUENCE"]))
    assert sequences == [1, 2, 3]


def test_cancelling_the_checkpoint_cancels_the_meeting_in_both_calendars(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booked = book(checkpoint, manager.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.checkpoint_cancel(
            actor=employee.user,
            checkpoint=booked,
            reason="We met in the corridor.",
            revision=booked.revision,
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee.user.email, manager.user.email])
    for message in mail.outbox:
        assert message.subject == (
            f"Cancelled: follow-up of the development plan {MARCH_10.isoformat()} 10:00"
        )
        assert "has been cancelled" in message.body
        assert "We met in the corridor." in message.body
        assert "We met in the corridor." in html_of(message)
        calendar, event, mimetype = ics_of(message)
        assert mimetype == "text/calendar; charset=utf-8; method=CANCEL"
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == f"checkpoint-{booked.pk}@127.0.0.1"
        assert int(event["SEQUENCE"]) == 2
        assert event.decoded("DTSTART") == MEETING


def test_a_superseded_invitation_is_skipped(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as first:
        booked = book(checkpoint, manager.user)
    with django_capture_on_commit_callbacks(execute=False) as second:
        book(booked, manager.user, MEETING + dt.timedelta(days=1))
    for callback in [*first, *second]:
        callback()
    statuses = dict(OutgoingEmail.objects.values_list("key", "status"))
    assert statuses == {
        f"checkpoint:{checkpoint.pk}:meeting:1:{employee.user_id}": "skipped",
        f"checkpoint:{checkpoint.pk}:meeting:1:{manager.user_id}": "skipped",
        f"checkpoint:{checkpoint.pk}:meeting:2:{employee.user_id}": "sent",
        f"checkpoint:{checkpoint.pk}:meeting:2:{manager.user_id}": "sent",
    }
    assert len(mail.outbox) == 2
    assert all(f"11 March {MARCH_10.year}" in m.body for m in mail.outbox)


def test_an_invitation_for_a_checkpoint_completed_meanwhile_is_skipped(
    checkpoint, employee, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        booked = book(checkpoint, manager.user)
    services.checkpoint_complete(
        actor=manager.user, checkpoint=booked, outcome="Done by phone.", revision=booked.revision
    )
    for callback in queued:
        callback()
    # The invitation is not sent; the meeting is cancelled in both calendars instead.
    statuses = dict(OutgoingEmail.objects.values_list("kind", "status").distinct())
    assert statuses == {"checkpoint_meeting": "skipped", "checkpoint_meeting_cancelled": "sent"}
    assert {m.to[0] for m in mail.outbox} == {employee.user.email, manager.user.email}
    assert all("METHOD:CANCEL" in str(m.attachments[0][1]) for m in mail.outbox)


def test_without_a_manager_the_employee_is_the_organizer(dept, django_capture_on_commit_callbacks):
    from samtal.organisation.tests.factories import PersonFactory

    alone = PersonFactory(unit=dept, manager=None, first_name="Ada", last_name="Ensam")
    speak(alone, "en")
    add_goal(alone, alone.user)
    DevelopmentPlan.objects.filter(person=alone).update(created_at=timezone.now())
    checkpoint = add_checkpoint(alone, alone.user, days_ahead=20)
    with django_capture_on_commit_callbacks(execute=True):
        book(checkpoint, alone.user, timezone.now() + dt.timedelta(days=10))
    [message] = mail.outbox
    assert message.to == [alone.user.email]
    assert message.body.startswith("Hello Ada,")
    _calendar, event, _mimetype = ics_of(message)
    assert str(event["ORGANIZER"]) == f"mailto:{alone.user.email}"
