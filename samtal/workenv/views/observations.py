"""Work-environment observations in a talk: its two parties register them (from an answer to
a question that raises observations, or freely), change or withdraw them, and the employee
decides whether a description may leave the talk. And the employer's routine for
victimisation, harassment and discrimination, with its contacts.

Only the two parties of the talk reach an observation: everyone else gets 404, whatever else
they may read of the talk (its talk and author are never shown outside it). A party gets 403
when the talk cannot raise observations now (offered, declined, cancelled) and the manager
403 on the employee's permission for the description. A routine category keeps no details:
the form shows the routine and contacts before anything is typed, and after registering the
user lands on the routine page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samtal.accounts.permissions import Roles, get_roles
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.forms import RevisionMixin
from samtal.core.params import int_param
from samtal.talk_templates.models import Question
from samtal.talks.forms.talk import add_service_errors
from samtal.talks.models import Record, Talk
from samtal.workenv import selectors, services
from samtal.workenv.forms import ConsentForm, ObservationForm
from samtal.workenv.models import Observation, Party, WorkenvPolicy
from samtal.workenv.permissions import can_observe, talk_party

SECTION = "work-environment"

# --- shared -------------------------------------------------------------------------------------


def _talk_for_party(request: HttpRequest, pk: int) -> tuple[Roles, Talk, str]:
    """The talk for one of its two parties; 404 for everyone else."""
    roles = get_roles(request.user)
    talk = (
        Talk.objects.select_related("employee", "manager", "unit", "template_version")
        .filter(pk=pk)
        .first()
    )
    party = talk_party(roles, talk) if talk is not None else ""
    if talk is None or not party:
        raise Http404
    return roles, talk, party


def _observation_for_party(request: HttpRequest, pk: int) -> tuple[Observation, str]:
    roles = get_roles(request.user)
    observation = selectors.talk_observation(roles=roles, pk=pk)
    assert observation.talk is not None
    return observation, talk_party(roles, observation.talk)


def _back_url(talk: Talk, anchor: str = SECTION) -> str:
    """Where the talk's observations are shown: the record once there is one, else the talk."""
    if Record.objects.filter(talk_id=talk.pk).exists():
        url = reverse("talks:talk_record", args=[talk.pk])
    else:
        url = reverse("talks:talk_detail", args=[talk.pk])
    return f"{url}#{anchor}"


def _refused(request: HttpRequest, refused: TransitionRefused) -> None:
    for problem in refused.problems:
        messages.error(request, problem)


