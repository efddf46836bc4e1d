"""Proposing development-plan items in a talk's record.

The note-taker proposes goals, activities and checkpoints in the record's plan section while
the record can be written; the items are part of what both parties agree to and join the
plan when they do (plans.record_plan). Only the two parties of the talk reach these URLs
(everyone else 404); the other party gets 403 (the service's PermissionDenied), an agreed
record refuses with the reason. Bad input comes back on a small page of its own with the
form and its errors (400), which posts again; a checkpoint date in the past asks to confirm.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samtal.accounts.permissions import Roles, get_roles
from samtal.core.exceptions import NeedsConfirmation, TransitionRefused
from samtal.plans import selectors, services
from samtal.plans.forms import ActivityForm, CheckpointForm, GoalForm
from samtal.plans.models import Checkpoint, PlanActivity, PlanGoal
from samtal.plans.permissions import plan_access
from samtal.talks.forms.talk import add_service_errors
from samtal.talks.models import Record, Talk
from samtal.talks.permissions import is_party
from samtal.talks.record import record_lock_for_writing

ITEM_MODELS: dict[str, type[PlanGoal] | type[PlanActivity] | type[Checkpoint]] = {
    "goal": PlanGoal,
    "activity": PlanActivity,
    "checkpoint": Checkpoint,
}


def record_plan_context(*, roles: Roles, talk: Talk, editable: bool) -> dict[str, Any]:
    """What the record page's plan section shows (talks.views.record): the unit's goals, the
    proposals, the plan so far (to the employee and their current manager only) and, for the
    note-taker while the record can be written, the forms to propose more."""
    plan_visible = plan_access(roles=roles, person=talk.employee).can_read
    plan = selectors.record_plan(talk=talk, with_plan=plan_visible)
    context: dict[str, Any] = {
        "record_plan": plan,
        "plan_visible": plan_visible,
        "plan_forms": None,
    }
    if editable:
        context["plan_forms"] = {
            "goal": GoalForm(unit_goals=plan.unit_goals, auto_id="plan_goal_%s"),
            "activity": ActivityForm(goals=plan.goal_choices, auto_id="plan_activity_%s"),
            "checkpoint": CheckpointForm(
                activities=plan.activity_choices, auto_id="plan_checkpoint_%s"
            ),
        }
    return context


def _load(request: HttpRequest, pk: int) -> tuple[Talk, Record]:
    """The talk and its record for one of its two parties; 404 for everyone else."""
    talk = (
        Talk.objects.select_related("employee__unit", "employee__user", "manager__user", "round")
        .filter(pk=pk)
        .first()
    )
    if talk is None or not is_party(get_roles(request.user), talk):
        raise Http404
    record = Record.objects.select_related("current_version").filter(talk=talk).first()
    if record is None:
        raise Http404
    record.talk = talk
    return talk, record


def _writable(request: HttpRequest, record: Record) -> bool:
    """The record's own rule before the form is even read: the other party gets 403
    (PermissionDenied propagates), an agreed record a message saying why."""
    try:
        with transaction.atomic():
            record_lock_for_writing(record=record, actor=request.user)
    except TransitionRefused as refused:
        _refused(request, refused)
        return False
    return True


def _refused(request: HttpRequest, refused: TransitionRefused) -> None:
    for problem in refused.problems:
        messages.error(request, problem)


def _plan_url(talk: Talk) -> str:
    return reverse("talks:talk_record", args=[talk.pk]) + "#plan"


def _report_voided(request: HttpRequest, record: Record) -> None:
    """A change while the record was sent voids the version waiting for agreement: say so,
    as the record page does after a save."""
    if record.state != Record.State.SENT or record.current_version is None:
        return
    if Record.objects.filter(pk=record.pk, state=Record.State.WRITING).exists():
        messages.warning(
            request,
            _(
                "Your change voided the agreements to version %(number)s; you have both been "
                "told. Send the record for agreement again when you are done."
            )
            % {"number": record.current_version.number},
        )


def _form_page(
    request: HttpRequest,
    talk: Talk,
    *,
    form: forms.Form,
    title: str,
    action: str,
    warnings: list[str] | None = None,
) -> HttpResponse:
    return render(
        request,
        "plans/record_item_form.html",
        {
            "talk": talk,
            "form": form,
            "title": title,
            "action": action,
            "warnings": warnings or [],
        },
        status=400,
    )


def _add(
    request: HttpRequest,
    pk: int,
    *,
    make_form: Any,
    save: Any,
    title: str,
    done: str,
    url_name: str,
) -> HttpResponse:
    """The shared steps of proposing one item: access, the record's rule, the form, the
    service; success back to the record's plan section, bad input on the form page."""
    talk, record = _load(request, pk)
    if not _writable(request, record):
        return redirect(_plan_url(talk))
    form = make_form(request.POST, selectors.record_plan(talk=talk))
    action = reverse(url_name, args=[talk.pk])
    warnings: list[str] = []
    if form.is_valid():
        try:
            save(talk, form)
        except NeedsConfirmation as needs:
            warnings = needs.warnings
        except ValidationError as error:
            add_service_errors(form, error)
        except TransitionRefused as refused:
            _refused(request, refused)
            return redirect(_plan_url(talk))
        else:
            messages.success(request, done)
            _report_voided(request, record)
            return redirect(_plan_url(talk))
    return _form_page(request, talk, form=form, title=title, action=action, warnings=warnings)


