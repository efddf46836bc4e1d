"""The SAM figures (workenv.figures) behind the overview (workenv.aggregates) and the annual
follow-up (workenv.annual): what counts, how units roll up, and that no figure lets anyone
learn about fewer than K people — in a table, across the levels of the drill-down, and between
the two pages, which show the same cells for the same unit and year. Checked on known data
(the privacy review's findings as regressions) and with hypothesis over random unit trees,
people, observations and actions in the database, against the people actually behind each
figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from samtal.core.anonymity import TOTAL
from samtal.organisation.models import Person, Unit
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.talks.models import Talk, TalkStatus
from samtal.talks.tests.factories import published_version
from samtal.workenv.aggregates import SamOverview, sam_overview
from samtal.workenv.annual import AnnualReport, annual_follow_up
from samtal.workenv.figures import (
    ACTION_STATES,
    ACTIONS,
    OBSERVATIONS,
    PEOPLE_SCALE,
    UnitFigures,
    family_keys,
    observation_columns,
    unit_figures,
)
from samtal.workenv.models import Action, ActionStatus, Category, Observation

K = 5
TODAY = timezone.localdate()
YEAR = TODAY.year
ORG = ("/",)


@pytest.fixture(autouse=True)
def _k():
    with override_settings(SAMTAL_ANONYMITY_K=K):
        yield


# --- making data (rows directly: the services are tested elsewhere) ------------------------


class Maker:
    """Held extra talks and observations made straight in the database."""

    def __init__(self) -> None:
        self.version = published_version()
        self.boss = PersonFactory()

    def people(self, unit: Unit, n: int) -> list[Talk]:
        """n people of `unit`, each with a talk held this year."""
        return [self.talk(PersonFactory(unit=unit, manager=self.boss), unit) for _ in range(n)]

    def talk(self, person: Person, unit: Unit) -> Talk:
        return Talk.objects.create(
            kind=Talk.Kind.EXTRA,
            template_version=self.version,
            employee=person,
            manager=self.boss,
            unit=unit,
            status=TalkStatus.HELD,
            held_at=timezone.now(),
        )


def observe(
    unit: Unit,
    talks: Sequence[Talk | None],
    *,
    category: str = "workload",
    severity: str = "high",
    action: str | None = None,
) -> list[Observation]:
    """An observation in `unit` from each talk (None: a risk found outside the talks), each
    with an action of status `action`."""
    routine = category in ("victimisation", "discrimination")
    made = Observation.objects.bulk_create(
        Observation(
            unit=unit,
            talk=talk,
            raised_by="employee" if talk else "unit",
            category=category,
            description="" if routine else "Too much to do, says Erik.",
            severity="" if routine else severity,
            handed_on=routine,
            observed_on=TODAY,
        )
        for talk in talks
    )
    if action:
        closed = action in (ActionStatus.DONE, ActionStatus.NOT_EFFECTIVE)
        Action.objects.bulk_create(
            Action(
                observation=item,
                unit=unit,
                what="Review the course allocation.",
                responsible_other="The head of department",
                due_on=TODAY + dt.timedelta(days=30),
                status=action,
                followed_up_at=timezone.now() if closed else None,
            )
            for item in made
        )
    return made


def shown_values(report: AnnualReport | SamOverview) -> dict[str, list[list[int | None]]]:
    return {
        name: [[cell.value for cell in row.cells] for row in getattr(report, name).rows]
        for name in ("talks", "observations", "actions")
    }


def every_figure(overview: SamOverview) -> list[int]:
    """Every number the overview shows about observations and actions."""
    tables = shown_values(overview)
    found = [v for name in ("observations", "actions") for row in tables[name] for v in row]
    for table in overview.categories:
        found += [cell.value for row in table.rows for cell in row.cells]
        found += [cell.value for cell in table.totals]
    return [value for value in found if value is not None]


@pytest.fixture
def tree(db):
    """root ── a, b (b ── b1)"""
    root = UnitFactory(code="ROOT")
    a = UnitFactory(code="A", parent=root)
    b = UnitFactory(code="B", parent=root)
    b1 = UnitFactory(code="B1", parent=b)
    return {
        name: Unit.objects.get(pk=u.pk)
        for name, u in zip(["root", "a", "b", "b1"], (root, a, b, b1), strict=True)
    }


# --- the review's findings, as regressions -----------------------------------------------------


def test_a_category_total_never_gives_a_hidden_severity_away(tree):
    """Finding 1: workload 6 people − Minor 5 = Serious 1. No total over a category's
    severities (or over the routine categories) is shown anywhere."""
    maker = Maker()
    talks = maker.people(tree["a"], 6)
    observe(tree["a"], talks[:5], severity="low")
    observe(tree["a"], talks[5:], severity="high")
    observe(tree["a"], talks[:5], category="victimisation")
    observe(tree["a"], talks[5:], category="discrimination")
    for unit in tree.values():
        overview = sam_overview(paths=ORG, unit=unit, year=YEAR)
        assert overview is not None
        assert 6 not in every_figure(overview), unit.code
        annual = annual_follow_up(unit=unit, year=YEAR)
        workload = annual.observations.rows[0].cells
        if unit.code in ("ROOT", "A"):
            assert [c.value for c in workload] == [5, 0, None, None]
            assert workload[2].hidden
            assert not workload[3].applies
    root = sam_overview(paths=ORG, unit=tree["root"], year=YEAR)
    assert root is not None
    workload_table = root.categories[0]
    assert workload_table.category == "workload"
    # Serious is hidden for A and for the root, and no other cell of its column is shown
    # that would let it be worked out.
    serious = 2
    assert workload_table.totals[serious].hidden
    assert all(
        row.cells[serious].hidden or row.cells[serious].value == 0 for row in workload_table.rows
    )


def test_risks_found_outside_the_talks_count_nobody(tree):
    """Finding 3: one employee and four risks found outside the talks are no group of five."""
    maker = Maker()
    talk = maker.people(tree["a"], 1)
    observe(tree["a"], [*talk, None, None, None, None], severity="high")
    # Outside risks alone are about nobody: shown.
    observe(tree["b"], [None, None], category="physical", severity="low")
    annual = annual_follow_up(unit=tree["a"], year=YEAR)
    assert annual.observations.rows[0].cells[2].hidden
    b = annual_follow_up(unit=tree["b"], year=YEAR)
    physical = next(row for row in b.observations.rows if row.label == "Physical environment")
    assert physical.cells[0].value == 2


def test_the_figures_are_counted_right(tree):
    maker = Maker()
    talks = maker.people(tree["a"], 5)
    more = maker.people(tree["b1"], 6)
    observe(tree["a"], talks, severity="medium", action=ActionStatus.DONE)
    observe(tree["b1"], more, severity="medium", action=ActionStatus.IN_PROGRESS)
    observe(tree["b1"], more, category="victimisation", action=ActionStatus.NOT_EFFECTIVE)
    figures = unit_figures(unit=tree["root"], year=YEAR)
    assert figures.cell(OBSERVATIONS, ("workload", "medium")).value == 11
    assert figures.cell(OBSERVATIONS, ("victimisation", "handed_on")).value == 6
    assert figures.cell(ACTIONS, ("workload", "done")).value == 5
    assert figures.cell(ACTIONS, ("workload", "open")).value == 6
    assert figures.cell(ACTIONS, ("victimisation", "not_effective")).value == 6
    assert figures.cell("talks", ("talks", "held")).value == 11
    assert figures.child_cell(OBSERVATIONS, tree["b"].pk, ("workload", "medium")).value == 6
    assert set(figures.sub_units) == {tree["a"].pk, tree["b"].pk}
    assert figures.sub_units[tree["b"].pk] is True


def test_a_figure_hidden_above_stays_hidden_below(tree):
    """b1's 3 people are hidden in b's row; b's sub-units' table hides them too (its total is
    b's figure), however many people b1 has in other cells."""
    maker = Maker()
    observe(tree["b1"], maker.people(tree["b1"], 3), severity="high")
    observe(tree["a"], maker.people(tree["a"], 9), severity="high")
    root = unit_figures(unit=tree["root"], year=YEAR)
    assert root.cell(OBSERVATIONS, ("workload", "high")).value == 12
    assert root.child_cell(OBSERVATIONS, tree["b"].pk, ("workload", "high")).hidden
    # A is hidden with B: else the root's 12 − A's 9 would give B's 3.
    assert root.child_cell(OBSERVATIONS, tree["a"].pk, ("workload", "high")).hidden
    b = unit_figures(unit=tree["b"], year=YEAR)
    assert b.cell(OBSERVATIONS, ("workload", "high")).hidden
    assert b.child_cell(OBSERVATIONS, tree["b1"].pk, ("workload", "high")).hidden


def test_an_employee_in_two_units_is_one_person(tree):
    """Three people who raised the same matter in A and in B are three people under the
    root, not six."""
    maker = Maker()
    talks = maker.people(tree["a"], 3)
    observe(tree["a"], talks)
    observe(tree["b"], talks)
    figures = unit_figures(unit=tree["root"], year=YEAR)
    cell = figures.rows[OBSERVATIONS].cells[(tree["root"].pk, ("workload", "high"))]
    assert cell.value == 6
    assert cell.people == 3 * PEOPLE_SCALE
    assert figures.cell(OBSERVATIONS, ("workload", "high")).hidden


def test_the_same_cells_whoever_asks(tree, hr, safety_rep):
    maker = Maker()
    observe(tree["a"], maker.people(tree["a"], 7), severity="low")
    observe(tree["b1"], maker.people(tree["b1"], 2), severity="low")
    first = sam_overview(paths=ORG, unit=tree["b"], year=YEAR)
    scoped = sam_overview(paths=(tree["b"].path,), unit=tree["b"], year=YEAR)
    assert first is not None
    assert scoped is not None
    assert shown_values(first) == shown_values(scoped)
    assert [t.rows for t in first.categories] == [t.rows for t in scoped.categories]
    # The viewer's scope only decides what is linked: the breadcrumbs stop at their scope.
    assert [u.pk for u in first.breadcrumbs] == [tree["root"].pk, tree["b"].pk]
    assert [u.pk for u in scoped.breadcrumbs] == [tree["b"].pk]


def test_the_overview_defaults_to_the_viewers_first_top_unit(tree):
    overview = sam_overview(paths=(tree["b"].path, tree["a"].path), unit=None, year=YEAR)
    assert overview is not None
    assert overview.unit == tree["a"]
    assert overview.top_units == [tree["a"], tree["b"]]
    whole = sam_overview(paths=ORG, unit=None, year=YEAR)
    assert whole is not None
    assert whole.unit.parent_id is None


def test_the_number_of_queries_does_not_grow(tree):
    maker = Maker()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            sam_overview(paths=ORG, unit=tree["root"], year=YEAR)
            annual_follow_up(unit=tree["root"], year=YEAR)
        return len(queries)

    observe(tree["a"], maker.people(tree["a"], 5))
    few = count()
    for index in range(10):
        unit = UnitFactory(parent=tree["b"] if index % 2 else tree["b1"])
        observe(unit, maker.people(unit, 5), category=Category.values[index % 9], action="open")
    assert count() == few


# --- random trees against the data --------------------------------------------------------------

EMPLOYEES = 12
CATEGORIES = ("workload", "physical", "victimisation")


@override_settings(SAMTAL_ANONYMITY_K=K)
class TestAgainstTheData(HypothesisTestCase):
    """Random unit trees with random observations and actions (an employee may raise the same
    matter in several units), every unit's figures, overview and follow-up read, and each
    figure checked against the people actually behind it."""

    talk_ids: list[int]
    employee_of: dict[int, int]

    @classmethod
    def setUpTestData(cls) -> None:
        maker = Maker()
        home = UnitFactory(code="HOME")
        cls.talk_ids = [t.pk for t in maker.people(home, EMPLOYEES)]
        cls.employee_of = dict(Talk.objects.values_list("id", "employee_id"))

    @settings(max_examples=40, deadline=None)
    @given(
        parents=st.lists(st.integers(-1, 4), min_size=1, max_size=5),
        data=st.dictionaries(
            # unit, category, severity
            st.tuples(st.integers(0, 4), st.sampled_from(CATEGORIES), st.sampled_from("lh")),
            st.tuples(
                st.frozensets(st.integers(0, EMPLOYEES - 1)),  # the employees who raised it
                st.integers(0, 2),  # risks found outside the talks
                st.sampled_from([None, ActionStatus.OPEN, ActionStatus.DONE]),
            ),
            max_size=10,
        ),
    )
    def test_no_figure_is_about_fewer_than_k_people(self, parents, data):
        units: list[Unit] = []
        for index, parent in enumerate(parents):
            above = units[parent] if 0 <= parent < index else None
            units.append(UnitFactory(parent=above))
        units = [Unit.objects.get(pk=unit.pk) for unit in units]
        made: list[tuple[int, Key, int | None]] = []  # (unit, key, employee) per observation
        acts: list[tuple[int, Key, int | None]] = []
        for (index, category, severity), (employees, outside, action) in data.items():
            unit = units[index % len(units)]
            talks: list[int | None] = [self.talk_ids[i] for i in sorted(employees)]
            talks += [None] * outside
            column = (
                "handed_on" if category == "victimisation" else {"l": "low", "h": "high"}[severity]
            )
            observe(
                unit,
                [Talk(pk=t) if t else None for t in talks],
                category=category,
                severity=column if column != "handed_on" else "",
                action=action,
            )
            for t in talks:
                employee = self.employee_of[t] if t else None
                made.append((unit.pk, (category, column), employee))
                if action:
                    state = "done" if action == ActionStatus.DONE else "open"
                    acts.append((unit.pk, (category, state), employee))
        truth = {OBSERVATIONS: made, ACTIONS: acts}
        check_tree(units, truth)


Key = tuple[str, str]


def check_tree(units: list[Unit], truth: dict[str, list[tuple[int, Key, int | None]]]) -> None:
    """Every unit's figures, overview and follow-up against the data behind them."""

    def subtree(unit: Unit) -> set[int]:
        return {u.pk for u in units if u.path.startswith(unit.path)}

    def behind(family: str, unit_ids: set[int], key: Key) -> tuple[int, set[int]]:
        rows = [e for u, k, e in truth[family] if u in unit_ids and k == key]
        return len(rows), {e for e in rows if e is not None}

    annuals = {u.pk: annual_follow_up(unit=u, year=YEAR) for u in units}
    for unit in units:
        figures = unit_figures(unit=unit, year=YEAR)
        overview = sam_overview(paths=ORG, unit=unit, year=YEAR)
        assert overview is not None
        # The overview shows the follow-up's cells, exactly.
        assert shown_values(overview) == shown_values(annuals[unit.pk])
        rows = {child: subtree(Unit.objects.get(pk=child)) for child in figures.sub_units}
        rows[unit.pk] = {unit.pk}
        for family in (OBSERVATIONS, ACTIONS):
            for key in family_keys(family):
                check_column(figures, family, key, rows, subtree(unit), behind)
        # The overview's sub-unit tables: the sub-units' rows, and the unit's own as totals.
        for table in overview.categories:
            keys = [
                (OBSERVATIONS, (table.category, c)) for c in observation_columns(table.category)
            ]
            keys += [(ACTIONS, (table.category, s)) for s in ACTION_STATES]
            assert [c.value for c in table.totals] == [
                figures.cell(f, key).value for f, key in keys
            ]
            for row in table.rows:
                assert [c.value for c in row.cells] == [
                    figures.child_cell(f, row.unit.unit_id, key).value for f, key in keys
                ]
                if row.unit.unit_id != unit.pk:
                    # A sub-unit's row is its own follow-up's figures.
                    child = unit_figures(unit=Unit.objects.get(pk=row.unit.unit_id), year=YEAR)
                    assert [c.value for c in row.cells] == [
                        child.cell(f, key).value for f, key in keys
                    ]


def check_column(
    figures: UnitFigures,
    family: str,
    key: Key,
    rows: dict[int, set[int]],
    everyone: set[int],
    behind: Any,
) -> None:
    own = figures.cell(family, key)
    n, people = behind(family, everyone, key)
    if not own.hidden:
        assert own.value == n
        assert not 0 < len(people) < K, (family, key, people)
    level = figures.children[family]
    total = level.cell(TOTAL, key)
    assert total.hidden == own.hidden
    hidden_people: set[int] = set()
    hidden_items = int(total.hidden)
    positive_shown = False
    for row, unit_ids in rows.items():
        cell = level.cell(row, key)
        n, people = behind(family, unit_ids, key)
        if cell.hidden:
            hidden_items += 1
            hidden_people |= people
        else:
            assert cell.value == n
            assert not 0 < len(people) < K, (family, key, row, people)
            positive_shown = positive_shown or bool(people)
    # A line never hides exactly one item (the total minus the others would give it), and
    # what it hides is about nobody or at least K people — or all of a line too small.
    assert hidden_items != 1, (family, key)
    whole_line_small = total.hidden and not positive_shown
    assert not 0 < len(hidden_people) < K or whole_line_small, (family, key, hidden_people)
    # A figure hidden above is not the sum of the shown ones below.
    if total.hidden and level.row_ids():
        assert hidden_items >= 2
