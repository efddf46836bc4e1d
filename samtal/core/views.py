from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from samtal.accounts.permissions import get_roles
from samtal.core import selectors
from samtal.core.permissions import can_view_audit_log
from samtal.organisation import selectors as org_selectors
from samtal.organisation.models import Person
from samtal.plans import selectors as plan_selectors
from samtal.talks import selectors as talk_selectors
from samtal.workenv import selectors as workenv_selectors

TEAM_ROWS_ON_HOME = 10
CHECKPOINTS_ON_HOME = 5


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The start page: one block per role the user holds, each saying what to do next."""
    roles = get_roles(request.user)
    context: dict[str, object] = {}
    if roles.person_id is not None:
        context["person"] = Person.objects.select_related("unit", "manager__user").get(
            pk=roles.person_id
        )
        talks = talk_selectors.talks_of_employee(person_id=roles.person_id)
        # The open talk if there is one, else the latest: what the employee acts on next.
        talk = next((t for t in talks if t.is_open), talks[0] if talks else None)
        if talk is not None:
            context["my_talk"] = talk
            context["my_step"] = talk_selectors.next_step(talk, as_manager=False)
            context["my_talk_overdue"] = talk_selectors.is_overdue(talk)
        # The user's own and their reports' checkpoints overdue or due soon.
        due = plan_selectors.checkpoints_due(person_id=roles.person_id)
        context["checkpoints_due"] = due[:CHECKPOINTS_ON_HOME]
        context["checkpoints_due_more"] = max(len(due) - CHECKPOINTS_ON_HOME, 0)
        context["checkpoints_overdue"] = sum(1 for item in due if item.overdue)
        context["my_open_actions"] = workenv_selectors.responsible_open_actions(
            person_id=roles.person_id
        )
    if roles.is_manager and roles.person_id is not None:
        rows = talk_selectors.team_overview(person_id=roles.person_id)
        context["team_rows"] = rows[:TEAM_ROWS_ON_HOME]
        context["team_size"] = len(rows)
        context["team_own_steps"] = sum(1 for row in rows if row.own_step)
        context["team_overdue"] = sum(1 for row in rows if row.overdue)
        context["register"] = workenv_selectors.register_summary(roles=roles)
    if roles.is_hr or roles.is_admin:
        context["figures"] = org_selectors.organisation_figures(roles=roles)
        context["last_import"] = org_selectors.recent_imports(limit=1).first()
    if roles.is_safety_rep:
        context["safety_units"] = org_selectors.safety_rep_units(roles=roles)
    if roles.is_admin:
        context["settings_summary"] = {
            "anonymity_k": settings.SAMTAL_ANONYMITY_K,
            "public_records_notice": settings.SAMTAL_PUBLIC_RECORDS_NOTICE,
            "organisation_name": settings.SAMTAL_ORGANISATION_NAME,
        }
    return render(request, "core/home.html", context)


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can_view_audit_log(get_roles(request.user)):
        raise PermissionDenied
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    page = Paginator(selectors.audit_log(query=query), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "q": query})
