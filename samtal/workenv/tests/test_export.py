"""The annual follow-up as PDF and CSV in Swedish and English: the page's figures with the same
ones hidden, the manager's summary, and never a name (but the summary's author) or a
description."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from samtal.core.tests.documents import pdf_text
from samtal.talks.models import TalkStatus
from samtal.workenv import export
from samtal.workenv.models import ActionStatus
from samtal.workenv.services import annual_follow_up_save
from samtal.workenv.tests.annual_data import SECRET, YEAR, acted, observed, round_of, staff, talk

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_of_sam(settings, dept, manager, employee):
    """Six people in a round (five held, one declined) with observations and actions; K = 3."""
    settings.SAMTAL_ANONYMITY_K = 3
    people = staff(dept, manager, 5)
    this_round = round_of(YEAR, [dept])
    talks = [talk(person, round_=this_round) for person in people[:5]]
    talk(employee, round_=this_round, status=TalkStatus.DECLINED)
    for held in talks[:4]:
        acted(observed(held, severity="high"), status=ActionStatus.DONE)
    observed(talks[4], category="victimisation")  # one person: hidden
    annual_follow_up_save(
        actor=manager.user,
        unit=dept,
        year=YEAR,
        summary="=The workload went down.\nNew routines for the lab.",
        revision=0,
    )
    return people


def url(unit, fmt: str, language: str) -> str:
    return reverse("workenv:annual_export", args=[unit.pk, YEAR, fmt]) + f"?lang={language}"


def rows_of(content: str) -> list[list[str]]:
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))


def section(rows: Sequence[Sequence[Any]], heading: str) -> list[Any]:
    """The rows after a heading row, up to the next empty row."""
    start = [list(row) for row in rows].index([heading]) + 1
    end = next((i for i in range(start, len(rows)) if not rows[i]), len(rows))
    return list(rows[start:end])


def test_csv_in_english(client, dept, hr, year_of_sam):
    client.force_login(hr.user)
    response = client.get(url(dept, "csv", "en"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="sam-follow-up-dep-{YEAR}-en.csv"'
    )
    rows = rows_of(response.content.decode())
    assert rows[0] == [f"Annual SAM follow-up {YEAR}: The Department"]
    talks = dict(section(rows, "Development talks")[1:])
    assert talks["Held"] == "5"
    # One declined: hidden, and with it the talks offered, else 6 − 5 would give it away.
    assert talks["Not held (declined, or not yet held)"] == "–"
    assert talks["Offered"] == "–"
    observations = section(rows, "Observations by category and severity")
    assert observations[0] == [
        "Category",
        "Minor",
        "Considerable",
        "Serious",
        "Handed on by the routine",
    ]
    by_category = {row[0]: row[1:] for row in observations[1:]}
    assert by_category["Workload and resources"] == ["0", "0", "4", ""]
    assert by_category["Victimisation or harassment"] == ["", "", "", "–"]
    # No totals row: a person can be counted in several cells.
    assert "Total" not in by_category
    actions = section(rows, "Actions open, overdue and taken")
    assert actions[0] == ["Category", "Open", "Overdue", "Taken (done)", "Not effective"]
    assert {row[0]: row[1:] for row in actions[1:]}["Workload and resources"] == [
        "0",
        "0",
        "4",
        "0",
    ]
    summary = section(rows, "The manager's summary")
    # A summary beginning like a formula is kept as text.
    assert summary[0] == ["'=The workload went down.\nNew routines for the lab."]


def test_csv_in_swedish_names_the_unit_in_swedish(client, dept, hr, year_of_sam):
    client.force_login(hr.user)
    response = client.get(url(dept, "csv", "sv"))
    assert response["Content-Disposition"].endswith(f'-{YEAR}-sv.csv"')
    rows = rows_of(response.content.decode())
    assert "Institutionen" in rows[0][0]
    assert rows[1][1:] == ["Institutionen"]


def test_csv_names_nobody_but_the_summarys_author(client, dept, hr, manager, year_of_sam):
    client.force_login(hr.user)
    content = client.get(url(dept, "csv", "en")).content.decode()
    assert SECRET not in content
    assert "Hire a named consultant" not in content
    for person in year_of_sam:
        assert person.last_name not in content
    assert manager.full_name in content  # who wrote the summary


@pytest.mark.parametrize("language", ["en", "sv"])
def test_pdf(client, dept, safety_rep, manager, year_of_sam, language):
    client.force_login(safety_rep.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url(dept, "pdf", language))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    unit = "The Department" if language == "en" else "Institutionen"
    assert unit in text
    assert "The workload went down." in text
    assert SECRET not in text
    for person in year_of_sam:
        assert person.last_name not in text
    if language == "en":
        assert f"Annual SAM follow-up {YEAR}: The Department" in text
        assert "Observations by category and severity" in text
        assert "Workload and resources 0 0 4" in text
        assert "Held 5" in text


def test_the_export_defaults_to_the_readers_language(client, dept, hr, year_of_sam):
    client.force_login(hr.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("workenv:annual_export", args=[dept.pk, YEAR, "csv"]))
    assert response["Content-Disposition"].endswith('-en.csv"')


def test_the_figures_match_the_page(dept, year_of_sam):
    """The file is the page's report, cell for cell."""
    from samtal.workenv.annual import annual_follow_up

    report = annual_follow_up(unit=dept, year=YEAR)
    rows = export.annual_rows(report)
    for heading, table in (
        ("Observations by category and severity", report.observations),
        ("Actions open, overdue and taken", report.actions),
    ):
        lines = section(rows, heading)[1:]
        assert [line[0] for line in lines] == [row.label for row in table.rows]
        for line, row in zip(lines, table.rows, strict=True):
            assert line[1:] == [export._value(cell) for cell in row.cells]
    talks = section(rows, "Development talks")[1:]
    assert talks == [[row.label, export._value(row.cells[0])] for row in report.talks.rows]
