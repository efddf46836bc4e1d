"""Reminders of work-environment actions, run by `manage.py send_reminders`.

An open or started action is reminded of SAMTAL_ACTION_REMIND_DAYS before its due date and
once when the date has passed, to the person responsible and to the managers keeping the
unit's register (those with active reports in the action's unit). Each email's key holds the
due date, so a moved date reminds again and running the job twice sends nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from samtal.core.emails import email_queue_new
from samtal.core.models import OutgoingEmail
from samtal.core.reminders import reminder_job
from samtal.organisation.models import Person
from samtal.workenv.emails import DUE, OVERDUE, reminder_key
from samtal.workenv.models import OPEN_ACTION_STATUSES, Action

# An action overdue longer than this is not reminded of any more (nor on a first run).
OVERDUE_REMIND_WITHIN_DAYS = 30


@dataclass
class ActionReminderRun:
    due: int
    overdue: int


def _register_keepers(unit_ids: set[int]) -> dict[int, set[int]]:
    """unit id -> the user ids of the managers of the unit's active people (one query)."""
    keepers: dict[int, set[int]] = {}
    rows = (
        Person.objects.filter(unit_id__in=unit_ids, is_active=True, manager__isnull=False)
        .values_list("unit_id", "manager__user_id")
        .distinct()
    )
    for unit_id, user_id in rows:
        keepers.setdefault(unit_id, set()).add(user_id)
    return keepers


def action_reminders_queue(*, today: date | None = None) -> ActionReminderRun:
    """Queue the reminders due today; two queries to find them whatever their number."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.SAMTAL_ACTION_REMIND_DAYS)
    actions = list(
        Action.objects.filter(
            status__in=OPEN_ACTION_STATUSES,
            due_on__gte=today - timedelta(days=OVERDUE_REMIND_WITHIN_DAYS),
            due_on__lte=soon,
        ).values_list("id", "due_on", "unit_id", "responsible__user_id", "responsible__is_active")
    )
    keepers = _register_keepers({unit_id for _id, _due, unit_id, _user, _active in actions})
    due: list[OutgoingEmail] = []
    overdue: list[OutgoingEmail] = []
    for action_id, due_on, unit_id, responsible_user, responsible_active in actions:
        kind, target = (OVERDUE, overdue) if due_on < today else (DUE, due)
        recipients = set(keepers.get(unit_id, ()))
        if responsible_user is not None and responsible_active:
            recipients.add(responsible_user)
        for user_id in sorted(recipients):
            target.append(
                OutgoingEmail(
                    key=reminder_key(action_id, kind, due_on.isoformat(), user_id),
                    kind=kind,
                    recipient_id=user_id,
                    params={"action": action_id, "due_on": due_on.isoformat()},
                )
            )
    with transaction.atomic():
        return ActionReminderRun(due=email_queue_new(due), overdue=email_queue_new(overdue))


@reminder_job
def action_reminders_job(today: date) -> dict[str, int]:
    run = action_reminders_queue(today=today)
    return {
        "reminder(s) of work-environment actions due soon": run.due,
        "reminder(s) of overdue work-environment actions": run.overdue,
    }
