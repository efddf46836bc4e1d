"""The SAM figures of a unit and a calendar year, and what of them may be shown: the one
suppression model behind the SAM overview (workenv.aggregates) and the annual follow-up
(workenv.annual, its PDF and CSV), so that both show the same cells and hide the same ones.

**Families.** The figures come in three families, each a two-way table with the units as rows
and the family's keys as columns, all for one calendar year Y (a year, never free dates: two
overlapping periods could be subtracted):

- talks: held / not held. The talks of Y's rounds that were not cancelled (a declined talk was
  offered, and was not held) and the extra talks held in Y; held includes the talks whose
  record has been agreed since. A talk counts in the unit its employee belonged to when it
  was offered;
- observations: (category, severity) for the categories with a severity (the employee's
  view), (category, "handed_on") for those handled by the employer's routine, which keep no
  severity. Observations made in Y and not withdrawn;
- actions: (category of the risk, state), the state being open (in progress included, not
  overdue), overdue, done or not effective. The actions created in Y, or created before and
  still open when it began, each as it stood at the end of Y (for the current year: today).

**Size.** A cell's size, what the K threshold (core.anonymity) looks at, is the number of
distinct employees of the talks behind it. A risk found outside the talks counts nobody:
nobody is behind it, and counting it as a person would let one employee and four such risks
make a "group of five". An employee counted in several units of the tree under the same key
(they moved, and had a talk in each) is one person: they count 1/m in each of their m units,
so that the sizes of any set of cells add up to at most the distinct people behind them and
to more than 0 whenever there is someone. Sizes are kept in whole 1/PEOPLE_SCALE (K scaled
alike).

**Suppression** is worked out from the root of the unit's tree down, the same whoever asks
(the viewer's scope only decides which units a page shows, never what it hides): for a unit
U, each family's levels are suppressed along the chain root → … → U's parent → U with
core.drilldown (`rows=False`: one person may be in several columns, so a unit's row is no
sum and has no total; a column's total at a level is the parent's cell at the level above,
hidden or known). `unit_figures` returns U's row (from its parent's level; a root is the one
row of the top level) and the level of U's sub-units, for every family. What a page shows is
cells of these tables and their column totals, and nothing else: no total of a unit's row
(over the categories, or over the severities of one category), no sum over several columns.

**Queries.** A constant number whatever the size of the organisation: the unit paths of the
tree; per family one GROUP BY (unit, key) with the values and the distinct employees, and one
for the employees counted in more than one unit (normally nobody). The roll-up walks one row
per unit and key in memory, never one per person.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from samtal.accounts.permissions import scope_q
from samtal.core.anonymity import TOTAL, threshold
from samtal.core.drilldown import (
    Entry,
    level_chain,
    level_units,
    path_ids,
    path_prefix,
    scope_unit_paths,
    suppressed_levels,
)
from samtal.organisation.models import Unit
from samtal.talks.models import Round, Talk, TalkStatus
from samtal.workenv.models import (
    ROUTINE_CATEGORIES,
    Action,
    ActionStatus,
    Category,
    Observation,
    Severity,
)

TALKS = "talks"
OBSERVATIONS = "observations"
ACTIONS = "actions"
FAMILIES = (TALKS, OBSERVATIONS, ACTIONS)

HELD = "held"
NOT_HELD = "not_held"
TALK_STATES = (HELD, NOT_HELD)
HELD_STATUSES = (TalkStatus.HELD, TalkStatus.AGREED)

HANDED_ON = "handed_on"
SEVERITIES = tuple(Severity.values)  # low, medium, high

OPEN = "open"
OVERDUE = "overdue"
DONE = ActionStatus.DONE.value
NOT_EFFECTIVE = ActionStatus.NOT_EFFECTIVE.value
ACTION_STATES = (OPEN, OVERDUE, DONE, NOT_EFFECTIVE)

# An employee in m units counts 1/m in each: a whole number of 1/PEOPLE_SCALE for m ≤ 10
# (lcm(1..10)), and rounded down (still more than 0) beyond.
PEOPLE_SCALE = 2520

# The years the pages offer and accept.
FIRST_YEAR = 2000

# A column of a family: (category, severity or state) or (TALKS, held or not held).
Key = tuple[str, str]


def observation_columns(category: str) -> tuple[str, ...]:
    """The observation keys' second part for `category`: its severities, or handed on."""
    return (HANDED_ON,) if category in ROUTINE_CATEGORIES else SEVERITIES


