from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samtal.accounts.models import Role, RoleAssignment
from samtal.accounts.permissions import get_roles
from samtal.core.selectors import history_for
from samtal.core.services import audit_read
from samtal.organisation import permissions, selectors, services
from samtal.organisation.forms import PeopleFilterForm, PeopleImportForm, SafetyRepForm
from samtal.organisation.importer import ALL_COLUMNS, REQUIRED_COLUMNS

PAGE_SIZE = 50
MAX_ERRORS_SHOWN = 500


def _require_browse(request: HttpRequest) -> None:
    if not permissions.can_browse_organisation(get_roles(request.user)):
        raise PermissionDenied


@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    _require_browse(request)
    tree = selectors.unit_tree(roles=get_roles(request.user))
    return render(request, "organisation/unit_list.html", {"tree": tree})


def _unit_or_404(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    _require_browse(request)
    unit = selectors.unit_get(roles=get_roles(request.user), code=code)
    if unit is None:
        raise Http404
    return unit


@require_GET
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code)
    roles = get_roles(request.user)
    people = Paginator(
        selectors.people_list(roles=roles, unit=unit, include_subunits=False), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "organisation/unit_detail.html",
        {
            "unit": unit,
            "ancestors": selectors.unit_ancestors(unit=unit),
            "children": selectors.unit_children(unit=unit),
            "people": people,
            "safety_reps": selectors.unit_safety_reps(unit=unit),
            "can_manage_roles": permissions.can_manage_unit_roles(roles, unit),
            "safety_rep_form": SafetyRepForm(people=selectors.people_visible(roles=roles)),
        },
    )


@require_POST
def unit_safety_rep_add(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code)
    roles = get_roles(request.user)
    if not permissions.can_manage_unit_roles(roles, unit):
        raise PermissionDenied
    form = SafetyRepForm(request.POST, people=selectors.people_visible(roles=roles))
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.safety_rep_add(actor=request.user, unit=unit, person=person)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s is now safety representative for %(unit)s.")
                % {"name": person.full_name, "unit": unit.name},
            )
    else:
        messages.error(request, " ".join(str(e) for e in form.errors["person"]))
    return redirect("organisation:unit_detail", code=unit.code)


@require_POST
def unit_safety_rep_remove(request: HttpRequest, code: str, assignment_id: int) -> HttpResponse:
    unit = _unit_or_404(request, code)
    if not permissions.can_manage_unit_roles(get_roles(request.user), unit):
        raise PermissionDenied
    assignment = get_object_or_404(
        RoleAssignment, pk=assignment_id, unit=unit, role=Role.SAFETY_REP
    )
    services.safety_rep_remove(actor=request.user, unit=unit, assignment=assignment)
    messages.success(request, _("The safety representative was removed."))
    return redirect("organisation:unit_detail", code=unit.code)


@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    _require_browse(request)
    roles = get_roles(request.user)
    form = PeopleFilterForm(request.GET or None)
    unit = None
    people = selectors.people_list(roles=roles).none()
    if not request.GET:
        people = selectors.people_list(roles=roles)
    elif form.is_valid():
        data = form.cleaned_data
        if data["unit"]:
            unit = selectors.unit_get(roles=roles, code=data["unit"].strip())
            if unit is None:
                form.add_error(
                    "unit", _("No unit you can see has the code %(code)s.") % {"code": data["unit"]}
                )
        if form.is_valid():
            people = selectors.people_list(
                roles=roles,
                query=data["q"],
                unit=unit,
                include_subunits=not data["only_unit"],
                category=data["category"],
                status=data["status"] or "active",
            )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "organisation/person_list.html",
        {"form": form, "page": page, "query_string": query_string.urlencode()},
    )


@require_GET
def person_detail(request: HttpRequest, employee_number: str) -> HttpResponse:
    roles = get_roles(request.user)
    person = selectors.person_get(roles=roles, employee_number=employee_number)
    if person is None:
        raise Http404
    is_party = person.pk == roles.person_id or person.manager_id == roles.person_id
    if not is_party:
        audit_read(
            actor=request.user,
            subject=person,
            what="person_profile",
            reason="hr" if roles.is_hr else "admin",
            path=request.path,
        )
    return render(
        request,
        "organisation/person_detail.html",
        {
            "person": person,
            "manager_history": selectors.person_manager_history(person=person),
            "reports": selectors.reports_of(person_id=person.pk),
            "history": history_for(obj=person)[:50] if not is_party or roles.is_hr else None,
            # Gender is recorded only for equal-conditions statistics: not for the manager.
            "show_gender": person.pk == roles.person_id
            or permissions.can_browse_organisation(roles),
            "can_browse": permissions.can_browse_organisation(roles),
        },
    )


@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest) -> HttpResponse:
    if not permissions.can_import_people(get_roles(request.user)):
        raise PermissionDenied
    result = None
    if request.method == "POST":
        form = PeopleImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = services.people_import(
                stream=upload,
                file_name=upload.name or "upload",
                actor=request.user,
                full_sync=form.cleaned_data["full_sync"],
                dry_run=form.cleaned_data["dry_run"],
            )
            if result.ok and not form.cleaned_data["dry_run"]:
                messages.success(
                    request,
                    _(
                        "Import applied: %(created)s created, %(updated)s updated, "
                        "%(unchanged)s unchanged, %(deactivated)s deactivated."
                    )
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "deactivated": result.deactivated,
                    },
                )
                return redirect("organisation:import")
    else:
        form = PeopleImportForm()
    return render(
        request,
        "organisation/import.html",
        {
            "form": form,
            "result": result,
            "errors_shown": result.errors[:MAX_ERRORS_SHOWN] if result else [],
            "runs": selectors.recent_imports(),
            "columns": ALL_COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
        },
    )


@require_GET
def people_import_example(request: HttpRequest) -> HttpResponse:
    if not permissions.can_import_people(get_roles(request.user)):
        raise PermissionDenied
    # Rows as mappings so the values always line up with the header, whatever its order.
    examples = [
        {
            "employee_number": "100001",
            "first_name": "Karin",
            "last_name": "Nilsson",
            "email": "karin.nilsson@example.se",
            "unit_code": "FAK",
            "unit_name_sv": "Fakulteten",
            "unit_name_en": "The Faculty",
            "employment_category": "admin_staff",
            "gender": "K",
            "language": "sv",
            "employment_start": "2015-08-01",
            "active": "ja",
        },
        {
            "employee_number": "100002",
            "first_name": "Ahmed",
            "last_name": "Hassan",
            "email": "ahmed.hassan@example.se",
            "unit_code": "INST-FYS",
            "unit_name_sv": "Institutionen för fysik",
            "unit_name_en": "Department of Physics",
            "parent_unit_code": "FAK",
            "manager_employee_number": "100001",
            "employment_category": "researcher",
            "career_stage": "R3",
            "gender": "M",
            "language": "en",
            "employment_start": "2019-01-15",
            "active": "ja",
        },
    ]
    header = ";".join(ALL_COLUMNS)
    rows = [";".join(example.get(column, "") for column in ALL_COLUMNS) for example in examples]
    response = HttpResponse(
        "\ufeff" + "\r\n".join([header, *rows]) + "\r\n", content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="samtal-people-example.csv"'
    return response