@require_POST
def goal_add(request: HttpRequest, talk: int) -> HttpResponse:
    def make_form(data: Any, plan: selectors.RecordPlan) -> GoalForm:
        return GoalForm(data, unit_goals=plan.unit_goals, auto_id="plan_goal_%s")

    def save(found: Talk, form: GoalForm) -> None:
        services.goal_add(
            actor=request.user, person=found.employee, data=form.to_data(), talk=found
        )

    return _add(
        request,
        talk,
        make_form=make_form,
        save=save,
        title=_("Propose a goal"),
        done=_("The goal is proposed in the record. It joins the plan when you both agree."),
        url_name="plans:record_goal_add",
    )


@require_POST
def activity_add(request: HttpRequest, talk: int) -> HttpResponse:
    def make_form(data: Any, plan: selectors.RecordPlan) -> ActivityForm:
        return ActivityForm(data, goals=plan.goal_choices, auto_id="plan_activity_%s")

    def save(found: Talk, form: ActivityForm) -> None:
        services.activity_add(
            actor=request.user, person=found.employee, data=form.to_data(), talk=found
        )

    return _add(
        request,
        talk,
        make_form=make_form,
        save=save,
        title=_("Propose an activity"),
        done=_("The activity is proposed in the record. It joins the plan when you both agree."),
        url_name="plans:record_activity_add",
    )


@require_POST
def checkpoint_add(request: HttpRequest, talk: int) -> HttpResponse:
    def make_form(data: Any, plan: selectors.RecordPlan) -> CheckpointForm:
        return CheckpointForm(data, activities=plan.activity_choices, auto_id="plan_checkpoint_%s")

    def save(found: Talk, form: CheckpointForm) -> None:
        services.checkpoint_add(
            actor=request.user,
            person=found.employee,
            data=form.to_data(),
            talk=found,
            confirmed=bool(form.cleaned_data.get("confirm")),
        )

    return _add(
        request,
        talk,
        make_form=make_form,
        save=save,
        title=_("Propose a checkpoint"),
        done=_("The checkpoint is proposed in the record. It joins the plan when you both agree."),
        url_name="plans:record_checkpoint_add",
    )


@require_POST
def item_remove(request: HttpRequest, talk: int, kind: str, pk: int) -> HttpResponse:
    """The note-taker removes an item proposed in this record (never an agreed one)."""
    found, record = _load(request, talk)
    model = ITEM_MODELS.get(kind)
    if model is None:
        raise Http404
    item = (
        model.objects.select_related("plan__person", "origin_talk")
        .filter(pk=pk, origin_talk=found)
        .first()
    )
    if item is None:
        raise Http404
    try:
        services.plan_item_remove(actor=request.user, item=item)
    except TransitionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(
            request,
            {
                "goal": _("The proposed goal is removed from the record."),
                "activity": _("The proposed activity is removed from the record."),
                "checkpoint": _("The proposed checkpoint is removed from the record."),
            }[kind],
        )
        _report_voided(request, record)
    return redirect(_plan_url(found))
