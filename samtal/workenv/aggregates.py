"""The SAM overview for HR, safety representatives and managers: for a calendar year and one
unit (the one chosen, or the viewer's first top unit), the unit's own figures — exactly its
annual follow-up's tables (workenv.annual) — and, to drill down, per category a table of its
sub-units (and its own people directly) by severity and action state, with the unit's figures
as the column totals.

All figures are workenv.figures': suppressed from the root of the unit's tree down, the same
cells whoever asks; the viewer's scope only decides which unit may be asked for. The
sub-units' tables are the rows of the level below the unit, whose column totals are the
unit's row cells: so nothing shown here can be subtracted from the follow-up (or the other
way round) to reveal a hidden figure. No total over a unit's categories or severities is
shown: those are no lines of the suppression.

A constant number of queries: the years with data, the viewer's top units, those of
workenv.figures, and one naming the units shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from samtal.accounts.permissions import WHOLE_ORGANISATION
from samtal.core.drilldown import UnitRow, name_units
from samtal.organisation.models import Unit
from samtal.workenv.annual import (
    Table,
    action_labels,
    observation_labels,
    report_tables,
)
from samtal.workenv.figures import (
    ACTION_STATES,
    ACTIONS,
    OBSERVATIONS,
    Cell,
    Key,
    data_years,
    observation_columns,
    unit_figures,
)
from samtal.workenv.models import Category


@dataclass
class UnitCells:
    unit: UnitRow
    cells: list[Cell]


@dataclass
class CategoryTable:
    """One category's observations by severity (or handed on) and its actions by state, for
    each sub-unit (and the unit's own people directly) with anything in it."""

    category: str
    label: str
    observation_columns: list[str]
    action_columns: list[str]
    rows: list[UnitCells]
    totals: list[Cell]  # the unit's own figures, as in its follow-up

    @property
    def any_hidden(self) -> bool:
        return any(cell.hidden for row in self.rows for cell in row.cells) or any(
            cell.hidden for cell in self.totals
        )


@dataclass
class SamOverview:
    unit: Unit
    year: int
    years: list[int]  # the years to choose from, newest first
    breadcrumbs: list[Unit]  # the unit and its ancestors within the viewer's scope
    top_units: list[Unit]  # the viewer's top units, when there are several
    k: int
    as_of: date
    complete: bool
    talks: Table
    held_percent: int | None
    observations: Table
    actions: Table
    categories: list[CategoryTable]  # those with anything among the sub-units
    sub_units: list[UnitRow]  # by name
    any_hidden: bool = field(default=False)


def top_units(paths: tuple[str, ...]) -> list[Unit]:
    """The top units of a viewer's scope (the roots for the whole organisation), by path."""
    units = Unit.objects.all()
    if WHOLE_ORGANISATION in paths:
        units = units.filter(parent__isnull=True)
    else:
        units = units.filter(path__in=paths)
    return list(units.order_by("path"))


def sam_overview(
    *,
    paths: tuple[str, ...],
    unit: Unit | None,
    year: int,
    today: date | None = None,
) -> SamOverview | None:
    """The overview of `unit` (in scope; by default the first of the viewer's top units) for
    `year`; None when the viewer's scope holds no unit."""
    tops = top_units(paths)
    if unit is None:
        if not tops:
            return None
        unit = tops[0]
    figures = unit_figures(unit=unit, year=year, today=today)
    rows_present = figures.children[OBSERVATIONS].row_ids() | figures.children[ACTIONS].row_ids()
    named = name_units(
        {*rows_present, *figures.sub_units},
        parent=unit,
        deeper={uid for uid, below in figures.sub_units.items() if below},
        paths=paths,
    )
    obs_labels = observation_labels()
    act_labels = action_labels()
    ordered = named.ordered(figures.sub_units)
    if unit.pk in rows_present:
        ordered.append(named.rows[unit.pk])  # the unit's own people, last
    categories = []
    for value, label in Category.choices:
        keys: list[tuple[str, Key]] = [
            (OBSERVATIONS, (value, column)) for column in observation_columns(value)
        ] + [(ACTIONS, (value, state)) for state in ACTION_STATES]
        rows = []
        for row in ordered:
            cells = [figures.child_cell(family, row.unit_id, key) for family, key in keys]
            if any(cell.hidden or cell.value for cell in cells):
                rows.append(UnitCells(row, cells))
        if rows:
            categories.append(
                CategoryTable(
                    value,
                    str(label),
                    [obs_labels[column] for column in observation_columns(value)],
                    [act_labels[state] for state in ACTION_STATES],
                    rows,
                    [figures.cell(family, key) for family, key in keys],
                )
            )
    tables = report_tables(figures)
    overview = SamOverview(
        unit=unit,
        year=year,
        years=sorted({*data_years(today), year}, reverse=True),
        breadcrumbs=named.breadcrumbs,
        top_units=tops if len(tops) > 1 else [],
        k=figures.k,
        as_of=figures.span.shown_as_of,
        complete=figures.span.complete,
        categories=categories,
        sub_units=[row for row in ordered if row.unit_id != unit.pk],
        **tables,
    )
    overview.any_hidden = any(
        table.any_hidden for table in (overview.talks, overview.observations, overview.actions)
    ) or any(table.any_hidden for table in categories)
    return overview
