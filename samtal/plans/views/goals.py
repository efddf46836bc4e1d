"""The units' goals for the year: a manager (for the units of their reports) or HR (for the
units in scope) adds goals in Swedish and English, changes, publishes and withdraws them.
Published goals are shown to the unit's employees in preparation and in the talk, where
individual goals link to them.

Everyone without a unit to manage gets 404, as does a unit or goal outside the user's units.
Each change is a POST to its own URL; a stale page is told (EditConflict), a status change
that is not allowed says why.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samtal.accounts.permissions import Roles, get_roles
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.organisation.models import Unit
from samtal.plans import selectors, services
from samtal.plans.forms import UnitGoalForm
from samtal.plans.models import UnitGoal
from samtal.talks.forms.talk import add_service_errors

# Years the list can be asked for; what a goal may be created for is the service's rule.
YEAR_RANGE = (2000, 2100)


def _list_url(unit_id: int, year: int, anchor: str = "") -> str:
    url = f"{reverse('plans:unit_goals')}?{urlencode({'unit': unit_id, 'year': year})}"
    return f"{url}#{anchor}" if anchor else url


def _year(raw: str | None) -> int:
    try:
        year = int(raw or "")
    except ValueError:
        return selectors.default_goal_year()
    return year if YEAR_RANGE[0] <= year <= YEAR_RANGE[1] else selectors.default_goal_year()


def _units(roles: Roles) -> list[Unit]:
    units = list(selectors.manageable_units(roles=roles))
    if not units:
        raise Http404
    return units


def _chosen_unit(raw: str | None, units: list[Unit]) -> Unit:
    if not raw:
        return units[0]
    chosen = next((u for u in units if str(u.pk) == raw), None)
    if chosen is None:
        raise Http404
    return chosen


def _goal(roles: Roles, pk: int) -> UnitGoal:
    goal = (
        UnitGoal.objects.select_related("unit")
        .filter(pk=pk, unit__in=selectors.manageable_units(roles=roles))
        .first()
    )
    if goal is None:
        raise Http404
    return goal


def _rows(goals: list[UnitGoal]) -> list[dict[str, Any]]:
    """Each goal with the steps its status allows (UNIT_GOAL_TRANSITIONS)."""
    rows = []
    for goal in goals:
        allowed = services.UNIT_GOAL_TRANSITIONS[UnitGoal.Status(goal.status)]
        rows.append(
            {
                "goal": goal,
                "can_edit": goal.status != UnitGoal.Status.WITHDRAWN,
                "can_publish": UnitGoal.Status.PUBLISHED in allowed,
                "can_withdraw": UnitGoal.Status.WITHDRAWN in allowed,
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def unit_goal_list(request: HttpRequest) -> HttpResponse:
    """One unit's goals for one year, the form to add one, and the goals of the units above."""
    roles = get_roles(request.user)
    units = _units(roles)
    unit = _chosen_unit(request.GET.get("unit"), units)
    year = _year(request.GET.get("year"))
    if request.method == "POST":
        form = UnitGoalForm(request.POST)
        if form.is_valid():
            try:
                goal = services.unit_goal_create(actor=request.user, unit=unit, data=form.to_data())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The goal is saved as a draft. Publish it when the unit should see it."),
                )
                return redirect(_list_url(unit.pk, goal.year, f"goal-{goal.pk}"))
    else:
        form = UnitGoalForm(initial={"year": year})
    return render(
        request,
        "plans/unit_goals.html",
        {
            "units": units,
            "unit": unit,
            "year": year,
            "rows": _rows(selectors.unit_goals_managed(unit=unit, year=year)),
            "above": selectors.unit_goals_above(unit=unit, year=year),
            "form": form,
            "year_range": YEAR_RANGE,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def unit_goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft or published goal. Saving over someone else's newer change is refused
    and shows theirs beside the unsaved text; saving again then replaces it deliberately."""
    roles = get_roles(request.user)
    goal = _goal(roles, pk)
    current: UnitGoal | None = None
    if request.method == "POST":
        form = UnitGoalForm(request.POST)
        if form.is_valid():
            try:
                saved = services.unit_goal_update(
                    actor=request.user,
                    goal=goal,
                    data=form.to_data(),
                    revision=form.revision_value,
                )
            except EditConflict as conflict:
                current = conflict.current if isinstance(conflict.current, UnitGoal) else goal
                data = request.POST.copy()
                data["revision"] = str(current.revision)
                form = UnitGoalForm(data)
                form.is_valid()
            except TransitionRefused as refused:
                for problem in refused.problems:
                    messages.error(request, problem)
                return redirect(_list_url(goal.unit_id, goal.year))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The goal is saved."))
                return redirect(_list_url(saved.unit_id, saved.year, f"goal-{saved.pk}"))
    else:
        form = UnitGoalForm(initial=UnitGoalForm.initial_for(goal))
    status = 409 if current is not None else 400 if form.errors else 200
    return render(
        request,
        "plans/unit_goal_edit.html",
        {
            "goal": goal,
            "form": form,
            "current": current,
            "can_edit": goal.status != UnitGoal.Status.WITHDRAWN,
        },
        status=status,
    )


def _move(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    goal = _goal(get_roles(request.user), pk)
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = -1  # a form without its revision is treated as stale
    try:
        service(actor=request.user, goal=goal, revision=revision)
    except EditConflict:
        messages.error(
            request, _("The goal changed meanwhile (see its current state below); try again.")
        )
    except TransitionRefused as refused:
        for problem in refused.problems:
            messages.error(request, problem)
    else:
        messages.success(request, done)
    return redirect(_list_url(goal.unit_id, goal.year, f"goal-{goal.pk}"))


@require_POST
def unit_goal_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        services.unit_goal_publish,
        _("The goal is published: the unit's employees see it and can link their goals to it."),
    )


@require_POST
def unit_goal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request,
        pk,
        services.unit_goal_withdraw,
        _("The goal is withdrawn. Goals already linked to it keep the link."),
    )
