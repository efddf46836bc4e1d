"""HR's rounds: list, create, change, launch, coverage (per unit and per manager), the
drill-down list behind every figure, the people who cannot be offered a talk, and exports.

Only HR sees rounds (403 for everyone else); a round outside the viewer's scope is 404.
Every page runs a fixed number of queries whatever the size of the round.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samtal.accounts.permissions import Roles, get_roles, path_in_scope, scope_q
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.params import int_param
from samtal.core.spreadsheets import cell_text
from samtal.organisation.models import EmploymentCategory, Unit
from samtal.talks import selectors, services
from samtal.talks.forms.rounds import RoundForm, TalkFilterForm, round_initial
from samtal.talks.models import Round, Talk, TalkStatus
from samtal.talks.permissions import can_manage_round, can_manage_rounds

PAGE_SIZE = 50
EXPORT_KINDS = ("units", "managers", "talks")
EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- access -----------------------------------------------------------------------------------


def _require_hr(request: HttpRequest) -> Roles:
    roles = get_roles(request.user)
    if not can_manage_rounds(roles):
        raise PermissionDenied
    return roles


def _round_or_404(roles: Roles, pk: int) -> Round:
    round_ = selectors.round_get(roles=roles, pk=pk)
    if round_ is None:
        raise Http404
    return round_


def _unit_in_scope(roles: Roles, value: str) -> Unit:
    """A unit by code (or id) within the HR scope, or 404."""
    if "\x00" in value:
        raise Http404  # no code has one (and PostgreSQL cannot compare text holding it)
    query = Q(code=value)
    number = int_param(value)
    if number is not None:
        query |= Q(pk=number)
    found = list(Unit.objects.filter(scope_q(roles.hr_paths, field="path")).filter(query)[:2])
    if not found:
        raise Http404
    found.sort(key=lambda unit: unit.code != value)
    return found[0]


def _parent_unit(request: HttpRequest, roles: Roles) -> Unit | None:
    value = request.GET.get("unit", "").strip()
    return _unit_in_scope(roles, value) if value else None


def _talk_filter(request: HttpRequest, roles: Roles) -> selectors.TalkFilter:
    form = TalkFilterForm(request.GET)
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    return selectors.TalkFilter(
        unit=_unit_in_scope(roles, data["unit"].strip()) if data["unit"].strip() else None,
        manager_id=data["manager"],
        status=data["status"],
        overdue=data["overdue"],
        manager_changed=data["manager_changed"],
    )


# --- list, create, change ---------------------------------------------------------------------


@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    roles = _require_hr(request)

    def count(condition: Q) -> Coalesce:
        talks = (
            Talk.objects.filter(scope_q(roles.hr_paths), condition, round=OuterRef("pk"))
            .order_by()
            .values("round")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(talks, output_field=IntegerField()), 0)

    rounds = selectors.rounds_visible(roles=roles).annotate(
        offered_count=count(~Q(status=TalkStatus.CANCELLED)),
        held_count=count(Q(status__in=(TalkStatus.HELD, TalkStatus.AGREED))),
    )
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "talks/round_list.html", {"page": page})


def _round_data(data: dict[str, Any], *, round_: Round | None, units: list[Unit]) -> Any:
    """The service's input from a form; a locked form takes the scope from the round."""
    if round_ is not None and "units" not in data:
        return services.RoundData(
            name=data["name"],
            year=data["year"],
            template_version=round_.template_version,
            units=units,
            include_subunits=round_.include_subunits,
            employment_categories=list(round_.employment_categories),
            start_date=data["start_date"],
            deadline=data["deadline"],
        )
    return services.RoundData(
        name=data["name"],
        year=data["year"],
        template_version=data["template_version"],
        units=list(data["units"]),
        include_subunits=data["include_subunits"],
        employment_categories=list(data["employment_categories"]),
        start_date=data["start_date"],
        deadline=data["deadline"],
    )


