"""One function per email about talks, each rendering templates/emails/talks/<kind>.* in the
recipient's language (core.emails sets it). A function returns None when the email is no
longer needed by the time it is sent: an invitation superseded by a later change, a reminder
for a talk booked meanwhile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from samtal.core.emails import RenderedEmail, email_renderer, render_email
from samtal.core.models import OutgoingEmail
from samtal.organisation.models import Person
from samtal.talks.ics import talk_ics
from samtal.talks.models import Record, Round, Talk, TalkStatus

ICS_MIMETYPE_REQUEST = "text/calendar; charset=utf-8; method=REQUEST"
ICS_MIMETYPE_CANCEL = "text/calendar; charset=utf-8; method=CANCEL"


def _talk(email: OutgoingEmail) -> Talk | None:
    return (
        Talk.objects.select_related(
            "employee__user", "manager__user", "round", "room", "unit", "template_version"
        )
        .filter(pk=email.params.get("talk"))
        .first()
    )


def _link(name: str, *args: Any) -> str:
    return settings.SAMTAL_BASE_URL + reverse(name, args=args)


def _context(email: OutgoingEmail, talk: Talk) -> dict[str, Any]:
    is_manager = email.recipient_id == talk.manager.user_id
    return {
        "talk": talk,
        "recipient_is_manager": is_manager,
        "other": talk.employee if is_manager else talk.manager,
        "link": _link("talks:talk_detail", talk.pk),
    }


def _render(kind: str, email: OutgoingEmail, talk: Talk, **extra: Any) -> RenderedEmail:
    return render_email(f"talks/{kind}", {**_context(email, talk), **extra})


@email_renderer("talk_offered")
def talk_offered(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    if talk is None or talk.status != TalkStatus.OFFERED:
        return None
    return _render("talk_offered", email, talk)


@email_renderer("round_launched_manager")
def round_launched_manager(email: OutgoingEmail) -> RenderedEmail | None:
    round_ = Round.objects.filter(pk=email.params.get("round")).first()
    if round_ is None:
        return None
    return render_email(
        "talks/round_launched_manager",
        {
            "round": round_,
            "count": email.params.get("count", 0),
            "link": _link("talks:team"),
        },
    )


@email_renderer("talk_requested")
def talk_requested(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    if talk is None or talk.status != TalkStatus.OFFERED:
        return None
    return _render("talk_requested", email, talk)


@email_renderer("talk_booked")
def talk_booked(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    if (
        talk is None
        or talk.status != TalkStatus.BOOKED
        or talk.ics_sequence != email.params.get("sequence")
    ):
        return None  # a later change sent its own invitation
    rendered = _render("talk_booked", email, talk, rebooked=email.params.get("rebooked", False))
    rendered.attachments.append(("invitation.ics", talk_ics(talk), ICS_MIMETYPE_REQUEST))
    return rendered


@email_renderer("talk_accepted")
def talk_accepted(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    return None if talk is None else _render("talk_accepted", email, talk)


@email_renderer("talk_change_asked")
def talk_change_asked(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    return None if talk is None else _render("talk_change_asked", email, talk)


@email_renderer("talk_declined")
def talk_declined(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    return None if talk is None else _render("talk_declined", email, talk)


@email_renderer("talk_cancelled")
def talk_cancelled(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    return None if talk is None else _render("talk_cancelled", email, talk)


@email_renderer("talk_reassigned")
def talk_reassigned(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    if talk is None or talk.status != TalkStatus.OFFERED:
        return None
    return _render("talk_reassigned", email, talk)


@email_renderer("talk_calendar_cancel")
def talk_calendar_cancel(email: OutgoingEmail) -> RenderedEmail | None:
    """Cancels the event as it was (old time, place and manager), whatever came after."""
    talk = _talk(email)
    params = email.params
    if talk is None or not params.get("starts_at"):
        return None
    old_manager = (
        Person.objects.select_related("user").filter(pk=params.get("manager")).first()
        or talk.manager
    )
    as_was = Talk(
        pk=talk.pk,
        employee=talk.employee,
        manager=old_manager,
        starts_at=datetime.fromisoformat(params["starts_at"]),
        duration_minutes=params.get("duration_minutes", talk.duration_minutes),
        place=params.get("place", ""),
        ics_sequence=params["sequence"],
    )
    context = _context(email, talk) | {"as_was": as_was}
    if email.recipient_id == old_manager.user_id:
        context["recipient_is_manager"] = True
        context["other"] = talk.employee
    rendered = render_email("talks/talk_calendar_cancel", context)
    rendered.attachments.append(
        ("cancellation.ics", talk_ics(as_was, cancel=True), ICS_MIMETYPE_CANCEL)
    )
    return rendered


@email_renderer("talk_remind_unbooked")
def talk_remind_unbooked(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    if talk is None or talk.status != TalkStatus.OFFERED:
        return None
    return _render("talk_remind_unbooked", email, talk)


@email_renderer("talk_remind_tomorrow")
def talk_remind_tomorrow(email: OutgoingEmail) -> RenderedEmail | None:
    talk = _talk(email)
    if (
        talk is None
        or talk.status != TalkStatus.BOOKED
        or talk.starts_at is None
        or talk.starts_at.isoformat() != email.params.get("starts_at")
    ):
        return None
    return _render("talk_remind_tomorrow", email, talk)


# --- the record ---------------------------------------------------------------------------------


def _record_email(kind: str, email: OutgoingEmail, *, still: str) -> RenderedEmail | None:
    """An email about version `params.version` of the talk's record, or None when the version
    is no longer in the state the email reports (`still`: "current" — still waiting for
    agreement, "agreed" — still the agreed version, "" — always)."""
    talk = _talk(email)
    record = (
        Record.objects.select_related("current_version", "agreed_version").filter(talk=talk).first()
        if talk is not None
        else None
    )
    number = email.params.get("version")
    if talk is None or record is None or not isinstance(number, int):
        return None
    version = record.versions.filter(number=number).first()
    if version is None:
        return None
    if still == "current" and (
        record.state != Record.State.SENT or record.current_version_id != version.pk
    ):
        return None  # voided or agreed meanwhile: that email says so instead
    if still == "agreed" and record.agreed_version_id != version.pk:
        return None
    return _render(
        kind,
        email,
        talk,
        record=record,
        version=version,
        link=_link("talks:talk_record", talk.pk),
    )


@email_renderer("record_sent")
def record_sent(email: OutgoingEmail) -> RenderedEmail | None:
    return _record_email("record_sent", email, still="current")


@email_renderer("record_agreed")
def record_agreed(email: OutgoingEmail) -> RenderedEmail | None:
    return _record_email("record_agreed", email, still="agreed")


@email_renderer("record_voided")
def record_voided(email: OutgoingEmail) -> RenderedEmail | None:
    return _record_email("record_voided", email, still="")
