"""Writes for development plans and unit goals.

Two ways to change a plan:
- **In a talk's record** (`talk` given): the note-taker proposes goals, activities and
  checkpoints while the record can be written. They belong to the record's content, so a
  change voids a version waiting for agreement, and they join the plan (`agreed_at`) when
  both parties agree to the record (`plan_items_agree`, a hook of talks.record).
- **During the year** (no `talk`): the employee or their current manager follows the plan
  up: adds items, changes an activity's status, completes a checkpoint, books a follow-up.

Every change writes a history row on the item, raises the plan's revision and refuses a
stale form (EditConflict). Proposed items are removed only from their own record; agreed
items are never deleted, they are dropped, followed up or cancelled with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samtal.accounts.permissions import get_roles
from samtal.core.emails import email_queue, email_queue_new
from samtal.core.exceptions import EditConflict, NeedsConfirmation, TransitionRefused
from samtal.core.models import OutgoingEmail
from samtal.core.reminders import reminder_job
from samtal.core.services import history_record
from samtal.core.text import clean_text
from samtal.organisation.models import Person, Unit
from samtal.plans.models import (
    ACTIVITY_TRANSITIONS,
    GOAL_TRANSITIONS,
    ActivityStatus,
    ActivityType,
    Checkpoint,
    CheckpointStatus,
    DevelopmentPlan,
    Horizon,
    PlanActivity,
    PlanGoal,
    Responsible,
    UnitGoal,
)
from samtal.plans.permissions import can_manage_unit_goals, plan_access
from samtal.talks.models import Record, Talk
from samtal.talks.record import record_content_changed, record_lock_for_writing

MAX_TEXT = 2000
MAX_OUTCOME = 4000
MAX_TOPIC = 300
MAX_HOURS = Decimal("10000")
MAX_COST = Decimal("100000000")
# A checkpoint further ahead than this is surely a typing error in the year.
MAX_YEARS_AHEAD = 3
MIN_MEETING_MINUTES, MAX_MEETING_MINUTES = 5, 480

Item = TypeVar("Item", PlanGoal, PlanActivity, Checkpoint)


# --- what a form sends ----------------------------------------------------------------------


@dataclass
class GoalData:
    text: str
    horizon: str = Horizon.SHORT
    unit_goal_id: int | None = None


@dataclass
class ActivityData:
    activity_type: str
    description: str
    responsible: str = Responsible.EMPLOYEE
    responsible_other: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    hours: Decimal | None = None
    cost: Decimal | None = None
    goal_id: int | None = None


@dataclass
class CheckpointData:
    due_on: date
    topic: str
    activity_id: int | None = None


# --- the plan -------------------------------------------------------------------------------


def plan_get_or_create(*, person: Person) -> DevelopmentPlan:
    plan, _created = DevelopmentPlan.objects.get_or_create(person=person)
    return plan


@dataclass
class _Change:
    plan: DevelopmentPlan
    talk: Talk | None  # the talk whose record proposes the item, or None during the year
    agreed_at: datetime | None
    changed: bool = True  # a service sets False when the save changed nothing


@contextmanager
def _changing(*, actor: Any, person: Person, talk: Talk | None) -> Iterator[_Change]:
    """One change to `person`'s plan, in a transaction: through the record of `talk` by its
    note-taker (the record must be writable; its pending version is voided afterwards), or
    during the year by the employee or their current manager."""
    with transaction.atomic():
        record = None
        if talk is not None:
            if talk.employee_id != person.pk:
                raise PermissionDenied
            found = Record.objects.filter(talk=talk).first()
            if found is None:
                raise TransitionRefused([_("The talk has no record yet.")])
            record = record_lock_for_writing(record=found, actor=actor)
        elif not plan_access(roles=get_roles(actor), person=person).can_write:
            raise PermissionDenied
        plan = plan_get_or_create(person=person)
        plan = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
        change = _Change(plan, talk, None if talk is not None else timezone.now())
        yield change
        if not change.changed:
            return
        DevelopmentPlan.objects.filter(pk=plan.pk).update(
            revision=F("revision") + 1, updated_at=timezone.now()
        )
        if record is not None:
            record_content_changed(record=record, actor=actor)


def _item_talk(item: PlanGoal | PlanActivity | Checkpoint) -> Talk | None:
    """Where a change to `item` is made: a proposed item only in its own record."""
    if item.agreed_at is None:
        return item.origin_talk
    return None


def _locked(item: Item, revision: int | None) -> Item:
    current = type(item).objects.select_for_update().get(pk=item.pk)
    if revision is not None and current.revision != revision:
        raise EditConflict(current)
    return current


def _save(item: Item, fields: list[str]) -> None:
    item.revision += 1
    item.save(update_fields=[*fields, "revision", "updated_at"])


def _create(
    model: type[Item],
    change: _Change,
    actor: Any,
    fields: dict[str, Any],
    *,
    action: str,
    logged: tuple[str, ...],
) -> Item:
    """A new item of the plan (proposed in the record, or agreed at once) and its history."""
    item = model.objects.create(
        plan=change.plan,
        origin_talk=change.talk,
        agreed_at=change.agreed_at,
        created_by=actor,
        **fields,
    )
    history_record(
        obj=item, actor=actor, action=action, changes={name: getattr(item, name) for name in logged}
    )
    return item


def _apply(current: Item, fields: dict[str, Any], change: _Change, actor: Any, action: str) -> None:
    """Save what the form changed in a locked item, with its history; nothing if nothing."""
    changes = _diff(current, fields)
    change.changed = bool(changes)
    if changes:
        for name, value in fields.items():
            setattr(current, name, value)
        _save(current, list(fields))
        history_record(obj=current, actor=actor, action=action, changes=changes)


def _diff(item: models.Model, new: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for name, value in new.items():
        old = getattr(item, name)
        if old != value:
            changes[name] = [old, value]
    return changes


# --- goals ----------------------------------------------------------------------------------


def _clean_goal(person: Person, data: GoalData, current: PlanGoal | None = None) -> dict[str, Any]:
    text = clean_text(data.text, limit=MAX_TEXT).strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("Write the goal.")]
    if data.horizon not in Horizon.values:
        errors["horizon"] = [_("Choose short or long term.")]
    unit_goal = None
    if data.unit_goal_id is not None:
        unit_goal = unit_goals_for_person_q(person).filter(pk=data.unit_goal_id).first()
        if unit_goal is None:
            errors["unit_goal"] = [_("Choose one of the published goals of the employee's unit.")]
    if errors:
        raise ValidationError(errors)
    return {"text": text, "horizon": data.horizon, "unit_goal": unit_goal}


def goal_add(*, actor: Any, person: Person, data: GoalData, talk: Talk | None = None) -> PlanGoal:
    """Add a goal: proposed in the record of `talk`, or straight into the plan."""
    with _changing(actor=actor, person=person, talk=talk) as change:
        fields = _clean_goal(person, data)
        return _create(PlanGoal, change, actor, fields, action="plan_goal_added", logged=("text",))


def goal_update(*, actor: Any, goal: PlanGoal, data: GoalData, revision: int) -> PlanGoal:
    with _changing(actor=actor, person=goal.plan.person, talk=_item_talk(goal)) as change:
        fields = _clean_goal(goal.plan.person, data, goal)
        current = _locked(goal, revision)
        _apply(current, fields, change, actor, "plan_goal_changed")
    return current


def goal_follow_up(
    *, actor: Any, goal: PlanGoal, status: str, outcome: str, revision: int
) -> PlanGoal:
    """Mark a goal of the plan reached or not reached (with what came of it), or open again."""
    with _changing(actor=actor, person=goal.plan.person, talk=None):
        if goal.agreed_at is None:
            raise TransitionRefused(
                [_("The goal is proposed in a talk; it is followed up once agreed.")]
            )
        outcome = clean_text(outcome, limit=MAX_OUTCOME, field="outcome").strip()
        current = _locked(goal, revision)
        if status not in GOAL_TRANSITIONS.get(current.status, frozenset()):
            raise TransitionRefused(
                [
                    _("A goal that is %(status)s cannot be marked that way.")
                    % {"status": current.get_status_display().lower()}
                ]
            )
        changes = {"status": [current.status, status], "outcome": [current.outcome, outcome]}
        current.status, current.outcome = status, outcome
        current.status_changed_at = timezone.now()
        _save(current, ["status", "outcome", "status_changed_at"])
        history_record(obj=current, actor=actor, action="plan_goal_status", changes=changes)
    return current


# --- activities -----------------------------------------------------------------------------


def _clean_activity(plan_person: Person, data: ActivityData, talk: Talk | None) -> dict[str, Any]:
    description = clean_text(data.description, limit=MAX_TEXT, field="description").strip()
    other = clean_text(data.responsible_other, limit=200, field="responsible_other").strip()
    errors: dict[str, list[str]] = {}
    if data.activity_type not in ActivityType.values:
        errors["activity_type"] = [_("Choose the type of activity.")]
    if not description:
        errors["description"] = [_("Describe the activity.")]
    if data.responsible not in Responsible.values:
        errors["responsible"] = [_("Choose who is responsible.")]
    elif data.responsible == Responsible.OTHER and not other:
        errors["responsible_other"] = [_("Write who is responsible.")]
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = [_("The planned end is before the planned start.")]
    for name, value, high in (("hours", data.hours, MAX_HOURS), ("cost", data.cost, MAX_COST)):
        if value is not None and not Decimal(0) <= value <= high:
            errors[name] = [_("Give a number from 0 to %(high)s.") % {"high": high}]
    goal = None
    if data.goal_id is not None:
        goal = _plan_item_q(PlanGoal, plan_person, talk).filter(pk=data.goal_id).first()
        if goal is None:
            errors["goal"] = [_("Choose one of the goals of this plan.")]
    if errors:
        raise ValidationError(errors)
    return {
        "activity_type": data.activity_type,
        "description": description,
        "responsible": data.responsible,
        "responsible_other": other if data.responsible == Responsible.OTHER else "",
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "hours": data.hours,
        "cost": data.cost,
        "goal": goal,
    }


def _plan_item_q(model: type[Item], person: Person, talk: Talk | None) -> Any:
    """Items another item may refer to: the agreed ones, and those proposed in the same talk."""
    visible = Q(agreed_at__isnull=False)
    if talk is not None:
        visible |= Q(origin_talk=talk)
    return model.objects.filter(visible, plan__person=person)


def activity_add(
    *, actor: Any, person: Person, data: ActivityData, talk: Talk | None = None
) -> PlanActivity:
    with _changing(actor=actor, person=person, talk=talk) as change:
        fields = _clean_activity(person, data, talk)
        return _create(
            PlanActivity,
            change,
            actor,
            fields,
            action="plan_activity_added",
            logged=("activity_type", "description"),
        )


def activity_update(
    *, actor: Any, activity: PlanActivity, data: ActivityData, revision: int
) -> PlanActivity:
    talk = _item_talk(activity)
    with _changing(actor=actor, person=activity.plan.person, talk=talk) as change:
        fields = _clean_activity(activity.plan.person, data, talk or activity.origin_talk)
        current = _locked(activity, revision)
        _apply(current, fields, change, actor, "plan_activity_changed")
    return current


def activity_set_status(
    *,
    actor: Any,
    activity: PlanActivity,
    status: str,
    revision: int,
    reason: str = "",
    outcome: str = "",
) -> PlanActivity:
    """Move an agreed activity along planned -> ongoing -> done, or drop it with a reason
    (ACTIVITY_TRANSITIONS). The outcome says what came of it."""
    with _changing(actor=actor, person=activity.plan.person, talk=None):
        if activity.agreed_at is None:
            raise TransitionRefused(
                [_("The activity is proposed in a talk; its status changes once it is agreed.")]
            )
        reason = clean_text(reason, limit=MAX_TEXT, field="reason").strip()
        outcome = clean_text(outcome, limit=MAX_OUTCOME, field="outcome").strip()
        if status == ActivityStatus.DROPPED and not reason:
            raise ValidationError({"reason": [_("Say why the activity is dropped.")]})
        current = _locked(activity, revision)
        if status not in ACTIVITY_TRANSITIONS.get(current.status, frozenset()):
            raise TransitionRefused(
                [
                    _("An activity that is %(old)s cannot become %(new)s.")
                    % {
                        "old": current.get_status_display().lower(),
                        "new": str(ActivityStatus(status).label).lower()
                        if status in ActivityStatus.values
                        else status,
                    }
                ]
            )
        changes: dict[str, Any] = {"status": [current.status, status]}
        current.status = status
        current.status_changed_at = timezone.now()
        current.drop_reason = reason if status == ActivityStatus.DROPPED else ""
        if reason and status == ActivityStatus.DROPPED:
            changes["drop_reason"] = reason
        if outcome != current.outcome:
            changes["outcome"] = [current.outcome, outcome]
            current.outcome = outcome
        _save(current, ["status", "status_changed_at", "drop_reason", "outcome"])
        history_record(obj=current, actor=actor, action="plan_activity_status", changes=changes)
    return current


# --- checkpoints ----------------------------------------------------------------------------


def checkpoint_date_check(
    *, person: Person, due_on: date, today: date | None = None
) -> tuple[list[str], list[str]]:
    """(errors, warnings) for a checkpoint's date: not before the plan existed nor years
    ahead (refused); in the past (a warning: recording a follow-up already held is fine)."""
    today = today or timezone.localdate()
    errors, warnings = [], []
    plan = DevelopmentPlan.objects.filter(person=person).first()
    # Without a plan yet the checkpoint creates it: a past date is then only a warning.
    created = timezone.localtime(plan.created_at).date() if plan else None
    if created is not None and due_on < created:
        errors.append(
            _("The date is before the plan was created (%(date)s).") % {"date": created.isoformat()}
        )
    elif due_on >= _years_later(today, MAX_YEARS_AHEAD):
        errors.append(
            _("The date is more than %(years)d years ahead. Check the year.")
            % {"years": MAX_YEARS_AHEAD}
        )
    elif due_on < today:
        warnings.append(
            _("The date has passed (%(date)s). Save it only to record a follow-up already held.")
            % {"date": due_on.isoformat()}
        )
    return errors, warnings


def _years_later(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _clean_checkpoint(
    person: Person, data: CheckpointData, talk: Talk | None, confirmed: bool
) -> dict[str, Any]:
    topic = clean_text(data.topic, limit=MAX_TOPIC, field="topic").strip()
    errors: dict[str, list[str]] = {}
    if not topic:
        errors["topic"] = [_("Write what you will check.")]
    date_errors, warnings = checkpoint_date_check(person=person, due_on=data.due_on)
    if date_errors:
        errors["due_on"] = date_errors
    activity = None
    if data.activity_id is not None:
        activity = _plan_item_q(PlanActivity, person, talk).filter(pk=data.activity_id).first()
        if activity is None:
            errors["activity"] = [_("Choose one of the activities of this plan.")]
    if errors:
        raise ValidationError(errors)
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    return {"due_on": data.due_on, "topic": topic, "activity": activity}


def checkpoint_add(
    *,
    actor: Any,
    person: Person,
    data: CheckpointData,
    talk: Talk | None = None,
    confirmed: bool = False,
) -> Checkpoint:
    """Add a checkpoint. A date in the past needs `confirmed` (NeedsConfirmation says why)."""
    with _changing(actor=actor, person=person, talk=talk) as change:
        fields = _clean_checkpoint(person, data, talk, confirmed)
        return _create(
            Checkpoint,
            change,
            actor,
            fields,
            action="plan_checkpoint_added",
            logged=("due_on", "topic"),
        )


def checkpoint_update(
    *,
    actor: Any,
    checkpoint: Checkpoint,
    data: CheckpointData,
    revision: int,
    confirmed: bool = False,
) -> Checkpoint:
    talk = _item_talk(checkpoint)
    person = checkpoint.plan.person
    with _changing(actor=actor, person=person, talk=talk) as change:
        fields = _clean_checkpoint(person, data, talk or checkpoint.origin_talk, confirmed)
        current = _locked(checkpoint, revision)
        if current.status != CheckpointStatus.PLANNED:
            raise TransitionRefused([_("Only a planned checkpoint can be changed.")])
        meeting_ahead = current.meeting_at is not None and current.meeting_at > timezone.now()
        if meeting_ahead and fields["due_on"] != current.due_on:
            raise ValidationError(
                {
                    "due_on": [
                        _(
                            "A follow-up meeting is booked for this checkpoint: book the "
                            "meeting again to move it."
                        )
                    ]
                }
            )
        _apply(current, fields, change, actor, "plan_checkpoint_changed")
    return current


def checkpoint_complete(
    *, actor: Any, checkpoint: Checkpoint, outcome: str, revision: int
) -> Checkpoint:
    """Either party records the outcome of a checkpoint and marks it done."""
    return _checkpoint_close(
        actor,
        checkpoint,
        revision,
        CheckpointStatus.DONE,
        "plan_checkpoint_done",
        text=outcome,
        field="outcome",
        missing=_("Write what the follow-up came to."),
    )


def checkpoint_cancel(
    *, actor: Any, checkpoint: Checkpoint, reason: str, revision: int
) -> Checkpoint:
    """Cancel a planned checkpoint with a reason; a booked meeting is cancelled in both
    calendars."""
    return _checkpoint_close(
        actor,
        checkpoint,
        revision,
        CheckpointStatus.CANCELLED,
        "plan_checkpoint_cancelled",
        text=reason,
        field="reason",
        missing=_("Say why the checkpoint is cancelled."),
    )


def _checkpoint_close(
    actor: Any,
    checkpoint: Checkpoint,
    revision: int,
    status: str,
    action: str,
    *,
    text: str,
    field: str,
    missing: str,
) -> Checkpoint:
    """Close a planned checkpoint with `text` (the outcome, or the reason for cancelling),
    checked only once the actor may change the plan."""
    with _changing(actor=actor, person=checkpoint.plan.person, talk=None):
        if checkpoint.agreed_at is None:
            raise TransitionRefused(
                [_("The checkpoint is proposed in a talk; it is followed up once agreed.")]
            )
        outcome = clean_text(text, limit=MAX_OUTCOME, field=field).strip()
        if not outcome:
            raise ValidationError({field: [missing]})
        current = _locked(checkpoint, revision)
        if current.status != CheckpointStatus.PLANNED:
            raise TransitionRefused([_("The checkpoint is already done or cancelled.")])
        current.status, current.outcome = status, outcome
        fields = ["status", "outcome"]
        if status == CheckpointStatus.DONE:
            current.completed_at, current.completed_by = timezone.now(), actor
            fields += ["completed_at", "completed_by"]
        # A meeting still ahead is no longer needed: it is cancelled in both calendars.
        meeting_ahead = current.meeting_at is not None and current.meeting_at > timezone.now()
        if meeting_ahead:
            current.ics_sequence += 1
            fields.append("ics_sequence")
        _save(current, fields)
        history_record(
            obj=current, actor=actor, action=action, changes={"status": status, "outcome": outcome}
        )
        if meeting_ahead:
            _tell_both(current, "checkpoint_meeting_cancelled", f"cancel:{current.ics_sequence}")
    return current


def checkpoint_book_meeting(
    *,
    actor: Any,
    checkpoint: Checkpoint,
    meeting_at: datetime,
    minutes: int,
    place: str,
    revision: int,
) -> Checkpoint:
    """Hold the checkpoint as a short follow-up meeting: both get a calendar invitation (one
    UID per checkpoint, SEQUENCE raised by every change) and its date becomes the meeting's."""
    with _changing(actor=actor, person=checkpoint.plan.person, talk=None) as change:
        if checkpoint.agreed_at is None:
            raise TransitionRefused(
                [_("The checkpoint is proposed in a talk; book the follow-up once it is agreed.")]
            )
        place = clean_text(place, limit=300, field="place").strip()
        errors: dict[str, list[str]] = {}
        if meeting_at <= timezone.now():
            errors["meeting_at"] = [_("The time has passed. Choose a time later than now.")]
        elif timezone.localtime(meeting_at).date() >= _years_later(
            timezone.localdate(), MAX_YEARS_AHEAD
        ):
            # The meeting's date becomes the checkpoint's: the same limit as for the date.
            errors["meeting_at"] = [
                _("The date is more than %(years)d years ahead. Check the year.")
                % {"years": MAX_YEARS_AHEAD}
            ]
        if not MIN_MEETING_MINUTES <= minutes <= MAX_MEETING_MINUTES:
            errors["meeting_minutes"] = [
                _("The length must be between %(low)d and %(high)d minutes.")
                % {"low": MIN_MEETING_MINUTES, "high": MAX_MEETING_MINUTES}
            ]
        if not place:
            errors["place"] = [_("Say where you meet (a room, or a video link).")]
        if errors:
            raise ValidationError(errors)
        current = _locked(checkpoint, revision)
        if current.status != CheckpointStatus.PLANNED:
            raise TransitionRefused([_("The checkpoint is already done or cancelled.")])
        new = {
            "meeting_at": meeting_at,
            "meeting_minutes": minutes,
            "place": place,
            "due_on": timezone.localtime(meeting_at).date(),
        }
        changes = _diff(current, new)
        if not changes:
            change.changed = False
            return current
        for name, value in new.items():
            setattr(current, name, value)
        current.ics_sequence += 1
        _save(current, [*new, "ics_sequence"])
        history_record(obj=current, actor=actor, action="plan_checkpoint_meeting", changes=changes)
        _tell_both(current, "checkpoint_meeting", f"meeting:{current.ics_sequence}")
    return current


