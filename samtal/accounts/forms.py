from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from samtal.accounts.models import User


class EmailLoginForm(AuthenticationForm):
    # No autofocus: it would skip the page's heading and explanation for screen-reader users
    # and put keyboard users past the skip link.
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class FirstLoginAwarePasswordResetForm(PasswordResetForm):
    """Password reset that also reaches people imported without a password yet, so the reset
    link doubles as the first-login link; the email is written in the recipient's language."""

    def get_users(self, email: str) -> Iterator[Any]:
        return iter(User.objects.filter(email__iexact=email.strip(), is_active=True))

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context.get("user")
        with translation.override(getattr(user, "preferred_language", None) or "sv"):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
