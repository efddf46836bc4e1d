from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from samtal.core.spreadsheets import cell_text


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\x01=1"])
def test_a_formula_start_is_quoted(value):
    assert cell_text(value).startswith("'")
    assert cell_text(value).lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("value", ["Anna", "1=1", " =1", "Åsa Öberg", "a\nb", ""])
def test_plain_text_is_kept(value):
    assert cell_text(value) == value


def test_control_characters_are_left_out_so_that_excel_can_hold_the_cell():
    value = cell_text("A\x00B\x01C\x0bD\x0cE\x1fF\tG")
    assert value == "ABCDEF\tG"
    book = Workbook(write_only=True)
    book.create_sheet().append([value])
    book.save(io.BytesIO())  # openpyxl refuses the characters left out
