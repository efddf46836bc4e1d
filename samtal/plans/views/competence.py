"""Competence needs of the organisation: HR (for their scope) and managers (for the units of
their reports) see the year's development activities, the equal-conditions view and the
checkpoints done on time as aggregates per unit, with a chart and CSV/XLSX exports.

Nobody is shown as an individual: the figures come from plans.competence with every group
under K people hidden. Someone who is neither HR nor a manager gets 404, as does a unit
outside the viewer's scope. The page runs a fixed number of queries whatever the size.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samtal.accounts.permissions import get_roles, path_in_scope
from samtal.core.spreadsheets import cell_text
from samtal.organisation.models import Unit
from samtal.plans.competence import (
    ActivityFigures,
    CheckpointFigures,
    CompetenceReport,
    EqualFigures,
    competence_report,
)
from samtal.plans.permissions import competence_paths

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_YEAR = 2000
YEARS_AHEAD = 5

CHART_ROW_HEIGHT = 56
CHART_BAR_X = 300
CHART_BAR_WIDTH = 500
CHART_LABEL_CHARS = 32


# --- access and choices -----------------------------------------------------------------------


def _paths(request: HttpRequest) -> tuple[str, ...]:
    paths = competence_paths(get_roles(request.user))
    if not paths:
        raise Http404
    return paths


def _year(request: HttpRequest) -> int:
    """The year asked for, or this year when none (or none that makes sense) is asked for."""
    this_year = timezone.localdate().year
    raw = request.GET.get("year", "").strip()
    if raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= this_year + YEARS_AHEAD:
        return int(raw)
    return this_year


def _parent(request: HttpRequest, paths: tuple[str, ...]) -> Unit | None:
    raw = request.GET.get("unit", "").strip()
    if not raw:
        return None
    valid = raw.isascii() and raw.isdigit() and len(raw) < 12
    unit = Unit.objects.filter(pk=int(raw)).first() if valid else None
    if unit is None or not path_in_scope(unit.path, paths):
        raise Http404
    return unit


def _report(request: HttpRequest) -> CompetenceReport:
    paths = _paths(request)
    return competence_report(paths=paths, year=_year(request), parent=_parent(request, paths))


def _query(report: CompetenceReport) -> str:
    query = f"?year={report.year}"
    return f"{query}&unit={report.parent.pk}" if report.parent else query


# --- the page ---------------------------------------------------------------------------------


def _chart(report: CompetenceReport) -> dict[str, Any]:
    """Two bars per activity type (planned or ongoing, and done), from the totals over the
    units shown; a type whose total is hidden is said to be so instead of drawn."""
    shown = [cell.figures for cell in report.activities.totals if cell.figures is not None]
    most = max([1, *(f.planned for f in shown), *(f.done for f in shown)])
    bars = []
    for index, cell in enumerate(report.activities.totals):
        y = index * CHART_ROW_HEIGHT
        label = cell.label
        if len(label) > CHART_LABEL_CHARS:
            label = label[: CHART_LABEL_CHARS - 1] + "…"
        parts = []
        if cell.figures is not None:
            for offset, part, value in (
                (4, "planned", cell.figures.planned),
                (26, "done", cell.figures.done),
            ):
                width = round(CHART_BAR_WIDTH * value / most, 1)
                parts.append(
                    {
                        "part": part,
                        "y": y + offset,
                        "text_y": y + offset + 9,
                        "width": width,
                        "value": value,
                        "figure_x": round(CHART_BAR_X + width + 8, 1),
                    }
                )
        bars.append({"label": label, "text_y": y + 24, "parts": parts, "hidden": not parts})
    return {
        "bars": bars,
        "height": max(len(bars), 1) * CHART_ROW_HEIGHT,
        "bar_x": CHART_BAR_X,
        "bar_width": CHART_BAR_WIDTH,
        "legend": [("planned", _("Planned or ongoing")), ("done", _("Done"))],
    }


@require_GET
def competence_needs(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    this_year = timezone.localdate().year
    return render(
        request,
        "plans/competence.html",
        {
            "report": report,
            "chart": _chart(report),
            "query": _query(report),
            "year_min": FIRST_YEAR,
            "year_max": this_year + YEARS_AHEAD,
        },
    )


# --- exports ----------------------------------------------------------------------------------


def _text(value: str) -> str:
    """A unit's name as a spreadsheet may hold it: never read as a formula."""
    return cell_text(value)


