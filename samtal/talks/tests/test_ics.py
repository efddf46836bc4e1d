"""Calendar invitations: one UID per talk, SEQUENCE up on every change, METHOD REQUEST/CANCEL,
and local Stockholm time that stays right on both sides of a daylight-saving change."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from samtal.talks import services
from samtal.talks.ics import talk_ics
from samtal.talks.models import Talk, TalkStatus
from samtal.talks.services import Booking
from samtal.talks.tests.factories import TalkFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = dt.UTC


def event_of(ics: bytes) -> tuple[Any, Any]:
    calendar = icalendar.Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def attachments(kind_suffix: str = "") -> list[tuple[str, bytes, str]]:
    """The .ics attachments of the emails sent so far (each email's one attachment)."""
    found = []
    for message in mail.outbox:
        for name, content, mimetype in message.attachments:
            if name.endswith(".ics") and kind_suffix in mimetype:
                found.append(
                    (
                        message.to[0],
                        content if isinstance(content, bytes) else content.encode(),
                        mimetype,
                    )
                )
    return found


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=STOCKHOLM)


@pytest.fixture
def talk(employee):
    return TalkFactory(employee=employee, deadline=None)


def _book(talk: Talk, manager, starts_at: dt.datetime) -> Talk:
    return services.talk_book(
        talk=talk,
        actor=manager.user,
        booking=Booking(starts_at=starts_at, duration_minutes=60, place="Tallen, Hus A"),
        revision=talk.revision,
    )


def test_book_rebook_decline_keep_the_uid_and_raise_the_sequence(
    talk, employee, manager, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        talk = _book(talk, manager, local(day))
    first = attachments()
    assert sorted(to for to, *_ in first) == sorted([employee.user.email, manager.user.email])
    calendar, event = event_of(first[0][1])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert first[0][2] == "text/calendar; charset=utf-8; method=REQUEST"
    uid = str(event["UID"])
    assert uid == f"talk-{talk.pk}@127.0.0.1"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Tallen, Hus A"
    assert event.decoded("DTSTART") == local(day)
    assert event.decoded("DTEND") == local(day, 11)

    sequences = [0]
    for days in (11, 12):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            talk = _book(talk, manager, local(day + dt.timedelta(days=days - 10)))
        [(_to, ics, _m), (_to2, ics2, _m2)] = attachments()
        assert event_of(ics2)[1]["UID"] == event_of(ics)[1]["UID"]
        calendar, event = event_of(ics)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == uid
        sequences.append(int(event["SEQUENCE"]))
        assert event.decoded("DTSTART") == local(day + dt.timedelta(days=days - 10))

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.talk_decline(talk=talk, actor=employee.user, revision=talk.revision)
    cancels = attachments("method=CANCEL")
    assert sorted(to for to, *_ in cancels) == sorted([employee.user.email, manager.user.email])
    calendar, event = event_of(cancels[0][1])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == uid
    assert str(event["STATUS"]) == "CANCELLED"
    sequences.append(int(event["SEQUENCE"]))
    # The cancellation names the time it cancels.
    assert event.decoded("DTSTART") == local(day + dt.timedelta(days=2))
    assert sequences == [0, 1, 2, 3]


def test_booking_again_after_a_cancellation_has_a_higher_sequence(
    talk, employee, manager, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        talk = _book(talk, manager, local(day))
        talk = services.talk_decline(talk=talk, actor=employee.user, revision=talk.revision)
        talk = services.talk_reopen(talk=talk, actor=employee.user, revision=talk.revision)
        talk = _book(talk, manager, local(day, 13))
    by_method: dict[str, list[int]] = {}
    for _to, ics, _mimetype in attachments():
        calendar, event = event_of(ics)
        by_method.setdefault(str(calendar["METHOD"]), []).append(int(event["SEQUENCE"]))
    # The first invitation was superseded before it was sent (the same transaction).
    assert by_method == {"CANCEL": [1, 1], "REQUEST": [2, 2]}


def test_cancel_and_reassign_send_a_cancellation(
    talk, employee, manager, other_manager, hr, django_capture_on_commit_callbacks
):
    from samtal.organisation.services import person_set_manager

    day = timezone.localdate() + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        talk = _book(talk, manager, local(day))
    person_set_manager(person=employee, manager=other_manager, actor=hr.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        talk = services.talk_reassign(talk=talk, actor=hr.user, revision=talk.revision)
    cancels = attachments("method=CANCEL")
    # The old manager's calendar and the employee's lose the event.
    assert sorted(to for to, *_ in cancels) == sorted([employee.user.email, manager.user.email])
    _calendar, event = event_of(cancels[0][1])
    assert int(event["SEQUENCE"]) == 1
    assert str(event["ORGANIZER"]) == f"mailto:{manager.user.email}"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        talk = _book(talk, other_manager, local(day))
        services.talk_cancel(talk=talk, actor=hr.user, revision=talk.revision, reason="Slutar.")
    _calendar, event = event_of(attachments("method=CANCEL")[0][1])
    assert int(event["SEQUENCE"]) == 3
    assert str(event["ORGANIZER"]) == f"mailto:{other_manager.user.email}"


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (dt.date(2027, 3, 29), 8),  # the day after the spring change: CEST, UTC+2
        (dt.date(2027, 10, 29), 8),  # before the autumn change (31 October): CEST
        (dt.date(2027, 11, 1), 9),  # after it: CET, UTC+1
        (dt.date(2027, 1, 15), 9),  # winter
    ],
)
def test_local_time_with_tzid_is_right_across_daylight_saving(day, utc_hour, employee):
    talk = TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=local(day),
        place="Tallen",
        deadline=None,
    )
    ics = talk_ics(talk)
    assert f"DTSTART;TZID=Europe/Stockholm:{day:%Y%m%d}T100000".encode() in ics
    assert f"DTEND;TZID=Europe/Stockholm:{day:%Y%m%d}T110000".encode() in ics
    calendar, event = event_of(ics)
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute) == (10, 0)
    assert start.astimezone(UTC) == dt.datetime.combine(day, dt.time(utc_hour), tzinfo=UTC)

    # A client that knows no time zones of its own uses the VTIMEZONE: it must agree.
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Stockholm"
    names = {component.name for component in vtimezone.subcomponents}
    assert {"DAYLIGHT", "STANDARD"} <= names
    own_zone = vtimezone.to_tz()
    naive = dt.datetime.combine(day, dt.time(10))
    assert naive.replace(tzinfo=own_zone).utcoffset() == dt.timedelta(hours=10 - utc_hour)


