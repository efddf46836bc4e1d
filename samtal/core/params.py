"""Values read straight from a request (a query parameter, a button's value) rather than
through a form field: parsed here the same way everywhere, so that no odd input becomes a 500."""

from __future__ import annotations

# 18 digits fit a 64-bit integer column; more cannot be an id, a revision or a year.
MAX_DIGITS = 18


def int_param(raw: object) -> int | None:
    """A non-negative whole number written in ASCII digits, or None for anything else.

    str.isdigit() is not enough: it is true for "²", "٣" and other digits int() refuses or
    reads differently; and a number of 30 digits overflows every integer column."""
    if not isinstance(raw, str):
        return None
    value = raw.strip()
    if not value or len(value) > MAX_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value)