def _tell_both(checkpoint: Checkpoint, kind: str, key: str) -> None:
    person = Person.objects.select_related("manager").get(pk=checkpoint.plan.person_id)
    users = [person.user_id] + ([person.manager.user_id] if person.manager else [])
    for user_id in users:
        email_queue(
            key=f"checkpoint:{checkpoint.pk}:{key}:{user_id}",
            kind=kind,
            recipient_id=user_id,
            params={"checkpoint": checkpoint.pk, "sequence": checkpoint.ics_sequence},
        )


# --- removing a proposal --------------------------------------------------------------------


def plan_item_remove(*, actor: Any, item: PlanGoal | PlanActivity | Checkpoint) -> None:
    """The note-taker removes an item proposed in the record (never an agreed one). Links
    from other proposed items to it are cleared."""
    if item.agreed_at is not None or item.origin_talk is None:
        raise TransitionRefused(
            [_("Only an item proposed in a talk that is not agreed yet can be removed.")]
        )
    action = {
        PlanGoal: "plan_goal_removed",
        PlanActivity: "plan_activity_removed",
        Checkpoint: "plan_checkpoint_removed",
    }[type(item)]
    with _changing(actor=actor, person=item.plan.person, talk=item.origin_talk) as change:
        # The history stays with the plan: the item itself is gone.
        history_record(obj=change.plan, actor=actor, action=action, changes={"text": str(item)})
        type(item).objects.filter(pk=item.pk).delete()


