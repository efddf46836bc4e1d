"""Calendar invitations (.ics, RFC 5545 / iTIP) for a booked talk.

One UID per talk for its whole life, so a calendar replaces the event on every change;
SEQUENCE is the talk's `ics_sequence`, raised by every booking change; a cancelled, declined or
reassigned talk gets METHOD:CANCEL. Times carry TZID=Europe/Stockholm with its VTIMEZONE, so
the event stays at the same wall-clock time on both sides of a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samtal.talks.models import Talk

PRODID = "-//Samtal//Development talks//SV"


def talk_uid(talk: Talk) -> str:
    return f"talk-{talk.pk}@{host()}"


@dataclass
class Attendee:
    email: str
    name: str
    accepted: bool


def event_ics(
    *,
    uid: str,
    sequence: int,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    location: str,
    link: str,
    description: str,
    organizer: Attendee,
    attendees: list[Attendee],
    cancel: bool = False,
    now: datetime | None = None,
) -> bytes:
    """One event as an iTIP REQUEST (or CANCEL), with the local time zone's VTIMEZONE."""
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")

    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(ZoneInfo("UTC")))
    event.add("dtstart", starts_at.astimezone(zone))
    event.add("dtend", ends_at.astimezone(zone))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    event.add("url", link)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("transp", "OPAQUE")
    address = icalendar.vCalAddress(f"mailto:{organizer.email}")
    address.params["cn"] = icalendar.vText(organizer.name)
    event.add("organizer", address)
    for person in attendees:
        attendee = icalendar.vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = icalendar.vText(person.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText(
            "ACCEPTED" if person.accepted else "NEEDS-ACTION"
        )
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    # The VTIMEZONE covers the years around the event, with both daylight-saving changes.
    year = starts_at.astimezone(zone).year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()


def host() -> str:
    return urlsplit(settings.SAMTAL_BASE_URL).hostname or "samtal.local"


def talk_ics(talk: Talk, *, cancel: bool = False, now: datetime | None = None) -> bytes:
    """The invitation for `talk` as it stands (it must have a time), or its cancellation."""
    if talk.starts_at is None or talk.ends_at is None:
        raise ValueError("a talk without a time has no calendar event")
    link = settings.SAMTAL_BASE_URL + reverse("talks:talk_detail", args=[talk.pk])
    manager = Attendee(talk.manager.user.email, talk.manager.full_name, True)
    employee = Attendee(
        talk.employee.user.email, talk.employee.full_name, talk.response == "accepted"
    )
    return event_ics(
        uid=talk_uid(talk),
        sequence=talk.ics_sequence,
        starts_at=talk.starts_at,
        ends_at=talk.ends_at,
        summary=_("Development talk: %(employee)s and %(manager)s")
        % {"employee": talk.employee.full_name, "manager": talk.manager.full_name},
        location=talk.where,
        link=link,
        description=_("Prepare in Samtal beforehand. The talk's page: %(link)s") % {"link": link},
        organizer=manager,
        attendees=[employee, manager],
        cancel=cancel,
        now=now,
    )
