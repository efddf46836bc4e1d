"""Writes for rounds and talks: launch, extra talks, booking, answers, status changes, reminders.

Every talk status change goes through `_move`, which checks TALK_TRANSITIONS, bumps the
revision and writes a history row. Emails are queued in the same transaction and sent after
it commits (core.emails).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from samtal.accounts.permissions import get_roles
from samtal.core.emails import email_queue, email_queue_many, email_queue_new
from samtal.core.exceptions import EditConflict, NeedsConfirmation, TransitionRefused
from samtal.core.models import OutgoingEmail
from samtal.core.reminders import reminder_job
from samtal.core.services import history_record, history_record_many
from samtal.core.text import clean_text
from samtal.organisation.models import Person, Unit
from samtal.talk_templates.models import TemplateVersion, VersionStatus
from samtal.talks import permissions
from samtal.talks.models import (
    OPEN_STATUSES,
    TALK_TRANSITIONS,
    Response,
    Room,
    Round,
    Talk,
    TalkStatus,
)

MAX_TEXT = 2000
MIN_MINUTES, MAX_MINUTES = 15, 480


# --- rooms ---------------------------------------------------------------------------------


ROOM_FIELDS = ("name", "location", "is_active")


def room_save(*, actor: Any, room: Room | None, data: dict[str, Any]) -> Room:
    """Add a room (room=None) or change one; HR or admin only. Records what changed."""
    roles = get_roles(actor)
    if not permissions.can_manage_rooms(roles):
        raise PermissionDenied
    creating = room is None
    target = Room() if room is None else room
    changes: dict[str, Any] = {}
    for name in ROOM_FIELDS:
        old, new = getattr(target, name), data[name]
        if creating or old != new:
            changes[name] = new if creating else [old, new]
            setattr(target, name, new)
    if not changes:
        return target
    with transaction.atomic():
        target.full_clean()
        target.save()
        history_record(
            obj=target,
            actor=actor,
            action="room_created" if creating else "room_updated",
            changes=changes,
        )
    return target


# --- rounds -------------------------------------------------------------------------------


@dataclass
class RoundData:
    name: str
    year: int
    template_version: TemplateVersion
    units: Sequence[Unit]
    include_subunits: bool
    employment_categories: list[str]
    start_date: date
    deadline: date


def _check_round_data(data: RoundData, *, actor: Any, current: Round | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if not data.units:
        errors.setdefault("units", []).append(_("Choose at least one unit."))
    if data.deadline < data.start_date:
        errors.setdefault("deadline", []).append(_("The deadline must not be before the start."))
    # A launched round keeps its version even if it is retired later; a new or changed
    # choice must be published.
    template_chosen = current is None or data.template_version.pk != current.template_version_id
    if template_chosen and data.template_version.status != VersionStatus.PUBLISHED:
        errors.setdefault("template_version", []).append(
            _("Only a published template version can be used in a round.")
        )
    if errors:
        raise ValidationError(errors)
    if not permissions.can_manage_round(get_roles(actor), [u.path for u in data.units]):
        raise PermissionDenied(_("Every unit in the round must be within your HR scope."))


def round_create(*, actor: Any, data: RoundData) -> Round:
    """Create a round (not launched yet). Refuses units outside the actor's HR scope and
    template versions that are not published."""
    _check_round_data(data, actor=actor)
    with transaction.atomic():
        round_ = Round.objects.create(
            name=data.name,
            year=data.year,
            template_version=data.template_version,
            include_subunits=data.include_subunits,
            employment_categories=sorted(data.employment_categories),
            start_date=data.start_date,
            deadline=data.deadline,
            created_by=actor,
        )
        round_.units.set(data.units)
        history_record(obj=round_, actor=actor, action="round_created")
    return round_


def round_update(*, round_: Round, actor: Any, revision: int, data: RoundData) -> Round:
    """Change a round. Once launched only the name and the period can change (the deadline of
    its open talks follows); scope and template stay as launched."""
    _check_round_data(data, actor=actor, current=round_)
    if not permissions.can_manage_round(
        get_roles(actor), list(round_.units.values_list("path", flat=True))
    ):
        raise PermissionDenied
    with transaction.atomic():
        current = Round.objects.select_for_update().get(pk=round_.pk)
        if current.revision != revision:
            raise EditConflict(current)
        changes: dict[str, Any] = {}
        fields = ["name", "year", "start_date", "deadline"]
        if current.status == Round.Status.DRAFT:
            fields += ["template_version", "include_subunits", "employment_categories"]
        else:
            locked_changed = (
                data.template_version.pk != current.template_version_id
                or data.include_subunits != current.include_subunits
                or sorted(data.employment_categories) != current.employment_categories
                or {u.pk for u in data.units} != set(current.units.values_list("pk", flat=True))
            )
            if locked_changed:
                raise TransitionRefused(
                    [
                        _(
                            "The round has been launched: its units, categories and template "
                            "can no longer change. Only the name and the period can."
                        )
                    ]
                )
        for name in fields:
            new = getattr(data, name)
            if name == "employment_categories":
                new = sorted(new)
            old = getattr(current, name)
            if old != new:
                changes[name] = [old, new]
                setattr(current, name, new)
        current.revision += 1
        current.save()
        if current.status == Round.Status.DRAFT:
            current.units.set(data.units)
        if "deadline" in changes:
            Talk.objects.filter(round=current, status__in=OPEN_STATUSES).update(
                deadline=current.deadline
            )
        history_record(obj=current, actor=actor, action="round_updated", changes=changes)
    return current


def round_scope_people(round_: Round) -> Any:
    """The active people the round covers (whether or not they can be offered a talk)."""
    units = list(round_.units.all())
    if round_.include_subunits:
        query = Q(pk__in=[])
        for unit in units:
            query |= Q(unit__path__startswith=unit.path)
    else:
        query = Q(unit__in=units)
    people = Person.objects.filter(query, is_active=True)
    if round_.employment_categories:
        people = people.filter(employment_category__in=round_.employment_categories)
    return people


def without_manager_q() -> Q:
    """People who cannot be offered a talk: no manager, or a manager who has left."""
    return Q(manager__isnull=True) | Q(manager__is_active=False)


@dataclass
class LaunchResult:
    created: int
    without_manager: int
    launch_number: int


def _launch_check(round_: Round, actor: Any) -> None:
    roles = get_roles(actor)
    unit_paths = list(round_.units.values_list("path", flat=True))
    if not permissions.can_manage_round(roles, unit_paths):
        raise PermissionDenied
    problems = []
    if round_.template_version.status != VersionStatus.PUBLISHED:
        problems.append(
            _("The round's template version is not published, so it cannot be launched.")
        )
    if round_.status == Round.Status.CLOSED:
        problems.append(_("The round is closed."))
    if problems:
        raise TransitionRefused(problems)


def round_launch_request(*, round_: Round, actor: Any) -> None:
    """Check that the round may be launched and launch it in a background task once this
    transaction commits: a round for 100 000 people takes longer than a web request may.
    Refuses (before anything is queued) what round_launch would refuse."""
    from samtal.talks.tasks import launch_round

    _launch_check(round_, actor)
    with transaction.atomic():
        Round.objects.filter(pk=round_.pk).update(launch_requested_at=timezone.now())
        history_record(obj=round_, actor=actor, action="round_launch_requested")
        round_id, actor_id = round_.pk, actor.pk
        transaction.on_commit(lambda: launch_round.enqueue(round_id=round_id, actor_id=actor_id))


def round_launch(*, round_: Round, actor: Any) -> LaunchResult:
    """Offer a talk to every active employee in the round's scope who has none in it yet.

    Idempotent: a second launch adds only those who joined the scope (or got a manager)
    since. People who left are inactive and not offered; people without an active manager
    are counted for HR to resolve. The unique (round, employee) constraint holds even when
    two launches race, and the round row is locked for the launch. Sends each new employee
    an offer and each manager one summary.
    """
    _launch_check(round_, actor)
    now = timezone.now()
    with transaction.atomic():
        current = Round.objects.select_for_update().get(pk=round_.pk)
        batch = current.launch_count + 1
        scope = round_scope_people(current)
        candidates = list(
            scope.exclude(without_manager_q())
            .exclude(talks__round=current)
            .values_list("id", "manager_id", "unit_id")
        )
        Talk.objects.bulk_create(
            [
                Talk(
                    round=current,
                    kind=Talk.Kind.ROUND,
                    template_version_id=current.template_version_id,
                    employee_id=employee_id,
                    manager_id=manager_id,
                    unit_id=unit_id,
                    deadline=current.deadline,
                    launch_batch=batch,
                    duration_minutes=settings.SAMTAL_TALK_MINUTES,
                )
                for employee_id, manager_id, unit_id in candidates
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        created = list(
            Talk.objects.filter(round=current, launch_batch=batch).values_list(
                "id", "employee__user_id", "manager_id", "manager__user_id"
            )
        )
        history_record_many(
            entries=[(Talk(pk=talk_id), "talk_offered", None) for talk_id, *_rest in created],
            actor=actor,
        )
        per_manager: dict[int, tuple[int, int]] = {}
        emails = []
        for talk_id, employee_user_id, manager_id, manager_user_id in created:
            emails.append(
                OutgoingEmail(
                    key=f"talk:{talk_id}:offered",
                    kind="talk_offered",
                    recipient_id=employee_user_id,
                    params={"talk": talk_id},
                )
            )
            count = per_manager.get(manager_id, (manager_user_id, 0))[1]
            per_manager[manager_id] = (manager_user_id, count + 1)
        for manager_id, (manager_user_id, count) in per_manager.items():
            emails.append(
                OutgoingEmail(
                    key=f"round:{current.pk}:launch:{batch}:manager:{manager_id}",
                    kind="round_launched_manager",
                    recipient_id=manager_user_id,
                    params={"round": current.pk, "manager": manager_id, "count": count},
                )
            )
        email_queue_many(emails=emails)
        without = scope.filter(without_manager_q()).count()
        current.launch_count = batch
        current.status = Round.Status.LAUNCHED
        current.launched_at = current.launched_at or now
        current.last_launched_at = now
        current.last_launch_created = len(created)
        current.last_launch_without_manager = without
        current.save(
            update_fields=[
                "last_launch_created",
                "last_launch_without_manager",
                "launch_count",
                "status",
                "launched_at",
                "last_launched_at",
                "updated_at",
            ]
        )
        history_record(
            obj=current,
            actor=actor,
            action="round_launched",
            changes={"talks_created": len(created), "without_manager": without},
        )
    round_.refresh_from_db()
    return LaunchResult(created=len(created), without_manager=without, launch_number=batch)


# --- extra talks ----------------------------------------------------------------------------


def talk_create_extra(
    *, actor: Any, employee: Person, template_version: TemplateVersion, message: str = ""
) -> Talk:
    """Start a talk outside any round: by the manager with one of their reports, or asked
    for by the employee (then the manager is told). Needs a published template version."""
    roles = get_roles(actor)
    message = _clean_text(message, field_name="message")
    by_employee = roles.person_id == employee.pk
    by_manager = roles.person_id is not None and employee.manager_id == roles.person_id
    if not (by_employee or by_manager):
        raise PermissionDenied
    if employee.manager_id is None or not employee.is_active:
        raise TransitionRefused(
            [_("There is no manager registered for you, so a talk cannot be arranged. Ask HR.")]
        )
    if template_version.status != VersionStatus.PUBLISHED:
        raise ValidationError(
            {"template_version": [_("Only a published template version can be used.")]}
        )
    with transaction.atomic():
        if Talk.objects.filter(
            employee=employee, kind=Talk.Kind.EXTRA, status__in=OPEN_STATUSES
        ).exists():
            raise TransitionRefused(
                [_("An extra talk is already open for this employee: use that one.")]
            )
        talk = Talk.objects.create(
            kind=Talk.Kind.EXTRA,
            template_version=template_version,
            employee=employee,
            manager_id=employee.manager_id,
            unit_id=employee.unit_id,
            requested_by_employee=by_employee,
            request_message=message,
            duration_minutes=settings.SAMTAL_TALK_MINUTES,
        )
        history_record(
            obj=talk,
            actor=actor,
            action="talk_requested" if by_employee else "talk_offered",
            changes={"message": message} if message else None,
        )
        if by_employee:
            manager_user_id = Person.objects.only("user_id").get(pk=employee.manager_id).user_id
            _notify(talk, "talk_requested", manager_user_id)
        else:
            _notify(talk, "talk_offered", employee.user_id, key_suffix="offered")
    return talk


# --- booking --------------------------------------------------------------------------------


@dataclass
class Booking:
    starts_at: datetime
    duration_minutes: int
    room: Room | None = None
    place: str = ""


@dataclass
class BookingCheck:
    """The result of checking a booking: errors refuse it, warnings need a confirmation."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def booking_check(*, talk: Talk, booking: Booking, now: datetime | None = None) -> BookingCheck:
    """Check a proposed time and place without saving anything."""
    now = now or timezone.now()
    check = BookingCheck()
    if booking.starts_at <= now:
        check.errors["starts_at"] = [_("The time has passed. Choose a time later than now.")]
    if not MIN_MINUTES <= booking.duration_minutes <= MAX_MINUTES:
        check.errors["duration_minutes"] = [
            _("The length must be between %(low)d and %(high)d minutes.")
            % {"low": MIN_MINUTES, "high": MAX_MINUTES}
        ]
    place = booking.place.strip()
    if booking.room is None and not place:
        check.errors["place"] = [_("Choose a room or write where the talk will be.")]
    if booking.room is not None and not booking.room.is_active:
        check.errors["room"] = [_("That room is no longer offered. Choose another.")]
    if "\x00" in place or len(place) > 300:
        check.errors["place"] = [_("The place must be at most 300 characters of plain text.")]
    if check.errors:
        return check
    if booking.duration_minutes < settings.SAMTAL_TALK_MINUTES:
        check.warnings.append(
            _(
                "%(minutes)d minutes is shorter than the recommended %(recommended)d. "
                "A development talk needs time: set aside at least an hour if you can."
            )
            % {"minutes": booking.duration_minutes, "recommended": settings.SAMTAL_TALK_MINUTES}
        )
    local_day = timezone.localtime(booking.starts_at).date()
    if talk.deadline and local_day > talk.deadline:
        check.warnings.append(
            _("The time is after the round's deadline (%(deadline)s).")
            % {"deadline": date_format(talk.deadline, "SHORT_DATE_FORMAT")}
        )
    ends_at = booking.starts_at + timedelta(minutes=booking.duration_minutes)
    overlapping = (
        Talk.objects.filter(
            status=TalkStatus.BOOKED,
            starts_at__lt=ends_at,
            # No talk is longer than MAX_MINUTES: older ones cannot overlap.
            starts_at__gt=booking.starts_at - timedelta(minutes=MAX_MINUTES),
        )
        .filter(Q(manager_id=talk.manager_id) | Q(employee_id=talk.employee_id))
        .exclude(pk=talk.pk)
        .select_related("employee", "manager")
    )
    for other in overlapping:
        if other.ends_at and other.ends_at > booking.starts_at:
            check.warnings.append(
                _("It overlaps another booked talk (%(who)s, %(when)s).")
                % {
                    "who": f"{other.employee.full_name} – {other.manager.full_name}",
                    "when": date_format(
                        timezone.localtime(other.starts_at), "SHORT_DATETIME_FORMAT"
                    ),
                }
            )
    return check