# --- agreement ------------------------------------------------------------------------------


def plan_items_agree(record: Record, actor: Any) -> None:
    """Both parties agreed to the record: what it proposed joins the plan (record hook)."""
    now = timezone.now()
    count = 0
    for model in (PlanGoal, PlanActivity, Checkpoint):
        count += model.objects.filter(origin_talk_id=record.talk_id, agreed_at__isnull=True).update(
            agreed_at=now
        )
    if count:
        plan = DevelopmentPlan.objects.get(person_id=record.talk.employee_id)
        DevelopmentPlan.objects.filter(pk=plan.pk).update(revision=F("revision") + 1)
        history_record(obj=plan, actor=actor, action="plan_items_agreed", changes={"items": count})


# --- unit goals -----------------------------------------------------------------------------


def unit_goals_for_person_q(person: Person) -> Any:
    """The published goals of the person's unit and of the units above it."""
    ancestor_ids = [int(part) for part in person.unit.path.strip("/").split("/") if part]
    return UnitGoal.objects.filter(unit_id__in=ancestor_ids, status=UnitGoal.Status.PUBLISHED)


@dataclass
class UnitGoalData:
    year: int
    title_sv: str
    title_en: str
    description_sv: str = ""
    description_en: str = ""


def _clean_unit_goal(data: UnitGoalData) -> dict[str, Any]:
    fields = {
        "title_sv": clean_text(data.title_sv, limit=300, field="title_sv").strip(),
        "title_en": clean_text(data.title_en, limit=300, field="title_en").strip(),
        "description_sv": clean_text(data.description_sv, limit=MAX_TEXT, field="description_sv"),
        "description_en": clean_text(data.description_en, limit=MAX_TEXT, field="description_en"),
        "year": data.year,
    }
    errors: dict[str, list[str]] = {}
    if not fields["title_sv"]:
        errors["title_sv"] = [_("Write the goal in Swedish.")]
    if not fields["title_en"]:
        errors["title_en"] = [_("Write the goal in English.")]
    this_year = timezone.localdate().year
    if not this_year - 1 <= data.year <= this_year + 2:
        errors["year"] = [
            _("Choose a year from %(low)d to %(high)d.")
            % {"low": this_year - 1, "high": this_year + 2}
        ]
    if errors:
        raise ValidationError(errors)
    return fields


