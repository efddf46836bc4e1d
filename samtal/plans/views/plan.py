"""One person's development plan: the page where the employee and their current manager follow
it up, every change to it, and the manager's follow-up of the team's plans.

Who sees a plan is plans.permissions.plan_access: the employee and their current manager read
and change it; HR in scope reads it under the org policy (read-only, audit-logged) and gets 403
on a change; everyone else gets 404. An item proposed in a talk's record (not agreed yet) is
changed only by that record's note-taker, and the page then goes back to the record.

Bad input comes back on the form with status 400 and nothing saved; a stale form is told that
someone else changed the item and shown what is saved; a refused status change says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samtal.accounts.permissions import Roles, get_roles
from samtal.core.exceptions import EditConflict, NeedsConfirmation, TransitionRefused
from samtal.organisation.models import Person
from samtal.plans import selectors, services
from samtal.plans.emails import checkpoint_ics as render_checkpoint_ics
from samtal.plans.forms import (
    ActivityForm,
    ActivityStatusForm,
    CheckpointCancelForm,
    CheckpointCompleteForm,
    CheckpointForm,
    CheckpointMeetingForm,
    GoalFollowUpForm,
    GoalForm,
)
from samtal.plans.models import (
    GOAL_TRANSITIONS,
    Checkpoint,
    CheckpointStatus,
    GoalStatus,
    PlanActivity,
    PlanGoal,
    UnitGoal,
)
from samtal.plans.permissions import PlanAccess, plan_access
from samtal.talks.content_selectors import record_access, record_of
from samtal.talks.forms.talk import add_service_errors
from samtal.talks.models import Talk

HISTORY_ROWS = 50
EXPORT_LANGUAGES = (("sv", "Svenska"), ("en", "English"))

Item = TypeVar("Item", PlanGoal, PlanActivity, Checkpoint)
AnyItem = PlanGoal | PlanActivity | Checkpoint

ITEM_RELATED = (
    "plan__person__unit",
    "plan__person__manager__user",
    "plan__person__user",
    "origin_talk__employee",
    "origin_talk__unit",
    "origin_talk__round",
)


# --- access -----------------------------------------------------------------------------------


def _plan_person(request: HttpRequest, pk: int, *, write: bool) -> tuple[Person, PlanAccess]:
    """The person whose plan the user may read (a read by HR is audit-logged), or 404; for a
    change, 403 for a reader who may not write."""
    roles = get_roles(request.user)
    person = Person.objects.select_related("unit", "manager", "user").filter(pk=pk).first()
    if person is None:
        raise Http404
    if write:
        access = plan_access(roles=roles, person=person)
    else:
        access = selectors.plan_for_reader(
            reader=request.user, roles=roles, person=person, path=request.path
        )
    if not access.can_read:
        raise Http404
    if write and not access.can_write:
        raise PermissionDenied
    return person, access


def _item_or_404(request: HttpRequest, model: type[Item], pk: int) -> Item:
    """An item the user may change. An agreed item belongs to the plan (its two parties change
    it, HR reading it gets 403); a proposed one belongs to its talk's record, which only the
    talk's two parties see."""
    roles = get_roles(request.user)
    item = model.objects.select_related(*ITEM_RELATED).filter(pk=pk).first()
    if item is None:
        raise Http404
    if item.is_proposed:
        talk = item.origin_talk
        if talk is None or not record_access(roles=roles, talk=talk).party:
            raise Http404
        return item
    access = plan_access(roles=roles, person=item.plan.person)
    if not access.can_read:
        raise Http404
    if not access.can_write:
        raise PermissionDenied
    return item


def _require_note_taker(roles: Roles, item: AnyItem) -> None:
    """A proposed item is written by the record's note-taker only (the service says so again)."""
    talk = item.origin_talk
    assert talk is not None
    record = record_of(talk)
    if record is None or record_access(roles=roles, talk=talk).party != record.note_taker:
        raise PermissionDenied


def _require_manager(request: HttpRequest) -> Roles:
    roles = get_roles(request.user)
    if not roles.is_manager or roles.person_id is None:
        raise PermissionDenied
    return roles


# --- where to go back to ----------------------------------------------------------------------


def _plan_url(person_id: int, anchor: str = "") -> str:
    url = reverse("plans:plan_detail", args=[person_id])
    return f"{url}#{anchor}" if anchor else url


def _back_url(item: AnyItem, anchor: str = "") -> str:
    """A proposed item lives in its talk's record; an agreed one on the plan page."""
    if item.is_proposed and item.origin_talk_id:
        return reverse("talks:talk_record", args=[item.origin_talk_id]) + "#plan"
    return _plan_url(item.plan.person_id, anchor)


