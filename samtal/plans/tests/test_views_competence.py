"""The competence-needs page and its exports: who may see which units (HR their scope, a
manager the units of their reports, nobody else), that no person is ever named, suppression
in the page and the files alike, and a query count that does not grow with the data."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from samtal.organisation.models import Gender, Person, Unit
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.plans.models import Checkpoint, CheckpointStatus, DevelopmentPlan, PlanActivity

pytestmark = pytest.mark.django_db

URL = reverse("plans:competence")
THIS_YEAR = timezone.localdate().year


def export_url(fmt: str) -> str:
    return reverse("plans:competence_export", args=[fmt])


@pytest.fixture
def login(client):
    """Logs the test client in with the English interface (the figures' labels are asserted
    in English)."""

    def _login(who):
        client.force_login(getattr(who, "user", who))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login


def with_plans(unit: Unit, n: int, *, activity_type: str = "course", **person) -> list[Person]:
    """n people in `unit`, each with an agreed activity (5 hours, 1 000 SEK) and a checkpoint
    done on time this year. Rows are made directly: the services are tested elsewhere."""
    made: list[Person] = []
    now = timezone.now()
    today = timezone.localdate()
    for _ in range(n):
        someone = PersonFactory(unit=unit, **person)
        plan = DevelopmentPlan.objects.create(person=someone)
        PlanActivity.objects.create(
            plan=plan,
            activity_type=activity_type,
            description="Leadership course",
            agreed_at=now,
            hours=Decimal(5),
            cost=Decimal(1000),
        )
        Checkpoint.objects.create(
            plan=plan,
            due_on=today,
            topic="Follow-up",
            status=CheckpointStatus.DONE,
            completed_at=now,
            agreed_at=now,
        )
        made.append(someone)
    return made


def page_text(response) -> str:
    return response.content.decode()


# --- who sees what ----------------------------------------------------------------------------


def test_an_employee_gets_404(login, employee):
    client = login(employee)
    assert client.get(URL).status_code == 404
    assert client.get(export_url("csv")).status_code == 404


def test_a_user_without_roles_gets_404(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code in (302, 404)
    assert response.status_code != 200


def test_a_manager_sees_the_units_of_their_reports_only(
    login, manager, employee, dept, other_dept, faculty
):
    with_plans(dept, 5)
    with_plans(other_dept, 5)
    client = login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    text = page_text(response)
    assert "The Department" in text
    assert "Other Department" not in text
    assert client.get(URL, {"unit": other_dept.pk}).status_code == 404
    assert client.get(URL, {"unit": faculty.pk}).status_code == 404
    assert client.get(URL, {"unit": dept.pk}).status_code == 200


def test_hr_for_a_unit_sees_that_unit_only(login, dept, other_dept):
    with_plans(dept, 5)
    with_plans(other_dept, 6)
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.HR, unit=other_dept)
    client = login(user)
    text = page_text(client.get(URL))
    assert "Other Department" in text
    assert "The Department" not in text
    assert client.get(URL, {"unit": dept.pk}).status_code == 404


def test_org_wide_hr_sees_everything_and_drills_down(login, hr, faculty, dept, other_dept):
    with_plans(dept, 5)
    with_plans(other_dept, 6)
    client = login(hr)
    top = page_text(client.get(URL))
    assert "The Faculty" in top
    assert f"?year={THIS_YEAR}&amp;unit={faculty.pk}" in top  # the faculty has sub-units
    below = page_text(client.get(URL, {"unit": faculty.pk}))
    assert "The Department" in below
    assert "Other Department" in below
    assert "The Faculty (directly)" in below  # HR's own person record sits in the faculty


def test_an_unknown_unit_is_404_and_a_bad_year_falls_back(login, hr):
    client = login(hr)
    assert client.get(URL, {"unit": "999999"}).status_code == 404
    assert client.get(URL, {"unit": "x"}).status_code == 404
    assert client.get(URL, {"unit": "9" * 30}).status_code == 404
    response = client.get(URL, {"year": "nonsense"})
    assert response.status_code == 200
    assert response.context["report"].year == THIS_YEAR
    assert client.get(URL, {"year": "1850"}).context["report"].year == THIS_YEAR
    assert client.get(URL, {"year": "2021"}).context["report"].year == 2021
    # Digits that are not ASCII (a superscript two) are not a year or a unit either.
    assert client.get(URL, {"year": "\u00b2"}).context["report"].year == THIS_YEAR
    assert client.get(URL, {"unit": "\u00b2"}).status_code == 404


def test_the_page_and_exports_are_get_only(login, hr):
    client = login(hr)
    assert client.post(URL).status_code == 405
    assert client.post(export_url("csv")).status_code == 405
    assert client.get(export_url("pdf")).status_code == 404


# --- nobody named, small groups hidden ---------------------------------------------------------


@pytest.fixture
def small_and_large(faculty, dept, other_dept):
    """Four people with courses in the department (too few), six in the other one, and
    twelve with mentoring in the other one, with telling names."""
    small = with_plans(dept, 4, first_name="Siv", last_name="Smallgroup", gender=Gender.WOMAN)
    large = with_plans(other_dept, 6, first_name="Lars", last_name="Largegroup")
    large += with_plans(other_dept, 12, activity_type="mentoring", last_name="Mentorsson")
    return small + large


def test_the_page_names_nobody_and_hides_small_groups(login, hr, faculty, small_and_large):
    client = login(hr)
    response = client.get(URL, {"unit": faculty.pk})
    text = page_text(response)
    for person in small_and_large:
        assert person.last_name not in text
        assert person.full_name not in text
    assert "Siv" not in text
    assert "Lars" not in text
    report = response.context["report"]
    cells = {
        (row.unit.code, cell.activity_type): cell.figures
        for row in report.activities.rows
        for cell in row.cells
    }
    assert cells[("DEP", "course")] is None
    assert cells[("OTH", "course")] is None  # else the course total would give the four away
    assert cells[("OTH", "mentoring")].people == 12
    assert cells[("OTH", "mentoring")].hours == Decimal(60)
    assert '<span class="hidden-figure">hidden</span>' in text
    assert "12,000" in text or "12 000" in text  # the mentoring cost, summed
    assert 'id="suppression-note"' in text
    assert "<svg" in text
    assert "pattern-planned" in text


def test_the_csv_matches_the_page(login, hr, faculty, small_and_large):
    client = login(hr)
    response = client.get(export_url("csv"), {"unit": faculty.pk, "year": THIS_YEAR})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"competence-needs-{THIS_YEAR}-fac.csv" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    for person in small_and_large:
        assert person.last_name not in body
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    by_unit_type = {(row[1], row[2]): row[3:] for row in rows if len(row) == 9}
    assert by_unit_type[("DEP", "Course or training")] == ["hidden"] * 6
    assert by_unit_type[("OTH", "Course or training")] == ["hidden"] * 6
    assert by_unit_type[("OTH", "Mentoring")][:2] == ["12", "12"]
    assert by_unit_type[("", "Course or training")][0] == "10"  # the column total


def test_the_xlsx_matches_the_page(login, hr, faculty, small_and_large):
    client = login(hr)
    response = client.get(export_url("xlsx"), {"unit": faculty.pk})
    assert response.status_code == 200
    assert f"competence-needs-{THIS_YEAR}-fac.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Activities", "Equal conditions", "Checkpoints"]
    values = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    for person in small_and_large:
        assert person.last_name not in values
    activities = [row for row in book["Activities"].iter_rows(values_only=True) if len(row) > 2]
    dep_course = next(row for row in activities if row[1:3] == ("DEP", "Course or training"))
    assert list(dep_course[3:]) == ["hidden"] * 6
    mentoring = next(row for row in activities if row[1] == "OTH" and row[2] == "Mentoring")
    assert mentoring[3] == 12
    assert mentoring[8] == 12000


def test_a_unit_name_is_not_read_as_a_formula(login, hr, faculty):
    unit = UnitFactory(code="EVIL", name_en="=HYPERLINK(1)", parent=faculty)
    with_plans(unit, 5)
    client = login(hr)
    body = client.get(export_url("csv"), {"unit": faculty.pk}).content.decode()
    assert "'=HYPERLINK(1)" in body


# --- query count ------------------------------------------------------------------------------


def _units(parent: Unit, n: int) -> list[Unit]:
    return [UnitFactory(parent=parent) for _ in range(n)]


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_data(login, hr, faculty):
    client = login(hr)
    params = {"unit": faculty.pk}
    small = _units(faculty, 1)
    with_plans(small[0], 2, gender=Gender.MAN)
    client.get(URL, params)  # warm up (session, content types)
    page, csv_file, xlsx_file = (
        _queries(client, URL, params),
        _queries(client, export_url("csv"), params),
        _queries(client, export_url("xlsx"), params),
    )

    for unit in _units(faculty, 4):
        with_plans(unit, 6, gender=Gender.WOMAN)
        with_plans(unit, 2, activity_type="conference")
        _units(unit, 2)
    assert _queries(client, URL, params) == page
    assert _queries(client, export_url("csv"), params) == csv_file
    assert _queries(client, export_url("xlsx"), params) == xlsx_file


def test_the_years_activities_only(login, hr, dept):
    with_plans(dept, 5)
    client = login(hr)
    this_year = client.get(URL).context["report"]
    assert this_year.activities.totals[0].figures.people == 5
    last_year = client.get(URL, {"year": THIS_YEAR - 1}).context["report"]
    assert last_year.activities.totals[0].figures.people == 0