def unit_goal_create(*, actor: Any, unit: Unit, data: UnitGoalData) -> UnitGoal:
    """A manager of the unit's people or HR in scope adds a goal, as a draft."""
    if not can_manage_unit_goals(roles=get_roles(actor), unit=unit):
        raise PermissionDenied
    fields = _clean_unit_goal(data)
    with transaction.atomic():
        goal = UnitGoal.objects.create(unit=unit, created_by=actor, **fields)
        history_record(obj=goal, actor=actor, action="unit_goal_created", changes=fields)
    return goal


def unit_goal_update(*, actor: Any, goal: UnitGoal, data: UnitGoalData, revision: int) -> UnitGoal:
    if not can_manage_unit_goals(roles=get_roles(actor), unit=goal.unit):
        raise PermissionDenied
    fields = _clean_unit_goal(data)
    with transaction.atomic():
        current = _locked_goal(goal, revision)
        if current.status == UnitGoal.Status.WITHDRAWN:
            raise TransitionRefused([_("A withdrawn goal cannot be changed.")])
        changes = _diff(current, fields)
        if changes:
            for name, value in fields.items():
                setattr(current, name, value)
            current.revision += 1
            current.save()
            history_record(obj=current, actor=actor, action="unit_goal_updated", changes=changes)
    return current


