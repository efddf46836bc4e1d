"""The competence-needs aggregates (plans.competence): what counts, how units roll up, and
that every group under K people is hidden together with enough others — also across the
levels of the drill-down."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from samtal.core.anonymity import TOTAL
from samtal.core.drilldown import Entry as _Entry
from samtal.core.drilldown import suppressed as _suppressed
from samtal.core.tests.audit import determined
from samtal.organisation.models import Gender, Person, Unit
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.plans.competence import EqualFigures, competence_report
from samtal.plans.models import (
    ActivityStatus,
    Checkpoint,
    CheckpointStatus,
    DevelopmentPlan,
    PlanActivity,
)
from samtal.plans.tests.factories import add_activity

pytestmark = pytest.mark.django_db

YEAR = 2025
ORG = ("/",)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def activity(
    person: Person,
    activity_type: str = "course",
    *,
    status: str = ActivityStatus.PLANNED,
    starts_on: dt.date | None = dt.date(YEAR, 3, 1),
    agreed: bool = True,
    **extra,
) -> PlanActivity:
    plan, _ = DevelopmentPlan.objects.get_or_create(person=person)
    return PlanActivity.objects.create(
        plan=plan,
        activity_type=activity_type,
        description="Course in project management",
        status=status,
        drop_reason="No budget" if status == ActivityStatus.DROPPED else "",
        starts_on=starts_on,
        agreed_at=at(dt.date(YEAR, 1, 10)) if agreed else None,
        **extra,
    )


def checkpoint(
    person: Person, due: dt.date, *, done: dt.date | None = None, status: str = ""
) -> Checkpoint:
    plan, _ = DevelopmentPlan.objects.get_or_create(person=person)
    return Checkpoint.objects.create(
        plan=plan,
        due_on=due,
        topic="How is it going?",
        status=status or (CheckpointStatus.DONE if done else CheckpointStatus.PLANNED),
        completed_at=at(done) if done else None,
        agreed_at=at(dt.date(YEAR, 1, 10)),
    )


def people(unit: Unit, n: int, **extra) -> list[Person]:
    return [PersonFactory(unit=unit, **extra) for _ in range(n)]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    """root ── a, b ── b1"""
    root = UnitFactory(code="ROOT", name_en="Root")
    a = UnitFactory(code="A", name_en="Unit A", parent=root)
    b = UnitFactory(code="B", name_en="Unit B", parent=root)
    b1 = UnitFactory(code="B1", name_en="Unit B1", parent=b)
    return {unit.code: Unit.objects.get(pk=unit.pk) for unit in (root, a, b, b1)}


def report(parent=None, paths=ORG, today=dt.date(YEAR, 12, 31)):
    return competence_report(paths=paths, year=YEAR, parent=parent, today=today)


def cells(rep):
    return {
        (row.unit.label, cell.activity_type): cell.figures
        for row in rep.activities.rows
        for cell in row.cells
    }


def totals(rep):
    return {cell.activity_type: cell.figures for cell in rep.activities.totals}


# --- development activities -----------------------------------------------------------------


def test_a_group_of_four_is_hidden_and_its_complement_too(org):
    for person in people(org["A"], 4):
        activity(person, "course")
    for person in people(org["B"], 6):
        activity(person, "course")
    for person in people(org["B"], 7):
        activity(person, "mentoring")

    rep = report(org["ROOT"])
    found = cells(rep)
    assert found[("Unit A", "course")] is None
    assert found[("Unit B", "course")] is None  # else 10 − 6 would give Unit A's four
    assert found[("Unit B", "mentoring")].people == 7
    # The column adds up to ten people, all of them hidden together: safe to show.
    assert totals(rep)["course"].people == 10
    assert rep.any_hidden


def test_a_group_of_five_is_shown_with_time_and_cost_summed(org):
    group = people(org["A"], 5)
    for person in group:
        activity(person, "course", hours=Decimal("12.5"), cost=Decimal(2000))
    activity(group[0], "course", status=ActivityStatus.DONE, hours=Decimal(4), cost=Decimal(500))
    activity(group[1], "course", status=ActivityStatus.DROPPED, hours=Decimal(99), cost=Decimal(9))
    activity(group[2], "course", status=ActivityStatus.ONGOING)

    figures = cells(report(org["ROOT"]))[("Unit A", "course")]
    assert figures.people == 5
    assert (figures.planned, figures.done, figures.dropped) == (6, 1, 1)
    # A dropped activity's estimate is no longer a need.
    assert figures.hours == Decimal("66.5")
    assert figures.cost == Decimal(10500)


def test_only_agreed_activities_of_active_people_in_the_year_count(org):
    group = people(org["A"], 5)
    for person in group:
        activity(person)
    activity(group[0], "conference", agreed=False)  # proposed in a talk, not agreed
    leaver = PersonFactory(unit=org["A"], is_active=False)
    activity(leaver, "conference")
    activity(group[1], "conference", starts_on=dt.date(YEAR + 1, 1, 5))  # next year
    # Without dates an activity belongs to the year it was agreed.
    activity(group[2], "method", starts_on=None)

    found = cells(report(org["ROOT"]))
    assert found[("Unit A", "course")].people == 5
    assert ("Unit A", "conference") not in found
    assert found[("Unit A", "method")] is None  # one person


def test_an_activity_added_through_the_plan_counts(org):
    boss = PersonFactory(unit=org["A"])
    for person in people(org["A"], 5, manager=boss):
        add_activity(person, boss.user, data={"hours": Decimal(3)})
    rep = competence_report(paths=ORG, year=timezone.localdate().year, parent=org["ROOT"])
    row = next(row for row in rep.activities.rows if row.unit.label == "Unit A")
    figures = row.cells[0].figures
    assert figures is not None
    assert (figures.people, figures.hours) == (5, Decimal(15))


def test_units_roll_up_to_the_level_shown(org):
    for person in people(org["B1"], 3):
        activity(person)
    for person in people(org["B"], 3):
        activity(person)
    rep = report(org["ROOT"])
    row = next(row for row in rep.activities.rows if row.unit.label == "Unit B")
    assert row.unit.has_children
    assert row.cells[0].figures.people == 6


def test_the_top_level_is_the_viewers_scope(org):
    for person in people(org["B1"], 5):
        activity(person)
    top = report(paths=(org["B"].path,))
    assert [row.unit.label for row in top.activities.rows] == ["Unit B"]
    whole = report()
    assert [row.unit.label for row in whole.activities.rows] == ["Root"]


def test_a_figure_hidden_above_stays_hidden_below(org):
    """Root's level hides Unit B's course cell (as the complement of Unit A's three); one
    level down, Unit B's course total would be that very figure, and Unit B1 alone makes it
    up: both stay hidden."""
    for person in people(org["A"], 3):
        activity(person)
    for person in people(org["B1"], 10):
        activity(person)
    assert cells(report(org["ROOT"]))[("Unit B", "course")] is None
    below = report(org["B"])
    assert cells(below)[("Unit B1", "course")] is None
    assert totals(below)["course"] is None
    # A unit that hid nothing above shows its figures below.
    assert totals(below)["mentoring"].people == 0


# --- equal conditions -----------------------------------------------------------------------


def test_equal_conditions_share_per_gender(org):
    women = people(org["A"], 6, gender=Gender.WOMAN)
    men = people(org["A"], 8, gender=Gender.MAN)
    for person in women[:3]:
        activity(person)
    activity(men[0], "mentoring")
    activity(men[1], status=ActivityStatus.DROPPED)  # dropped: not planned development
    people(org["B"], 7, gender=Gender.WOMAN)
    people(org["B"], 9, gender=Gender.MAN)

    rep = report(org["ROOT"])
    labels = [value for value, _label in rep.equal.genders]
    row = next(row for row in rep.equal.rows if row.unit.label == "Unit A")
    woman = row.cells[labels.index(Gender.WOMAN)]
    man = row.cells[labels.index(Gender.MAN)]
    assert (woman.employees, woman.planned, woman.share) == (6, 3, 50)
    assert (man.employees, man.planned, man.share) == (8, 1, 12)
    assert row.cells[labels.index(Gender.NOT_RECORDED)].employees == 0
    assert row.total.employees == 14
    assert rep.equal.total.employees == 30
    assert all(None not in (*row.cells, row.total) for row in rep.equal.rows)


def test_equal_conditions_hide_small_groups_and_what_would_give_them_away(org):
    people(org["A"], 6, gender=Gender.WOMAN)
    people(org["A"], 2, gender=Gender.MAN)
    people(org["B"], 7, gender=Gender.WOMAN)
    people(org["B"], 9, gender=Gender.MAN)

    rep = report(org["ROOT"])
    labels = [value for value, _label in rep.equal.genders]
    a = next(row for row in rep.equal.rows if row.unit.label == "Unit A")
    b = next(row for row in rep.equal.rows if row.unit.label == "Unit B")
    woman, man = labels.index(Gender.WOMAN), labels.index(Gender.MAN)
    assert a.cells[man] is None
    # Unit A's total minus its women would be its two men, and the men's total minus Unit
    # B's men too: the four cells are hidden, the totals can be shown.
    assert a.cells[woman] is None
    assert b.cells[man] is None
    assert b.cells[woman] is None
    assert (a.total.employees, b.total.employees) == (8, 16)
    assert rep.equal.totals[man].employees == 11
    assert rep.equal.total.employees == 24


# --- checkpoints ----------------------------------------------------------------------------


def test_checkpoints_on_time(org):
    group = people(org["A"], 5)
    due = dt.date(YEAR, 6, 1)
    checkpoint(group[0], due, done=due)
    checkpoint(group[1], due, done=due - dt.timedelta(days=3))
    checkpoint(group[2], due, done=due - dt.timedelta(days=1))
    checkpoint(group[3], due, done=due + dt.timedelta(days=1))  # late
    checkpoint(group[4], due)  # overdue
    checkpoint(group[4], dt.date(YEAR, 12, 20))  # not yet due
    checkpoint(group[4], due, status=CheckpointStatus.CANCELLED)  # not counted
    checkpoint(group[4], dt.date(YEAR + 1, 1, 20))  # next year

    rep = report(org["ROOT"], today=dt.date(YEAR, 12, 1))
    (row,) = rep.checkpoints.rows
    figures = row.figures
    assert (figures.people, figures.due) == (5, 6)
    assert (figures.on_time, figures.late, figures.open, figures.overdue) == (3, 1, 1, 1)
    assert figures.on_time_percent == 60
    assert rep.checkpoints.total.on_time_percent == 60


def test_checkpoints_of_fewer_than_k_people_are_hidden(org):
    for person in people(org["A"], 2):
        checkpoint(person, dt.date(YEAR, 5, 1))
    for person in people(org["B"], 9):
        checkpoint(person, dt.date(YEAR, 5, 1))
    rep = report(org["ROOT"])
    assert [row.figures for row in rep.checkpoints.rows] == [None, None]
    assert rep.checkpoints.total.people == 11


# --- across the levels of the drill-down (no database: the roll-up and suppression alone) ---

TREE = {2: "/2/", 3: "/3/", 4: "/2/4/", 5: "/2/5/", 6: "/3/6/"}  # two top units, three below
BELOW = {2: (4, 5), 3: (6,)}


@settings(max_examples=150, deadline=None)
# Two cases found by this test: a drill-down must not rely on hiding a total that the level
# above shows, nor show as 0 a column whose zero the level above hid.
@example(data={(2, "x"): 1, (2, "y"): 5, (2, "z"): 1, (4, "z"): 1, (5, "z"): 4}, two_way=True)
@example(data={(2, "x"): 1, (2, "y"): 5, (3, "x"): 5}, two_way=True)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(sorted(TREE)), st.sampled_from(["x", "y", "z"])),
        st.one_of(st.integers(1, 6), st.integers(5, 25)),
        max_size=12,
    ),
    st.booleans(),
)
def test_no_figure_under_k_follows_from_the_levels_together(data, two_way):
    """Every figure under K hidden at some level stays undetermined when the top level and
    both drill-downs are read together (the totals row of a drill-down is its unit's row
    above)."""
    k = 5
    entries = [
        _Entry(TREE[unit], col, EqualFigures(employees=n)) for (unit, col), n in data.items()
    ]
    levels: dict[Any, list[Any]] = {"top": [None]}
    levels.update({top: [None, (top, TREE[top])] for top in BELOW})
    tables = {
        name: _suppressed(entries, chain, ORG, EqualFigures, rows=two_way, grand_total=two_way)
        for name, chain in levels.items()
    }

    def var(level, row, col):
        # A drill-down's totals row is its unit's row at the top level.
        if level != "top" and row is TOTAL:
            return ("top", level, col)
        return (level, row, col)

    values: dict = {}
    hidden_everywhere: dict = {}
    equations = []
    for level, (cells, _deeper, hidden) in tables.items():
        rows_ = sorted({row for row, _col in cells})
        cols = ["x", "y", "z"]  # every column is on the page, a zero one as 0
        size = {key: figures.size for key, figures in cells.items()}
        grid = {(r, c): size.get((r, c), 0) for r in rows_ for c in cols}
        for c in cols:
            grid[(TOTAL, c)] = sum(grid[(r, c)] for r in rows_)
        if two_way:
            for r in rows_:
                grid[(r, TOTAL)] = sum(grid[(r, c)] for c in cols)
            grid[(TOTAL, TOTAL)] = sum(grid[(TOTAL, c)] for c in cols)
        for (r, c), n in grid.items():
            name = var(level, r, c)
            values[name] = n
            hidden_everywhere[name] = hidden_everywhere.get(name, True) and (r, c) in hidden
        lines = [((TOTAL, c), [(r, c) for r in rows_]) for c in cols]
        if two_way:
            lines += [((r, TOTAL), [(r, c) for c in cols]) for r in rows_]
            lines += [((TOTAL, TOTAL), [(r, TOTAL) for r in rows_])]
            lines += [((TOTAL, TOTAL), [(TOTAL, c) for c in cols])]
        for total, parts in lines:
            equations.append(
                [(var(level, *total), -1)] + [(var(level, *part), 1) for part in parts]
            )
    unknown = {name for name, is_hidden in hidden_everywhere.items() if is_hidden}
    for name in determined(equations, unknown):
        assert not 0 < values[name] < k, (name, values[name])
