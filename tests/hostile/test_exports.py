"""Hostile stored text in the exports: spreadsheets (CSV, Excel) must not hand a formula to
Excel nor fail on a control character; the HTML behind every PDF shows the text escaped
(WeasyPrint would fetch an injected <img src>); calendar files keep one event whatever the
place says. Every document URL is rendered once for a role that may read it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from icalendar import Calendar
from openpyxl import load_workbook

from samtal.core.tests.documents import docx_text
from samtal.organisation.models import Person, Unit
from samtal.talks.models import Round, Talk
from samtal.workenv.models import AnnualFollowUp
from tests.hostile.catalogue import TARGETS
from tests.hostile.payloads import contains_markup
from tests.hostile.probe import Prober

FORMULAS = ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
# Characters an Excel file cannot hold (openpyxl refuses them): text can still hold them.
CONTROL = "A\x01B\x0bC\x1f"

# Every spreadsheet export and a role that may fetch it.
SPREADSHEETS = [
    ("talks:round_export", "hr", {"what": w, "fmt": f})
    for w in ("units", "managers", "talks")
    for f in ("csv", "xlsx")
] + [
    ("plans:competence_export", "manager", {"fmt": "csv"}),
    ("plans:competence_export", "manager", {"fmt": "xlsx"}),
    ("workenv:annual_export", "manager", {"fmt": "csv"}),
]


@pytest.fixture
def formula_names(probe: Prober) -> None:
    """Side A's names, the round's name and the year's summary start with a formula (or hold
    control characters); the test's transaction puts them back."""
    world = probe.world
    side = world.a
    values = iter(FORMULAS * 3)
    for unit in Unit.objects.filter(pk=side.unit.pk):
        unit.name_sv = unit.name_en = f"{next(values)}{CONTROL}"
        unit.save()
    for person in Person.objects.filter(unit=side.unit):
        person.first_name, person.last_name = next(values), f"{next(values)}{CONTROL}"
        person.save()
    Round.objects.filter(pk=side.round.pk).update(name=f'=HYPERLINK("x"){CONTROL}')
    AnnualFollowUp.objects.filter(unit=side.unit).update(summary=f"=1+1{CONTROL}")


def _kwargs(name: str, role: str, extra: dict[str, Any], probe: Prober) -> dict[str, Any]:
    world = probe.world
    base = next(iter(TARGETS[name].fill(world, world.a, role)))
    return {**base, **extra}


def _cells(content: bytes, fmt: str) -> list[str]:
    if fmt == "csv":
        text = content.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]


@pytest.mark.usefixtures("formula_names")
@pytest.mark.parametrize(("name", "role", "extra"), SPREADSHEETS)
def test_spreadsheets_neutralise_formulas(
    probe: Prober, name: str, role: str, extra: dict[str, Any]
) -> None:
    kwargs = _kwargs(name, role, extra, probe)
    path = reverse(name, kwargs=kwargs)
    response = probe.clients[role].get(path)
    assert response.status_code == 200, path
    content = response.getvalue()
    cells = _cells(content, kwargs["fmt"])
    assert cells
    # The test data must reach the file: else it proves nothing.
    neutralised = [c for c in cells if c.startswith("'") and c[1:2] in "=+-@\t\r"]
    assert neutralised, f"{path}: none of the formula names is in the file"
    formulas = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not formulas, f"{path}: a spreadsheet would read these as formulas: {formulas}"
    assert not [c for c in cells if "\x01" in c or "\x0b" in c], "control characters kept"
    assert not probe.leaks(role, "\n".join(cells)), path


class _CapturedHTML:
    """Stands in for weasyprint.HTML: keeps the HTML a PDF would be made from."""

    pages: list[str] = []

    def __init__(self, *, string: str, **kwargs: Any) -> None:
        _CapturedHTML.pages.append(string)

    def write_pdf(self, *args: Any, **kwargs: Any) -> bytes:
        return b"%PDF-1.7 captured"


DOCUMENTS = [
    ("talks:record_export", "employee"),
    ("talks:salary_basis_pdf", "manager"),
    ("plans:plan_export", "employee"),
    ("talk_templates:version_export", "employee"),
    ("workenv:annual_export", "safety_rep"),
    ("talks:talk_ics", "employee"),
    ("plans:checkpoint_ics", "manager"),
    ("organisation:import_example", "admin"),
]


@pytest.mark.parametrize(("name", "role"), DOCUMENTS)
def test_documents_render_stored_markup_as_text(
    probe: Prober, monkeypatch: pytest.MonkeyPatch, name: str, role: str
) -> None:
    """Each document for a role that may read it: no 5xx, and the HTML behind a PDF shows
    the world's stored markup escaped."""
    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", _CapturedHTML)
    _CapturedHTML.pages = []
    world = probe.world
    texts = []
    for kwargs in TARGETS[name].fill(world, world.a, role):
        path = reverse(name, kwargs=kwargs)
        response = probe.clients[role].get(path)
        assert response.status_code == 200, path
        if kwargs.get("fmt") == "docx":
            texts.append(docx_text(response.getvalue()))
        elif kwargs.get("fmt") != "pdf":
            texts.append(response.getvalue().decode("utf-8", "replace"))
    for html in _CapturedHTML.pages:
        assert "&lt;script&gt;alert(" in html, "the stored markup is not in the document"
        assert not contains_markup(html), f"{name}: the PDF's HTML holds {contains_markup(html)}"
    for text in [*_CapturedHTML.pages, *texts]:
        assert not probe.leaks(role, text), f"{name} shows {role} {probe.leaks(role, text)}"


def test_a_place_cannot_add_lines_to_the_calendar_invitation(probe: Prober) -> None:
    world = probe.world
    Talk.objects.filter(pk=world.a.talk_booked.pk).update(
        place="Room 1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected\r\nATTENDEE:mailto:x@evil"
    )
    response = probe.clients["employee"].get(
        reverse("talks:talk_ics", kwargs={"pk": world.a.talk_booked.pk})
    )
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    assert "Injected" not in str(events[0].get("SUMMARY"))
    assert "END:VEVENT" in str(events[0].get("LOCATION"))  # kept as text, escaped


def test_every_document_url_is_rendered_here() -> None:
    documents = {name for name, target in TARGETS.items() if target.document}
    rendered = {name for name, _role in DOCUMENTS} | {name for name, _role, _e in SPREADSHEETS}
    assert documents == rendered