def unit_goal_publish(*, actor: Any, goal: UnitGoal, revision: int) -> UnitGoal:
    """Publish a draft: the unit's employees see it and can link their goals to it."""
    return _unit_goal_move(actor, goal, revision, UnitGoal.Status.PUBLISHED, "unit_goal_published")


def unit_goal_withdraw(*, actor: Any, goal: UnitGoal, revision: int) -> UnitGoal:
    """Withdraw a goal: no longer offered, while goals already linked to it keep the link."""
    return _unit_goal_move(actor, goal, revision, UnitGoal.Status.WITHDRAWN, "unit_goal_withdrawn")


UNIT_GOAL_TRANSITIONS = {
    UnitGoal.Status.DRAFT: {UnitGoal.Status.PUBLISHED, UnitGoal.Status.WITHDRAWN},
    UnitGoal.Status.PUBLISHED: {UnitGoal.Status.WITHDRAWN},
    UnitGoal.Status.WITHDRAWN: set(),
}


def _unit_goal_move(
    actor: Any, goal: UnitGoal, revision: int, status: str, action: str
) -> UnitGoal:
    if not can_manage_unit_goals(roles=get_roles(actor), unit=goal.unit):
        raise PermissionDenied
    with transaction.atomic():
        current = _locked_goal(goal, revision)
        if status not in UNIT_GOAL_TRANSITIONS[UnitGoal.Status(current.status)]:
            raise TransitionRefused(
                [
                    _("The goal is %(status)s; that cannot be done now.")
                    % {"status": current.get_status_display().lower()}
                ]
            )
        old = current.status
        current.status = status
        if status == UnitGoal.Status.PUBLISHED:
            current.published_at = timezone.now()
        current.revision += 1
        current.save()
        history_record(obj=current, actor=actor, action=action, changes={"status": [old, status]})
    return current