def talk_book(
    *, talk: Talk, actor: Any, booking: Booking, revision: int, confirmed: bool = False
) -> Talk:
    """The manager proposes (or changes) time and place. Refuses a time in the past, a
    missing place and a stale form; a short talk, a time after the deadline or an overlap
    need `confirmed`. Raises the calendar SEQUENCE and sends both parties the invitation."""
    if not permissions.can_book(get_roles(actor), talk):
        raise PermissionDenied
    check = booking_check(talk=talk, booking=booking)
    if check.errors:
        raise ValidationError(check.errors)
    if check.warnings and not confirmed:
        raise NeedsConfirmation(check.warnings)
    with transaction.atomic():
        current = _lock(talk, revision)
        rebooking = current.status == TalkStatus.BOOKED
        before = {
            "starts_at": current.starts_at,
            "duration_minutes": current.duration_minutes,
            "place": current.where,
        }
        current.starts_at = booking.starts_at
        current.duration_minutes = booking.duration_minutes
        current.room = booking.room
        current.place = "" if booking.room else booking.place.strip()
        current.response = Response.PENDING
        current.response_message = ""
        # The first invitation has SEQUENCE 0; every later one (after a change, or after a
        # cancellation of an earlier time) must be higher than any sent before.
        if rebooking or current.ics_sequence > 0:
            current.ics_sequence += 1
        after = {
            "starts_at": current.starts_at,
            "duration_minutes": current.duration_minutes,
            "place": current.where,
        }
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        _move(
            current,
            TalkStatus.BOOKED,
            actor=actor,
            action="talk_rebooked" if rebooking else "talk_booked",
            changes=changes,
        )
        for user_id in (current.employee.user_id, current.manager.user_id):
            _notify(
                current,
                "talk_booked",
                user_id,
                key_suffix=f"booked:{current.ics_sequence}",
                params={"sequence": current.ics_sequence, "rebooked": rebooking},
            )
    return current


