"""Text people typed elsewhere (names, summaries) going into a spreadsheet export."""

from __future__ import annotations

import re

# What Excel reads as the start of a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters an Excel file cannot hold (XML 1.0 forbids them; openpyxl refuses them and
# the export would fail). Tab, line feed and carriage return are allowed.
_NOT_IN_EXCEL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell_text(value: str) -> str:
    """`value` safe as a cell of a CSV or Excel file: without the control characters Excel
    cannot hold, and with a leading apostrophe where Excel would read a formula."""
    value = _NOT_IN_EXCEL.sub("", value)
    if value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