def _anchor(item: AnyItem) -> str:
    prefix = {PlanGoal: "goal", PlanActivity: "activity", Checkpoint: "checkpoint"}[type(item)]
    return f"{prefix}-{item.pk}"


def _conflict_message(request: HttpRequest) -> None:
    messages.error(
        request,
        _(
            "Someone else changed this meanwhile. The page now shows what is saved; "
            "make your change again if it is still needed."
        ),
    )


def _refused(request: HttpRequest, refused: TransitionRefused, url: str) -> HttpResponse:
    for problem in refused.problems:
        messages.error(request, problem)
    return HttpResponseRedirect(url)


def _is_stale(request: HttpRequest, item: AnyItem) -> bool:
    return request.POST.get("revision", "") != str(item.revision)


# --- forms ------------------------------------------------------------------------------------


def _goal_form(
    data: Any = None, *, unit_goals: list[UnitGoal], initial: Any = None, prefix: str = "goal"
) -> GoalForm:
    return GoalForm(data, unit_goals=unit_goals, initial=initial, auto_id=f"{prefix}_%s")


def _activity_form(
    data: Any = None, *, goals: list[PlanGoal], initial: Any = None, prefix: str = "activity"
) -> ActivityForm:
    return ActivityForm(data, goals=goals, initial=initial, auto_id=f"{prefix}_%s")


def _checkpoint_form(
    data: Any = None,
    *,
    activities: list[PlanActivity],
    initial: Any = None,
    prefix: str = "checkpoint",
) -> CheckpointForm:
    return CheckpointForm(data, activities=activities, initial=initial, auto_id=f"{prefix}_%s")


def _follow_up_form(goal: PlanGoal, data: Any = None) -> GoalFollowUpForm:
    form = GoalFollowUpForm(
        data,
        initial={"outcome": goal.outcome, "revision": goal.revision},
        auto_id=f"followup{goal.pk}_%s",
    )
    allowed = GOAL_TRANSITIONS.get(goal.status, frozenset())
    field = cast(forms.ChoiceField, form.fields["status"])
    field.choices = [(value, label) for value, label in GoalStatus.choices if value in allowed]
    return form


def _status_form(activity: PlanActivity, data: Any = None) -> ActivityStatusForm:
    return ActivityStatusForm(
        data,
        activity=activity,
        initial={"outcome": activity.outcome, "revision": activity.revision},
        auto_id=f"status{activity.pk}_%s",
    )


def _unit_goal_choices(person: Person, *, extra_years: tuple[int, ...] = ()) -> list[UnitGoal]:
    years = sorted({*selectors.unit_goal_years(), *extra_years})
    return selectors.unit_goals_for(person=person, years=years)


# --- the plan page ----------------------------------------------------------------------------