def _flagged_question(talk: Talk, raw: Any) -> Question | None:
    """A question of the talk's template that raises observations, or None."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    return Question.objects.filter(
        pk=pk, section__version_id=talk.template_version_id, raises_observation=True
    ).first()


def _form_page(
    request: HttpRequest,
    *,
    talk: Talk,
    form: ObservationForm,
    title: str,
    action: str,
    question: Question | None = None,
    question_unknown: bool = False,
    observation: Observation | None = None,
    unsaved: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "workenv/observation_form.html",
        {
            "talk": talk,
            "form": form,
            "title": title,
            "action": action,
            "question": question,
            "question_unknown": question_unknown,
            "observation": observation,
            "unsaved": unsaved,
            "back_url": _back_url(talk),
            "policy": WorkenvPolicy.current(),
            "contacts": selectors.support_contacts(),
        },
        status=status,
    )


# --- registering and changing -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def observation_add(request: HttpRequest, talk: int) -> HttpResponse:
    """Either party registers an observation; `?question=` links it to a question that raises
    observations (its text is shown as the context)."""
    roles, found, party = _talk_for_party(request, talk)
    if not can_observe(roles, found):
        raise PermissionDenied
    employee = party == Party.EMPLOYEE
    action = reverse("workenv:observation_add", args=[found.pk])
    title = _("Register a work-environment observation")
    raw = (request.POST if request.method == "POST" else request.GET).get("question")
    question = _flagged_question(found, raw) if raw else None

    def page(form: ObservationForm, status: int = 200) -> HttpResponse:
        return _form_page(
            request,
            talk=found,
            form=form,
            title=title,
            action=action,
            question=question,
            question_unknown=bool(raw) and question is None,
            status=status,
        )

    if request.method != "POST":
        return page(
            ObservationForm(
                initial={"question": question.pk if question else None}, employee=employee
            )
        )
    form = ObservationForm(request.POST, employee=employee)
    if form.is_valid():
        try:
            observation = services.observation_raise(
                actor=request.user, talk=found, data=form.to_data()
            )
        except TransitionRefused as refused:
            _refused(request, refused)
            return redirect(_back_url(found))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if observation.is_routine:
                messages.success(
                    request,
                    _(
                        "The matter is recorded as raised and handed on according to the "
                        "employer's routine. No details were kept. Follow the routine below; "
                        "you can turn to the contacts yourself."
                    ),
                )
                return redirect(f"{reverse('workenv:routine')}?talk={found.pk}")
            messages.success(
                request,
                _(
                    "The observation is registered. The manager assesses the risk in the "
                    "unit's register; you both see here what becomes of it."
                ),
            )
            return redirect(_back_url(found, f"observation-{observation.pk}"))
    return page(form, status=400)


def _edit_form(data: Any, *, employee: bool, observation: Observation) -> ObservationForm:
    form = ObservationForm(
        data, employee=employee, initial=ObservationForm.initial_for(observation)
    )
    # The question an observation came from stays as it was registered.
    del form.fields["question"]
    return form


@require_http_methods(["GET", "POST"])
def observation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Either party changes an observation of the talk; a change made on a stale page is
    refused and the current state shown, with the description that was not saved."""
    observation, party = _observation_for_party(request, pk)
    talk = observation.talk
    assert talk is not None
    employee = party == Party.EMPLOYEE
    action = reverse("workenv:observation_edit", args=[observation.pk])
    title = _("Change the work-environment observation")
    if request.method != "POST":
        form = _edit_form(None, employee=employee, observation=observation)
        return _form_page(
            request, talk=talk, form=form, title=title, action=action, observation=observation
        )
    form = _edit_form(request.POST, employee=employee, observation=observation)
    if form.is_valid():
        try:
            services.observation_update(
                actor=request.user,
                observation=observation,
                data=form.to_data(),
                revision=form.revision_value,
            )
        except EditConflict as conflict:
            current = conflict.current if isinstance(conflict.current, Observation) else observation
            current.talk = talk
            messages.error(
                request,
                _(
                    "The observation was changed meanwhile by the other party; nothing was "
                    "saved. Its current state is shown below: make your change again."
                ),
            )
            return _form_page(
                request,
                talk=talk,
                form=_edit_form(None, employee=employee, observation=current),
                title=title,
                action=action,
                observation=current,
                unsaved=form.cleaned_data.get("description", ""),
                status=409,
            )
        except TransitionRefused as refused:
            _refused(request, refused)
            return redirect(_back_url(talk))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The observation is changed."))
            return redirect(_back_url(talk, f"observation-{observation.pk}"))
    return _form_page(
        request,
        talk=talk,
        form=form,
        title=title,
        action=action,
        observation=observation,
        status=400,
    )


@require_POST
def observation_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """The employee lets the description leave the talk (the unit's register shows it, never
    the name), or takes that back. The manager gets 403."""
    observation, party = _observation_for_party(request, pk)
    talk = observation.talk
    assert talk is not None
    if party != Party.EMPLOYEE:
        raise PermissionDenied
    back = _back_url(talk, f"observation-{observation.pk}")
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
        return redirect(back)
    may_leave = bool(form.cleaned_data["may_leave"])
    try:
        services.observation_set_consent(
            actor=request.user,
            observation=observation,
            may_leave=may_leave,
            revision=form.revision_value,
        )
    except EditConflict:
        messages.error(
            request,
            _("The observation was changed meanwhile; nothing was saved. Check it and try again."),
        )
    except TransitionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(
            request,
            _(
                "The description may now leave the talk: the unit's register shows it, "
                "without your name."
            )
            if may_leave
            else _("The description stays in the talk: the unit's register no longer shows it."),
        )
    return redirect(back)


@require_POST
def observation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Either party withdraws an observation registered by mistake, until the manager has
    assessed it."""
    observation, _party = _observation_for_party(request, pk)
    talk = observation.talk
    assert talk is not None
    form = RevisionMixin(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
        return redirect(_back_url(talk, f"observation-{observation.pk}"))
    try:
        services.observation_withdraw(
            actor=request.user, observation=observation, revision=form.revision_value
        )
    except EditConflict:
        messages.error(
            request,
            _("The observation was changed meanwhile; nothing was saved. Check it and try again."),
        )
    except TransitionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("The observation is withdrawn."))
        return redirect(_back_url(talk))
    return redirect(_back_url(talk, f"observation-{observation.pk}"))


# --- the routine ----------------------------------------------------------------------------------


@require_GET
def routine(request: HttpRequest) -> HttpResponse:
    """The employer's routine for victimisation, harassment and discrimination, and whom to
    turn to; anyone logged in. `?talk=` (a talk of the user's) adds the way back to it."""
    back_url = ""
    number = int_param(request.GET.get("talk"))
    if number is not None:
        talk = Talk.objects.filter(pk=number).first()
        if talk is not None and talk_party(get_roles(request.user), talk):
            back_url = _back_url(talk)
    return render(
        request,
        "workenv/routine.html",
        {
            "policy": WorkenvPolicy.current(),
            "contacts": selectors.support_contacts(),
            "back_url": back_url,
        },
    )