def talk_accept(*, talk: Talk, actor: Any, revision: int) -> Talk:
    """The employee accepts the booked time; the manager is told."""
    return _respond(talk, actor, revision, Response.ACCEPTED, "", "talk_accepted")


def talk_request_change(*, talk: Talk, actor: Any, revision: int, message: str) -> Talk:
    """The employee asks for another time, saying why or when suits; the manager is told
    and books again."""
    message = _clean_text(message, field_name="message")
    if not message:
        raise ValidationError({"message": [_("Write which times suit you better.")]})
    return _respond(talk, actor, revision, Response.CHANGE_REQUESTED, message, "talk_change_asked")


def _respond(
    talk: Talk, actor: Any, revision: int, response: str, message: str, action: str
) -> Talk:
    if not permissions.can_respond(get_roles(actor), talk):
        raise PermissionDenied
    with transaction.atomic():
        current = _lock(talk, revision)
        if current.status != TalkStatus.BOOKED:
            raise TransitionRefused([_("Only a booked talk can be answered.")])
        if current.response == response:
            raise TransitionRefused([_("You have already given that answer.")])
        changes: dict[str, Any] = {"response": [current.response, response]}
        if message:
            changes["message"] = message
        current.response = response
        current.response_message = message
        current.revision += 1
        current.save()
        history_record(obj=current, actor=actor, action=action, changes=changes)
        _notify(
            current,
            action,
            current.manager.user_id,
            key_suffix=f"{action}:{current.revision}",
        )
    return current


