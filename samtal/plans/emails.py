"""One function per email about development plans, rendering templates/emails/plans/<kind>.*
in the recipient's language. A function returns None when the email is no longer needed by
the time it is sent (a checkpoint done or moved meanwhile, an invitation superseded)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from samtal.core.emails import RenderedEmail, email_renderer, render_email
from samtal.core.models import OutgoingEmail
from samtal.plans.models import Checkpoint, CheckpointStatus
from samtal.talks.emails import ICS_MIMETYPE_CANCEL, ICS_MIMETYPE_REQUEST
from samtal.talks.ics import Attendee, event_ics, host


def _checkpoint(email: OutgoingEmail) -> Checkpoint | None:
    return (
        Checkpoint.objects.select_related(
            "plan__person__user", "plan__person__manager__user", "activity"
        )
        .filter(pk=email.params.get("checkpoint"))
        .first()
    )


def _for_a_party(email: OutgoingEmail, checkpoint: Checkpoint | None) -> Checkpoint | None:
    """The checkpoint, if the recipient still follows the plan up: after a change of manager
    an email queued for the previous manager is not sent (they no longer see the plan)."""
    if checkpoint is None:
        return None
    person = checkpoint.plan.person
    manager_user = person.manager.user_id if person.manager else None
    if email.recipient_id not in (person.user_id, manager_user):
        return None
    return checkpoint


def _context(email: OutgoingEmail, checkpoint: Checkpoint) -> dict[str, Any]:
    person = checkpoint.plan.person
    is_employee = email.recipient_id == person.user_id
    recipient = person if is_employee else person.manager
    return {
        "checkpoint": checkpoint,
        "employee": person,
        "recipient_is_employee": is_employee,
        "recipient_name": recipient.first_name if recipient else "",
        "link": settings.SAMTAL_BASE_URL + reverse("plans:plan_detail", args=[person.pk]),
    }


def checkpoint_ics(checkpoint: Checkpoint, *, cancel: bool = False) -> bytes:
    """The follow-up meeting of a checkpoint (one UID per checkpoint)."""
    if checkpoint.meeting_at is None:
        raise ValueError("the checkpoint has no meeting")
    person = checkpoint.plan.person
    manager = person.manager
    attendees = [Attendee(person.user.email, person.full_name, manager is None)]
    organizer = attendees[0]
    if manager is not None:
        organizer = Attendee(manager.user.email, manager.full_name, True)
        attendees.append(organizer)
    link = settings.SAMTAL_BASE_URL + reverse("plans:plan_detail", args=[person.pk])
    return event_ics(
        uid=f"checkpoint-{checkpoint.pk}@{host()}",
        sequence=checkpoint.ics_sequence,
        starts_at=checkpoint.meeting_at,
        ends_at=checkpoint.meeting_at + timedelta(minutes=checkpoint.meeting_minutes),
        summary=_("Follow-up of the development plan: %(employee)s")
        % {"employee": person.full_name},
        location=checkpoint.place,
        link=link,
        description=_("Checkpoint: %(topic)s. The plan: %(link)s")
        % {"topic": checkpoint.topic, "link": link},
        organizer=organizer,
        attendees=attendees,
        cancel=cancel,
    )


def _still_due(email: OutgoingEmail) -> Checkpoint | None:
    checkpoint = _for_a_party(email, _checkpoint(email))
    if (
        checkpoint is None
        or checkpoint.status != CheckpointStatus.PLANNED
        or checkpoint.due_on.isoformat() != email.params.get("due_on")
    ):
        return None  # done, cancelled or moved since the reminder was queued
    return checkpoint


@email_renderer("checkpoint_soon")
def checkpoint_soon(email: OutgoingEmail) -> RenderedEmail | None:
    checkpoint = _still_due(email)
    if checkpoint is None:
        return None
    return render_email("plans/checkpoint_soon", _context(email, checkpoint))


@email_renderer("checkpoint_overdue")
def checkpoint_overdue(email: OutgoingEmail) -> RenderedEmail | None:
    checkpoint = _still_due(email)
    if checkpoint is None:
        return None
    return render_email("plans/checkpoint_overdue", _context(email, checkpoint))


@email_renderer("checkpoint_meeting")
def checkpoint_meeting(email: OutgoingEmail) -> RenderedEmail | None:
    checkpoint = _for_a_party(email, _checkpoint(email))
    if (
        checkpoint is None
        or checkpoint.status != CheckpointStatus.PLANNED
        or checkpoint.meeting_at is None
        or checkpoint.ics_sequence != email.params.get("sequence")
    ):
        return None  # a later change sent its own invitation
    rendered = render_email("plans/checkpoint_meeting", _context(email, checkpoint))
    rendered.attachments.append(
        ("invitation.ics", checkpoint_ics(checkpoint), ICS_MIMETYPE_REQUEST)
    )
    return rendered


@email_renderer("checkpoint_meeting_cancelled")
def checkpoint_meeting_cancelled(email: OutgoingEmail) -> RenderedEmail | None:
    checkpoint = _for_a_party(email, _checkpoint(email))
    if checkpoint is None or checkpoint.meeting_at is None:
        return None
    rendered = render_email("plans/checkpoint_meeting_cancelled", _context(email, checkpoint))
    rendered.attachments.append(
        ("cancel.ics", checkpoint_ics(checkpoint, cancel=True), ICS_MIMETYPE_CANCEL)
    )
    return rendered
