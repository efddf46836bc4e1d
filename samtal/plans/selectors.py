"""Reads of development plans and unit goals, each for a reader plans.permissions allows.

A plan read by someone who is neither the employee nor their current manager (HR under the
org policy) is audit-logged by `plan_for_reader`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from samtal.accounts.permissions import Roles
from samtal.core.models import HistoryEntry
from samtal.core.services import audit_read
from samtal.organisation.models import Person, Unit
from samtal.plans.models import (
    ActivityStatus,
    Checkpoint,
    CheckpointStatus,
    DevelopmentPlan,
    GoalStatus,
    PlanActivity,
    PlanGoal,
    UnitGoal,
)
from samtal.plans.permissions import PlanAccess, manager_unit_ids, plan_access
from samtal.talks.models import Talk


@dataclass
class PlanView:
    """A person's plan as the page shows it: what is agreed, and what an open talk proposes."""

    person: Person
    plan: DevelopmentPlan | None
    goals: list[PlanGoal] = field(default_factory=list)
    activities: list[PlanActivity] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    proposed_talks: list[Talk] = field(default_factory=list)  # talks whose proposals wait

    @property
    def is_empty(self) -> bool:
        return not (self.goals or self.activities or self.checkpoints)

    def checkpoints_overdue(self, today: date | None = None) -> list[Checkpoint]:
        today = today or timezone.localdate()
        return [
            c for c in self.checkpoints if c.status == CheckpointStatus.PLANNED and c.due_on < today
        ]

    def checkpoints_upcoming(self, today: date | None = None) -> list[Checkpoint]:
        today = today or timezone.localdate()
        return [
            c
            for c in self.checkpoints
            if c.status == CheckpointStatus.PLANNED and c.due_on >= today
        ]

    def checkpoints_closed(self) -> list[Checkpoint]:
        return [c for c in self.checkpoints if c.status != CheckpointStatus.PLANNED]


def _items(model: Any, plan: DevelopmentPlan, agreed: bool) -> QuerySet[Any]:
    return model.objects.filter(plan=plan, agreed_at__isnull=not agreed)


def plan_of(*, person: Person) -> PlanView:
    """The agreed plan of `person` (callers have checked access), in four queries."""
    plan = DevelopmentPlan.objects.filter(person=person).first()
    view = PlanView(person=person, plan=plan)
    if plan is None:
        return view
    view.goals = list(_items(PlanGoal, plan, True).select_related("unit_goal"))
    view.activities = list(_items(PlanActivity, plan, True).select_related("goal"))
    view.checkpoints = list(_items(Checkpoint, plan, True).select_related("activity"))
    talk_ids: set[int] = set()
    for model in (PlanGoal, PlanActivity, Checkpoint):
        talk_ids.update(
            _items(model, plan, False)
            .values_list("origin_talk_id", flat=True)
            .order_by()
            .distinct()
        )
    view.proposed_talks = list(Talk.objects.filter(pk__in=talk_ids).order_by("-created_at"))
    return view


def plan_for_reader(*, reader: Any, roles: Roles, person: Person, path: str = "") -> PlanAccess:
    """Access to `person`'s plan; a read by HR under the org policy is audit-logged."""
    access = plan_access(roles=roles, person=person)
    if access.can_read and access.reason:
        audit_read(
            actor=reader, subject=person, what="development_plan", reason=access.reason, path=path
        )
    return access


def person_for_plan(*, roles: Roles, pk: int) -> Person | None:
    person = Person.objects.select_related("unit", "manager", "user").filter(pk=pk).first()
    if person is None or not plan_access(roles=roles, person=person).can_read:
        return None
    return person


# --- a talk's record: the proposals and the plan so far --------------------------------------


@dataclass
class RecordPlan:
    proposed_goals: list[PlanGoal]
    proposed_activities: list[PlanActivity]
    proposed_checkpoints: list[Checkpoint]
    plan: PlanView
    unit_goals: list[UnitGoal]

    @property
    def goal_choices(self) -> list[PlanGoal]:
        """Goals an activity proposed in this talk may belong to."""
        return [*self.plan.goals, *self.proposed_goals]

    @property
    def activity_choices(self) -> list[PlanActivity]:
        return [*self.plan.activities, *self.proposed_activities]


def proposed_in(*, talk: Talk) -> tuple[list[PlanGoal], list[PlanActivity], list[Checkpoint]]:
    """Items proposed in (or agreed through) the talk's record."""
    return (
        list(PlanGoal.objects.filter(origin_talk=talk).select_related("unit_goal")),
        list(PlanActivity.objects.filter(origin_talk=talk).select_related("goal")),
        list(Checkpoint.objects.filter(origin_talk=talk).select_related("activity")),
    )