def family_keys(family: str) -> list[Key]:
    """Every key of a family, in the order shown."""
    if family == TALKS:
        return [(TALKS, state) for state in TALK_STATES]
    if family == OBSERVATIONS:
        return [(c, column) for c in Category.values for column in observation_columns(c)]
    return [(c, state) for c in Category.values for state in ACTION_STATES]


# --- the year ---------------------------------------------------------------------------------


def year_range(today: date | None = None) -> tuple[int, int]:
    """The first and last year the pages accept: from FIRST_YEAR to next year (whose rounds
    may be launched already)."""
    return FIRST_YEAR, (today or timezone.localdate()).year + 1


def data_years(today: date | None = None) -> list[int]:
    """The years with observations or rounds, and the current year, newest first (two
    queries)."""
    today = today or timezone.localdate()
    first, last = year_range(today)
    found = {today.year}
    found.update(
        day.year
        for day in Observation.objects.filter(withdrawn_at__isnull=True).dates(
            "observed_on", "year"
        )
    )
    found.update(Round.objects.values_list("year", flat=True).distinct().order_by())
    return sorted((year for year in found if first <= year <= last), reverse=True)


@dataclass(frozen=True)
class YearSpan:
    year: int
    first: date
    last: date
    begins: datetime  # the first moment of the year
    ends: datetime  # the first moment of the next year
    as_of: date  # actions stand as on the morning of this day: next year's 1 Jan, or today
    cutoff: datetime  # the first moment of as_of (the next year) or of the day after today

    @property
    def complete(self) -> bool:
        return self.as_of > self.last

    @property
    def started(self) -> bool:
        return self.cutoff > self.begins

    @property
    def shown_as_of(self) -> date:
        """The day the actions stand as shown: the year's last day, or today."""
        return self.last if self.complete else self.as_of


