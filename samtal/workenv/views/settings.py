"""The employer's work-environment settings, for the admin only: the routine for
victimisation, harassment and discrimination (Swedish and English), the risk matrix
(likelihood × consequence → level) and the contacts shown with the routine.

Everyone else gets 403 (the login page first when not logged in). Each change is a POST to
its own URL; a stale settings form is told (EditConflict) and shows what is saved now.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samtal.accounts.permissions import get_roles
from samtal.core.exceptions import EditConflict
from samtal.talks.forms.talk import add_service_errors
from samtal.workenv import selectors, services
from samtal.workenv.forms import ContactForm, PolicyForm
from samtal.workenv.models import Consequence, Likelihood, RiskLevel, SupportContact, WorkenvPolicy
from samtal.workenv.permissions import can_manage_settings


def _require_admin(request: HttpRequest) -> None:
    if not can_manage_settings(get_roles(request.user)):
        raise PermissionDenied


def _settings_url(anchor: str = "") -> str:
    url = reverse("workenv:settings")
    return f"{url}#{anchor}" if anchor else url


def _matrix_table(policy: WorkenvPolicy) -> list[tuple[str, list[str]]]:
    """The saved matrix as rows of level labels, to show beside a form that was not saved."""
    labels = dict(RiskLevel.choices)
    return [
        (
            str(likelihood_label),
            [str(labels[policy.risk_level(likelihood, co)]) for co in Consequence.values],
        )
        for likelihood, likelihood_label in Likelihood.choices
    ]


@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    """The routine and the risk matrix in one form, and the list of contacts."""
    _require_admin(request)
    policy = WorkenvPolicy.current()
    current: WorkenvPolicy | None = None
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                services.workenv_policy_update(
                    actor=request.user,
                    routine_sv=form.cleaned_data["routine_sv"],
                    routine_en=form.cleaned_data["routine_en"],
                    risk_matrix=form.matrix(),
                    revision=form.revision_value,
                )
            except EditConflict as conflict:
                current = (
                    conflict.current if isinstance(conflict.current, WorkenvPolicy) else policy
                )
                data = request.POST.copy()
                data["revision"] = str(current.revision)
                form = PolicyForm(data)
                form.is_valid()
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "The settings are saved. Risks already assessed keep the level they "
                        "were given."
                    ),
                )
                return redirect(_settings_url())
    else:
        form = PolicyForm(initial=PolicyForm.initial_for(policy))
    status = 409 if current is not None else 400 if form.errors else 200
    return render(
        request,
        "workenv/settings.html",
        {
            "form": form,
            "consequence_labels": Consequence.labels,
            "current": current,
            "current_matrix": _matrix_table(current) if current is not None else [],
            "contacts": selectors.support_contacts(),
        },
        status=status,
    )


def _contact_form_page(
    request: HttpRequest, form: ContactForm, contact: SupportContact | None, status: int
) -> HttpResponse:
    return render(
        request, "workenv/contact_form.html", {"form": form, "contact": contact}, status=status
    )


def _save_contact(request: HttpRequest, contact: SupportContact | None) -> HttpResponse:
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            saved = services.support_contact_save(
                actor=request.user, data=form.to_data(), contact=contact
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contact %(name)s is saved.") % {"name": saved.name})
            return redirect(_settings_url(f"contact-{saved.pk}"))
    return _contact_form_page(request, form, contact, 400)


@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        return _save_contact(request, None)
    return _contact_form_page(request, ContactForm(), None, 200)


@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    contact = get_object_or_404(SupportContact, pk=pk)
    if request.method == "POST":
        return _save_contact(request, contact)
    return _contact_form_page(
        request, ContactForm(initial=ContactForm.initial_for(contact)), contact, 200
    )


@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    contact = get_object_or_404(SupportContact, pk=pk)
    name = contact.name
    services.support_contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("The contact %(name)s is removed.") % {"name": name})
    return redirect(_settings_url("contacts"))
