"""The people import: what a good file writes, and that a bad file writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samtal.accounts.models import RoleAssignment, User
from samtal.accounts.tests.factories import UserFactory
from samtal.core.models import HistoryEntry
from samtal.organisation.models import ImportRun, ManagerRelation, Person, Unit
from samtal.organisation.services import ImportResult, people_import
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.organisation.tests.test_importer import COLUMNS, csv_bytes, person_row, xlsx_bytes


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in English; the Swedish ones are in locale/."""
    with translation.override("en"):
        yield


MODELS = (Person, User, Unit, ManagerRelation, HistoryEntry, RoleAssignment)


def run(data: bytes, *, file_name: str = "people.csv", **options: Any) -> ImportResult:
    return people_import(stream=io.BytesIO(data), file_name=file_name, actor=None, **options)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row an import may write, to compare before and after."""
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in MODELS}


def good_rows() -> list[dict[str, str]]:
    """A manager in a new group under DEP with one researcher, and one more report to them."""
    return [
        person_row(
            "E1",
            first_name="Åsa",
            last_name="Öberg",
            email="asa.oberg@example.se",
            unit_code="GRP",
            manager_employee_number="M1",
            employment_category="researcher",
            career_stage="R2",
            gender="K",
            language="en",
            employment_start="2020-08-01",
            employment_end="2025-07-31",
        ),
        person_row(
            "M1",
            first_name="Märta",
            last_name="Chef",
            unit_code="GRP",
            unit_name_sv="Gruppen för fysik",
            unit_name_en="Physics group",
            parent_unit_code="DEP",
            gender="kvinna",
            active="ja",
        ),
        person_row(
            "E2", unit_code="GRP", manager_employee_number="M1", employment_category="other"
        ),
    ]


def as_xlsx(rows: list[dict[str, str]]) -> bytes:
    """The rows as an Excel sheet, dates as real date cells."""

    def cell(column: str, value: str) -> object:
        if column.startswith("employment_") and value and column != "employment_category":
            return dt.datetime.fromisoformat(value)
        return value or None

    return xlsx_bytes(list(COLUMNS), [[cell(c, row.get(c, "")) for c in COLUMNS] for row in rows])


FORMATS: dict[str, Callable[[list[dict[str, str]]], bytes]] = {
    "csv-semicolon": lambda rows: csv_bytes(rows, delimiter=";"),
    "csv-comma": lambda rows: csv_bytes(rows, delimiter=","),
    "csv-bom": lambda rows: csv_bytes(rows, bom=True),
    "xlsx": as_xlsx,
}


# --- a good file ---------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_good_file_creates_people_logins_units_and_managers(dept, file_format):
    today = timezone.localdate()
    name = "people.xlsx" if file_format == "xlsx" else "people.csv"

    result = run(FORMATS[file_format](good_rows()), file_name=name)

    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert (result.deactivated, result.units_created) == (0, 1)
    group = Unit.objects.get(code="GRP")
    assert (group.name_sv, group.name_en, group.parent) == (
        "Gruppen för fysik",
        "Physics group",
        dept,
    )
    assert group.path == f"{dept.path}{group.pk}/"
    assert group.depth == dept.depth + 1
    boss = Person.objects.get(employee_number="M1")
    researcher = Person.objects.select_related("user").get(employee_number="E1")
    assert (researcher.first_name, researcher.last_name) == ("Åsa", "Öberg")
    assert researcher.unit == group
    assert researcher.manager == boss
    assert (researcher.employment_category, researcher.career_stage) == ("researcher", "R2")
    assert researcher.gender == "woman"
    assert researcher.employment_start == dt.date(2020, 8, 1)
    assert researcher.employment_end == dt.date(2025, 7, 31)
    assert researcher.is_active
    assert researcher.user.email == "asa.oberg@example.se"
    assert researcher.user.preferred_language == "en"
    assert researcher.user.is_active
    assert not researcher.user.has_usable_password()
    assert boss.manager is None
    assert boss.gender == "woman"
    assert set(
        ManagerRelation.objects.values_list("employee__employee_number", "manager__employee_number")
    ) == {("E1", "M1"), ("E2", "M1")}
    assert set(ManagerRelation.objects.values_list("valid_from", "valid_to")) == {(today, None)}
    assert HistoryEntry.objects.filter(action="imported_create").count() == 4  # 3 people, 1 unit
    run_ = ImportRun.objects.get()
    assert run_ == result.run
    assert (run_.status, run_.file_name, run_.actor, run_.full_sync) == (
        "applied",
        name,
        None,
        False,
    )
    assert (run_.rows, run_.created, run_.units_created, run_.error_count) == (3, 3, 1, 0)


def test_the_same_file_again_changes_nothing(dept):
    data = csv_bytes(good_rows())
    run(data)
    before = snapshot()

    result = run(data)

    assert result.ok
    assert (result.created, result.updated, result.unchanged, result.units_created) == (0, 0, 3, 0)
    assert snapshot() == before
    assert ImportRun.objects.filter(status="applied").count() == 2


def test_existing_people_are_matched_by_employee_number(dept, manager, employee):
    rows = [
        person_row(
            manager.employee_number,
            first_name=manager.first_name,
            last_name=manager.last_name,
            email="manager@example.se",
        ),
        person_row(
            employee.employee_number,
            first_name=employee.first_name,
            last_name=employee.last_name,
            email="employee@example.se",
            manager_employee_number=manager.employee_number,
        ),
    ]
    people_before = Person.objects.count()

    result = run(csv_bytes(rows))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Person.objects.count() == people_before


def test_changed_name_unit_and_manager_are_updated_with_history(dept, manager):
    today = timezone.localdate()
    rows = good_rows()
    run(csv_bytes(rows))
    researcher = Person.objects.get(employee_number="E1")
    boss = Person.objects.get(employee_number="M1")
    old_relation = ManagerRelation.objects.get(employee=researcher)
    rows[0].update(
        last_name="Öberg Ek", unit_code="DEP", manager_employee_number=manager.employee_number
    )

    result = run(csv_bytes(rows))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    researcher.refresh_from_db()
    assert researcher.last_name == "Öberg Ek"
    assert researcher.unit == dept
    assert researcher.manager == manager
    update = HistoryEntry.objects.get(action="imported_update", object_id=str(researcher.pk))
    assert update.changes == {
        "last_name": ["Öberg", "Öberg Ek"],
        "unit_id": [Unit.objects.get(code="GRP").pk, dept.pk],
    }
    change = HistoryEntry.objects.get(action="manager_changed", object_id=str(researcher.pk))
    assert change.changes == {"manager": [boss.pk, manager.pk]}
    old_relation.refresh_from_db()
    assert old_relation.valid_to == today
    current = ManagerRelation.objects.get(employee=researcher, valid_to__isnull=True)
    assert (current.manager, current.valid_from) == (manager, today)


def test_a_change_of_manager_alone_counts_as_an_update(dept, manager):
    rows = good_rows()
    run(csv_bytes(rows))
    rows[2]["manager_employee_number"] = manager.employee_number

    result = run(csv_bytes(rows))

    assert (result.updated, result.unchanged) == (1, 2)
    assert Person.objects.get(employee_number="E2").manager == manager


def test_removing_the_manager_closes_the_relation(dept):
    rows = good_rows()
    run(csv_bytes(rows))
    rows[2]["manager_employee_number"] = ""

    result = run(csv_bytes(rows))

    assert result.updated == 1
    person = Person.objects.get(employee_number="E2")
    assert person.manager is None
    assert not ManagerRelation.objects.filter(employee=person, valid_to__isnull=True).exists()


def test_login_changes_are_updated(dept):
    rows = good_rows()
    run(csv_bytes(rows))
    rows[1].update(email="Marta.Chef@Example.se", language="en", active="nej")
    rows[0]["manager_employee_number"] = rows[2]["manager_employee_number"] = ""

    result = run(csv_bytes(rows))

    assert result.ok, result.errors
    user = User.objects.get(person__employee_number="M1")
    assert (user.email, user.preferred_language, user.is_active) == (
        "marta.chef@example.se",
        "en",
        False,
    )
    entry = HistoryEntry.objects.get(action="imported_update", object_id=str(user.person.pk))
    assert entry.changes["email"] == ["pm1@example.se", "marta.chef@example.se"]
    assert entry.changes["is_active"] == [True, False]


def test_a_login_without_a_person_is_taken_over_by_address(dept):
    login = UserFactory.create(email="Anna.Ek@example.se", preferred_language="sv")
    rows = [person_row("N1", email="anna.ek@example.se", language="en")]

    result = run(csv_bytes(rows))

    assert result.ok, result.errors
    person = Person.objects.get(employee_number="N1")
    assert person.user_id == login.pk
    login.refresh_from_db()
    assert (login.email, login.preferred_language) == ("anna.ek@example.se", "en")
    assert login.has_usable_password()  # the password set by an administrator stays
    assert run(csv_bytes(rows)).unchanged == 1


# --- units ---------------------------------------------------------------------------------


def test_units_are_created_parents_first_whatever_the_row_order(faculty, dept):
    rows = [
        person_row(
            "N1",
            unit_code="C",
            unit_name_sv="C sv",
            unit_name_en="C en",
            parent_unit_code="B",
        ),
        person_row(
            "N2",
            unit_code="B",
            unit_name_sv="B sv",
            unit_name_en="B en",
            parent_unit_code="A",
        ),
        person_row("N3", unit_code="A", unit_name_sv="A sv", unit_name_en="A en"),
        person_row("N4", unit_code="B"),
        person_row("N5", unit_code="D", unit_name_sv="D", unit_name_en="D", parent_unit_code="FAC"),
    ]

    result = run(csv_bytes(rows))

    assert result.ok, result.errors
    assert result.units_created == 4
    a, b, c, d = (Unit.objects.get(code=code) for code in "ABCD")
    assert (a.parent, b.parent, c.parent, d.parent) == (None, a, b, faculty)
    assert (a.path, b.path, c.path) == (f"/{a.pk}/", f"/{a.pk}/{b.pk}/", f"/{a.pk}/{b.pk}/{c.pk}/")
    assert (a.depth, b.depth, c.depth) == (0, 1, 2)
    assert d.path == f"{faculty.path}{d.pk}/"
    assert Person.objects.get(employee_number="N4").unit == b


def test_existing_units_are_matched_by_code_and_renamed(faculty, dept):
    units_before = Unit.objects.count()
    rows = [person_row("N1", unit_code="DEP", unit_name_sv="Nytt namn", parent_unit_code="FAC")]

    result = run(csv_bytes(rows))

    assert result.ok, result.errors
    assert result.units_created == 0
    assert Unit.objects.count() == units_before
    dept.refresh_from_db()
    assert (dept.name_sv, dept.name_en, dept.parent) == ("Nytt namn", "The Department", faculty)
    entry = HistoryEntry.objects.get(action="imported_update", object_id=str(dept.pk))
    assert entry.changes == {"name_sv": ["Institutionen", "Nytt namn"]}


def test_moving_a_unit_rebuilds_the_paths_below_it(faculty, dept):
    group = UnitFactory.create(code="SUB", parent=dept)
    rows = [
        person_row(
            "N1",
            unit_code="DEP",
            parent_unit_code="NEW",
        ),
        person_row("N2", unit_code="NEW", unit_name_sv="Ny", unit_name_en="New"),
    ]

    result = run(csv_bytes(rows))

    assert result.ok, result.errors
    new = Unit.objects.get(code="NEW")
    dept.refresh_from_db()
    group.refresh_from_db()
    assert dept.parent == new
    assert dept.path == f"/{new.pk}/{dept.pk}/"
    assert (group.path, group.depth) == (f"/{new.pk}/{dept.pk}/{group.pk}/", 2)


# --- a bad file writes nothing -------------------------------------------------------------


@dataclass
class Org:
    faculty: Unit
    dept: Unit
    manager: Person
    employee: Person


@dataclass
class Case:
    build: Callable[[Org], bytes]
    errors: list[tuple[int, str]]
    message: str = ""
    file_name: str = "people.csv"


def rows_case(
    build: Callable[[Org], list[dict[str, str]]], errors: list[tuple[int, str]], message: str = ""
) -> Case:
    return Case(lambda org: csv_bytes(build(org)), errors, message)


def _deactivated_manager(org: Org) -> list[dict[str, str]]:
    Person.objects.filter(pk=org.manager.pk).update(is_active=False)
    return [person_row("N1", manager_employee_number=org.manager.employee_number)]


def _email_of_a_login(org: Org) -> list[dict[str, str]]:
    UserFactory.create(email="login@example.se")
    return [person_row(org.employee.employee_number, email="login@example.se")]


def _not_utf8(org: Org) -> bytes:
    data = csv_bytes([person_row("N1"), person_row("N2", first_name="ÅSA")])
    return data.replace("ÅSA".encode(), "ÅSA".encode("latin-1"))


MGR = "manager_employee_number"
PARENT = "parent_unit_code"
NEW_UNIT = {"unit_name_sv": "Ny", "unit_name_en": "New"}
BAD_FILES = {
    "unknown manager": rows_case(
        lambda org: [person_row("N1", manager_employee_number="NOBODY")], [(2, MGR)], "NOBODY"
    ),
    "self manager": rows_case(
        lambda org: [person_row("N1"), person_row("N2", manager_employee_number="N2")], [(3, MGR)]
    ),
    "cycle of two": rows_case(
        lambda org: [
            person_row("N1", manager_employee_number="N2"),
            person_row("N2", manager_employee_number="N1"),
        ],
        [(2, MGR), (3, MGR)],
        "cycle",
    ),
    "cycle of three": rows_case(
        lambda org: [
            person_row("N0"),
            person_row("N1", manager_employee_number="N2"),
            person_row("N2", manager_employee_number="N3"),
            person_row("N3", manager_employee_number="N1"),
        ],
        [(3, MGR), (4, MGR), (5, MGR)],
        "cycle",
    ),
    "cycle with a person in the database": rows_case(
        lambda org: [
            person_row(
                org.manager.employee_number,
                email="manager@example.se",
                manager_employee_number=org.employee.employee_number,
            )
        ],
        [(2, MGR)],
        "cycle",
    ),
    "cycle of three through the database": rows_case(
        lambda org: [
            person_row("N1", manager_employee_number=org.employee.employee_number),
            person_row(
                org.manager.employee_number,
                email="manager@example.se",
                manager_employee_number="N1",
            ),
        ],
        [(2, MGR), (3, MGR)],
        "cycle",
    ),
    "inactive manager": rows_case(_deactivated_manager, [(2, MGR)], "not active"),
    "duplicate email in file": rows_case(
        lambda org: [
            person_row("N1", email="a@example.se"),
            person_row("N2", email="A@example.se"),
        ],
        [(3, "email")],
        "line 2",
    ),
    "email of another person": rows_case(
        lambda org: [person_row("N1", email="employee@example.se")],
        [(2, "email")],
        "already belongs",
    ),
    "email of another login": rows_case(_email_of_a_login, [(2, "email")]),
    "duplicate employee number": rows_case(
        lambda org: [person_row("N1"), person_row("N1", email="other@example.se")],
        [(3, "employee_number")],
        "line 2",
    ),
    "bad employee number": rows_case(
        lambda org: [person_row("N 1", email="n1@example.se")], [(2, "employee_number")]
    ),
    "unknown unit without names": rows_case(
        lambda org: [person_row("N1", unit_code="NOPE")], [(2, "unit_code")], "NOPE"
    ),
    "unknown parent unit": rows_case(
        lambda org: [person_row("N1", unit_code="NEW", parent_unit_code="NOPE", **NEW_UNIT)],
        [(2, PARENT)],
        "NOPE",
    ),
    "unit parent cycle": rows_case(
        lambda org: [
            person_row("N1", unit_code="A", parent_unit_code="B", **NEW_UNIT),
            person_row("N2", unit_code="B", parent_unit_code="A", **NEW_UNIT),
        ],
        [(2, PARENT), (3, PARENT)],
        "cycle",
    ),
    "unit parent cycle through the database": rows_case(
        lambda org: [person_row("N1", unit_code="FAC", parent_unit_code="DEP")],
        [(2, PARENT)],
        "cycle",
    ),
    "unit is its own parent": rows_case(
        lambda org: [person_row("N1", unit_code="DEP", parent_unit_code="DEP")], [(2, PARENT)]
    ),
    "bad date": rows_case(
        lambda org: [person_row("N1", employment_start="2024-02-30")], [(2, "employment_start")]
    ),
    "date not ISO": rows_case(
        lambda org: [person_row("N1", employment_end="1/2/2024")], [(2, "employment_end")]
    ),
    "end before start": rows_case(
        lambda org: [person_row("N1", employment_start="2024-05-01", employment_end="2024-04-30")],
        [(2, "employment_end")],
    ),
    "bad category": rows_case(
        lambda org: [person_row("N1", employment_category="professor")],
        [(2, "employment_category")],
    ),
    "career stage on admin staff": rows_case(
        lambda org: [person_row("N1", career_stage="R2")], [(2, "career_stage")]
    ),
    "unknown career stage": rows_case(
        lambda org: [person_row("N1", employment_category="researcher", career_stage="R5")],
        [(2, "career_stage")],
    ),
    "bad gender": rows_case(lambda org: [person_row("N1", gender="q")], [(2, "gender")]),
    "bad email": rows_case(
        lambda org: [person_row("N1", email="anna(at)example.se")], [(2, "email")]
    ),
    "bad language": rows_case(lambda org: [person_row("N1", language="fi")], [(2, "language")]),
    "bad active": rows_case(lambda org: [person_row("N1", active="kanske")], [(2, "active")]),
    "missing value": rows_case(lambda org: [person_row("N1", first_name="")], [(2, "first_name")]),
    "NUL character": rows_case(
        lambda org: [person_row("N1"), person_row("N2", first_name="An\x00na")],
        [(3, "first_name")],
        "NUL",
    ),
    "over-long value": rows_case(
        lambda org: [person_row("N1", last_name="x" * 101)], [(2, "last_name")], "100"
    ),
    "more values than columns": Case(
        lambda org: (
            csv_bytes([person_row("N1")])
            + b"N2;A;B;n2@example.se;DEP;admin_staff"
            + b";" * 11
            + b";surplus\r\n"
        ),
        [(3, "")],
    ),
    "unknown column": Case(
        lambda org: csv_bytes([person_row("N1")], columns=(*COLUMNS, "shoe_size")),
        [(1, "shoe_size")],
    ),
    "missing required column": Case(
        lambda org: csv_bytes(
            [{k: v for k, v in person_row("N1").items() if k != "email"}],
            columns=tuple(c for c in COLUMNS if c != "email"),
        ),
        [(1, "email")],
    ),
    "empty file": Case(lambda org: b"", [(1, "")], "empty"),
    "header only": Case(lambda org: csv_bytes([]), [(1, "")], "no data rows"),
    "not UTF-8": Case(_not_utf8, [(3, "")], "UTF-8"),
    "broken xlsx": Case(
        lambda org: b"PK\x03\x04broken", [(1, "")], "Excel", file_name="people.xlsx"
    ),
}


@pytest.fixture
def org(faculty, dept, manager, employee):
    return Org(faculty, dept, manager, employee)


@pytest.mark.parametrize("full_sync", [False, True], ids=["partial", "full-sync"])
@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_rejected_with_line_and_column_and_writes_nothing(org, case, full_sync):
    data = case.build(org)
    if full_sync and case.errors[0][0] > 1:
        # Keep the active people of the database in the file, so that the full sync has no
        # reason of its own to refuse.
        kept = [
            p
            for p in (org.manager, org.employee)
            if f"\n{p.employee_number};".encode() not in data
            and Person.objects.filter(pk=p.pk, is_active=True).exists()
        ]
        data += b"".join(csv_bytes(_rows_for(*kept)).splitlines(keepends=True)[1:])
    before_counts, before = counts(), snapshot()

    result = run(data, file_name=case.file_name, full_sync=full_sync)

    assert not result.ok
    found = [(e.line, e.column) for e in result.errors]
    if full_sync:  # the added rows may repeat an address the case uses
        assert set(case.errors) <= set(found), result.errors
    else:
        assert found == case.errors, result.errors
    assert case.message in result.errors[0].message
    assert counts() == before_counts
    assert snapshot() == before
    rejected = ImportRun.objects.get()
    assert (rejected.status, rejected.error_count) == ("rejected", len(found))
    assert rejected == result.run


def test_a_dry_run_of_a_bad_file_reports_the_errors_and_keeps_no_run(org):
    result = run(csv_bytes([person_row("N1", gender="q")]), dry_run=True)

    assert [(e.line, e.column) for e in result.errors] == [(2, "gender")]
    assert not ImportRun.objects.exists()


# --- full sync -----------------------------------------------------------------------------


def _rows_for(*people: Person, **changes: str) -> list[dict[str, str]]:
    return [
        person_row(
            p.employee_number,
            first_name=p.first_name,
            last_name=p.last_name,
            email=p.user.email,
            unit_code=p.unit.code,
            manager_employee_number=p.manager.employee_number if p.manager else "",
            **changes,
        )
        for p in people
    ]


def test_full_sync_deactivates_people_not_in_the_file(dept, manager, employee, colleague):
    today = timezone.localdate()
    relation = ManagerRelation.objects.get(employee=colleague)

    result = run(csv_bytes(_rows_for(manager, employee)), full_sync=True)

    assert result.ok, result.errors
    assert (result.deactivated, result.unchanged) == (1, 2)
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert colleague.employment_end == today
    colleague.user.refresh_from_db()
    assert not colleague.user.is_active
    relation.refresh_from_db()
    assert relation.valid_to == today
    assert HistoryEntry.objects.filter(
        action="deactivated_by_sync", object_id=str(colleague.pk)
    ).exists()
    assert ImportRun.objects.get().deactivated == 1
    employee.refresh_from_db()
    assert employee.is_active
    # The next full sync has no one left to deactivate.
    assert run(csv_bytes(_rows_for(manager, employee)), full_sync=True).deactivated == 0


def test_full_sync_keeps_an_end_date_and_never_ends_before_the_start(dept, manager):
    today = timezone.localdate()
    ended = PersonFactory.create(unit=dept, employment_end=today + dt.timedelta(days=30))
    starting = PersonFactory.create(unit=dept, employment_start=today + dt.timedelta(days=60))

    result = run(csv_bytes(_rows_for(manager)), full_sync=True)

    assert result.ok, result.errors
    assert result.deactivated == 2
    ended.refresh_from_db()
    starting.refresh_from_db()
    assert ended.employment_end == today + dt.timedelta(days=30)
    assert starting.employment_end == starting.employment_start


def test_without_full_sync_people_not_in_the_file_stay(dept, manager, employee, colleague):
    result = run(csv_bytes(_rows_for(manager)))

    assert result.ok
    assert result.deactivated == 0
    assert Person.objects.filter(is_active=True).count() == 3


def test_full_sync_refuses_to_deactivate_the_manager_of_someone_who_stays(dept, manager, employee):
    before = snapshot()

    result = run(csv_bytes(_rows_for(employee)), full_sync=True)

    assert [(e.line, e.column) for e in result.errors] == [(2, MGR)]
    assert "full sync" in result.errors[0].message
    assert snapshot() == before


def test_a_partial_import_may_not_deactivate_the_manager_of_people_left_out(
    dept, manager, employee
):
    before = snapshot()

    result = run(csv_bytes(_rows_for(manager, active="nej")))

    assert [(e.line, e.column) for e in result.errors] == [(2, "active")]
    assert employee.employee_number in result.errors[0].message
    assert snapshot() == before


# --- dry run -------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_counts_what_the_import_would_do(
    dept, manager, employee, colleague
):
    run(csv_bytes(good_rows()))
    rows = good_rows()[:2] + _rows_for(manager, employee)
    rows[0]["last_name"] = "Nytt"  # E1 updated
    rows[1]["manager_employee_number"] = manager.employee_number  # M1 updated
    rows.append(person_row("N1", unit_code="NEW", **NEW_UNIT))  # created, with a unit
    # E2 and colleague are absent: a full sync deactivates them.
    before = snapshot()
    runs = ImportRun.objects.count()

    dry = run(csv_bytes(rows), full_sync=True, dry_run=True)

    assert dry.ok, dry.errors
    assert snapshot() == before
    assert ImportRun.objects.count() == runs
    assert dry.run is None
    real = run(csv_bytes(rows), full_sync=True)
    counted = ("rows", "created", "updated", "unchanged", "deactivated", "units_created")
    assert [getattr(dry, name) for name in counted] == [getattr(real, name) for name in counted]
    assert [getattr(real, name) for name in counted] == [5, 1, 2, 2, 2, 1]


# --- row order does not matter -------------------------------------------------------------


def _state() -> dict[str, Any]:
    """The organisation as codes and numbers, comparable across databases' ids."""
    return {
        "people": sorted(
            Person.objects.values_list(
                "employee_number", "unit__code", "manager__employee_number", "is_active"
            )
        ),
        "units": sorted(Unit.objects.values_list("code", "parent__code", "depth")),
        "relations": sorted(
            ManagerRelation.objects.values_list(
                "employee__employee_number", "manager__employee_number", "valid_to"
            )
        ),
        "history": HistoryEntry.objects.count(),
    }


