"""The annual SAM follow-up of a unit as a PDF document and as a CSV file of its figures, in
Swedish or English. Both show exactly the page's figures, with the same ones hidden ("–"), and
the manager's summary. The caller has checked that the reader may see the unit's aggregates.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samtal.core.spreadsheets import cell_text
from samtal.organisation.models import Unit
from samtal.workenv.annual import AnnualReport, Table, annual_follow_up
from samtal.workenv.figures import Cell

LANGUAGES = ("sv", "en")
CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}
HIDDEN = "–"  # as on the page


def title(report: AnnualReport) -> str:
    return _("Annual SAM follow-up %(year)s: %(unit)s") % {
        "year": report.year,
        "unit": report.unit.name,
    }


def file_name(unit: Unit, *, year: int, language: str, fmt: str) -> str:
    stem = slugify(unit.code) or str(unit.pk)
    return f"sam-follow-up-{stem}-{year}-{language}.{fmt}"


def _notice() -> str:
    if not settings.SAMTAL_PUBLIC_RECORDS_NOTICE:
        return ""
    return _(
        "This document may become a public record (allmän handling) and may then be "
        "disclosed to anyone who asks for it, unless secrecy applies."
    )


# --- PDF --------------------------------------------------------------------------------------


def annual_pdf(unit: Unit, *, year: int, language: str) -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        report = annual_follow_up(unit=unit, year=year)
        html = render_to_string(
            "workenv/export/annual.html",
            {
                "report": report,
                "language": language,
                "title": title(report),
                "organisation": settings.SAMTAL_ORGANISATION_NAME,
                "exported_on": formats.date_format(timezone.localdate()),
                "notice": _notice(),
            },
        )
        return bytes(HTML(string=html).write_pdf())


# --- CSV --------------------------------------------------------------------------------------


def _text(value: str) -> str:
    """A name or the summary as a spreadsheet may hold it: never read as a formula."""
    return cell_text(value)


def _value(cell: Cell) -> str | int:
    if not cell.applies:
        return ""
    return HIDDEN if cell.value is None else cell.value


def _table(heading: str, first: str, table: Table) -> list[list[str | int]]:
    """A table under its heading; no totals row: the cells are not added up (a person can be
    counted in several), as on the page."""
    return [
        [heading],
        [first, *table.columns],
        *([row.label, *(_value(cell) for cell in row.cells)] for row in table.rows),
    ]


def annual_rows(report: AnnualReport) -> list[list[str | int]]:
    """The follow-up as rows of a spreadsheet: a heading row before each table."""
    if report.complete:
        as_of = _("Actions as they stood at the end of the year (%(day)s).")
    else:
        as_of = _("Actions as they stand today (%(day)s).")
    rows: list[list[str | int]] = [
        [title(report)],
        [_("Unit"), report.unit.name],
        [_("Unit code"), report.unit.code],
        [_("Year"), report.year],
        [as_of % {"day": report.as_of.isoformat()}],
        [
            _(
                "No figure is about fewer than %(k)s people; “%(hidden)s” means hidden "
                "(fewer than %(k)s people, or hidden as well to protect a smaller group). "
                "A person can be counted in several cells, so the cells are not added up."
            )
            % {"k": report.k, "hidden": HIDDEN}
        ],
        [],
        *_table(_("Development talks"), _("Talks"), report.talks),
        [],
        *_table(_("Observations by category and severity"), _("Category"), report.observations),
        [],
        *_table(_("Actions open, overdue and taken"), _("Category"), report.actions),
        [],
        [_("The manager's summary")],
        [report.summary.text],
    ]
    if report.summary.text and report.summary.saved_at:
        saved = timezone.localtime(report.summary.saved_at).date().isoformat()
        rows.append([_("Last saved"), saved, report.summary.saved_by])
    return rows


def annual_csv(unit: Unit, *, year: int, language: str) -> str:
    with translation.override(language):
        report = annual_follow_up(unit=unit, year=year)
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        for row in annual_rows(report):
            writer.writerow([_text(value) if isinstance(value, str) else value for value in row])
    return "\ufeff" + buffer.getvalue()  # Excel needs the BOM to read UTF-8.