def _add_service_errors(form: RoundForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _form_page(
    request: HttpRequest,
    form: RoundForm,
    round_: Round | None,
    *,
    status: int | None = None,
) -> HttpResponse:
    if status is None:
        status = 400 if form.is_bound else 200
    return render(
        request,
        "talks/round_form.html",
        {"form": form, "round": round_, "units": list(round_.units.all()) if round_ else []},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    roles = _require_hr(request)
    today = timezone.localdate()
    form = RoundForm(
        request.POST or None,
        units=selectors.units_for_round_form(roles=roles),  # type: ignore[arg-type]
        initial={"year": today.year, "start_date": today, "include_subunits": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(
                actor=request.user, data=_round_data(form.cleaned_data, round_=None, units=[])
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The round was created. Launch it when everything is right.")
            )
            return redirect("talks:round_detail", pk=round_.pk)
    return _form_page(request, form, None)


@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    roles = _require_hr(request)
    round_ = _round_or_404(roles, pk)
    units = list(round_.units.all())
    if not can_manage_round(roles, [unit.path for unit in units]):
        raise PermissionDenied
    launched = round_.status != Round.Status.DRAFT
    # A form opened before the launch still carries the scope: the service then refuses any
    # change to it (and says why) rather than the change being dropped without a word.
    locked = launched and "template_version" not in request.POST
    unit_choices = selectors.units_for_round_form(roles=roles)
    form = RoundForm(
        request.POST or None,
        initial=round_initial(round_),
        units=unit_choices,  # type: ignore[arg-type]
        round_=round_,
        locked=locked,
    )
    if request.method == "POST" and form.is_valid():
        revision = form.cleaned_data["revision"]
        if revision is None:
            form.add_error(None, _("The form is incomplete: reload the page and try again."))
            return _form_page(request, form, round_)
        try:
            services.round_update(
                round_=round_,
                actor=request.user,
                revision=revision,
                data=_round_data(form.cleaned_data, round_=round_, units=units),
            )
        except EditConflict as conflict:
            current = conflict.current
            assert isinstance(current, Round)
            messages.error(
                request,
                _(
                    "Someone else changed the round while you were editing it. The form now "
                    "shows what is saved; make your change again."
                ),
            )
            fresh = RoundForm(
                initial=round_initial(current),
                units=unit_choices,  # type: ignore[arg-type]
                round_=current,
                locked=current.status != Round.Status.DRAFT,
            )
            return _form_page(request, fresh, current, status=409)
        except TransitionRefused as refused:
            messages.error(request, " ".join(refused.problems))
            return redirect("talks:round_edit", pk=round_.pk)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("The round was saved."))
            return redirect("talks:round_detail", pk=round_.pk)
    return _form_page(request, form, round_)


# --- launch -----------------------------------------------------------------------------------


@require_POST
def round_launch(request: HttpRequest, pk: int) -> HttpResponse:
    roles = _require_hr(request)
    round_ = _round_or_404(roles, pk)
    launches_before = round_.launch_count
    try:
        services.round_launch_request(round_=round_, actor=request.user)
    except TransitionRefused as refused:
        messages.error(request, " ".join(refused.problems))
        return redirect("talks:round_detail", pk=round_.pk)
    round_.refresh_from_db()
    if round_.launch_count == launches_before:  # still running in the task worker
        messages.info(
            request,
            _(
                "The launch has started. The talks appear on this page as soon as it is done; "
                "a large round takes a minute or two."
            ),
        )
        return redirect("talks:round_detail", pk=round_.pk)
    created, without_manager = round_.last_launch_created, round_.last_launch_without_manager
    offered = ngettext("%(count)d talk offered", "%(count)d talks offered", created) % {
        "count": created
    }
    without = ngettext(
        "%(count)d person in scope has no manager",
        "%(count)d people in scope have no manager",
        without_manager,
    ) % {"count": without_manager}
    if without_manager:
        messages.success(
            request,
            format_html(
                '{}; {}. <a href="{}">{}</a>',
                offered,
                without,
                reverse("talks:round_without_manager", args=[round_.pk]),
                _("See who has no manager"),
            ),
        )
    else:
        messages.success(request, f"{offered}; {without}.")
    return redirect("talks:round_detail", pk=round_.pk)


# --- coverage ---------------------------------------------------------------------------------

# The parts of a coverage bar, in order. Together they make up the offered talks.
BAR_PARTS = ("held", "booked", "waiting", "declined")
CHART_ROW_HEIGHT = 48
CHART_BAR_X = 320
CHART_BAR_WIDTH = 440
CHART_LABEL_CHARS = 34


def _part_names() -> dict[str, str]:
    return {
        "held": _("Held"),
        "booked": _("Booked"),
        "waiting": _("Waiting for a time"),
        "declined": _("Declined"),
        "overdue": _("Overdue"),
    }


def _chart(rows: list[selectors.CoverageRow]) -> dict[str, Any]:
    """Geometry of the stacked bars (one per row, each as wide as the talks offered there)
    and of the thin overdue bar under it. Numbers are in the SVG's own units."""
    names = _part_names()
    bars = []
    for index, row in enumerate(rows):
        values = {
            "held": row.counts["held"],
            "booked": row.counts["booked"],
            "waiting": row.waiting,
            "declined": row.counts["declined"],
        }
        offered = row.counts["offered"]
        y = index * CHART_ROW_HEIGHT
        x = float(CHART_BAR_X)
        segments = []
        for part in BAR_PARTS:
            width = CHART_BAR_WIDTH * values[part] / offered if offered else 0.0
            if width:
                segments.append(
                    {
                        "part": part,
                        "x": round(x, 1),
                        "width": round(width, 1),
                        "count": values[part],
                        "name": names[part],
                    }
                )
            x += width
        overdue = row.counts["overdue"]
        label = row.label
        if len(label) > CHART_LABEL_CHARS:
            label = label[: CHART_LABEL_CHARS - 1] + "…"
        bars.append(
            {
                "label": label,
                "y": y,
                "bar_y": y + 6,
                "text_y": y + 16,
                "overdue_y": y + 30,
                "overdue_width": round(CHART_BAR_WIDTH * overdue / offered, 1) if offered else 0,
                "segments": segments,
                "summary": _("%(percent)d%% held, %(overdue)d overdue")
                % {"percent": row.held_percent, "overdue": overdue},
            }
        )
    return {
        "bars": bars,
        "height": max(len(rows), 1) * CHART_ROW_HEIGHT,
        "bar_x": CHART_BAR_X,
        "bar_width": CHART_BAR_WIDTH,
        "figures_x": CHART_BAR_X + CHART_BAR_WIDTH + 12,
        "legend": [(part, names[part]) for part in (*BAR_PARTS, "overdue")],
    }


def _unit_table(coverage: selectors.UnitCoverage, talks_url: str) -> list[dict[str, Any]]:
    """Each row with the start of its drill-down link (None where the list would not match
    the figures: the parent's own talks, counted without its sub-units)."""
    rows = []
    for row in coverage.rows:
        direct = coverage.parent is not None and row.unit == coverage.parent
        link = f"{talks_url}?unit={row.unit.pk}&" if row.unit and not direct else None
        rows.append({"row": row, "link": link})
    return rows


def _as_row(label: str, counts: dict[str, int]) -> selectors.CoverageRow:
    return selectors.CoverageRow(label=label, counts=dict(counts))


@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roles = _require_hr(request)
    round_ = _round_or_404(roles, pk)
    parent = _parent_unit(request, roles)
    today = timezone.localdate()
    units = list(round_.units.all())
    coverage = selectors.round_unit_coverage(round_=round_, roles=roles, parent=parent, today=today)
    totals = _as_row(_("Total"), selectors.round_totals(round_=round_, roles=roles, today=today))
    managers = Paginator(
        selectors.round_manager_coverage(round_=round_, roles=roles, today=today), PAGE_SIZE
    ).get_page(request.GET.get("mpage"))
    can_manage = can_manage_round(roles, [unit.path for unit in units])
    talks_url = reverse("talks:round_talks", args=[round_.pk])
    manager_rows = []
    for values in managers.object_list:
        row = _as_row("", {name: values[name] for name in selectors.COUNT_NAMES})
        manager_rows.append(
            {
                **values,
                "waiting": row.waiting,
                "held_percent": row.held_percent,
                "link": f"{talks_url}?manager={values['manager_id']}&",
            }
        )
    categories = dict(EmploymentCategory.choices)
    return render(
        request,
        "talks/round_detail.html",
        {
            "round": round_,
            "units": units,
            "categories": [categories.get(c, c) for c in round_.employment_categories],
            "coverage": coverage,
            "crumbs": [u for u in coverage.breadcrumbs if path_in_scope(u.path, roles.hr_paths)],
            "chart": _chart(coverage.rows),
            "unit_rows": _unit_table(coverage, talks_url),
            "totals": totals,
            "managers": managers,
            "manager_rows": manager_rows,
            "manager_changed": selectors.round_manager_changed_count(round_=round_, roles=roles),
            "without_manager": selectors.round_without_manager(round_=round_, roles=roles).count(),
            "can_manage": can_manage,
            "can_launch": can_manage and round_.status != Round.Status.CLOSED,
            "talks_url": talks_url,
            "unit_query": f"?unit={parent.pk}" if parent else "",
            "total_link": f"{talks_url}?unit={parent.pk}&" if parent else f"{talks_url}?",
        },
    )


# --- drill-down ---------------------------------------------------------------------------


def _filter_facts(filters: selectors.TalkFilter, manager_name: str | None) -> list[tuple[str, str]]:
    facts = []
    if filters.unit is not None:
        facts.append((_("Unit"), filters.unit.name))
    if filters.manager_id is not None:
        facts.append((_("Manager"), manager_name or _("(no talks in this round)")))
    if filters.status:
        facts.append((_("Status"), str(TalkStatus(filters.status).label)))
    if filters.overdue:
        facts.append((_("Only"), _("overdue talks")))
    if filters.manager_changed:
        facts.append((_("Only"), _("open talks whose employee now has another manager")))
    return facts


@require_GET
def round_talk_list(request: HttpRequest, pk: int) -> HttpResponse:
    roles = _require_hr(request)
    round_ = _round_or_404(roles, pk)
    filters = _talk_filter(request, roles)
    manager_name = None
    if filters.manager_id is not None:
        found = (
            selectors.round_talks(round_=round_, roles=roles)
            .filter(manager_id=filters.manager_id)
            .values_list("manager__first_name", "manager__last_name")
            .first()
        )
        manager_name = " ".join(found) if found else None
    talks = selectors.round_talk_list(round_=round_, roles=roles, filters=filters)
    page = Paginator(talks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "talks/round_talks.html",
        {
            "round": round_,
            "page": page,
            "facts": _filter_facts(filters, manager_name),
            "today": timezone.localdate(),
            "query_string": query.urlencode(),
        },
    )


@require_GET
def round_without_manager(request: HttpRequest, pk: int) -> HttpResponse:
    roles = _require_hr(request)
    round_ = _round_or_404(roles, pk)
    people = selectors.round_without_manager(round_=round_, roles=roles).order_by(
        "last_name", "first_name", "id"
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "talks/round_without_manager.html", {"round": round_, "page": page})


# --- exports ----------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A name as a spreadsheet may hold it: never read as a formula (CSV/formula injection)."""
    return cell_text(value) if isinstance(value, str) else value


def _count_headings() -> list[str]:
    return [
        _("Offered"),
        _("Booked"),
        _("Waiting for a time"),
        _("Held"),
        _("Held (%)"),
        _("Declined"),
        _("Cancelled"),
        _("Overdue"),
    ]


def _count_cells(counts: dict[str, int]) -> list[int]:
    row = selectors.CoverageRow(label="", counts=counts)
    return [
        counts["offered"],
        counts["booked"],
        row.waiting,
        counts["held"],
        row.held_percent,
        counts["declined"],
        counts["cancelled"],
        counts["overdue"],
    ]


def _units_rows(round_: Round, roles: Roles, parent: Unit | None) -> Iterator[list[Any]]:
    coverage = selectors.round_unit_coverage(round_=round_, roles=roles, parent=parent)
    yield [_("Unit"), _("Unit code"), *_count_headings()]
    for row in coverage.rows:
        code = row.unit.code if row.unit else ""
        yield [row.label, code, *_count_cells(row.counts)]
    yield [_("Total"), "", *_count_cells(coverage.total.counts)]


def _managers_rows(round_: Round, roles: Roles) -> Iterator[list[Any]]:
    yield [_("Manager"), *_count_headings()]
    rows = selectors.round_manager_coverage(round_=round_, roles=roles)
    for row in rows.iterator(chunk_size=2000):
        name = f"{row['manager__first_name']} {row['manager__last_name']}"
        counts = {name_: row[name_] for name_ in selectors.COUNT_NAMES}
        yield [name, *_count_cells(counts)]


def _talks_rows(round_: Round, roles: Roles, filters: selectors.TalkFilter) -> Iterator[list[Any]]:
    today = timezone.localdate()
    yield [
        _("Employee"),
        _("Employee number"),
        _("Unit"),
        _("Manager"),
        _("Status"),
        _("Booked time"),
        _("Deadline"),
        _("Overdue"),
    ]
    talks = selectors.round_talk_list(round_=round_, roles=roles, filters=filters, today=today)
    yes, no = _("Yes"), _("No")
    for talk in talks.iterator(chunk_size=2000):
        starts = timezone.localtime(talk.starts_at).replace(tzinfo=None) if talk.starts_at else None
        overdue = talk.is_open and talk.deadline is not None and talk.deadline < today
        yield [
            talk.employee.full_name,
            talk.employee.employee_number,
            talk.unit.name,
            talk.manager.full_name,
            talk.get_status_display(),
            starts,
            talk.deadline,
            yes if overdue else no,
        ]


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else _cell(value)


def _in_language(language: str | None, rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """A streamed file is written after the view has returned: keep the request's language."""
    with translation.override(language):
        yield from rows


class _Echo:
    """A file-like object whose write hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"  # Excel needs the BOM to read UTF-8.
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def _xlsx(rows: Iterable[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@require_GET
def round_export(request: HttpRequest, pk: int, what: str, fmt: str) -> HttpResponseBase:
    if what not in EXPORT_KINDS or fmt not in EXPORT_FORMATS:
        raise Http404
    roles = _require_hr(request)
    round_ = _round_or_404(roles, pk)
    rows: Iterator[list[Any]]
    if what == "units":
        rows = _units_rows(round_, roles, _parent_unit(request, roles))
    elif what == "managers":
        rows = _managers_rows(round_, roles)
    else:
        rows = _talks_rows(round_, roles, _talk_filter(request, roles))
    rows = _in_language(translation.get_language(), rows)
    filename = f"{slugify(round_.name) or 'round'}-{what}.{fmt}"
    response: HttpResponseBase
    if fmt == "csv":
        # Streamed: a round of 100 000 talks is never held in memory as one file.
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(_xlsx(rows, title=what), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