@st.composite
def organisations(draw):
    """Units in a tree under DEP and people with managers that never make a cycle."""
    unit_count = draw(st.integers(1, 6))
    unit_parents = [draw(st.integers(-1, i - 1)) for i in range(unit_count)]
    size = draw(st.integers(unit_count, 15))
    rows = []
    for i in range(size):
        # Everyone in a unit of their own first, so every unit is on some row.
        unit = i if i < unit_count else draw(st.integers(0, unit_count - 1))
        manager = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        parent = unit_parents[unit]
        rows.append(
            person_row(
                f"N{i}",
                unit_code=f"U{unit}",
                unit_name_sv=f"Enhet {unit}",
                unit_name_en=f"Unit {unit}",
                parent_unit_code=f"U{parent}" if parent >= 0 else "DEP",
                manager_employee_number=f"N{manager}" if manager is not None else "",
            )
        )
    return rows, draw(st.integers(0, 2**32 - 1))


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(organisation=organisations())
def test_row_order_does_not_change_the_result(dept, organisation):
    rows, seed = organisation
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    states = []
    for version in (rows, shuffled):
        with transaction.atomic():
            result = run(csv_bytes(version))
            assert result.ok, result.errors
            states.append((result.created, result.units_created, _state()))
            transaction.set_rollback(True)

    assert states[0] == states[1]
