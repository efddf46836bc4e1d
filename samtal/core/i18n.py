"""Content that users author in both languages is stored as `<field>_sv` and `<field>_en`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language


def in_language(obj: Any, field: str, language: str | None = None) -> str:
    """`obj.<field>_en` when the language (default: the active one) is English, else `_sv`."""
    language = (language or get_language() or "sv")[:2]
    return getattr(obj, f"{field}_en" if language == "en" else f"{field}_sv")
