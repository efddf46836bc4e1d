"""The employee's talks, the manager's team, one talk, and every change to a talk.

A talk the user may not see answers 404 (selectors.talk_get filters by visibility); a visible
talk on which the user may not do the action answers 403. A refused status change, a stale
page and bad input come back as a message on the talk's page, never as a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samtal.accounts.permissions import Roles, get_roles
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.params import int_param
from samtal.core.selectors import history_for
from samtal.organisation import selectors as org_selectors
from samtal.organisation.models import Person
from samtal.talks import permissions, selectors, services
from samtal.talks.content_selectors import record_access, record_of
from samtal.talks.forms.talk import (
    BookingForm,
    CancelForm,
    DeclineForm,
    ExtraRequestForm,
    ExtraStartForm,
    HeldForm,
    RequestChangeForm,
    RevisionForm,
    add_service_errors,
)
from samtal.talks.ics import talk_ics
from samtal.talks.models import Response, Talk, TalkStatus
from samtal.workenv.talk_context import talk_observation_context

HISTORY_ROWS = 50

# Who may ask for each change at all; whether the talk's status allows it is the service's say.
ALLOWED: dict[str, Callable[[Roles, Talk], bool]] = {
    "book": permissions.can_book,
    "accept": permissions.can_respond,
    "request_change": permissions.can_respond,
    "decline": permissions.can_respond,
    "reopen": permissions.can_reopen,
    "held": permissions.can_mark_held,
    "cancel": permissions.can_cancel,
    "reassign": permissions.can_reassign,
}
# The forms shown on the talk page, each with its own ids (several forms share one page).
ACTION_FORMS: dict[str, type[RevisionForm]] = {
    "accept": RevisionForm,
    "request_change": RequestChangeForm,
    "decline": DeclineForm,
    "reopen": RevisionForm,
    "held": HeldForm,
    "cancel": CancelForm,
    "reassign": RevisionForm,
}


# --- access -----------------------------------------------------------------------------------


def _talk_or_404(request: HttpRequest, pk: int) -> tuple[Roles, Talk]:
    roles = get_roles(request.user)
    talk = selectors.talk_get(roles=roles, pk=pk)
    if talk is None:
        raise Http404
    return roles, talk


def _own_person_id(request: HttpRequest) -> int:
    person_id = get_roles(request.user).person_id
    if person_id is None:
        raise Http404
    return person_id


def _require_manager(request: HttpRequest) -> Roles:
    roles = get_roles(request.user)
    if not roles.is_manager or roles.person_id is None:
        raise PermissionDenied
    return roles


def _action_form(action: str, data: Any = None, talk: Talk | None = None) -> RevisionForm:
    initial = {"revision": talk.revision} if talk is not None else None
    return ACTION_FORMS[action](data, initial=initial, auto_id=f"{action}_%s")


def _conflict_message(request: HttpRequest) -> None:
    messages.error(request, _("Someone changed the talk meanwhile; see the current state below."))


def _refused_messages(request: HttpRequest, refused: TransitionRefused) -> None:
    for problem in refused.problems:
        messages.error(request, problem)


# --- the employee's and the manager's pages -------------------------------------------------


def _my_talks_page(
    request: HttpRequest, person_id: int, form: ExtraRequestForm, status: int = 200
) -> HttpResponse:
    person = Person.objects.select_related("manager").get(pk=person_id)
    talks = selectors.talks_of_employee(person_id=person_id)
    current = [
        {
            "talk": talk,
            "step": selectors.next_step(talk, as_manager=False),
            "overdue": selectors.is_overdue(talk),
        }
        for talk in talks
        if talk.is_open
    ]
    past = [talk for talk in talks if not talk.is_open]
    return render(
        request,
        "talks/my_talks.html",
        {"person": person, "current": current, "past": past, "form": form},
        status=status,
    )


@require_GET
def my_talks(request: HttpRequest) -> HttpResponse:
    """ "My talks": the open talks with what to do next, the past ones, and asking for a talk."""
    person_id = _own_person_id(request)
    return _my_talks_page(request, person_id, ExtraRequestForm(auto_id="extra_%s"))


@require_POST
def extra_request(request: HttpRequest) -> HttpResponse:
    person_id = _own_person_id(request)
    form = ExtraRequestForm(request.POST, auto_id="extra_%s")
    if not form.is_valid():
        return _my_talks_page(request, person_id, form, status=400)
    employee = Person.objects.get(pk=person_id)
    try:
        talk = services.talk_create_extra(
            actor=request.user,
            employee=employee,
            template_version=form.cleaned_data["template_version"],
            message=form.cleaned_data["message"],
        )
    except TransitionRefused as refused:
        _refused_messages(request, refused)
        return redirect("talks:my_talks")
    except ValidationError as error:
        add_service_errors(form, error)
        return _my_talks_page(request, person_id, form, status=400)
    messages.success(request, _("Your manager has been asked for a talk and told by email."))
    return redirect("talks:talk_detail", pk=talk.pk)


@require_GET
def team(request: HttpRequest) -> HttpResponse:
    """The manager's overview: every report's talk, what to do next, and overdue talks first."""
    roles = _require_manager(request)
    assert roles.person_id is not None
    rows = selectors.team_overview(person_id=roles.person_id)
    return render(
        request,
        "talks/team.html",
        {
            "rows": [
                {"row": row, "bookable": row.own_step and _needs_booking(row.talk)} for row in rows
            ],
            "overdue_count": sum(1 for row in rows if row.overdue),
            "own_step_count": sum(1 for row in rows if row.own_step),
            "others": list(selectors.other_open_talks(person_id=roles.person_id)),
        },
    )


def _needs_booking(talk: Talk | None) -> bool:
    return talk is not None and (
        talk.status == TalkStatus.OFFERED
        or (talk.status == TalkStatus.BOOKED and talk.response == Response.CHANGE_REQUESTED)
    )


@require_http_methods(["GET", "POST"])
def extra_start(request: HttpRequest) -> HttpResponse:
    """The manager starts a talk outside the yearly round with one of their reports."""
    roles = _require_manager(request)
    assert roles.person_id is not None
    reports = org_selectors.reports_of(person_id=roles.person_id)
    initial = {}
    employee = int_param(request.GET.get("employee"))
    if employee is not None:
        initial["employee"] = employee
    form = ExtraStartForm(request.POST or None, reports=reports, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            talk = services.talk_create_extra(
                actor=request.user,
                employee=data["employee"],
                template_version=data["template_version"],
                message=data["message"],
            )
        except TransitionRefused as refused:
            _refused_messages(request, refused)
            return redirect("talks:team")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The talk was offered to %(name)s. Propose a time and place.")
                % {"name": talk.employee.full_name},
            )
            return redirect("talks:talk_detail", pk=talk.pk)
    return render(
        request,
        "talks/extra_start.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


# --- one talk ---------------------------------------------------------------------------------


def _detail_page(
    request: HttpRequest,
    roles: Roles,
    talk: Talk,
    *,
    bound: dict[str, RevisionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    actions = permissions.talk_actions(roles, talk)
    forms = {
        action: (bound or {}).get(action) or _action_form(action, talk=talk)
        for action in ACTION_FORMS
        if action in actions
    }
    party = permissions.is_party(roles, talk)
    context: dict[str, Any] = {
        "talk": talk,
        "actions": actions,
        "forms": forms,
        "is_party": party,
        "is_employee": permissions.is_talk_employee(roles, talk),
        "is_manager": permissions.is_talk_manager(roles, talk),
        "overdue": selectors.is_overdue(talk),
        "short": talk.starts_at is not None
        and talk.duration_minutes < settings.SAMTAL_TALK_MINUTES,
        "recommended_minutes": settings.SAMTAL_TALK_MINUTES,
    }
    # The link to the record, for whoever may read it: the parties always, others (HR under
    # the org policy) only once there is an agreed version to read.
    record = record_of(talk) if talk.status in (TalkStatus.HELD, TalkStatus.AGREED) else None
    if record is not None:
        access = record_access(roles=roles, talk=talk)
        if access.can_read and (access.party or record.agreed_version_id):
            context["record"] = record
    if party:
        context["step"] = selectors.next_step(
            talk, as_manager=permissions.is_talk_manager(roles, talk)
        )
        context["history"] = history_for(obj=talk)[:HISTORY_ROWS]
        # Observations raised in the talk are shown to its two parties only.
        context.update(talk_observation_context(roles=roles, talk=talk))
    return render(request, "talks/talk_detail.html", context, status=status)


@require_GET
def talk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roles, talk = _talk_or_404(request, pk)
    return _detail_page(request, roles, talk)


def _change(
    request: HttpRequest,
    pk: int,
    action: str,
    call: Callable[[Talk, dict[str, Any]], Any],
    done: Callable[[Any], str],
) -> HttpResponse:
    """Check access, bind the action's form, call the service, then message and redirect."""
    roles, talk = _talk_or_404(request, pk)
    if not ALLOWED[action](roles, talk):
        raise PermissionDenied
    form = _action_form(action, request.POST)
    if form.is_valid():
        try:
            result = call(talk, form.cleaned_data)
        except EditConflict:
            _conflict_message(request)
        except TransitionRefused as refused:
            _refused_messages(request, refused)
        except ValidationError as error:
            add_service_errors(form, error)
            return _detail_page(request, roles, talk, bound={action: form}, status=400)
        else:
            messages.success(request, done(result))
        return redirect("talks:talk_detail", pk=talk.pk)
    return _detail_page(request, roles, talk, bound={action: form}, status=400)


