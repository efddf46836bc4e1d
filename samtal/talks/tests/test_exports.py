"""Round exports: coverage per unit, per manager and the list of talks, as CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from samtal.talks import services
from samtal.talks.models import Round, Talk, TalkStatus
from samtal.talks.tests.factories import RoundFactory

pytestmark = pytest.mark.django_db


def export(round_: Round, what: str, fmt: str) -> str:
    return reverse("talks:round_export", args=[round_.pk, what, fmt])


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.fixture
def launched(faculty, hr, employee, colleague, other_employee):
    round_ = RoundFactory(name="Utvecklingssamtal 2027", units=[faculty])
    services.round_launch(round_=round_, actor=hr.user)
    Talk.objects.filter(employee=employee).update(status=TalkStatus.HELD, held_at=timezone.now())
    Talk.objects.filter(employee=colleague).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    return round_


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_units_csv_at_a_level_with_totals(login, hr, launched):
    response = login(hr).get(export(launched, "units", "csv"), {"unit": "FAC"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="utvecklingssamtal-2027-units.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == [
        "Unit",
        "Unit code",
        "Offered",
        "Booked",
        "Waiting for a time",
        "Held",
        "Held (%)",
        "Declined",
        "Cancelled",
        "Overdue",
    ]
    by_code = {row[1]: row for row in rows[1:-1]}
    assert by_code["DEP"] == ["The Department", "DEP", "2", "0", "1", "1", "50", "0", "0", "1"]
    assert by_code["OTH"] == ["Other Department", "OTH", "1", "0", "1", "0", "0", "0", "0", "0"]
    assert rows[-1] == ["Total", "", "3", "0", "2", "1", "33", "0", "0", "1"]


def test_units_xlsx(login, hr, launched):
    response = login(hr).get(export(launched, "units", "xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-units.xlsx"')
    rows = xlsx_rows(response)
    assert rows[0][:3] == ["Unit", "Unit code", "Offered"]
    assert rows[1][:4] == ["The Faculty", "FAC", 3, 0]
    assert rows[-1][0] == "Total"
    assert rows[-1][2] == 3


def test_managers_csv_and_xlsx(login, hr, launched, manager, other_manager):
    client = login(hr)
    rows = csv_rows(client.get(export(launched, "managers", "csv")))
    assert rows[0][:2] == ["Manager", "Offered"]
    # Most overdue first.
    assert rows[1] == ["Maja Chef", "2", "0", "1", "1", "50", "0", "0", "1"]
    assert rows[2][0] == other_manager.full_name
    assert len(rows) == 3
    sheet = xlsx_rows(client.get(export(launched, "managers", "xlsx")))
    assert sheet[1] == ["Maja Chef", 2, 0, 1, 1, 50, 0, 0, 1]


def test_talks_csv_follows_the_filters(login, hr, launched, employee, colleague):
    response = login(hr).get(export(launched, "talks", "csv"), {"unit": "DEP"})
    assert response.streaming
    rows = csv_rows(response)
    assert rows[0] == [
        "Employee",
        "Employee number",
        "Unit",
        "Manager",
        "Status",
        "Booked time",
        "Deadline",
        "Overdue",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {employee.full_name, colleague.full_name}
    assert by_name[employee.full_name][4] == "Held"
    assert by_name[colleague.full_name][4] == "Offered"
    assert by_name[colleague.full_name][7] == "Yes"
    assert by_name[employee.full_name][7] == "No"
    overdue = csv_rows(login(hr).get(export(launched, "talks", "csv"), {"overdue": "1"}))
    assert [row[0] for row in overdue[1:]] == [colleague.full_name]


def test_talks_xlsx_with_booked_time(login, hr, launched, other_employee):
    starts = timezone.make_aware(dt.datetime(2027, 3, 1, 10, 0))
    Talk.objects.filter(employee=other_employee).update(
        status=TalkStatus.BOOKED, starts_at=starts, response="pending"
    )
    rows = xlsx_rows(login(hr).get(export(launched, "talks", "xlsx"), {"status": "booked"}))
    assert len(rows) == 2
    assert rows[1][0] == other_employee.full_name
    assert rows[1][4] == "Booked"
    assert rows[1][5] == dt.datetime(2027, 3, 1, 10, 0)


def test_names_are_not_read_as_formulas(login, hr, launched, employee):
    employee.first_name = "=HYPERLINK(1)"
    employee.save()
    rows = csv_rows(login(hr).get(export(launched, "talks", "csv")))
    assert "'=HYPERLINK(1) Medarbetare" in [row[0] for row in rows]
    sheet = xlsx_rows(login(hr).get(export(launched, "talks", "xlsx")))
    assert "'=HYPERLINK(1) Medarbetare" in [row[0] for row in sheet]


def test_control_characters_in_names_do_not_break_the_workbook(login, hr, launched, employee):
    # An Excel file cannot hold them (openpyxl refused the cell): this was a 500 (hostile-input
    # suite). They are left out, of the CSV too.
    employee.first_name = "Er\x0bik\x01"
    employee.save()
    response = login(hr).get(export(launched, "talks", "xlsx"))
    assert response.status_code == 200
    assert "Erik Medarbetare" in [row[0] for row in xlsx_rows(response)]
    rows = csv_rows(login(hr).get(export(launched, "talks", "csv")))
    assert "Erik Medarbetare" in [row[0] for row in rows]


def test_streamed_export_keeps_the_request_language(client, login, hr, launched):
    """The CSV is written after the view returns: it must still be in the user's language."""
    client.cookies["samtal_language"] = "sv"
    rows = csv_rows(login(hr).get(export(launched, "talks", "csv")))
    assert {row[2] for row in rows[1:]} == {"Institutionen", "Andra institutionen"}


@pytest.mark.parametrize(("what", "fmt"), [("people", "csv"), ("units", "pdf"), ("talks", "xls")])
def test_unknown_export_is_404(login, hr, launched, what, fmt):
    assert login(hr).get(export(launched, what, fmt)).status_code == 404


def test_export_with_bad_filter_is_404(login, hr, launched):
    response = login(hr).get(export(launched, "talks", "csv"), {"status": "nope"})
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["employee", "manager", "safety_rep", "admin_user"])
def test_export_refused_to_everyone_but_hr(request, login, launched, who):
    client = login(request.getfixturevalue(who))
    for what in ("units", "managers", "talks"):
        assert client.get(export(launched, what, "csv")).status_code == 403