def talk_decline(*, talk: Talk, actor: Any, revision: int, reason: str = "") -> Talk:
    """The employee declines the talk (reason optional). A declined talk still counts as
    offered. The manager is told, and a booked time is cancelled in both calendars."""
    if not permissions.can_respond(get_roles(actor), talk):
        raise PermissionDenied
    reason = _clean_text(reason, field_name="reason")
    with transaction.atomic():
        current = _lock(talk, revision)
        if current.status == TalkStatus.BOOKED:
            _send_cancellation(current)
        current.decline_reason = reason
        _move(
            current,
            TalkStatus.DECLINED,
            actor=actor,
            action="talk_declined",
            changes={"reason": reason} if reason else None,
        )
        _notify(current, "talk_declined", current.manager.user_id, key_suffix="declined")
    return current


def talk_reopen(*, talk: Talk, actor: Any, revision: int) -> Talk:
    """A declined talk is offered again (the employee changed their mind)."""
    if not permissions.can_reopen(get_roles(actor), talk):
        raise PermissionDenied
    with transaction.atomic():
        current = _lock(talk, revision)
        # booked -> offered is allowed by the map only for a reassignment (which cancels the
        # calendar event); reopening is for a declined talk.
        if current.status != TalkStatus.DECLINED:
            raise TransitionRefused([_refusal(current.status, TalkStatus.OFFERED)])
        current.decline_reason = ""
        current.starts_at = None
        current.response = ""
        _move(current, TalkStatus.OFFERED, actor=actor, action="talk_reopened")
    return current


