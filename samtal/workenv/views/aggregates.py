"""The SAM overview: HR, safety representatives and managers see, for a calendar year and a
unit in their scope, the unit's figures (those of its annual follow-up) and its sub-units'
figures per category — aggregates only, suppressed as workenv.figures does, never a single
observation, a description or a name.

Someone with no units to see (an employee, the admin) gets 403; a unit outside the viewer's
scope, or a year out of range, 404. The page runs a fixed number of queries whatever the size.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samtal.accounts.permissions import get_roles, path_in_scope
from samtal.organisation.models import Unit
from samtal.workenv.aggregates import SamOverview, sam_overview
from samtal.workenv.annual import OBSERVATION_COLUMNS
from samtal.workenv.figures import HANDED_ON, year_range
from samtal.workenv.permissions import aggregate_paths

# The chart's geometry (SVG user units; the figure scales to the page).
CHART_ROW_HEIGHT = 36
CHART_BAR_HEIGHT = 22
CHART_BAR_X = 320
CHART_BAR_WIDTH = 560
CHART_LABEL_CHARS = 34
# The parts of a category's bar, most serious first.
CHART_PARTS = ("high", "medium", "low", HANDED_ON)


def _number(raw: str | None) -> int | None:
    """A whole number from a query parameter, None when there is none; 404 when it is not
    one."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise Http404
    return int(raw)


def _unit(raw: str | None, paths: tuple[str, ...]) -> Unit | None:
    """The unit asked for (`?unit=`): 404 unless it exists within the viewer's scope."""
    unit_id = _number(raw)
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not path_in_scope(unit.path, paths):
        raise Http404
    return unit


def _year(raw: str | None) -> int:
    """The year asked for (`?year=`), by default the current one: 404 out of range."""
    first, last = year_range()
    year = _number(raw)
    if year is None:
        return last - 1
    if not first <= year <= last:
        raise Http404
    return year


def _chart(overview: SamOverview) -> dict[str, Any] | None:
    """One bar per category of the unit's observations, split by the employee's view of
    severity (the routine categories are handed on and keep none): only shown figures are
    drawn, and no bar says a total — a category's total is no figure of the follow-up."""
    names = {
        "high": _("Serious"),
        "medium": _("Considerable"),
        "low": _("Minor"),
        HANDED_ON: _("Handed on by the routine (no severity)"),
    }
    index = {column: i for i, column in enumerate(OBSERVATION_COLUMNS)}
    rows = []
    for row in overview.observations.rows:
        shown = {
            part: row.cells[index[part]].value or 0
            for part in CHART_PARTS
            if row.cells[index[part]].value is not None
        }
        rows.append((row.label, shown, any(cell.hidden for cell in row.cells)))
    if not any(sum(shown.values()) for _label, shown, _hidden in rows):
        return None
    most = max(sum(shown.values()) for _label, shown, _hidden in rows)
    bars = []
    for number, (label, shown, partly_hidden) in enumerate(rows):
        y = number * CHART_ROW_HEIGHT
        if len(label) > CHART_LABEL_CHARS:
            label = label[: CHART_LABEL_CHARS - 1] + "…"
        segments = []
        x = float(CHART_BAR_X)
        for part in CHART_PARTS:
            if shown.get(part):
                width = round(CHART_BAR_WIDTH * shown[part] / most, 1)
                segments.append({"part": part, "x": round(x, 1), "width": width})
                x += width
        bars.append(
            {
                "label": label,
                "bar_y": y + (CHART_ROW_HEIGHT - CHART_BAR_HEIGHT) // 2,
                "text_y": y + CHART_ROW_HEIGHT // 2,
                "segments": segments,
                "partly_hidden": partly_hidden,
                "note_x": round(x + 8, 1),
            }
        )
    return {
        "bars": bars,
        "height": len(bars) * CHART_ROW_HEIGHT,
        "bar_x": CHART_BAR_X,
        "bar_width": CHART_BAR_WIDTH,
        "bar_height": CHART_BAR_HEIGHT,
        "legend": [(part, names[part]) for part in CHART_PARTS],
    }


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    paths = aggregate_paths(get_roles(request.user))
    if not paths:
        raise PermissionDenied
    unit = _unit(request.GET.get("unit"), paths)
    year = _year(request.GET.get("year"))
    report = sam_overview(paths=paths, unit=unit, year=year)
    return render(
        request,
        "workenv/overview.html",
        {
            "report": report,
            "year": year,
            "chart": _chart(report) if report is not None else None,
        },
    )