def _locked_goal(goal: UnitGoal, revision: int) -> UnitGoal:
    current = UnitGoal.objects.select_for_update().select_related("unit").get(pk=goal.pk)
    if current.revision != revision:
        raise EditConflict(current)
    return current


# --- reminders ------------------------------------------------------------------------------


@dataclass
class CheckpointReminderRun:
    before: int
    overdue: int


# A checkpoint overdue longer than this is not reminded of any more (nor on a first run).
OVERDUE_REMIND_WITHIN_DAYS = 30


def checkpoint_reminders_queue(*, today: date | None = None) -> CheckpointReminderRun:
    """Remind both parties (the employee and their current manager) of an agreed, planned
    checkpoint N days before its date, and once when it has passed without being done. The
    key holds the date, so a checkpoint moved to another date is reminded of again; running
    this any number of times sends each reminder once."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.SAMTAL_CHECKPOINT_REMIND_DAYS)
    rows = (
        Checkpoint.objects.filter(
            status=CheckpointStatus.PLANNED,
            agreed_at__isnull=False,
            plan__person__is_active=True,
            due_on__gte=today - timedelta(days=OVERDUE_REMIND_WITHIN_DAYS),
            due_on__lte=soon,
        )
        .values_list("id", "due_on", "plan__person__user_id", "plan__person__manager__user_id")
        .iterator(chunk_size=5000)
    )
    before: list[OutgoingEmail] = []
    overdue: list[OutgoingEmail] = []
    for checkpoint_id, due_on, employee_user, manager_user in rows:
        kind, target = (
            ("checkpoint_overdue", overdue) if due_on < today else ("checkpoint_soon", before)
        )
        for user_id in (employee_user, manager_user):
            if user_id is None:
                continue
            target.append(
                OutgoingEmail(
                    key=f"checkpoint:{checkpoint_id}:{kind}:{due_on.isoformat()}:{user_id}",
                    kind=kind,
                    recipient_id=user_id,
                    params={"checkpoint": checkpoint_id, "due_on": due_on.isoformat()},
                )
            )
    with transaction.atomic():
        return CheckpointReminderRun(
            before=email_queue_new(before), overdue=email_queue_new(overdue)
        )


@reminder_job
def checkpoint_reminders_job(today: date) -> dict[str, int]:
    run = checkpoint_reminders_queue(today=today)
    return {
        "reminder(s) of checkpoints coming up": run.before,
        "reminder(s) of overdue checkpoints": run.overdue,
    }