def talk_mark_held(
    *,
    talk: Talk,
    actor: Any,
    revision: int,
    note_taker: str = "manager",
    now: datetime | None = None,
) -> Talk:
    """The manager records that the talk took place (not before its booked time) and who
    takes notes; the shared record opens for the note-taker."""
    from samtal.talks.record import record_start

    if not permissions.can_mark_held(get_roles(actor), talk):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        current = _lock(talk, revision)
        if current.status == TalkStatus.BOOKED and current.starts_at and current.starts_at > now:
            raise TransitionRefused(
                [
                    _("The talk is booked for %(when)s; it can be marked as held from then.")
                    % {
                        "when": date_format(
                            timezone.localtime(current.starts_at), "SHORT_DATETIME_FORMAT"
                        )
                    }
                ]
            )
        current.held_at = now
        record_start(talk=current, actor=actor, note_taker=note_taker)
        _move(
            current,
            TalkStatus.HELD,
            actor=actor,
            action="talk_held",
            changes={"note_taker": note_taker},
        )
    return current


def talk_cancel(*, talk: Talk, actor: Any, revision: int, reason: str) -> Talk:
    """HR or the manager cancels the talk (e.g. the employee left); a reason is required.
    Both parties are told; a booked time is cancelled in both calendars."""
    if not permissions.can_cancel(get_roles(actor), talk):
        raise PermissionDenied
    reason = _clean_text(reason, field_name="reason")
    if not reason:
        raise ValidationError({"reason": [_("Say why the talk is cancelled.")]})
    with transaction.atomic():
        current = _lock(talk, revision)
        if current.status == TalkStatus.BOOKED:
            _send_cancellation(current)
        current.cancel_reason = reason
        _move(
            current,
            TalkStatus.CANCELLED,
            actor=actor,
            action="talk_cancelled",
            changes={"reason": reason},
        )
        for user_id in (current.employee.user_id, current.manager.user_id):
            _notify(current, "talk_cancelled", user_id, key_suffix="cancelled")
    return current