def test_vtimezone_changes_on_the_right_days(employee):
    talk = TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=local(dt.date(2027, 6, 1)),
        place="Tallen",
        deadline=None,
    )
    calendar, _event = event_of(talk_ics(talk))
    [vtimezone] = calendar.walk("VTIMEZONE")
    changes = set()
    for component in vtimezone.subcomponents:
        changes.add((component.name, component.decoded("DTSTART").date()))
        rdates = component.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            changes.update((component.name, d.dt.date()) for d in rdate.dts)
    # The last Sunday of March and of October, in the talk's year and the years around it.
    assert ("DAYLIGHT", dt.date(2027, 3, 28)) in changes
    assert ("STANDARD", dt.date(2027, 10, 31)) in changes
    assert ("DAYLIGHT", dt.date(2028, 3, 26)) in changes


def test_invitation_names_both_parties(employee, manager):
    talk = TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=local(dt.date(2027, 6, 1)),
        place="Tallen",
        response="accepted",
        deadline=None,
    )
    _calendar, event = event_of(talk_ics(talk, now=dt.datetime(2027, 5, 1, tzinfo=UTC)))
    attendees = event["ATTENDEE"]
    assert {str(a) for a in attendees} == {
        f"mailto:{employee.user.email}",
        f"mailto:{manager.user.email}",
    }
    assert {a.params["PARTSTAT"] for a in attendees} == {"ACCEPTED"}
    assert event.decoded("DTSTAMP") == dt.datetime(2027, 5, 1, tzinfo=UTC)
    assert f"/talks/{talk.pk}/" in str(event["URL"])


def test_a_talk_without_a_time_has_no_event(employee):
    with pytest.raises(ValueError, match="without a time"):
        talk_ics(TalkFactory(employee=employee))
