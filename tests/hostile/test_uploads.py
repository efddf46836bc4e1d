"""Hostile files for the people import (the only upload; templates have no import): binary
junk, a megabyte on one line, NUL bytes, the wrong encodings, a broken workbook, names with
markup and path tricks. The import must answer with what is wrong and where, never a 500,
and change nothing but its log of rejected imports."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from samtal.organisation.importer import REQUIRED_COLUMNS
from samtal.organisation.models import Person
from tests.hostile.payloads import XSS
from tests.hostile.probe import Prober

HEADER = ";".join(REQUIRED_COLUMNS)
IMPORT_LOG = frozenset({"organisation_importrun"})


def _row(number: str, first: str, last: str, email: str, unit: str = "HA") -> str:
    """One CSV line, quoted as a spreadsheet writes it (the payloads hold quotes)."""
    line = io.StringIO()
    csv.writer(line, delimiter=";").writerow([number, first, last, email, unit, "admin_staff"])
    return line.getvalue().rstrip("\r\n")


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _xlsx(rows: list[list[str]], *, raw: dict[str, str] | None = None) -> bytes:
    """A workbook; `raw` replaces text in its XML afterwards, for what openpyxl refuses to
    write (control characters, NUL)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if not raw:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            for old, new in raw.items():
                data = data.replace(old.encode(), new.encode())
            target.writestr(item, data)
    return out.getvalue()


HOSTILE_FILES: dict[str, tuple[str, bytes]] = {
    "binary junk": ("people.csv", bytes(range(256)) * 64),
    "a megabyte on one line": ("people.csv", b"A" * (1024 * 1024)),
    "a megabyte in one cell": ("people.csv", _csv(_row("H1", "A" * 1024 * 1024, "B", "h1@x.se"))),
    "NUL bytes": ("people.csv", _csv(_row("H2\x00", "Ann\x00a", "B", "h2@x.se", "H\x00A"))),
    "NUL in the header": ("people.csv", _csv(header=HEADER.replace("email", "em\x00ail"))),
    "Latin-1": (
        "people.csv",
        _csv().replace(b"\n", b"\n") + "H3;Åsa;Öberg;h3@x.se;HA;admin_staff\n".encode("latin-1"),
    ),
    "UTF-16": ("people.csv", (HEADER + "\nH4;Åsa;B;h4@x.se;HA;admin_staff\n").encode("utf-16")),
    "a zip that is no workbook": ("people.xlsx", b"PK\x03\x04" + b"\x00" * 4000),
    "a workbook without rows": ("people.xlsx", _xlsx([])),
    "a workbook with markup and NUL": (
        "people.xlsx",
        _xlsx(
            [list(REQUIRED_COLUMNS), ["H5", XSS, "B-NUL", "h5@x.se", "HA", "admin_staff"]],
            raw={"B-NUL": "B\x00\x0b"},
        ),
    ),
    "markup in every cell": ("people.csv", _csv(";".join([XSS] * len(REQUIRED_COLUMNS)))),
    "markup in the header": ("people.csv", _csv(header=f"{HEADER};{XSS}")),
    "a formula as a name, in a unit that does not exist": (
        "people.csv",
        _csv(_row("H6", "=cmd|' /C calc'!A0", "@SUM(1)", "h6@x.se", unit="NOPE")),
    ),
    "markup as the file name": (f"{XSS}.csv", _csv()),
    "a path as the file name": ("../../../etc/passwd.csv", _csv()),
    "a NUL in the file name": ("people\x00.csv", _csv()),
    "the wrong extension": ("people.exe", _csv()),
    "no extension, 300 characters": ("x" * 300, _csv()),
    "an empty file": ("people.csv", b""),
    "only a BOM": ("people.csv", b"\xef\xbb\xbf"),
    "ten thousand empty columns": ("people.csv", _csv(header=HEADER + ";" * 10000)),
}


@pytest.mark.parametrize("name", list(HOSTILE_FILES), ids=list(HOSTILE_FILES))
@pytest.mark.parametrize("dry_run", [True, False], ids=["check", "apply"])
def test_hostile_file(probe: Prober, name: str, dry_run: bool) -> None:
    file_name, content = HOSTILE_FILES[name]
    data: dict[str, Any] = {"file": SimpleUploadedFile(file_name, content, content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    outcome = probe.request(
        "POST",
        reverse("organisation:import"),
        "admin",
        data=data,
        label=f"upload:{name}",
        allow=IMPORT_LOG,
    )
    assert outcome.status < 500
    # None of these files is a valid import: nothing may change but the log of the refusal.
    assert not outcome.changed, f"{name}: {outcome}"


def test_hostile_form_fields_of_the_import(probe: Prober) -> None:
    """The checkboxes and the file field with wrong types: a string, a list, no file."""
    path = reverse("organisation:import")
    for data in (
        {"file": XSS, "dry_run": XSS, "full_sync": "\x00"},
        {"file": ["a", "b"], "dry_run": ["on", "off"]},
        {"dry_run": "on"},
        {},
    ):
        outcome = probe.request("POST", path, "admin", data=data, label="upload:fields")
        assert outcome.refused
        assert not outcome.changed


@override_settings(SAMTAL_IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_refused(probe: Prober) -> None:
    content = _csv(*(_row(f"L{n}", "Anna", "Berg", f"l{n}@x.se") for n in range(100)))
    outcome = probe.request(
        "POST",
        reverse("organisation:import"),
        "admin",
        data={"file": SimpleUploadedFile("people.csv", content)},
        label="upload:limit",
        allow=IMPORT_LOG,
    )
    assert outcome.status == 200
    assert outcome.refused
    assert not outcome.changed


def test_markup_in_imported_names_is_shown_escaped(probe: Prober) -> None:
    """A valid file whose names carry markup is imported; every page that lists the new people
    (the people list, the person, the unit) shows the names as text."""
    content = _csv(_row("X1", XSS, XSS, "x1@x.se"), _row("X2", "Anna", XSS, "x2@x.se"))
    outcome = probe.request(
        "POST",
        reverse("organisation:import"),
        "admin",
        data={"file": SimpleUploadedFile("people.csv", content)},
        label="xss:upload",
        check=False,
    )
    assert outcome.status == 302, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]*)', outcome.body)
    assert not probe.failures
    # The same import, kept this time, then the pages that show the people.
    client = probe.clients["admin"]
    response = client.post(
        reverse("organisation:import"),
        {"file": SimpleUploadedFile("people.csv", content)},
    )
    assert response.status_code == 302
    assert Person.objects.filter(employee_number__in=["X1", "X2"]).count() == 2
    for path in (
        reverse("organisation:person_list") + "?q=X",
        reverse("organisation:person_detail", kwargs={"employee_number": "X1"}),
        reverse("organisation:unit_detail", kwargs={"code": "HA"}),
    ):
        page = probe.request("GET", path, "admin", label="xss:upload-page")
        assert page.status == 200, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.body, path
    assert not probe.failures