@require_POST
def talk_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        "accept",
        lambda talk, data: services.talk_accept(
            talk=talk, actor=request.user, revision=data["revision"]
        ),
        lambda _talk: _("You accepted the time. Your manager has been told."),
    )


@require_POST
def talk_request_change(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        "request_change",
        lambda talk, data: services.talk_request_change(
            talk=talk, actor=request.user, revision=data["revision"], message=data["message"]
        ),
        lambda _talk: _("Your manager has been asked for another time."),
    )


@require_POST
def talk_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        "decline",
        lambda talk, data: services.talk_decline(
            talk=talk, actor=request.user, revision=data["revision"], reason=data["reason"]
        ),
        lambda _talk: _(
            "You declined the talk and your manager has been told. It still counts as "
            "offered; you can open it again if you change your mind."
        ),
    )


@require_POST
def talk_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        "reopen",
        lambda talk, data: services.talk_reopen(
            talk=talk, actor=request.user, revision=data["revision"]
        ),
        lambda _talk: _("The talk is open again; the manager can propose a time."),
    )


@require_POST
def talk_held(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        "held",
        lambda talk, data: services.talk_mark_held(
            talk=talk,
            actor=request.user,
            revision=data["revision"],
            note_taker=data["note_taker"],
        ),
        lambda _talk: _("The talk is marked as held. The record is open for the note-taker."),
    )