def _plan_page(
    request: HttpRequest,
    person: Person,
    access: PlanAccess,
    *,
    bound: dict[Any, forms.Form] | None = None,
    warnings: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    view = selectors.plan_of(person=person)
    unit_goals = _unit_goal_choices(person)
    context: dict[str, Any] = {
        "person": person,
        "access": access,
        "is_own": access.party == "employee",
        "view": view,
        "unit_goals": unit_goals,
        "unit_goal_years": selectors.unit_goal_years(),
        "overdue": view.checkpoints_overdue(),
        "upcoming": view.checkpoints_upcoming(),
        "closed": view.checkpoints_closed(),
        "history": _history(view),
        "export_languages": EXPORT_LANGUAGES,
        "warnings": warnings or [],
        "open_form": next((key for key in bound if isinstance(key, str)), ""),
    }
    if access.can_write:
        context["goals"] = [
            {"goal": g, "form": bound.get(("follow_up", g.pk)) or _follow_up_form(g)}
            for g in view.goals
        ]
        context["activities"] = [
            {"activity": a, "form": bound.get(("status", a.pk)) or _status_form(a)}
            for a in view.activities
        ]
        context["goal_form"] = bound.get("goal") or _goal_form(unit_goals=unit_goals)
        context["activity_form"] = bound.get("activity") or _activity_form(goals=view.goals)
        context["checkpoint_form"] = bound.get("checkpoint") or _checkpoint_form(
            activities=view.activities
        )
        context["proposed_talks"] = view.proposed_talks
    else:
        context["goals"] = [{"goal": g} for g in view.goals]
        context["activities"] = [{"activity": a} for a in view.activities]
    return render(request, "plans/plan_detail.html", context, status=status)


def _history(view: selectors.PlanView) -> list[Any]:
    return selectors.plan_history(view=view, limit=HISTORY_ROWS)


@require_GET
def my_plan(request: HttpRequest) -> HttpResponse:
    """The employee's own plan."""
    person_id = get_roles(request.user).person_id
    if person_id is None:
        raise Http404
    return redirect("plans:plan_detail", person=person_id)


@require_GET
def plan_detail(request: HttpRequest, person: int) -> HttpResponse:
    found, access = _plan_person(request, person, write=False)
    return _plan_page(request, found, access)


# --- adding during the year -------------------------------------------------------------------


def _add(
    request: HttpRequest,
    person_pk: int,
    key: str,
    make_form: Callable[[Person, Any], forms.Form],
    save: Callable[[Person, Any, bool], Any],
    done: str,
) -> HttpResponse:
    """Bind the add form, call the service, then message and go back to the plan; bad input
    comes back on the plan page (400), a date in the past with a "Save anyway" button."""
    person, access = _plan_person(request, person_pk, write=True)
    form = make_form(person, request.POST)
    if form.is_valid():
        try:
            item = save(person, form, bool(form.cleaned_data.get("confirm")))
        except NeedsConfirmation as needs:
            return _plan_page(request, person, access, bound={key: form}, warnings=needs.warnings)
        except ValidationError as error:
            add_service_errors(form, error)
        except TransitionRefused as refused:
            return _refused(request, refused, _plan_url(person.pk))
        else:
            messages.success(request, done)
            return redirect(_plan_url(person.pk, _anchor(item)))
    return _plan_page(request, person, access, bound={key: form}, status=400)


@require_POST
def goal_add(request: HttpRequest, person: int) -> HttpResponse:
    return _add(
        request,
        person,
        "goal",
        lambda p, data: _goal_form(data, unit_goals=_unit_goal_choices(p)),
        lambda p, form, _confirmed: services.goal_add(
            actor=request.user, person=p, data=form.to_data()
        ),
        _("The goal was added to the plan."),
    )


@require_POST
def activity_add(request: HttpRequest, person: int) -> HttpResponse:
    return _add(
        request,
        person,
        "activity",
        lambda p, data: _activity_form(data, goals=selectors.plan_of(person=p).goals),
        lambda p, form, _confirmed: services.activity_add(
            actor=request.user, person=p, data=form.to_data()
        ),
        _("The activity was added to the plan."),
    )


@require_POST
def checkpoint_add(request: HttpRequest, person: int) -> HttpResponse:
    return _add(
        request,
        person,
        "checkpoint",
        lambda p, data: _checkpoint_form(data, activities=selectors.plan_of(person=p).activities),
        lambda p, form, confirmed: services.checkpoint_add(
            actor=request.user, person=p, data=form.to_data(), confirmed=confirmed
        ),
        _("The checkpoint was added to the plan. You both get a reminder before it."),
    )


# --- changing an item -------------------------------------------------------------------------


def _edit(
    request: HttpRequest,
    item: Item,
    *,
    title: str,
    make_form: Callable[[Any, Item], forms.Form],
    save: Callable[[Item, Any, bool], Any],
) -> HttpResponse:
    """The edit page of a goal, an activity or a checkpoint (GET shows it, POST saves)."""
    if item.is_proposed:
        _require_note_taker(get_roles(request.user), item)
    warnings: list[str] = []
    form = make_form(request.POST if request.method == "POST" else None, item)
    if request.method == "POST" and form.is_valid():
        try:
            save(item, form, bool(form.cleaned_data.get("confirm")))
        except NeedsConfirmation as needs:
            warnings = needs.warnings
        except EditConflict as conflict:
            _conflict_message(request)
            current = conflict.current if conflict.current is not None else item
            assert isinstance(current, type(item))
            return _edit_page(request, current, make_form(None, current), title, status=409)
        except TransitionRefused as refused:
            return _refused(request, refused, _back_url(item, _anchor(item)))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The change was saved."))
            return redirect(_back_url(item, _anchor(item)))
    return _edit_page(
        request, item, form, title, warnings=warnings, status=400 if form.errors else 200
    )


def _edit_page(
    request: HttpRequest,
    item: AnyItem,
    form: forms.Form,
    title: str,
    *,
    warnings: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "plans/item_edit.html",
        {
            "item": item,
            "person": item.plan.person,
            "form": form,
            "title": title,
            "warnings": warnings or [],
            "back_url": _back_url(item, _anchor(item)),
        },
        status=status,
    )


def _goals_for(item: PlanActivity) -> list[PlanGoal]:
    """Goals an activity may belong to: the plan's, and those proposed in the same talk."""
    if item.is_proposed and item.origin_talk is not None:
        return selectors.record_plan(talk=item.origin_talk).goal_choices
    return selectors.plan_of(person=item.plan.person).goals


def _activities_for(item: Checkpoint) -> list[PlanActivity]:
    if item.is_proposed and item.origin_talk is not None:
        return selectors.record_plan(talk=item.origin_talk).activity_choices
    return selectors.plan_of(person=item.plan.person).activities


def _talk_years(talk: Talk | None) -> tuple[int, ...]:
    return (talk.round.year,) if talk is not None and talk.round_id and talk.round else ()


def _goal_edit_form(data: Any, goal: PlanGoal) -> GoalForm:
    unit_goals = _unit_goal_choices(goal.plan.person, extra_years=_talk_years(goal.origin_talk))
    if goal.unit_goal_id and goal.unit_goal_id not in {g.pk for g in unit_goals}:
        # An older year's goal stays selectable on the goal that is linked to it.
        linked = UnitGoal.objects.select_related("unit").get(pk=goal.unit_goal_id)
        unit_goals = [linked, *unit_goals]
    return _goal_form(data, unit_goals=unit_goals, initial=GoalForm.initial_for(goal))


@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(
        request,
        _item_or_404(request, PlanGoal, pk),
        title=_("Change the goal"),
        make_form=_goal_edit_form,
        save=lambda goal, form, _confirmed: services.goal_update(
            actor=request.user, goal=goal, data=form.to_data(), revision=form.revision_value
        ),
    )


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(
        request,
        _item_or_404(request, PlanActivity, pk),
        title=_("Change the activity"),
        make_form=lambda data, activity: _activity_form(
            data,
            goals=_goals_for(activity),
            initial=ActivityForm.initial_for(activity),
        ),
        save=lambda activity, form, _confirmed: services.activity_update(
            actor=request.user,
            activity=activity,
            data=form.to_data(),
            revision=form.revision_value,
        ),
    )


@require_http_methods(["GET", "POST"])
def checkpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(
        request,
        _item_or_404(request, Checkpoint, pk),
        title=_("Change the checkpoint"),
        make_form=lambda data, checkpoint: _checkpoint_form(
            data,
            activities=_activities_for(checkpoint),
            initial={
                "due_on": checkpoint.due_on,
                "topic": checkpoint.topic,
                "activity": checkpoint.activity_id or "",
                "revision": checkpoint.revision,
            },
        ),
        save=lambda checkpoint, form, confirmed: services.checkpoint_update(
            actor=request.user,
            checkpoint=checkpoint,
            data=form.to_data(),
            revision=form.revision_value,
            confirmed=confirmed,
        ),
    )


# --- following up: goals and activities (on the plan page) ------------------------------------


def _follow_up(
    request: HttpRequest,
    item: Item,
    key: tuple[str, int],
    form: forms.Form,
    save: Callable[[Any], Any],
    done: str,
) -> HttpResponse:
    """A small form on the plan page: bad input comes back there with status 400."""
    back = _back_url(item, _anchor(item))
    if not form.is_valid():
        if _is_stale(request, item):
            _conflict_message(request)
            return HttpResponseRedirect(back)
    else:
        try:
            save(form)
        except EditConflict:
            _conflict_message(request)
            return HttpResponseRedirect(back)
        except TransitionRefused as refused:
            return _refused(request, refused, back)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(back)
    if item.is_proposed:
        # Not on the plan page: its record is where it is shown.
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
        return HttpResponseRedirect(back)
    person = item.plan.person
    access = plan_access(roles=get_roles(request.user), person=person)
    return _plan_page(request, person, access, bound={key: form}, status=400)


@require_POST
def goal_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _item_or_404(request, PlanGoal, pk)
    return _follow_up(
        request,
        goal,
        ("follow_up", goal.pk),
        _follow_up_form(goal, request.POST),
        lambda form: services.goal_follow_up(
            actor=request.user,
            goal=goal,
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data["outcome"],
            revision=form.revision_value,
        ),
        _("The goal was followed up."),
    )


@require_POST
def activity_status(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _item_or_404(request, PlanActivity, pk)
    return _follow_up(
        request,
        activity,
        ("status", activity.pk),
        _status_form(activity, request.POST),
        lambda form: services.activity_set_status(
            actor=request.user,
            activity=activity,
            status=form.cleaned_data["status"],
            revision=form.revision_value,
            reason=form.cleaned_data["reason"],
            outcome=form.cleaned_data["outcome"],
        ),
        _("The activity's status was changed."),
    )


# --- following up: checkpoints (a page each) --------------------------------------------------


def _checkpoint_action(
    request: HttpRequest,
    pk: int,
    action: str,
    form_class: type[forms.Form],
    initial: Callable[[Checkpoint], dict[str, Any]],
    save: Callable[[Checkpoint, Any], Any],
    done: str,
) -> HttpResponse:
    """The page of one step on a checkpoint (complete, cancel, book a meeting): GET shows
    the form, POST calls the service; a stale form is shown again with what is saved."""
    checkpoint = _item_or_404(request, Checkpoint, pk)
    form = form_class(
        request.POST if request.method == "POST" else None, initial=initial(checkpoint)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(checkpoint, form)
            except EditConflict as conflict:
                _conflict_message(request)
                current = (
                    conflict.current if isinstance(conflict.current, Checkpoint) else checkpoint
                )
                current.plan = checkpoint.plan
                checkpoint, form, status = current, form_class(initial=initial(current)), 409
            except TransitionRefused as refused:
                return _refused(request, refused, _back_url(checkpoint, _anchor(checkpoint)))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, done)
                return redirect(_back_url(checkpoint, _anchor(checkpoint)))
    return render(
        request,
        "plans/item_checkpoint.html",
        {
            "checkpoint": checkpoint,
            "person": checkpoint.plan.person,
            "action": action,
            "form": form,
            "back_url": _back_url(checkpoint, _anchor(checkpoint)),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def checkpoint_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Either party records what the follow-up came to and marks the checkpoint done."""
    return _checkpoint_action(
        request,
        pk,
        "complete",
        CheckpointCompleteForm,
        lambda c: {"outcome": c.outcome, "revision": c.revision},
        lambda c, form: services.checkpoint_complete(
            actor=request.user,
            checkpoint=c,
            outcome=form.cleaned_data["outcome"],
            revision=form.revision_value,
        ),
        _("The checkpoint is done and its outcome recorded."),
    )


@require_http_methods(["GET", "POST"])
def checkpoint_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _checkpoint_action(
        request,
        pk,
        "cancel",
        CheckpointCancelForm,
        lambda c: {"revision": c.revision},
        lambda c, form: services.checkpoint_cancel(
            actor=request.user,
            checkpoint=c,
            reason=form.cleaned_data["reason"],
            revision=form.revision_value,
        ),
        _("The checkpoint was cancelled."),
    )


@require_http_methods(["GET", "POST"])
def checkpoint_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """Hold the checkpoint as a short follow-up meeting; both get a calendar invitation."""
    return _checkpoint_action(
        request,
        pk,
        "meeting",
        CheckpointMeetingForm,
        lambda c: {
            "meeting_at": c.meeting_at,
            "meeting_minutes": c.meeting_minutes,
            "place": c.place,
            "revision": c.revision,
        },
        lambda c, form: services.checkpoint_book_meeting(
            actor=request.user,
            checkpoint=c,
            meeting_at=form.cleaned_data["meeting_at"],
            minutes=form.cleaned_data["meeting_minutes"],
            place=form.cleaned_data["place"],
            revision=form.revision_value,
        ),
        _("The follow-up meeting is booked. You both get a calendar invitation by email."),
    )


@require_GET
def checkpoint_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The follow-up meeting's calendar invitation, for the plan's two parties only."""
    roles = get_roles(request.user)
    checkpoint = (
        Checkpoint.objects.select_related("plan__person__user", "plan__person__manager__user")
        .filter(pk=pk, agreed_at__isnull=False)
        .first()
    )
    if checkpoint is None or checkpoint.meeting_at is None:
        raise Http404
    if checkpoint.status != CheckpointStatus.PLANNED:
        raise Http404
    if not plan_access(roles=roles, person=checkpoint.plan.person).can_write:
        raise Http404
    response = HttpResponse(
        render_checkpoint_ics(checkpoint), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="avstamning.ics"'
    return response


# --- the manager's follow-up of the team ------------------------------------------------------


@require_GET
def team_follow_up(request: HttpRequest) -> HttpResponse:
    """Each report's plan at a glance, and the checkpoints overdue or due within a month."""
    roles = _require_manager(request)
    assert roles.person_id is not None
    rows = selectors.team_follow_up(manager_id=roles.person_id)
    due = selectors.checkpoints_due(person_id=roles.person_id)
    return render(
        request,
        "plans/team_follow_up.html",
        {
            "rows": rows,
            "due": due,
            "with_plan": sum(1 for row in rows if row.has_plan),
            "overdue_count": sum(1 for item in due if item.overdue),
        },
    )
