"""manage.py import_people FILE [--full-sync] [--dry-run]"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from samtal.organisation.models import ImportRun, Person
from samtal.organisation.tests.test_importer import csv_bytes, person_row
from samtal.organisation.tests.test_services import NEW_UNIT, as_xlsx, snapshot


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def import_people(path, *options: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_people", str(path), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_and_prints_a_summary(dept, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(
        csv_bytes(
            [
                person_row("N1", unit_code="NEW", parent_unit_code="DEP", **NEW_UNIT),
                person_row("N2", manager_employee_number="N1"),
            ]
        )
    )

    out, err = import_people(path)

    assert err == ""
    assert "Import applied:" in out
    for label, value in (("rows", 2), ("created", 2), ("updated", 0), ("units created", 1)):
        assert f"{label} " in out
        assert any(line.split()[-1] == str(value) for line in out.splitlines() if label in line)
    assert Person.objects.get(employee_number="N2").manager == Person.objects.get(
        employee_number="N1"
    )
    run = ImportRun.objects.get()
    assert (run.status, run.actor, run.file_name) == ("applied", None, "people.csv")


def test_second_run_reports_everyone_unchanged(dept, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([person_row("N1"), person_row("N2")]))
    import_people(path)

    out, _err = import_people(path)

    assert "unchanged      2" in out
    assert "created        0" in out


def test_errors_are_printed_with_line_and_column_and_exit_with_status_1(dept, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(
        csv_bytes(
            [
                person_row("N1"),
                person_row("N2", gender="?"),
                person_row("N3", email="pn1@example.se", manager_employee_number="NOBODY"),
            ]
        )
    )
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        import_people(path)

    assert caught.value.returncode == 1
    assert "3 error(s), nothing was imported" in str(caught.value)
    assert snapshot() == before
    assert ImportRun.objects.get().status == "rejected"


def test_each_error_is_one_line_on_stderr(dept, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(
        csv_bytes(
            [
                person_row("N1"),
                person_row("N2", gender="?"),
                person_row("N3", email="pn1@example.se", manager_employee_number="NOBODY"),
            ]
        )
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_people", str(path), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("line 3, column gender: ")
    assert lines[1] == "line 4, column email: pn1@example.se is also on line 2"
    assert lines[2].startswith("line 4, column manager_employee_number: unknown manager NOBODY")


def test_a_file_error_has_a_line_but_no_column(db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"")
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_people", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue() == "line 1: The file is empty.\n"


def test_dry_run_writes_nothing(dept, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([person_row("N1"), person_row("N2")]))
    before = snapshot()

    out, _err = import_people(path, "--dry-run")

    assert "Dry run, nothing written" in out
    assert "created        2" in out
    assert snapshot() == before
    assert not ImportRun.objects.exists()


def test_full_sync_deactivates_people_not_in_the_file(dept, manager, employee, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([person_row("N1")]))

    out, _err = import_people(path, "--full-sync")

    assert "(full sync)" in out
    assert "deactivated    2" in out
    assert not Person.objects.filter(pk__in=[manager.pk, employee.pk], is_active=True).exists()
    assert ImportRun.objects.get().full_sync


def test_xlsx_file(dept, tmp_path):
    path = tmp_path / "Personal 2027.xlsx"
    path.write_bytes(as_xlsx([person_row("N1", employment_start="2021-03-01")]))

    out, _err = import_people(path)

    assert "created        1" in out
    assert str(Person.objects.get().employment_start) == "2021-03-01"


def test_a_missing_file_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match=r"nope\.csv"):
        import_people(tmp_path / "nope.csv")
