"""Competence needs of the organisation, as aggregates only: agreed development activities by
unit and type with their estimated time and cost, the equal-conditions view (the share of
employees with planned competence development per unit and gender) and the checkpoints done
on time — for one year, over the units a viewer may see (plans.permissions.competence_paths).

Nobody is shown as an individual: every figure about fewer than K people is hidden, and so
many others with it (core.anonymity.suppress_table) that no shown total gives it away.

Three GROUP BY queries (one per table) count per unit, and one more names the units shown,
whatever the number of people. Like the round's coverage, the page shows the units one level
below a chosen unit (or the top units of the viewer's scope), rolled up in memory from the
per-unit rows: a person belongs to one unit, so people counted per unit add up.

The roll-up and the suppression across the levels of the drill-down (a figure hidden above
stays hidden below) are core.drilldown's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from samtal.accounts.permissions import scope_q
from samtal.core.anonymity import TOTAL, threshold
from samtal.core.drilldown import (
    Entry,
    UnitRow,
    level_chain,
    name_units,
    scope_unit_paths,
    sum_figures,
    suppressed,
)
from samtal.organisation.models import Gender, Person, Unit
from samtal.plans.models import (
    ActivityStatus,
    ActivityType,
    Checkpoint,
    CheckpointStatus,
    PlanActivity,
)

PEOPLE = "people"  # the one column of the checkpoint table


# --- the figures of one cell ------------------------------------------------------------------


@dataclass
class ActivityFigures:
    """Agreed activities of one type in a unit and year."""

    people: int = 0  # distinct people with such an activity: the group the cell is about
    planned: int = 0  # planned or ongoing
    done: int = 0
    dropped: int = 0
    hours: Decimal = Decimal(0)  # estimated, of the activities not dropped
    cost: Decimal = Decimal(0)

    @property
    def size(self) -> int:
        return self.people

    def add(self, other: ActivityFigures) -> None:
        self.people += other.people
        self.planned += other.planned
        self.done += other.done
        self.dropped += other.dropped
        self.hours += other.hours
        self.cost += other.cost


@dataclass
class EqualFigures:
    """Active employees of a unit (and gender), and those with competence development
    planned in the year: at least one agreed activity that is not dropped."""

    employees: int = 0
    planned: int = 0

    @property
    def size(self) -> int:
        return self.employees

    @property
    def share(self) -> int:
        return round(100 * self.planned / self.employees) if self.employees else 0

    def add(self, other: EqualFigures) -> None:
        self.employees += other.employees
        self.planned += other.planned


@dataclass
class CheckpointFigures:
    """Agreed, not cancelled checkpoints dated in the year."""

    people: int = 0  # distinct people with such checkpoints
    due: int = 0
    on_time: int = 0  # done on or before the date
    late: int = 0
    open: int = 0  # not done, date still ahead
    overdue: int = 0  # not done, date passed

    @property
    def size(self) -> int:
        return self.people

    @property
    def followed_up(self) -> int:
        """The checkpoints that could have been done on time by now."""
        return self.on_time + self.late + self.overdue

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.followed_up) if self.followed_up else None

    def add(self, other: CheckpointFigures) -> None:
        self.people += other.people
        self.due += other.due
        self.on_time += other.on_time
        self.late += other.late
        self.open += other.open
        self.overdue += other.overdue


# --- the report -------------------------------------------------------------------------------


@dataclass
class TypeCell:
    activity_type: str
    label: str
    figures: ActivityFigures | None  # None: hidden


@dataclass
class ActivityRow:
    unit: UnitRow
    cells: list[TypeCell]  # the types anyone in the unit has (hidden ones included)


@dataclass
class ActivityTable:
    rows: list[ActivityRow]
    totals: list[TypeCell]  # every type, over the units shown; None where hidden


@dataclass
class EqualRow:
    unit: UnitRow
    cells: list[EqualFigures | None]  # one per gender in GENDERS order
    total: EqualFigures | None


@dataclass
class EqualTable:
    genders: list[tuple[str, str]]
    rows: list[EqualRow]
    totals: list[EqualFigures | None]
    total: EqualFigures | None


@dataclass
class CheckpointRow:
    unit: UnitRow
    figures: CheckpointFigures | None


@dataclass
class CheckpointTable:
    rows: list[CheckpointRow]
    total: CheckpointFigures | None


@dataclass
class CompetenceReport:
    year: int
    parent: Unit | None
    breadcrumbs: list[Unit]  # the parent and its ancestors within the viewer's scope
    k: int
    activities: ActivityTable
    equal: EqualTable
    checkpoints: CheckpointTable
    any_hidden: bool = field(default=False)


def genders() -> list[tuple[str, str]]:
    """Recorded genders first, then those not recorded."""
    recorded = [(value, str(label)) for value, label in Gender.choices if value]
    return [*recorded, (Gender.NOT_RECORDED.value, str(Gender.NOT_RECORDED.label))]


def activity_types() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ActivityType.choices]


# --- reading ----------------------------------------------------------------------------------


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _activities_in_year(activities: QuerySet[PlanActivity], year: int) -> QuerySet[PlanActivity]:
    """An activity belongs to the year it starts in; without dates, the year it was agreed.

    Written out on the plain columns rather than as COALESCE(starts_on, ends_on,
    agreed_at::date) so that the database can estimate it from its column statistics (with
    the expression PostgreSQL guessed a few hundred rows for a whole year's and chose nested
    loops) and use the indexes.
    """
    first, last = _year_range(year)
    begins = timezone.make_aware(datetime.combine(first, time.min))
    ends = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min))
    return activities.filter(
        Q(starts_on__range=(first, last))
        | Q(starts_on__isnull=True, ends_on__range=(first, last))
        | Q(starts_on__isnull=True, ends_on__isnull=True, agreed_at__gte=begins, agreed_at__lt=ends)
    )


def _activity_rows(paths: tuple[str, ...], year: int) -> list[Any]:
    activities = PlanActivity.objects.filter(
        scope_q(paths, field="plan__person__unit__path"),
        agreed_at__isnull=False,
        plan__person__is_active=True,
    )
    not_dropped = ~Q(status=ActivityStatus.DROPPED)
    return list(
        _activities_in_year(activities, year)
        .values("plan__person__unit_id", "activity_type")
        .annotate(
            people=Count("plan__person_id", distinct=True),
            planned=Count(
                "id", filter=Q(status__in=(ActivityStatus.PLANNED, ActivityStatus.ONGOING))
            ),
            done=Count("id", filter=Q(status=ActivityStatus.DONE)),
            dropped=Count("id", filter=Q(status=ActivityStatus.DROPPED)),
            hours=Sum("hours", filter=not_dropped),
            cost=Sum("cost", filter=not_dropped),
        )
        .order_by()
    )


def _equal_rows(paths: tuple[str, ...], year: int) -> list[Any]:
    # One IN (subquery) rather than a correlated EXISTS per person: the database reads the
    # year's activities once (a hashed subplan on PostgreSQL).
    planned = _activities_in_year(
        PlanActivity.objects.filter(
            scope_q(paths, field="plan__person__unit__path"), agreed_at__isnull=False
        ).exclude(status=ActivityStatus.DROPPED),
        year,
    ).values("plan__person_id")
    return list(
        Person.objects.filter(scope_q(paths), is_active=True)
        .values("unit_id", "gender")
        .annotate(employees=Count("id"), planned=Count("id", filter=Q(pk__in=planned)))
        .order_by()
    )


def _checkpoint_rows(paths: tuple[str, ...], year: int, today: date) -> list[Any]:
    done = Q(status=CheckpointStatus.DONE)
    waiting = Q(status=CheckpointStatus.PLANNED)
    return list(
        Checkpoint.objects.filter(
            scope_q(paths, field="plan__person__unit__path"),
            agreed_at__isnull=False,
            plan__person__is_active=True,
            due_on__range=_year_range(year),
        )
        .exclude(status=CheckpointStatus.CANCELLED)
        .alias(done_on=TruncDate("completed_at"))
        .values("plan__person__unit_id")
        .annotate(
            people=Count("plan__person_id", distinct=True),
            due=Count("id"),
            done=Count("id", filter=done),
            # The date of completion is worked out once per row (on SQLite in Python).
            on_time=Count("id", filter=done & Q(done_on__lte=F("due_on"))),
            open=Count("id", filter=waiting & Q(due_on__gte=today)),
            overdue=Count("id", filter=waiting & Q(due_on__lt=today)),
        )
        .order_by()
    )


# --- the report -------------------------------------------------------------------------------


def competence_report(
    *, paths: tuple[str, ...], year: int, parent: Unit | None = None, today: date | None = None
) -> CompetenceReport:
    """The three tables for the units one level below `parent` (in scope), or the top units
    of `paths`, for `year`."""
    today = today or timezone.localdate()
    chain = level_chain(parent, paths)
    unit_paths = scope_unit_paths(paths)

    activity_entries = [
        Entry(
            unit_paths[row["plan__person__unit_id"]],
            row["activity_type"],
            ActivityFigures(
                people=row["people"],
                planned=row["planned"],
                done=row["done"],
                dropped=row["dropped"],
                hours=row["hours"] or Decimal(0),
                cost=row["cost"] or Decimal(0),
            ),
        )
        for row in _activity_rows(paths, year)
        if row["plan__person__unit_id"] in unit_paths  # a unit made since: next time
    ]
    equal_entries = [
        Entry(
            unit_paths[row["unit_id"]],
            row["gender"],
            EqualFigures(employees=row["employees"], planned=row["planned"]),
        )
        for row in _equal_rows(paths, year)
        if row["unit_id"] in unit_paths
    ]
    checkpoint_entries = [
        Entry(
            unit_paths[row["plan__person__unit_id"]],
            PEOPLE,
            CheckpointFigures(
                people=row["people"],
                due=row["due"],
                on_time=row["on_time"],
                late=row["done"] - row["on_time"],
                open=row["open"],
                overdue=row["overdue"],
            ),
        )
        for row in _checkpoint_rows(paths, year, today)
        if row["plan__person__unit_id"] in unit_paths
    ]

    activity_cells, activity_deeper, activity_hidden = suppressed(
        activity_entries, chain, paths, ActivityFigures, rows=False, grand_total=False
    )
    equal_cells, equal_deeper, equal_hidden = suppressed(
        equal_entries, chain, paths, EqualFigures, rows=True, grand_total=True
    )
    checkpoint_cells, checkpoint_deeper, checkpoint_hidden = suppressed(
        checkpoint_entries, chain, paths, CheckpointFigures, rows=False, grand_total=False
    )

    shown_ids = {key for key, _col in (*activity_cells, *equal_cells, *checkpoint_cells)}
    named = name_units(
        shown_ids,
        parent=parent,
        deeper=activity_deeper | equal_deeper | checkpoint_deeper,
        paths=paths,
    )
    ordered = named.ordered

    types = activity_types()
    activity_table = ActivityTable(
        rows=[
            ActivityRow(
                unit,
                [
                    TypeCell(
                        value,
                        label,
                        None
                        if (unit.unit_id, value) in activity_hidden
                        else activity_cells[(unit.unit_id, value)],
                    )
                    for value, label in types
                    # A hidden cell is listed even when it counts nobody: leaving it out
                    # would tell that it is zero.
                    if (unit.unit_id, value) in activity_hidden
                    or (unit.unit_id, value) in activity_cells
                ],
            )
            for unit in ordered(key for key, _col in activity_cells)
        ],
        totals=[
            TypeCell(
                value,
                label,
                None
                if (TOTAL, value) in activity_hidden
                else sum_figures(
                    (f for (_u, col), f in activity_cells.items() if col == value),
                    ActivityFigures,
                ),
            )
            for value, label in types
        ],
    )

    gender_list = genders()
    equal_units = ordered(key for key, _col in equal_cells)
    equal_table = EqualTable(
        genders=gender_list,
        rows=[
            EqualRow(
                unit,
                [
                    None
                    if (unit.unit_id, value) in equal_hidden
                    else equal_cells.get((unit.unit_id, value), EqualFigures())
                    for value, _label in gender_list
                ],
                None
                if (unit.unit_id, TOTAL) in equal_hidden
                else sum_figures(
                    (f for (u, _c), f in equal_cells.items() if u == unit.unit_id), EqualFigures
                ),
            )
            for unit in equal_units
        ],
        totals=[
            None
            if (TOTAL, value) in equal_hidden
            else sum_figures(
                (f for (_u, col), f in equal_cells.items() if col == value), EqualFigures
            )
            for value, _label in gender_list
        ],
        total=None
        if (TOTAL, TOTAL) in equal_hidden
        else sum_figures(equal_cells.values(), EqualFigures),
    )

    checkpoint_table = CheckpointTable(
        rows=[
            CheckpointRow(
                unit,
                None
                if (unit.unit_id, PEOPLE) in checkpoint_hidden
                else checkpoint_cells[(unit.unit_id, PEOPLE)],
            )
            for unit in ordered(key for key, _col in checkpoint_cells)
        ],
        total=None
        if (TOTAL, PEOPLE) in checkpoint_hidden
        else sum_figures(checkpoint_cells.values(), CheckpointFigures),
    )

    return CompetenceReport(
        year=year,
        parent=parent,
        breadcrumbs=named.breadcrumbs,
        k=threshold(),
        activities=activity_table,
        equal=equal_table,
        checkpoints=checkpoint_table,
        any_hidden=bool(
            {key for key in activity_hidden if TOTAL not in key}
            or any(None in row.cells or row.total is None for row in equal_table.rows)
            or None in equal_table.totals
            or equal_table.total is None
            or any(row.figures is None for row in checkpoint_table.rows)
            or checkpoint_table.total is None
            or any(cell.figures is None for cell in activity_table.totals)
        ),
    )