def _activity_values(figures: ActivityFigures | None) -> list[Any]:
    if figures is None:
        return [_("hidden")] * 6
    return [
        figures.people,
        figures.planned,
        figures.done,
        figures.dropped,
        figures.hours,
        figures.cost,
    ]


def _equal_values(figures: EqualFigures | None) -> list[Any]:
    if figures is None:
        return [_("hidden")] * 3
    return [figures.employees, figures.planned, figures.share]


def _checkpoint_values(figures: CheckpointFigures | None) -> list[Any]:
    if figures is None:
        return [_("hidden")] * 7
    percent = figures.on_time_percent
    return [
        figures.people,
        figures.due,
        figures.on_time,
        figures.late,
        figures.open,
        figures.overdue,
        "" if percent is None else percent,
    ]


def _sheets(report: CompetenceReport) -> list[tuple[str, list[list[Any]]]]:
    """The page's three tables, with the same cells hidden, as rows for a file."""
    total = _("Total")
    activities: list[list[Any]] = [
        [
            _("Unit"),
            _("Unit code"),
            _("Activity type"),
            _("People"),
            _("Planned or ongoing"),
            _("Done"),
            _("Dropped"),
            _("Estimated hours"),
            _("Estimated cost (SEK)"),
        ]
    ]
    for row in report.activities.rows:
        for cell in row.cells:
            activities.append(
                [row.unit.label, row.unit.code, cell.label, *_activity_values(cell.figures)]
            )
    for cell in report.activities.totals:
        activities.append([total, "", cell.label, *_activity_values(cell.figures)])

    everyone = _("All")
    equal: list[list[Any]] = [
        [
            _("Unit"),
            _("Unit code"),
            _("Gender"),
            _("Employees"),
            _("With planned competence development"),
            _("Share (%)"),
        ]
    ]
    labels = [label for _value, label in report.equal.genders]
    for equal_row in report.equal.rows:
        unit = [equal_row.unit.label, equal_row.unit.code]
        for label, figures in zip(labels, equal_row.cells, strict=True):
            equal.append([*unit, label, *_equal_values(figures)])
        equal.append([*unit, everyone, *_equal_values(equal_row.total)])
    for label, figures in zip(labels, report.equal.totals, strict=True):
        equal.append([total, "", label, *_equal_values(figures)])
    equal.append([total, "", everyone, *_equal_values(report.equal.total)])

    checkpoints: list[list[Any]] = [
        [
            _("Unit"),
            _("Unit code"),
            _("People"),
            _("Checkpoints"),
            _("Done on time"),
            _("Done late"),
            _("Not yet due"),
            _("Overdue"),
            _("On time (%)"),
        ]
    ]
    for checkpoint_row in report.checkpoints.rows:
        checkpoints.append(
            [
                checkpoint_row.unit.label,
                checkpoint_row.unit.code,
                *_checkpoint_values(checkpoint_row.figures),
            ]
        )
    checkpoints.append([total, "", *_checkpoint_values(report.checkpoints.total)])
    return [
        (_("Activities"), activities),
        (_("Equal conditions"), equal),
        (_("Checkpoints"), checkpoints),
    ]


def _title(report: CompetenceReport) -> str:
    if report.parent:
        return _("Competence needs %(year)s in %(unit)s") % {
            "year": report.year,
            "unit": report.parent.name,
        }
    return _("Competence needs %(year)s") % {"year": report.year}


def _csv(report: CompetenceReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_text(_title(report))])
    for name, rows in _sheets(report):
        writer.writerow([])
        writer.writerow([_text(name)])
        for row in rows:
            writer.writerow([_csv_value(value) for value in row])
    return "\ufeff" + buffer.getvalue()  # Excel needs the BOM to read UTF-8.


def _csv_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return formats.number_format(value)  # a decimal comma in Swedish, as Excel reads it
    return _text(value) if isinstance(value, str) else value


def _xlsx(report: CompetenceReport) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, rows in _sheets(report):
        sheet = book.create_sheet(title=name[:31])
        sheet.append([_text(_title(report))])
        for row in rows:
            sheet.append([_text(value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _filename(report: CompetenceReport, fmt: str) -> str:
    name = f"competence-needs-{report.year}"
    if report.parent:
        name += f"-{slugify(report.parent.code) or report.parent.pk}"
    return f"{name}.{fmt}"


@require_GET
def competence_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    report = _report(request)
    if fmt == "csv":
        response = HttpResponse(_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(_xlsx(report), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, fmt)}"'
    return response
