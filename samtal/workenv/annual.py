"""The annual SAM follow-up of a unit (AFS 2023:1): for one calendar year and the unit with its
sub-units, the talks held and not held, the observations by category and severity, the actions
open, overdue, done and not effective, and the manager's summary of the year.

The figures are the unit's row of workenv.figures, suppressed from the root of its tree down:
the SAM overview of the unit for the same year shows the same cells and hides the same ones,
by construction. Only cells of those tables are shown — no total over a category's
severities, over the categories, or over a unit's states: they are no lines of the
suppression, and would give a hidden cell away. The one sum shown, the talks offered, is the
held and the not held added up, shown only when both are. Descriptions, names and talks are
never loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from samtal.organisation.models import Unit
from samtal.workenv.figures import (
    ACTION_STATES,
    ACTIONS,
    DONE,
    HANDED_ON,
    HELD,
    NOT_APPLICABLE,
    NOT_EFFECTIVE,
    NOT_HELD,
    OBSERVATIONS,
    OPEN,
    OVERDUE,
    SEVERITIES,
    TALKS,
    Cell,
    UnitFigures,
    observation_columns,
    unit_figures,
)
from samtal.workenv.models import AnnualFollowUp, Category, Severity

OBSERVATION_COLUMNS = (*SEVERITIES, HANDED_ON)


@dataclass
class Row:
    label: str
    cells: list[Cell]


@dataclass
class Table:
    columns: list[str]
    rows: list[Row]

    @property
    def any_hidden(self) -> bool:
        return any(cell.hidden for row in self.rows for cell in row.cells)


def observation_labels() -> dict[str, str]:
    """The observation columns' names, in the active language."""
    labels = {value: str(label) for value, label in Severity.choices}
    labels[HANDED_ON] = _("Handed on by the routine")
    return labels


def action_labels() -> dict[str, str]:
    """The action states' names, in the active language."""
    return {
        OPEN: _("Open"),
        OVERDUE: _("Overdue"),
        DONE: _("Taken (done)"),
        NOT_EFFECTIVE: _("Not effective"),
    }


def talks_table(figures: UnitFigures) -> tuple[Table, int | None]:
    """The talks held, not held and (when both are shown) offered, and the share held."""
    held = figures.cell(TALKS, (TALKS, HELD))
    not_held = figures.cell(TALKS, (TALKS, NOT_HELD))
    offered = (
        Cell(held.value + not_held.value)
        if held.value is not None and not_held.value is not None
        else Cell(None)
    )
    table = Table(
        [_("Number")],
        [
            Row(_("Held"), [held]),
            Row(_("Not held (declined, or not yet held)"), [not_held]),
            Row(_("Offered"), [offered]),
        ],
    )
    percent = (
        round(100 * held.value / offered.value)
        if held.value is not None and offered.value
        else None
    )
    return table, percent


def observations_table(figures: UnitFigures) -> Table:
    """Category × severity (or handed on), in the active language."""
    labels = observation_labels()
    return Table(
        [labels[column] for column in OBSERVATION_COLUMNS],
        [
            Row(
                str(label),
                [
                    figures.cell(OBSERVATIONS, (value, column))
                    if column in observation_columns(value)
                    else NOT_APPLICABLE
                    for column in OBSERVATION_COLUMNS
                ],
            )
            for value, label in Category.choices
        ],
    )


def actions_table(figures: UnitFigures) -> Table:
    """Category × state, in the active language."""
    labels = action_labels()
    return Table(
        [labels[state] for state in ACTION_STATES],
        [
            Row(str(label), [figures.cell(ACTIONS, (value, state)) for state in ACTION_STATES])
            for value, label in Category.choices
        ],
    )


@dataclass
class Summary:
    text: str
    saved_by: str
    saved_at: datetime | None
    revision: int


@dataclass
class AnnualReport:
    unit: Unit
    year: int
    k: int
    as_of: date  # the actions stand as on this day: the year's last, or today
    complete: bool  # the year is over
    talks: Table
    held_percent: int | None  # held of offered, when both are shown
    observations: Table
    actions: Table
    summary: Summary

    @property
    def tables(self) -> list[Table]:
        return [self.talks, self.observations, self.actions]

    @property
    def any_hidden(self) -> bool:
        return any(table.any_hidden for table in self.tables)


def _summary(unit: Unit, year: int) -> Summary:
    saved = (
        AnnualFollowUp.objects.filter(unit=unit, year=year)
        .select_related("updated_by__person")
        .first()
    )
    if saved is None:
        return Summary("", "", None, 0)
    by = saved.updated_by.display_name if saved.updated_by is not None else ""
    return Summary(saved.summary, by if saved.summary else "", saved.updated_at, saved.revision)


def report_tables(figures: UnitFigures) -> dict[str, Any]:
    """The follow-up's tables of a unit's figures (the overview shows the same)."""
    talks, percent = talks_table(figures)
    return {
        "talks": talks,
        "held_percent": percent,
        "observations": observations_table(figures),
        "actions": actions_table(figures),
    }


def annual_follow_up(*, unit: Unit, year: int, today: date | None = None) -> AnnualReport:
    """The annual follow-up of `unit` and its sub-units for `year`, in the active language.
    The caller has checked that the reader may see the unit's aggregates."""
    figures = unit_figures(unit=unit, year=year, today=today)
    return AnnualReport(
        unit=unit,
        year=year,
        k=figures.k,
        as_of=figures.span.shown_as_of,
        complete=figures.span.complete,
        summary=_summary(unit, year),
        **report_tables(figures),
    )