def year_span(year: int, today: date | None = None) -> YearSpan:
    today = today or timezone.localdate()
    first, last = date(year, 1, 1), date(year, 12, 31)
    next_year = date(year + 1, 1, 1)
    as_of = min(today, next_year)
    cutoff_day = as_of if as_of == next_year else as_of + timedelta(days=1)

    def moment(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.min))

    return YearSpan(year, first, last, moment(first), moment(next_year), as_of, moment(cutoff_day))


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What a cell counts: talks, observations or actions, and the people behind them."""

    value: int = 0
    people: int = 0  # in 1/PEOPLE_SCALE

    @property
    def size(self) -> int:
        return self.people

    def add(self, other: Tally) -> None:
        self.value += other.value
        self.people += other.people


# Per family: rows (unit, key, value, distinct employees) and, for the employees counted in
# more than one unit, (employee, unit, key).
Rows = tuple[list[tuple[int, Key, int, int]], list[tuple[int, int, Key]]]


def _movers(counted: QuerySet[Any], employee: str, *fields: str, **columns: Any) -> list[Any]:
    """(employee, unit, *fields) of the employees behind `counted` in more than one unit."""
    theirs = counted.filter(**{f"{employee}__isnull": False})
    movers = (
        theirs.order_by()
        .values(employee)
        .annotate(units=Count("unit_id", distinct=True))
        .filter(units__gt=1)
        .values(employee)
    )
    return list(
        theirs.filter(**{f"{employee}__in": movers})
        .annotate(**columns)
        .values_list(employee, "unit_id", *fields)
        .distinct()
        .order_by()
    )


def _talk_rows(root: str, span: YearSpan) -> Rows:
    talks = Talk.objects.filter(scope_q((root,), field="unit__path")).filter(
        (Q(kind=Talk.Kind.ROUND, round__year=span.year) & ~Q(status=TalkStatus.CANCELLED))
        | Q(
            kind=Talk.Kind.EXTRA,
            status__in=HELD_STATUSES,
            held_at__gte=span.begins,
            held_at__lt=span.ends,
        )
    )
    state = Case(
        When(status__in=HELD_STATUSES, then=Value(HELD)),
        default=Value(NOT_HELD),
        output_field=CharField(),
    )
    rows = (
        talks.annotate(state=state)
        .values("unit_id", "state")
        .annotate(value=Count("id"), people=Count("employee", distinct=True))
        .order_by()
    )
    movers = _movers(talks, "employee", "state", state=state)
    return (
        [(r["unit_id"], (TALKS, r["state"]), r["value"], r["people"]) for r in rows],
        [(employee, unit_id, (TALKS, s)) for employee, unit_id, s in movers],
    )


def _observation_rows(root: str, span: YearSpan) -> Rows:
    routine = sorted(ROUTINE_CATEGORIES)
    observations = Observation.objects.filter(
        scope_q((root,), field="unit__path"),
        withdrawn_at__isnull=True,
        observed_on__gte=span.first,
        observed_on__lte=span.last,
    ).filter(Q(category__in=routine) | Q(severity__in=SEVERITIES))
    column = Case(
        When(category__in=routine, then=Value(HANDED_ON)),
        default=F("severity"),
        output_field=CharField(),
    )
    rows = (
        observations.annotate(column=column)
        .values("unit_id", "category", "column")
        .annotate(value=Count("id"), people=Count("talk__employee", distinct=True))
        .order_by()
    )
    movers = _movers(observations, "talk__employee", "category", "column", column=column)
    return (
        [(r["unit_id"], (r["category"], r["column"]), r["value"], r["people"]) for r in rows],
        [(employee, unit_id, (c, col)) for employee, unit_id, c, col in movers],
    )


def _action_rows(root: str, span: YearSpan) -> Rows:
    if not span.started:
        return [], []
    actions = Action.objects.filter(
        scope_q((root,), field="unit__path"),
        observation__withdrawn_at__isnull=True,
        created_at__lt=span.cutoff,
    ).filter(
        Q(created_at__gte=span.begins)
        | Q(followed_up_at__isnull=True)
        | Q(followed_up_at__gte=span.begins)
    )
    closed = Q(followed_up_at__lt=span.cutoff)
    # How the action stood at the end of the year (or today), whatever happened to it since.
    state = Case(
        When(closed & Q(status=ActionStatus.DONE), then=Value(DONE)),
        When(closed & Q(status=ActionStatus.NOT_EFFECTIVE), then=Value(NOT_EFFECTIVE)),
        When(due_on__lt=span.as_of, then=Value(OVERDUE)),
        default=Value(OPEN),
        output_field=CharField(),
    )
    rows = (
        actions.annotate(state=state)
        .values("unit_id", "observation__category", "state")
        .annotate(value=Count("id"), people=Count("observation__talk__employee", distinct=True))
        .order_by()
    )
    movers = _movers(
        actions, "observation__talk__employee", "observation__category", "state", state=state
    )
    return (
        [
            (r["unit_id"], (r["observation__category"], r["state"]), r["value"], r["people"])
            for r in rows
        ],
        [(employee, unit_id, (c, s)) for employee, unit_id, c, s in movers],
    )


READERS = {TALKS: _talk_rows, OBSERVATIONS: _observation_rows, ACTIONS: _action_rows}


def family_entries(
    family: str, root: str, span: YearSpan, paths: dict[int, str]
) -> list[Entry[Tally]]:
    """The family's figures per unit of the tree of `root` (`paths`: its units' paths), with
    the employees counted in several units shared among them; in a fixed order, so that the
    suppression does not depend on the order the database returned them in."""
    rows, movers = READERS[family](root, span)
    keys = set(family_keys(family))
    cells: dict[tuple[int, Key], Tally] = {}
    for unit_id, key, value, people in rows:
        if unit_id in paths and key in keys:  # else a unit made since, or bad data
            cell = cells.setdefault((unit_id, key), Tally())
            cell.add(Tally(value, people * PEOPLE_SCALE))
    shared: dict[tuple[int, Key], set[int]] = {}
    for employee, unit_id, key in movers:
        shared.setdefault((employee, key), set()).add(unit_id)
    for (_employee, key), units in shared.items():
        if len(units) < 2:
            continue
        share = max(PEOPLE_SCALE // len(units), 1)
        for unit_id in units:
            found = cells.get((unit_id, key))
            if found is not None:  # else raised between the queries: next time
                found.people = max(found.people - PEOPLE_SCALE + share, share)
    return [
        Entry(paths[unit_id], key, tally)
        for (unit_id, key), tally in sorted(
            cells.items(), key=lambda item: (item[0][0], item[0][1])
        )
    ]


# --- what is shown ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A figure as shown: `value` None when it is hidden, or when it does not apply."""

    value: int | None
    applies: bool = True

    @property
    def hidden(self) -> bool:
        return self.applies and self.value is None


