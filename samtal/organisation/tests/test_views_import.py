"""The people import page (org-wide HR and admin) and its example file."""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.organisation.models import ImportRun, Person, Unit
from samtal.organisation.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("organisation:import")
EXAMPLE = reverse("organisation:import_example")

HEADER = "employee_number;first_name;last_name;email;unit_code;unit_name_sv;unit_name_en;"
HEADER += "parent_unit_code;manager_employee_number;employment_category;language\n"
GOOD_CSV = (
    HEADER
    + "200001;Karin;Nilsson;karin@example.se;NEW;Nya enheten;The New Unit;FAC;;admin_staff;sv\n"
    + "200002;Ahmed;Hassan;ahmed@example.se;NEW;;;;200001;researcher;en\n"
)
BAD_CSV = (
    HEADER
    + "200001;Karin;Nilsson;karin@example.se;NEW;Nya enheten;The New Unit;FAC;;admin_staff;sv\n"
    + "200002;Ahmed;Hassan;not-an-email;NEW;;;;200001;astronaut;de\n"
)


def upload(content: str | bytes, name: str = "people.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def dept_hr(dept):
    person = PersonFactory(unit=dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


@pytest.mark.parametrize("who", ["hr", "admin_user"])
def test_import_page(request, login, who):
    response = login(request.getfixturevalue(who)).get(IMPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert f'href="{EXAMPLE}"' in html
    assert "employee_number" in html


@pytest.mark.parametrize("who", ["employee", "manager", "safety_rep", "dept_hr"])
def test_import_refused(request, login, who):
    client = login(request.getfixturevalue(who))
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"file": upload(GOOD_CSV)}).status_code == 403
    assert client.get(EXAMPLE).status_code == 403
    assert not Person.objects.filter(employee_number="200001").exists()


def test_import_anonymous_is_sent_to_login(faculty):
    response = Client().post(IMPORT, {"file": upload(GOOD_CSV)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Unit.objects.filter(code="NEW").exists()


def test_good_file_is_applied_and_redirects_with_message(login, hr, faculty):
    response = login(hr).post(IMPORT, {"file": upload(GOOD_CSV)})
    assert response.status_code == 302
    assert response["Location"] == IMPORT
    [(level, text)] = messages_of(response)
    assert level == "success"
    assert "2" in text
    unit = Unit.objects.get(code="NEW")
    assert unit.parent == faculty
    karin = Person.objects.get(employee_number="200001")
    ahmed = Person.objects.select_related("user").get(employee_number="200002")
    assert ahmed.manager == karin
    assert ahmed.unit == unit
    assert ahmed.user.preferred_language == "en"
    assert not ahmed.user.has_usable_password()  # first login goes through the reset link
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.APPLIED
    assert run.actor == hr.user
    assert run.created == 2
    assert run.file_name == "people.csv"
    # The run is listed on the page that the redirect leads to.
    page = login(hr).get(IMPORT)
    assert list(page.context["runs"]) == [run]


def test_bad_file_shows_line_and_column_and_changes_nothing(login, hr, faculty):
    people_before = Person.objects.count()
    response = login(hr).post(IMPORT, {"file": upload(BAD_CSV)})
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.ok
    where = {(e.line, e.column) for e in result.errors}
    assert {(3, "email"), (3, "employment_category"), (3, "language")} <= where
    html = response.content.decode()
    assert "<td>3</td><td>email</td>" in html
    assert 'role="alert"' in html
    assert Person.objects.count() == people_before
    assert not Unit.objects.filter(code="NEW").exists()
    assert ImportRun.objects.get().status == ImportRun.Status.REJECTED


def test_wrong_header_is_reported_on_line_1(login, hr, faculty):
    response = login(hr).post(IMPORT, {"file": upload("number;name\n1;Karin\n")})
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert {e.line for e in errors} == {1}
    assert "employee_number" in {e.column for e in errors}


def test_file_not_utf8_is_reported(login, hr, faculty):
    data = GOOD_CSV.replace("Karin", "Kårin").encode("latin-1")
    response = login(hr).post(IMPORT, {"file": upload(data)})
    assert response.status_code == 200
    assert [e.line for e in response.context["result"].errors] == [2]
    assert not Person.objects.filter(employee_number="200001").exists()


def test_dry_run_changes_nothing(login, hr, faculty):
    response = login(hr).post(IMPORT, {"file": upload(GOOD_CSV), "dry_run": "on"})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok
    assert result.rows == 2
    assert result.created == 2
    assert result.units_created == 1
    assert 'role="status"' in response.content.decode()
    assert not Person.objects.filter(employee_number__in=["200001", "200002"]).exists()
    assert not Unit.objects.filter(code="NEW").exists()
    assert not ImportRun.objects.exists()
    assert messages_of(response) == []


def test_full_sync_deactivates_people_not_in_the_file(login, hr, faculty, employee):
    response = login(hr).post(IMPORT, {"file": upload(GOOD_CSV), "full_sync": "on"})
    assert response.status_code == 302
    employee.refresh_from_db()
    assert not employee.is_active
    assert ImportRun.objects.get().full_sync is True


@pytest.mark.parametrize("name", ["people.pdf", "people.xls", "people", "people.csv.exe"])
def test_other_file_types_are_refused(login, hr, faculty, name):
    response = login(hr).post(IMPORT, {"file": upload(GOOD_CSV, name=name)})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert response.context["result"] is None
    assert not Person.objects.filter(employee_number="200001").exists()
    assert not ImportRun.objects.exists()


def test_missing_file_is_a_form_error(login, hr):
    response = login(hr).post(IMPORT, {})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_xlsx_upload(login, hr, faculty):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in GOOD_CSV.strip().splitlines():
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile(
        "people.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response = login(hr).post(IMPORT, {"file": file})
    assert response.status_code == 302
    assert Person.objects.filter(employee_number__in=["200001", "200002"]).count() == 2


def test_example_file_downloads_and_imports_cleanly(login, hr):
    client = login(hr)
    response = client.get(EXAMPLE)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    response = client.post(IMPORT, {"file": upload(response.content, name="example.csv")})
    assert response.status_code == 302, response.context["result"].errors
    assert Person.objects.filter(employee_number__in=["100001", "100002"]).count() == 2


def test_import_urls_allow_only_their_methods(login, hr):
    client = login(hr)
    assert client.put(IMPORT).status_code == 405
    assert client.delete(IMPORT).status_code == 405
    assert client.post(EXAMPLE).status_code == 405


def test_import_needs_csrf(hr, faculty):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr.user)
    assert client.post(IMPORT, {"file": upload(GOOD_CSV)}).status_code == 403
    assert not Unit.objects.filter(code="NEW").exists()
    assert not ImportRun.objects.exists()