@require_POST
def talk_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        "cancel",
        lambda talk, data: services.talk_cancel(
            talk=talk, actor=request.user, revision=data["revision"], reason=data["reason"]
        ),
        lambda _talk: _("The talk was cancelled. Both parties have been told."),
    )


@require_POST
def talk_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        "reassign",
        lambda talk, data: services.talk_reassign(
            talk=talk, actor=request.user, revision=data["revision"]
        ),
        lambda talk: (
            _("The talk was moved to %(manager)s, who proposes a new time.")
            % {"manager": talk.manager.full_name}
        ),
    )


@require_http_methods(["GET", "POST"])
def talk_book(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager proposes (or changes) the time and place. Warnings (a short talk, after the
    deadline, an overlap) come back with a "Book anyway" button; errors stay on their field."""
    roles, talk = _talk_or_404(request, pk)
    if not permissions.can_book(roles, talk):
        raise PermissionDenied
    if not talk.is_open:
        messages.error(request, _("Only a talk that is offered or booked can be booked."))
        return redirect("talks:talk_detail", pk=talk.pk)
    warnings: list[str] = []
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid():
            try:
                services.talk_book(
                    talk=talk,
                    actor=request.user,
                    booking=form.booking(),
                    revision=form.cleaned_data["revision"],
                    confirmed=request.POST.get("confirm") == "1",
                )
            except services.NeedsConfirmation as needs:
                warnings = needs.warnings
            except ValidationError as error:
                add_service_errors(form, error)
            except EditConflict:
                _conflict_message(request)
                return redirect("talks:talk_detail", pk=talk.pk)
            except TransitionRefused as refused:
                _refused_messages(request, refused)
                return redirect("talks:talk_detail", pk=talk.pk)
            else:
                messages.success(
                    request,
                    _(
                        "The time is proposed. You both get a calendar invitation by email, "
                        "and the employee is asked to accept it."
                    ),
                )
                return redirect("talks:talk_detail", pk=talk.pk)
    else:
        form = BookingForm(initial=BookingForm.initial_for(talk))
    return render(
        request,
        "talks/talk_book.html",
        {"talk": talk, "form": form, "warnings": warnings},
        status=400 if form.errors else 200,
    )


@require_GET
def talk_ics_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The calendar invitation, for the two parties of a booked talk only."""
    roles, talk = _talk_or_404(request, pk)
    if not permissions.is_party(roles, talk) or talk.status != TalkStatus.BOOKED:
        raise Http404
    response = HttpResponse(talk_ics(talk), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="utvecklingssamtal.ics"'
    return response
