"""The annual SAM follow-up of a unit: HR and safety representatives for the units in their
scope, managers for the units of their reports (workenv.permissions.can_see_aggregates) read
it and download it as PDF or CSV; the unit's manager (who keeps its register) writes the
summary of the year. Anyone else, and a unit or year out of reach, gets 404; someone who may
read the follow-up but not write its summary gets 403 when they post one.

The figures are aggregates only (workenv.annual): nobody is named, and no figure counts fewer
than K people.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from samtal.accounts.permissions import Roles, get_roles, scope_q
from samtal.core.exceptions import EditConflict
from samtal.organisation.models import Unit
from samtal.talks.forms.talk import add_service_errors
from samtal.workenv import export, services
from samtal.workenv.annual import AnnualReport, annual_follow_up
from samtal.workenv.figures import year_range
from samtal.workenv.forms import SummaryForm
from samtal.workenv.models import AnnualFollowUp
from samtal.workenv.permissions import aggregate_paths, can_keep_register, can_see_aggregates

# The index lists at most this many units; beyond, the viewer searches by name or code.
UNIT_LIST_LIMIT = 50
MAX_SEARCH = 100


def _default_year() -> int:
    return timezone.localdate().year


def _access(request: HttpRequest, unit_id: int, year: int) -> tuple[Roles, Unit]:
    """The unit, if the user may read its follow-up and the year makes sense; else 404."""
    first, last = year_range()
    if not first <= year <= last:
        raise Http404
    roles = get_roles(request.user)
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not can_see_aggregates(roles, unit):
        raise Http404
    return roles, unit


def _detail_url(unit: Unit, year: int, anchor: str = "") -> str:
    url = reverse("workenv:annual_detail", args=[unit.pk, year])
    return f"{url}#{anchor}" if anchor else url


# --- choosing a unit and a year ---------------------------------------------------------------


@require_GET
def annual_index(request: HttpRequest) -> HttpResponse:
    """The units whose follow-up the user may read (searchable by name or code when there are
    many) and the year to show."""
    roles = get_roles(request.user)
    paths = aggregate_paths(roles)
    if not paths:
        raise Http404
    first, last = year_range()
    raw_year = request.GET.get("year", "").strip()
    year = (
        int(raw_year)
        if raw_year.isascii() and raw_year.isdigit() and first <= int(raw_year) <= last
        else _default_year()
    )
    query = request.GET.get("q", "").strip()[:MAX_SEARCH]
    query_error = ""
    if any(ord(char) < 32 for char in query):
        # PostgreSQL refuses NUL in text, and no name holds a control character.
        query_error = _("Search by letters, digits and punctuation only.")
        query = ""
    units = Unit.objects.filter(scope_q(paths, field="path"))
    if query:
        units = units.filter(
            Q(code__icontains=query) | Q(name_sv__icontains=query) | Q(name_en__icontains=query)
        )
    found = units.count()
    shown = list(units.order_by("path")[:UNIT_LIST_LIMIT])
    return render(
        request,
        "workenv/annual_index.html",
        {
            "year": year,
            "year_min": first,
            "year_max": last,
            "query": query,
            "query_error": query_error,
            "units": shown,
            "found": found,
            "limit": UNIT_LIST_LIMIT,
            "more": found > len(shown),
        },
    )


# --- the follow-up ----------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    roles: Roles,
    report: AnnualReport,
    *,
    form: SummaryForm | None = None,
    current: AnnualFollowUp | None = None,
    status: int = 200,
) -> HttpResponse:
    can_write = can_keep_register(roles, report.unit)
    if can_write and form is None:
        form = SummaryForm(
            initial={"summary": report.summary.text, "revision": report.summary.revision}
        )
    first, last = year_range()
    return render(
        request,
        "workenv/annual_detail.html",
        {
            "report": report,
            "form": form if can_write else None,
            "current": current,
            "previous_year": report.year - 1 if report.year > first else None,
            "next_year": report.year + 1 if report.year < last else None,
            "languages": export.LANGUAGES,
        },
        status=status,
    )


@require_GET
def annual_detail(request: HttpRequest, unit: int, year: int) -> HttpResponse:
    roles, found = _access(request, unit, year)
    return _page(request, roles, annual_follow_up(unit=found, year=year))


@require_POST
def annual_summary(request: HttpRequest, unit: int, year: int) -> HttpResponse:
    """The unit's manager saves the summary of the year. A stale page is refused and shows the
    summary saved meanwhile beside the unsaved text."""
    roles, found = _access(request, unit, year)
    if not can_keep_register(roles, found):
        raise PermissionDenied
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            services.annual_follow_up_save(
                actor=request.user,
                unit=found,
                year=year,
                summary=form.cleaned_data["summary"],
                revision=form.revision_value,
            )
        except EditConflict as conflict:
            current = conflict.current if isinstance(conflict.current, AnnualFollowUp) else None
            data = request.POST.copy()
            data["revision"] = str(current.revision if current is not None else 0)
            again = SummaryForm(data)
            again.is_valid()
            report = annual_follow_up(unit=found, year=year)
            return _page(request, roles, report, form=again, current=current, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The summary of the year is saved."))
            return redirect(_detail_url(found, year, "summary"))
    report = annual_follow_up(unit=found, year=year)
    return _page(request, roles, report, form=form, status=400)


@require_GET
def annual_export(request: HttpRequest, unit: int, year: int, fmt: str) -> HttpResponse:
    if fmt not in export.CONTENT_TYPES:
        raise Http404
    _roles, found = _access(request, unit, year)
    language = request.GET.get("lang", (get_language() or "sv")[:2])
    if language not in export.LANGUAGES:
        return HttpResponse(_("Unknown language."), status=400)
    content: Any = (
        export.annual_pdf(found, year=year, language=language)
        if fmt == "pdf"
        else export.annual_csv(found, year=year, language=language)
    )
    response = HttpResponse(content, content_type=export.CONTENT_TYPES[fmt])
    name = export.file_name(found, year=year, language=language, fmt=fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