def talk_reassign(*, talk: Talk, actor: Any, revision: int) -> Talk:
    """HR moves a talk not yet held to the employee's current manager. A booked time is
    cancelled (the new manager books anew); the history keeps both managers."""
    if not permissions.can_reassign(get_roles(actor), talk):
        raise PermissionDenied
    with transaction.atomic():
        current = _lock(talk, revision)
        employee = Person.objects.select_related("manager").get(pk=current.employee_id)
        new_manager = employee.manager
        if new_manager is None or not new_manager.is_active:
            raise TransitionRefused([_("The employee has no active manager to move the talk to.")])
        if new_manager.pk == current.manager_id:
            raise TransitionRefused([_("The talk is already with the employee's manager.")])
        if current.status not in OPEN_STATUSES:
            raise TransitionRefused(
                [_("Only a talk that is offered or booked can move to another manager.")]
            )
        if current.status == TalkStatus.BOOKED:
            _send_cancellation(current)
        old_manager = current.manager
        current.manager = new_manager
        current.starts_at = None
        current.room = None
        current.place = ""
        current.response = ""
        _move(
            current,
            TalkStatus.OFFERED,
            actor=actor,
            action="talk_reassigned",
            changes={"manager": [old_manager.full_name, new_manager.full_name]},
            allow_same=True,
        )
        for user_id in (current.employee.user_id, new_manager.user_id):
            _notify(
                current, "talk_reassigned", user_id, key_suffix=f"reassigned:{current.revision}"
            )
    return current


# --- reminders ------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    unbooked: int
    tomorrow: int


@reminder_job
def reminders_job(today: date) -> dict[str, int]:
    run = reminders_queue(today=today)
    return {"reminder(s) to book": run.unbooked, "reminder(s) of talks tomorrow": run.tomorrow}