def record_plan(*, talk: Talk, with_plan: bool = True) -> RecordPlan:
    """What the record page's plan section shows to the two parties of `talk`. The plan so
    far only `with_plan`: a party who is no longer the employee's manager sees what the talk
    proposed, not how the plan has gone since."""
    goals, activities, checkpoints = proposed_in(talk=talk)
    plan = plan_of(person=talk.employee) if with_plan else PlanView(person=talk.employee, plan=None)
    # Items this talk agreed already appear among its proposals; the plan shows the rest.
    plan.goals = [g for g in plan.goals if g.origin_talk_id != talk.pk]
    plan.activities = [a for a in plan.activities if a.origin_talk_id != talk.pk]
    plan.checkpoints = [c for c in plan.checkpoints if c.origin_talk_id != talk.pk]
    return RecordPlan(
        goals,
        activities,
        checkpoints,
        plan,
        unit_goals_for(person=talk.employee, years=[talk_goal_year(talk)]),
    )


def talk_goal_year(talk: Talk) -> int:
    """The year whose unit goals a talk works towards: its round's, or for an extra talk
    the year goals are being set for now."""
    return talk.round.year if talk.round_id and talk.round else default_goal_year()


def default_goal_year(today: date | None = None) -> int:
    """Goals are set for the year ahead from October, when the yearly talks are held."""
    today = today or timezone.localdate()
    return today.year + 1 if today.month >= 10 else today.year


# --- unit goals -----------------------------------------------------------------------------


def unit_goals_for(*, person: Person, years: list[int]) -> list[UnitGoal]:
    """The published goals of the person's unit and the units above it, for `years`."""
    ancestor_ids = [int(part) for part in person.unit.path.strip("/").split("/") if part]
    return list(
        UnitGoal.objects.filter(
            unit_id__in=ancestor_ids, status=UnitGoal.Status.PUBLISHED, year__in=years
        )
        .select_related("unit")
        .order_by("year", "unit__depth", "id")
    )


def unit_goal_years(today: date | None = None) -> list[int]:
    """The years the plan page shows unit goals for: this year and, late in the year when the
    next year's talks are held, the next."""
    today = today or timezone.localdate()
    return [today.year, today.year + 1]


def manageable_units(*, roles: Roles) -> QuerySet[Unit]:
    """Units whose goals the user may publish (HR: the units in scope; a manager: the units
    of their reports)."""
    from samtal.accounts.permissions import scope_q

    query = scope_q(roles.hr_paths, field="path")
    if roles.is_manager:
        query |= Q(pk__in=manager_unit_ids(roles.person_id))
    return Unit.objects.filter(query).order_by("path")


def unit_goals_managed(*, unit: Unit, year: int) -> list[UnitGoal]:
    return list(UnitGoal.objects.filter(unit=unit, year=year).order_by("status", "id"))


# --- follow-up ------------------------------------------------------------------------------


@dataclass
class FollowUpRow:
    person: Person
    planned: int = 0
    ongoing: int = 0
    done: int = 0
    dropped: int = 0
    next_checkpoint: date | None = None
    overdue_checkpoints: int = 0

    @property
    def has_plan(self) -> bool:
        return bool(
            self.planned or self.ongoing or self.done or self.dropped or self.next_checkpoint
        )


def team_follow_up(*, manager_id: int, today: date | None = None) -> list[FollowUpRow]:
    """Each active report's plan at a glance: activities by status, the next checkpoint and
    how many are overdue. Three queries whatever the team size."""
    today = today or timezone.localdate()
    reports = list(
        Person.objects.filter(manager_id=manager_id, is_active=True).order_by(
            "last_name", "first_name"
        )
    )
    rows = {p.pk: FollowUpRow(p) for p in reports}
    # Through the plans' ids, so the items are found by their plan index (SQLite otherwise
    # scans every item and joins the plan).
    plans = DevelopmentPlan.objects.filter(person_id__in=rows).values("pk")
    activity_counts = (
        PlanActivity.objects.filter(plan_id__in=plans, agreed_at__isnull=False)
        .values("plan__person_id")
        .annotate(
            planned=Count("id", filter=Q(status=ActivityStatus.PLANNED)),
            ongoing=Count("id", filter=Q(status=ActivityStatus.ONGOING)),
            done=Count("id", filter=Q(status=ActivityStatus.DONE)),
            dropped=Count("id", filter=Q(status=ActivityStatus.DROPPED)),
        )
        .order_by()
    )
    for row in activity_counts:
        target = rows[row["plan__person_id"]]
        target.planned, target.ongoing = row["planned"], row["ongoing"]
        target.done, target.dropped = row["done"], row["dropped"]
    # The status is a condition of the counts, not of the rows: as a row condition SQLite
    # would read every planned checkpoint by the (status, due_on) index instead of the plans'.
    planned = Q(status=CheckpointStatus.PLANNED)
    checkpoint_counts = (
        Checkpoint.objects.filter(plan_id__in=plans, agreed_at__isnull=False)
        .values("plan__person_id")
        .annotate(
            next_due=Min("due_on", filter=planned & Q(due_on__gte=today)),
            overdue=Count("id", filter=planned & Q(due_on__lt=today)),
        )
        .order_by()
    )
    for due in checkpoint_counts:
        target = rows[due["plan__person_id"]]
        target.next_checkpoint, target.overdue_checkpoints = due["next_due"], due["overdue"]
    return list(rows.values())


