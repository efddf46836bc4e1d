"""One function per email about work-environment actions, rendering
templates/emails/workenv/<kind>.* in the recipient's language.

Who gets what: the person named responsible for an action is told when named
(`action_assigned`), and reminded before the due date (`action_due`) and once when it has
passed (`action_overdue`), as are the managers keeping the unit's register. An email never
says who raised the risk nor what they described: only the action, its unit and its dates.
A renderer returns None when the email is no longer needed by the time it is sent (the action
followed up, moved to another date or given to someone else, the manager no longer keeping
the unit's register).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from samtal.accounts.permissions import get_roles
from samtal.core.emails import RenderedEmail, email_queue, email_renderer, render_email
from samtal.core.models import OutgoingEmail
from samtal.organisation.models import Person
from samtal.workenv.models import Action
from samtal.workenv.permissions import register_unit_ids

ASSIGNED = "action_assigned"
DUE = "action_due"
OVERDUE = "action_overdue"


def reminder_key(action_id: int, kind: str, due_on: str, user_id: int) -> str:
    """One reminder of each kind per action, due date and recipient: a moved date reminds
    again, a second run does not."""
    return f"workenv_action:{action_id}:{kind}:{due_on}:{user_id}"


def action_assigned_queue(*, action: Action, actor: Any) -> None:
    """Tell the person named responsible for an action (not the manager naming themself).
    Queued once per action and person: naming the same person again adds nothing."""
    if action.responsible_id is None:
        return
    responsible = Person.objects.filter(pk=action.responsible_id, is_active=True).first()
    if responsible is None or responsible.user_id == getattr(actor, "pk", None):
        return
    email_queue(
        key=f"workenv_action:{action.pk}:{ASSIGNED}:{responsible.pk}",
        kind=ASSIGNED,
        recipient_id=responsible.user_id,
        params={"action": action.pk, "responsible": responsible.pk},
    )


def _action(email: OutgoingEmail) -> Action | None:
    return (
        Action.objects.select_related("unit", "responsible")
        .filter(pk=email.params.get("action"))
        .first()
    )


def _is_responsible(email: OutgoingEmail, action: Action) -> bool:
    person = action.responsible
    return person is not None and person.is_active and person.user_id == email.recipient_id


def _context(
    email: OutgoingEmail, action: Action, *, is_responsible: bool, keeps_register: bool
) -> dict[str, Any]:
    recipient = Person.objects.filter(user_id=email.recipient_id).only("first_name").first()
    if keeps_register:
        link = reverse("workenv:risk_detail", args=[action.observation_id])
    else:
        link = reverse("workenv:my_actions")
    return {
        "action": action,
        "unit_name": action.unit.name,
        "responsible": action.responsible_label,
        "is_responsible": is_responsible,
        "keeps_register": keeps_register,
        "recipient_name": recipient.first_name if recipient else "",
        "link": settings.SAMTAL_BASE_URL + link,
    }


@email_renderer(ASSIGNED)
def action_assigned(email: OutgoingEmail) -> RenderedEmail | None:
    action = _action(email)
    if (
        action is None
        or action.is_closed
        or action.responsible_id != email.params.get("responsible")
        or not _is_responsible(email, action)
    ):
        return None  # followed up or given to someone else meanwhile
    return render_email(
        "workenv/action_assigned",
        _context(email, action, is_responsible=True, keeps_register=False),
    )


def _reminder(email: OutgoingEmail, kind: str) -> RenderedEmail | None:
    action = _action(email)
    if (
        action is None
        or action.is_closed
        or action.due_on.isoformat() != email.params.get("due_on")
    ):
        return None  # followed up or moved to another date since the reminder was queued
    is_responsible = _is_responsible(email, action)
    keeps_register = action.unit_id in register_unit_ids(get_roles(email.recipient))
    if not (is_responsible or keeps_register):
        return None  # no longer responsible, or no longer the unit's manager
    return render_email(
        f"workenv/{kind}",
        _context(email, action, is_responsible=is_responsible, keeps_register=keeps_register),
    )


@email_renderer(DUE)
def action_due(email: OutgoingEmail) -> RenderedEmail | None:
    return _reminder(email, DUE)


@email_renderer(OVERDUE)
def action_overdue(email: OutgoingEmail) -> RenderedEmail | None:
    return _reminder(email, OVERDUE)