def reminders_queue(*, today: date | None = None) -> ReminderRun:
    """Queue the reminders due today. Each has a unique key, so running this any number of
    times sends each reminder once: the manager of a talk still not booked N days before its
    deadline, and both parties of a talk booked for tomorrow (again if moved to another day)."""
    today = today or timezone.localdate()
    unbooked_by = today + timedelta(days=settings.SAMTAL_REMIND_UNBOOKED_DAYS)
    unbooked = [
        OutgoingEmail(
            key=f"talk:{talk_id}:remind_unbooked",
            kind="talk_remind_unbooked",
            recipient_id=manager_user_id,
            params={"talk": talk_id},
        )
        for talk_id, manager_user_id in Talk.objects.filter(
            status=TalkStatus.OFFERED, deadline__lte=unbooked_by, deadline__gte=today
        )
        .values_list("id", "manager__user_id")
        .iterator(chunk_size=5000)
    ]
    tz = timezone.get_current_timezone()
    day_start = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    tomorrow = []
    for talk_id, starts_at, employee_user_id, manager_user_id in Talk.objects.filter(
        status=TalkStatus.BOOKED, starts_at__gte=day_start, starts_at__lt=day_end
    ).values_list("id", "starts_at", "employee__user_id", "manager__user_id"):
        assert starts_at is not None  # booked talks have a time (a database constraint)
        for user_id in (employee_user_id, manager_user_id):
            tomorrow.append(
                OutgoingEmail(
                    key=f"talk:{talk_id}:remind_tomorrow:{starts_at.isoformat()}:{user_id}",
                    kind="talk_remind_tomorrow",
                    recipient_id=user_id,
                    params={"talk": talk_id, "starts_at": starts_at.isoformat()},
                )
            )
    with transaction.atomic():
        new_unbooked = email_queue_new(unbooked)
        new_tomorrow = email_queue_new(tomorrow)
    return ReminderRun(unbooked=new_unbooked, tomorrow=new_tomorrow)


# --- helpers --------------------------------------------------------------------------------


def _lock(talk: Talk, revision: int) -> Talk:
    """Reload the talk locked for update; refuse if it changed since the form was shown."""
    current = (
        Talk.objects.select_for_update(of=("self",))
        .select_related("employee", "manager", "unit", "room")
        .get(pk=talk.pk)
    )
    if current.revision != revision:
        raise EditConflict(current)
    return current


def talk_move(talk: Talk, to: str, *, actor: Any, action: str) -> None:
    """A status change made by another part of the app (the record's agreement), through the
    same checks and history as the talk's own services. The caller holds the row lock."""
    _move(talk, to, actor=actor, action=action)


def _move(
    talk: Talk,
    to: str,
    *,
    actor: Any,
    action: str,
    changes: dict[str, Any] | None = None,
    allow_same: bool = False,
) -> None:
    """Apply a status change allowed by TALK_TRANSITIONS, save, and record it."""
    current = talk.status
    if not (allow_same and to == current) and to not in TALK_TRANSITIONS[current]:
        raise TransitionRefused([_refusal(current, to)])
    all_changes = dict(changes or {})
    if to != current:
        all_changes["status"] = [current, to]
    talk.status = to
    talk.revision += 1
    talk.save()
    history_record(obj=talk, actor=actor, action=action, changes=all_changes)


def _refusal(current: str, to: str) -> str:
    labels = dict(TalkStatus.choices)
    if current in (TalkStatus.HELD, TalkStatus.AGREED):
        return _("The talk has been held; its status can no longer change that way.")
    if current == TalkStatus.CANCELLED:
        return _("The talk is cancelled; nothing more can be done with it.")
    if current == TalkStatus.DECLINED and to != TalkStatus.OFFERED:
        return _("The employee has declined the talk. Open it again first.")
    return _("A talk that is “%(current)s” cannot become “%(to)s”.") % {
        "current": labels[current],
        "to": labels[to],
    }


def _clean_text(value: str, *, field_name: str) -> str:
    return clean_text(value, limit=MAX_TEXT, field=field_name).strip()


def _notify(
    talk: Talk,
    kind: str,
    user_id: int,
    *,
    key_suffix: str | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    email_queue(
        key=f"talk:{talk.pk}:{key_suffix or kind}:{user_id}",
        kind=kind,
        recipient_id=user_id,
        params={"talk": talk.pk, **(params or {})},
    )


def _send_cancellation(talk: Talk) -> None:
    """Both calendars drop the event: METHOD:CANCEL with a higher SEQUENCE. The caller saves
    the talk (through _move); the email keeps the old time, place and manager to cancel."""
    talk.ics_sequence += 1
    for user_id in (talk.employee.user_id, talk.manager.user_id):
        _notify(
            talk,
            "talk_calendar_cancel",
            user_id,
            key_suffix=f"ics_cancel:{talk.ics_sequence}",
            params={
                "sequence": talk.ics_sequence,
                "starts_at": talk.starts_at.isoformat() if talk.starts_at else "",
                "duration_minutes": talk.duration_minutes,
                "place": talk.where,
                "manager": talk.manager_id,
            },
        )
