"""The unit register: the manager of a unit's people keeps the list of the unit's risks, from
the talks and found outside them, assesses each one, decides actions and follows them up.

Everything here is read through the register selectors, which hand out de-identified rows:
no talk, no author, no name, the month instead of the date, and the description only when the
employee allowed it to leave the talk. The register page answers 403 to a user who keeps no
register; a unit, risk or action outside the user's register answers 404 (employees, HR,
safety representatives, the admin and managers of other units alike).

Each change is a POST to its own URL. Bad input comes back at the field with status 400 and
nothing saved; a stale form is told that someone else changed it (nothing overwritten); a
status change that is not allowed says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samtal.accounts.permissions import Roles, get_roles
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.organisation.models import Person, Unit
from samtal.talks.forms.talk import add_service_errors
from samtal.workenv import selectors, services
from samtal.workenv.forms import ActionForm, AssessmentForm, FollowUpForm, ObservationForm
from samtal.workenv.models import (
    ACTION_TRANSITIONS,
    Action,
    ActionStatus,
    Consequence,
    Likelihood,
    Observation,
    RiskLevel,
    WorkenvPolicy,
)
from samtal.workenv.selectors import RegisterAction, RegisterRow

# Years the register can be asked for.
YEAR_RANGE = (2000, 2100)
ALL_YEARS = "all"
# The chart's geometry (SVG user units; the figure scales to the page).
CHART_LABEL_WIDTH = 300
CHART_BAR_WIDTH = 600
CHART_ROW_HEIGHT = 36


# --- access and addresses -------------------------------------------------------------------


def _register_units(roles: Roles) -> list[Unit]:
    """The units whose register the user keeps; 403 for a user who keeps none (the page is
    the managers', like the plan follow-up)."""
    units = selectors.register_units(roles=roles)
    if not units:
        raise PermissionDenied
    return units


def _chosen_unit(raw: str | None, units: list[Unit]) -> Unit:
    if not raw:
        return units[0]
    chosen = next((unit for unit in units if str(unit.pk) == raw), None)
    if chosen is None:
        raise Http404
    return chosen


def _year(raw: str | None) -> int | None:
    """The year asked for: None for all years, this year when nothing (or nonsense) is asked."""
    if raw == ALL_YEARS:
        return None
    try:
        year = int(raw or "")
    except ValueError:
        return timezone.localdate().year
    return year if YEAR_RANGE[0] <= year <= YEAR_RANGE[1] else timezone.localdate().year


def _register_url(unit_id: int) -> str:
    return f"{reverse('workenv:register')}?{urlencode({'unit': unit_id})}"


def _risk_url(pk: int, anchor: str = "") -> str:
    url = reverse("workenv:risk_detail", args=[pk])
    return f"{url}#{anchor}" if anchor else url


def _action_url(action: Action) -> str:
    return _risk_url(action.observation_id, f"action-{action.pk}")


def _refused(request: HttpRequest, refused: TransitionRefused, url: str) -> HttpResponse:
    for problem in refused.problems:
        messages.error(request, problem)
    return HttpResponseRedirect(url)


def _conflict_message(request: HttpRequest) -> None:
    messages.error(
        request,
        _(
            "Someone else changed this meanwhile, so nothing was saved. The page now shows "
            "what is saved; make your change again if it is still needed."
        ),
    )


def _people(unit: Unit, request: HttpRequest) -> Any:
    """Who may be named responsible for an action of `unit` (the service checks it again)."""
    return Person.objects.filter(services.action_responsible_q(unit, request.user))


# --- the register ---------------------------------------------------------------------------


@dataclass
class LevelCount:
    level: str  # "" for not assessed
    label: str
    count: int
    bar_width: int = 0
    y: int = 0

    @property
    def text_y(self) -> int:
        return self.y + CHART_ROW_HEIGHT // 2 - 4

    @property
    def figure_x(self) -> int:
        return CHART_LABEL_WIDTH + self.bar_width + 12


@dataclass
class Summary:
    risks: int
    levels: list[LevelCount]
    open_actions: int
    overdue_actions: int
    needs_decision: int

    @property
    def chart_height(self) -> int:
        return CHART_ROW_HEIGHT * len(self.levels)


def _summary(rows: list[RegisterRow]) -> Summary:
    levels = [
        LevelCount(level=str(value), label=str(label), count=0)
        for value, label in reversed(RiskLevel.choices)
    ]
    levels.append(LevelCount(level="", label=_("Not assessed"), count=0))
    by_level = {item.level: item for item in levels}
    for row in rows:
        by_level[row.risk_level if row.assessed else ""].count += 1
    highest = max((item.count for item in levels), default=0) or 1
    for index, item in enumerate(levels):
        item.bar_width = round(CHART_BAR_WIDTH * item.count / highest)
        item.y = index * CHART_ROW_HEIGHT
    actions = [action for row in rows for action in row.actions]
    return Summary(
        risks=len(rows),
        levels=levels,
        open_actions=sum(1 for action in actions if not action.closed),
        overdue_actions=sum(1 for action in actions if action.overdue),
        needs_decision=sum(1 for row in rows if row.needs_decision),
    )


def _year_choices(roles: Roles, unit: Unit) -> list[int]:
    """The years the unit has risks in, and this year, newest first."""
    years = {
        day.year
        for day in selectors.register_observations_q(roles=roles, unit=unit).dates(
            "observed_on", "year"
        )
    }
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """One unit's risks and actions, de-identified, for a year (or all years), optionally
    only what needs attention, with a summary by risk level."""
    roles = get_roles(request.user)
    units = _register_units(roles)
    unit = _chosen_unit(request.GET.get("unit"), units)
    year = _year(request.GET.get("year"))
    open_only = request.GET.get("open_only") == "1"
    all_rows = selectors.unit_register(roles=roles, unit=unit, year=year)
    rows = (
        selectors.unit_register(roles=roles, unit=unit, year=year, open_only=True)
        if open_only
        else all_rows
    )
    return render(
        request,
        "workenv/register.html",
        {
            "units": units,
            "unit": unit,
            "year": year,
            "years": _year_choices(roles, unit),
            "all_years": ALL_YEARS,
            "open_only": open_only,
            "rows": rows,
            "summary": _summary(all_rows),
            "chart": {
                "label_width": CHART_LABEL_WIDTH,
                "bar_width": CHART_BAR_WIDTH,
                "bar_height": CHART_ROW_HEIGHT - 12,
            },
        },
    )


@require_http_methods(["GET", "POST"])
def risk_add(request: HttpRequest, unit: int) -> HttpResponse:
    """A risk the manager found outside the talks (a safety round, an incident)."""
    roles = get_roles(request.user)
    found = next((u for u in selectors.register_units(roles=roles) if u.pk == unit), None)
    if found is None:
        raise Http404
    form = ObservationForm(request.POST if request.method == "POST" else None, outside=True)
    if request.method == "POST" and form.is_valid():
        try:
            observation = services.risk_add(actor=request.user, unit=found, data=form.to_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The risk is added to the unit's register. Assess it next.")
            )
            return redirect(_risk_url(observation.pk))
    return render(
        request,
        "workenv/risk_add.html",
        {"unit": found, "form": form, "register_url": _register_url(found.pk)},
        status=400 if form.errors else 200,
    )


# --- one risk -------------------------------------------------------------------------------


@dataclass
class ActionControls:
    """An action of the risk page with the steps its status allows (ACTION_TRANSITIONS)."""

    action: RegisterAction
    can_edit: bool
    can_start: bool
    can_follow_up: bool
    can_replace: bool


def _controls(action: RegisterAction) -> ActionControls:
    allowed = ACTION_TRANSITIONS[action.status]
    return ActionControls(
        action=action,
        can_edit=not action.closed,
        can_start=ActionStatus.IN_PROGRESS in allowed,
        can_follow_up=bool(allowed & {ActionStatus.DONE, ActionStatus.NOT_EFFECTIVE}),
        can_replace=action.status == ActionStatus.NOT_EFFECTIVE and not action.replaced,
    )


def _matrix(row: RegisterRow) -> list[dict[str, Any]]:
    """The employer's risk matrix as table rows, this risk's cell marked."""
    policy = WorkenvPolicy.current()
    labels = dict(RiskLevel.choices)
    return [
        {
            "label": likelihood_label,
            "cells": [
                {
                    "level": policy.risk_level(likelihood, consequence),
                    "label": labels[policy.risk_level(likelihood, consequence)],
                    "current": (row.likelihood, row.consequence) == (likelihood, consequence),
                }
                for consequence in Consequence.values
            ],
        }
        for likelihood, likelihood_label in Likelihood.choices
    ]


def _assessment_form(row: RegisterRow, data: Any = None) -> AssessmentForm:
    return AssessmentForm(data, initial=AssessmentForm.initial_for(row), auto_id="assess_%s")


def _action_form(unit: Unit, request: HttpRequest, data: Any = None, **kwargs: Any) -> ActionForm:
    return ActionForm(data, people=_people(unit, request), **kwargs)


def _risk_page(
    request: HttpRequest,
    observation: Observation,
    *,
    assess_form: AssessmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    row = selectors.register_row(roles=get_roles(request.user), pk=observation.pk)
    return render(
        request,
        "workenv/risk_detail.html",
        {
            "row": row,
            "unit": observation.unit,
            "register_url": _register_url(observation.unit_id),
            "assess_form": assess_form or _assessment_form(row),
            "matrix": _matrix(row),
            "consequences": Consequence.choices,
            "actions": [_controls(action) for action in row.actions],
            "action_form": (
                _action_form(observation.unit, request, auto_id="action_%s")
                if row.assessed
                else None
            ),
        },
        status=status,
    )


@require_GET
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    observation = selectors.register_observation(roles=get_roles(request.user), pk=pk)
    return _risk_page(request, observation)


@require_POST
def risk_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """Likelihood × consequence gives the level through the employer's matrix; a reason for
    no action may be documented with it."""
    observation = selectors.register_observation(roles=get_roles(request.user), pk=pk)
    form = AssessmentForm(request.POST, auto_id="assess_%s")
    if form.is_valid():
        try:
            assessed = services.risk_assess(
                actor=request.user,
                observation=observation,
                likelihood=form.cleaned_data["likelihood"],
                consequence=form.cleaned_data["consequence"],
                no_action_reason=form.cleaned_data["no_action_reason"],
                revision=form.revision_value,
            )
        except EditConflict:
            _conflict_message(request)
            return HttpResponseRedirect(_risk_url(pk, "assessment"))
        except TransitionRefused as refused:
            return _refused(request, refused, _risk_url(pk))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The risk is assessed: %(level)s.")
                % {"level": assessed.get_risk_level_display().lower()},
            )
            return HttpResponseRedirect(_risk_url(pk, "assessment"))
    return _risk_page(request, observation, assess_form=form, status=400)


# --- actions --------------------------------------------------------------------------------


def _replaces(request: HttpRequest, roles: Roles, observation: Observation) -> Action | None:
    """The action a new one is to replace (?replaces=ID): one of this risk's, or 404."""
    raw = request.GET.get("replaces")
    if not raw:
        return None
    try:
        pk = int(raw)
    except ValueError as error:
        raise Http404 from error
    action = selectors.register_action(roles=roles, pk=pk)
    if action.observation_id != observation.pk:
        raise Http404
    return action


def _action_page(
    request: HttpRequest,
    *,
    observation_pk: int,
    form: ActionForm,
    title: str,
    action: Action | None = None,
    replaces: Action | None = None,
    status: int = 200,
) -> HttpResponse:
    row = selectors.register_row(roles=get_roles(request.user), pk=observation_pk)
    return render(
        request,
        "workenv/action_form.html",
        {
            "row": row,
            "form": form,
            "title": title,
            "action": action,
            "replaces": replaces,
            "back_url": _risk_url(observation_pk, f"action-{action.pk}" if action else "actions"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide an action for an assessed risk: what, who, by when, at what cost; with
    ?replaces=ID it replaces an action that was not effective."""
    roles = get_roles(request.user)
    observation = selectors.register_observation(roles=roles, pk=pk)
    replaces = _replaces(request, roles, observation)
    if request.method == "GET":
        # Offer only a step that can be taken.
        problems = services.action_add_problems(observation=observation, replaces=replaces)
        if problems:
            messages.error(request, problems[0])
            if replaces is None or observation.assessed_at is None:
                return HttpResponseRedirect(_risk_url(pk, "assessment"))
            return HttpResponseRedirect(_action_url(replaces))
    form = _action_form(
        observation.unit, request, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_add(
                actor=request.user, observation=observation, data=form.to_data(), replaces=replaces
            )
        except TransitionRefused as refused:
            return _refused(request, refused, _risk_url(pk, "actions"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The action is added to the action plan. The responsible is told.")
            )
            return redirect(_action_url(action))
    return _action_page(
        request,
        observation_pk=pk,
        form=form,
        title=_("Replace with a new action") if replaces else _("New action"),
        replaces=replaces,
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an action that is not yet followed up. Saving over someone else's newer
    change is refused and the form shows what is saved."""
    action = selectors.register_action(roles=get_roles(request.user), pk=pk)
    if request.method == "GET" and action.is_closed:
        messages.error(request, _("The action has been followed up and is closed."))
        return HttpResponseRedirect(_action_url(action))
    form = _action_form(
        action.unit,
        request,
        request.POST if request.method == "POST" else None,
        initial=ActionForm.initial_for(action),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.action_update(
                    actor=request.user,
                    action=action,
                    data=form.to_data(),
                    revision=form.revision_value,
                )
            except EditConflict as conflict:
                _conflict_message(request)
                if isinstance(conflict.current, Action):
                    action = conflict.current
                form = _action_form(action.unit, request, initial=ActionForm.initial_for(action))
                status = 409
            except TransitionRefused as refused:
                return _refused(request, refused, _action_url(action))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The action is saved."))
                return redirect(_action_url(action))
    return _action_page(
        request,
        observation_pk=action.observation_id,
        form=form,
        title=_("Change the action"),
        action=action,
        status=status,
    )


@require_POST
def action_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Open → in progress."""
    action = selectors.register_action(roles=get_roles(request.user), pk=pk)
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = -1  # a form without its revision is treated as stale
    try:
        services.action_start(actor=request.user, action=action, revision=revision)
    except EditConflict:
        _conflict_message(request)
    except TransitionRefused as refused:
        return _refused(request, refused, _action_url(action))
    else:
        messages.success(request, _("The action is marked as in progress."))
    return HttpResponseRedirect(_action_url(action))


def _follow_up_form(action: Action, data: Any = None) -> FollowUpForm:
    form = FollowUpForm(data, initial={"revision": action.revision})
    if not action.is_closed:
        # Offer only the outcomes the action's status allows; a closed action keeps both, so
        # that a late post reaches the service and is told why nothing changed.
        allowed = ACTION_TRANSITIONS[action.status]
        field = cast(forms.TypedChoiceField, form.fields["effective"])
        field.choices = [
            (value, label)
            for value, label in cast(list[tuple[str, Any]], field.choices)
            if (ActionStatus.DONE if value == "yes" else ActionStatus.NOT_EFFECTIVE) in allowed
        ]
    return form


@require_http_methods(["GET", "POST"])
def action_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what came of the action: done, or not effective (then a new action may
    replace it). A closed action is not followed up again."""
    action = selectors.register_action(roles=get_roles(request.user), pk=pk)
    if request.method == "GET" and action.is_closed:
        messages.error(request, _("The action has been followed up and is closed."))
        return HttpResponseRedirect(_action_url(action))
    form = _follow_up_form(action, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                followed = services.action_follow_up(
                    actor=request.user,
                    action=action,
                    effective=form.cleaned_data["effective"],
                    outcome=form.cleaned_data["outcome"],
                    revision=form.revision_value,
                )
            except EditConflict as conflict:
                _conflict_message(request)
                if isinstance(conflict.current, Action):
                    action = conflict.current
                form, status = _follow_up_form(action), 409
            except TransitionRefused as refused:
                return _refused(request, refused, _action_url(action))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if followed.status == ActionStatus.DONE:
                    messages.success(request, _("The follow-up is recorded: the action is done."))
                else:
                    messages.success(
                        request,
                        _(
                            "The follow-up is recorded: the action was not effective. Decide "
                            "a new action to replace it."
                        ),
                    )
                return redirect(_action_url(followed))
    row = selectors.register_row(roles=get_roles(request.user), pk=action.observation_id)
    shown = next((item for item in row.actions if item.id == action.pk), None)
    return render(
        request,
        "workenv/action_follow_up.html",
        {
            "row": row,
            "action": shown,
            "form": form,
            "back_url": _action_url(action),
        },
        status=status,
    )
