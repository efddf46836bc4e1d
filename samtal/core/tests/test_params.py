from __future__ import annotations

import pytest

from samtal.core.params import int_param


@pytest.mark.parametrize(
    ("raw", "value"), [("0", 0), ("42", 42), (" 7 ", 7), ("9" * 18, 10**18 - 1)]
)
def test_whole_numbers_in_ascii_digits(raw, value):
    assert int_param(raw) == value


# "²" and "٣" are digits to str.isdigit(); int() refuses the first and reads the second.
@pytest.mark.parametrize(
    "raw", ["", " ", "-1", "+1", "1.5", "1e3", "²", "٣", "１", "9" * 19, "a\x00"]
)
def test_anything_else_is_none(raw):
    assert int_param(raw) is None


@pytest.mark.parametrize("raw", [None, 7, ["1"], b"1"])
def test_what_is_not_text_is_none(raw):
    assert int_param(raw) is None
