"""Checks for free text people write: what every form and service refuses the same way."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def clean_text(text: str, *, limit: int, field: str = "text") -> str:
    """The text with Windows line ends made plain; refuses NUL (PostgreSQL cannot store it)
    and text over `limit` characters, saying which field and how long it was."""
    text = (text or "").replace("\r\n", "\n")
    if "\x00" in text:
        raise ValidationError({field: [_("The text contains a NUL character; remove it.")]})
    if len(text) > limit:
        raise ValidationError(
            {
                field: [
                    _("The text is %(length)d characters; at most %(limit)d are allowed.")
                    % {"length": len(text), "limit": limit}
                ]
            }
        )
    return text
