from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.views.decorators.http import require_POST

from samtal.accounts.forms import EmailLoginForm, FirstLoginAwarePasswordResetForm
from samtal.accounts.selectors import Lockout, login_lockout
from samtal.accounts.services import (
    login_failure_record,
    login_success_record,
    user_set_language,
)
from samtal.core.http import client_ip

logger = logging.getLogger(__name__)


def _with_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A locked pair or address is refused before the password is looked at, so guessing
        # goes on learning nothing; the answer is the same whether the account exists or not.
        self.client_address = client_ip(request)
        self.typed_email = request.POST.get("username", "")
        lockout = login_lockout(address=self.client_address, username=self.typed_email)
        if lockout is not None:
            logger.info("Login refused while locked out, from %s", self.client_address)
            return self._locked_out(lockout)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: EmailLoginForm) -> HttpResponse:  # type: ignore[override]
        login_success_record(address=self.client_address, username=self.typed_email)
        response = super().form_valid(form)
        language = form.get_user().preferred_language
        activate(language)
        return _with_language(response, language)

    def form_invalid(self, form: EmailLoginForm) -> HttpResponse:  # type: ignore[override]
        # Only a checked and refused password counts, not a form left empty.
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            lockout = login_failure_record(address=self.client_address, username=self.typed_email)
            if lockout is not None:
                return self._locked_out(lockout)
        return super().form_invalid(form)

    def _locked_out(self, lockout: Lockout) -> HttpResponse:
        shown = self.typed_email.replace("\x00", "").strip()[:254]
        form = self.form_class(self.request, initial={"username": shown})
        context = self.get_context_data(form=form, lockout_minutes=lockout.minutes_left)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(lockout.seconds_left)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = FirstLoginAwarePasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; for a logged-in user it also becomes their preference."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest("Unknown language")
    next_url = request.POST.get("next") or reverse("core:home")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("core:home")
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    return _with_language(HttpResponseRedirect(next_url), language)