@dataclass
class DueCheckpoint:
    checkpoint: Checkpoint
    person: Person
    overdue: bool


def checkpoints_due(
    *, person_id: int, today: date | None = None, days: int = 30
) -> list[DueCheckpoint]:
    """The planned checkpoints of the person's own plan and of their reports' plans that are
    overdue or due within `days`, soonest first (the start page and the follow-up page)."""
    today = today or timezone.localdate()
    # The plans first (an indexed lookup by person), so the checkpoints are found through
    # their plan's index rather than by scanning every checkpoint due in the period.
    people = [
        person_id,
        *Person.objects.filter(manager_id=person_id, is_active=True).values_list("pk", flat=True),
    ]
    plans = DevelopmentPlan.objects.filter(person_id__in=people).values("pk")
    rows = (
        Checkpoint.objects.filter(
            plan_id__in=plans,
            agreed_at__isnull=False,
            status=CheckpointStatus.PLANNED,
            due_on__lte=today + timedelta(days=days),
        )
        .select_related("plan__person")
        # Sorted here, not by the database: ORDER BY due_on leads SQLite to walk the
        # (status, due_on) index through every planned checkpoint of the organisation. A
        # team's planned checkpoints are few.
        .order_by()
    )
    found = sorted(rows, key=lambda c: (c.due_on, c.pk))[:200]
    return [DueCheckpoint(c, c.plan.person, c.due_on < today) for c in found]


# --- history --------------------------------------------------------------------------------


def plan_history(*, view: PlanView, limit: int = 200) -> list[HistoryEntry]:
    """Who changed what in the plan: the history of the plan and of its agreed items."""
    if view.plan is None:
        return []
    query = Q(
        content_type=ContentType.objects.get_for_model(DevelopmentPlan), object_id=str(view.plan.pk)
    )
    for model, items in (
        (PlanGoal, view.goals),
        (PlanActivity, view.activities),
        (Checkpoint, view.checkpoints),
    ):
        if items:
            query |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(item.pk) for item in items],
            )
    return list(HistoryEntry.objects.filter(query).select_related("actor__person")[:limit])


# --- outcomes for the salary-talk basis and the next preparation ---------------------------------


@dataclass
class Outcome:
    kind: str  # "goal" or "activity"
    text: str
    status: str  # the status label
    outcome: str
    changed_at: datetime | None
    reason: str = ""  # why an activity was dropped


def plan_outcomes(
    *, person: Person, since: datetime | None = None, until: datetime | None = None
) -> list[Outcome]:
    """Goals reached or not and activities done or dropped in the period, with what came of
    them: what the plan produced since the previous talk (outcomes only, no proposals)."""
    window = Q()
    if since is not None:
        window &= Q(status_changed_at__gt=since)
    if until is not None:
        window &= Q(status_changed_at__lte=until)
    goals = PlanGoal.objects.filter(
        window,
        plan__person=person,
        agreed_at__isnull=False,
        status__in=(GoalStatus.REACHED, GoalStatus.NOT_REACHED),
    )
    activities = PlanActivity.objects.filter(
        window,
        plan__person=person,
        agreed_at__isnull=False,
        status__in=(ActivityStatus.DONE, ActivityStatus.DROPPED),
    )
    result = [
        Outcome("goal", g.text, g.get_status_display(), g.outcome, g.status_changed_at)
        for g in goals
    ]
    result += [
        Outcome(
            "activity",
            f"{a.get_activity_type_display()}: {a.description}",
            a.get_status_display(),
            a.outcome,
            a.status_changed_at,
            a.drop_reason,
        )
        for a in activities
    ]
    result.sort(key=lambda o: (o.changed_at or timezone.now(), o.kind))
    return result


# --- the unit goals page (helper B) -----------------------------------------------------------


def unit_goals_above(*, unit: Unit, year: int) -> list[UnitGoal]:
    """The published goals of the units above `unit` for `year`, shown beside its own."""
    ancestor_ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    ancestor_ids = [pk for pk in ancestor_ids if pk != unit.pk]
    return list(
        UnitGoal.objects.filter(
            unit_id__in=ancestor_ids, status=UnitGoal.Status.PUBLISHED, year=year
        )
        .select_related("unit")
        .order_by("unit__depth", "id")
    )
