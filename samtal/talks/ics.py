"""Calendar invitations (.ics, RFC 5545 / iTIP) for a booked talk.

One UID per talk for its whole life, so a calendar replaces the event on every change;
SEQUENCE is the talk's `ics_sequence`, raised by every booking change; a cancelled, declined or
reassigned talk gets METHOD:CANCEL. Times carry TZID=Europe/Stockholm with its VTIMEZONE, so
the event stays at the same wall-clock time on both sides of a daylight-saving change.
"""

from __future__ import annotations

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
    host = urlsplit(settings.SAMTAL_BASE_URL).hostname or "samtal.local"
    return f"talk-{talk.pk}@{host}"


def talk_ics(talk: Talk, *, cancel: bool = False, now: datetime | None = None) -> bytes:
    """The invitation for `talk` as it stands (it must have a time), or its cancellation."""
    if talk.starts_at is None or talk.ends_at is None:
        raise ValueError("a talk without a time has no calendar event")
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")

    event = icalendar.Event()
    event.add("uid", talk_uid(talk))
    event.add("sequence", talk.ics_sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(ZoneInfo("UTC")))
    event.add("dtstart", talk.starts_at.astimezone(zone))
    event.add("dtend", talk.ends_at.astimezone(zone))
    event.add(
        "summary",
        _("Development talk: %(employee)s and %(manager)s")
        % {
            "employee": talk.employee.full_name,
            "manager": talk.manager.full_name,
        },
    )
    if talk.where:
        event.add("location", talk.where)
    link = settings.SAMTAL_BASE_URL + reverse("talks:talk_detail", args=[talk.pk])
    event.add("url", link)
    event.add(
        "description",
        _("Prepare in Samtal beforehand. The talk's page: %(link)s") % {"link": link},
    )
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = icalendar.vCalAddress(f"mailto:{talk.manager.user.email}")
    organizer.params["cn"] = icalendar.vText(talk.manager.full_name)
    event.add("organizer", organizer)
    for person in (talk.employee, talk.manager):
        attendee = icalendar.vCalAddress(f"mailto:{person.user.email}")
        attendee.params["cn"] = icalendar.vText(person.full_name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        accepted = person.pk == talk.manager_id or talk.response == "accepted"
        attendee.params["partstat"] = icalendar.vText("ACCEPTED" if accepted else "NEEDS-ACTION")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    # The VTIMEZONE covers the years around the talk, with both daylight-saving changes.
    year = talk.starts_at.astimezone(zone).year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()