NOT_APPLICABLE = Cell(None, applies=False)


@dataclass
class LevelFigures:
    """One level of a family's drill-down: its rows (units) × keys, and what it hides
    (cells, and (TOTAL, key) for the column totals hidden)."""

    cells: dict[tuple[int, Hashable], Tally] = field(default_factory=dict)
    hidden: set[tuple[Any, Any]] = field(default_factory=set)

    def cell(self, row: Any, key: Key) -> Cell:
        """A unit's cell, or (row TOTAL) a column's total."""
        if (row, key) in self.hidden:
            return Cell(None)
        if row is TOTAL:
            return Cell(sum(t.value for (_r, col), t in self.cells.items() if col == key))
        tally = self.cells.get((row, key))
        return Cell(tally.value if tally else 0)

    def row_ids(self) -> set[int]:
        """The units with a figure or a hidden cell at this level."""
        return {row for row, _col in self.cells} | {
            row for row, _col in self.hidden if row is not TOTAL
        }

    def size(self, row: Any, key: Key) -> int:
        """The people (in 1/PEOPLE_SCALE) behind a cell, or behind a column's total."""
        if row is TOTAL:
            return sum(t.people for (_r, col), t in self.cells.items() if col == key)
        tally = self.cells.get((row, key))
        return tally.people if tally else 0


@dataclass
class UnitFigures:
    """A unit's figures for a year, for every family: its row (`rows`, the level of its parent
    or, for a root, the top level) and the level of its sub-units (`children`, whose rows are
    the sub-units and the unit's own people directly, under the unit's id)."""

    unit: Unit
    span: YearSpan
    k: int  # in people
    rows: dict[str, LevelFigures]
    children: dict[str, LevelFigures]
    sub_units: dict[int, bool]  # the unit's sub-units, each with whether it has sub-units

    def cell(self, family: str, key: Key) -> Cell:
        return self.rows[family].cell(self.unit.pk, key)

    def child_cell(self, family: str, row: Any, key: Key) -> Cell:
        return self.children[family].cell(row, key)


def tree_root(unit: Unit) -> str:
    """The path of the root of `unit`'s tree."""
    return path_prefix(path_ids(unit.path)[:1])


def unit_figures(*, unit: Unit, year: int, today: date | None = None) -> UnitFigures:
    """The figures of `unit` and of its sub-units' level for `year`, suppressed from the root
    of its tree down. The caller has checked that the reader may see the unit's aggregates."""
    span = year_span(year, today)
    root = tree_root(unit)
    scope = (root,)
    paths = scope_unit_paths(scope)
    chain = level_chain(unit, scope)  # the top (the root alone), the root's level, …, U's
    k = threshold()
    rows: dict[str, LevelFigures] = {}
    children: dict[str, LevelFigures] = {}
    for family in FAMILIES:
        levels = suppressed_levels(
            family_entries(family, root, span, paths),
            chain,
            scope,
            Tally,
            rows=False,
            grand_total=False,
            k=k * PEOPLE_SCALE,
        )
        above, below = levels[-2], levels[-1]
        rows[family] = LevelFigures(above[0], above[2])
        children[family] = LevelFigures(below[0], below[2])
    sub_units = level_units(paths.values(), chain[-1], scope)
    sub_units.pop(unit.pk, None)
    return UnitFigures(unit, span, k, rows, children, sub_units)
