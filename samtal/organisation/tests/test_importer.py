"""Reading and validating people files: formats, line numbers, and the checks on their own.

The helpers at the top build files for these tests and for test_services and the command's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from samtal.organisation.importer import (
    ALL_COLUMNS,
    FileFormatError,
    _numbers_in_cycles,
    parse_people_file,
    validate_rows,
)


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in English; the Swedish ones are in locale/."""
    with translation.override("en"):
        yield


COLUMNS = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "unit_code",
    "unit_name_sv",
    "unit_name_en",
    "parent_unit_code",
    "manager_employee_number",
    "employment_category",
    "career_stage",
    "gender",
    "language",
    "employment_start",
    "employment_end",
    "active",
)


def person_row(number: str, **values: str) -> dict[str, str]:
    """A valid row for a new person in the existing unit DEP (the shared `dept` fixture)."""
    return {
        "employee_number": number,
        "first_name": "Anna",
        "last_name": f"Ek {number}",
        "email": f"p{number.lower()}@example.se",
        "unit_code": "DEP",
        "employment_category": "admin_staff",
        **values,
    }


def csv_bytes(
    rows: list[dict[str, str]],
    *,
    delimiter: str = ";",
    bom: bool = False,
    columns: tuple[str, ...] = COLUMNS,
) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def parse(data: bytes, file_name: str = "people.csv") -> list[tuple[int, dict[str, str]]]:
    return list(parse_people_file(io.BytesIO(data), file_name=file_name))


def file_error(data: bytes, file_name: str = "people.csv") -> list[tuple[int, str]]:
    with pytest.raises(FileFormatError) as caught:
        parse(data, file_name)
    return [(e.line, e.column) for e in caught.value.errors]


# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [False, True])
def test_csv_is_read_with_either_delimiter_and_with_or_without_bom(delimiter, bom):
    data = csv_bytes(
        [person_row("1", first_name="Åsa, Märta"), person_row("2", last_name="Öberg; Ärlig")],
        delimiter=delimiter,
        bom=bom,
    )

    rows = parse(data)

    assert [line for line, _ in rows] == [2, 3]
    assert rows[0][1]["employee_number"] == "1"
    assert rows[0][1]["first_name"] == "Åsa, Märta"
    assert rows[1][1]["last_name"] == "Öberg; Ärlig"
    assert set(rows[0][1]) == set(COLUMNS)


def test_header_is_matched_case_and_space_insensitively_and_columns_may_be_missing():
    data = "\ufeff Employee_Number ;FIRST_NAME;last_name;email;unit_code;employment_category\n"
    data += "7;Anna;Ek;a@example.se;DEP;teacher\n"

    [(line, row)] = parse(data.encode())

    assert line == 2
    assert row["employee_number"] == "7"
    assert row["employment_category"] == "teacher"


def test_blank_lines_are_skipped_and_line_numbers_count_physical_lines():
    data = csv_bytes([person_row("1"), person_row("2", first_name="Två\nrader"), person_row("3")])
    data = data.replace(b"\r\n2;", b"\r\n;;;\r\n\r\n2;")

    rows = parse(data)

    # header 1, row "1" on 2, two blank lines, row "2" on 5-6, row "3" on 7
    assert [(line, row["employee_number"]) for line, row in rows] == [(2, "1"), (5, "2"), (7, "3")]


def test_a_row_with_more_values_than_the_header_is_an_error_on_its_line():
    data = b"employee_number;first_name;last_name;email;unit_code;employment_category\n"
    data += b"1;A;B;a@example.se;DEP;teacher\n1;A;B;a@example.se;DEP;teacher;extra\n"

    rows = parse(data)

    assert rows[1][0] == 3
    assert "__error__" in rows[1][1]


DATES = (dt.datetime(2020, 8, 1), dt.date(2030, 1, 31))


def test_xlsx_with_date_cells_and_numbers():
    data = xlsx_bytes(
        [*COLUMNS[:5], "employment_category", "employment_start", "employment_end", "active"],
        [
            [1001, "Anna", "Ek", "anna@example.se", "DEP", "teacher", *DATES, True],
            [None] * 9,  # an empty row is skipped but still counted
            [1002.0, "Bo", "Al", "bo@example.se", "DEP", "admin_staff", None, None, None],
        ],
    )

    rows = parse(data, "people.xlsx")

    assert [line for line, _ in rows] == [2, 4]
    first, second = rows[0][1], rows[1][1]
    assert first["employee_number"] == "1001"
    assert first["employment_start"] == "2020-08-01"
    assert first["employment_end"] == "2030-01-31"
    assert first["active"] == "True"
    assert second["employee_number"] == "1002"
    assert second["employment_start"] == ""


def test_xlsx_is_recognised_by_content_whatever_the_name():
    data = xlsx_bytes([*COLUMNS[:5], "employment_category"], [[1, "A", "B", "a@x.se", "D", "x"]])

    assert parse(data, "export.dat")[0][1]["employee_number"] == "1"


# --- files that cannot be read -------------------------------------------------------------


def test_unknown_columns_are_reported_on_the_header_line_by_name():
    data = csv_bytes([person_row("1")], columns=(*COLUMNS, "shoe_size", "salary"))

    assert file_error(data) == [(1, "shoe_size"), (1, "salary")]


def test_missing_required_columns_are_reported_by_name():
    columns = tuple(c for c in COLUMNS if c not in ("email", "unit_code"))
    rows = [{k: v for k, v in person_row("1").items() if k in columns}]

    assert file_error(csv_bytes(rows, columns=columns)) == [(1, "email"), (1, "unit_code")]


def test_a_column_given_twice_is_an_error():
    data = b"employee_number;first_name;last_name;email;unit_code;employment_category;email\n"

    assert file_error(data) == [(1, "email")]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n \r\n"])
def test_empty_file(data):
    assert file_error(data) == [(1, "")]


@pytest.mark.parametrize("line", [b"A" * (1024 * 1024), b'"' + b"A" * 200_000 + b'"'])
def test_a_header_longer_than_the_csv_module_reads_is_an_error(line):
    # The csv module refuses a field over 128 KB: on the header line that was a 500
    # (hostile-input suite); on the other lines it was already a file error.
    assert file_error(line + b"\n") == [(1, "")]


def test_text_that_is_not_utf8_is_reported_on_its_own_line():
    rows = [person_row(str(n)) for n in range(1, 400)]  # well past one read buffer
    data = csv_bytes(rows).replace(b"p300@", "Åsa300@".encode("latin-1"))

    assert file_error(data) == [(301, "")]


def test_utf16_file_is_not_utf8():
    data = csv_bytes([person_row("1")]).decode().encode("utf-16")

    assert file_error(data) == [(1, "")]


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 not really a zip file",
        xlsx_bytes(list(COLUMNS), [])[:400],
    ],
)
def test_broken_xlsx(data):
    assert file_error(data, "people.xlsx") == [(1, "")]


def test_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")

    assert file_error(out.getvalue(), "people.xlsx") == [(1, "")]


def test_xlsx_with_a_damaged_sheet_is_an_error_not_a_crash():
    good = xlsx_bytes(list(COLUMNS), [["1", "A", "B", "a@example.se", "DEP"]])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # cut in the middle of the XML
            archive.writestr(item, content)

    errors = file_error(out.getvalue(), "people.xlsx")

    assert len(errors) == 1
    assert errors[0][1] == ""


# --- validation on its own -----------------------------------------------------------------


def errors_of(rows: list[dict[str, str]], *, full_sync: bool = False) -> list[tuple[int, str]]:
    plan = validate_rows(iter(parse(csv_bytes(rows))), full_sync=full_sync)
    return [(e.line, e.column) for e in plan.errors]


@pytest.mark.django_db
def test_values_are_normalised(dept):
    rows = [
        person_row(
            "1",
            email=" Anna.Ek@Example.SE ",
            career_stage="r2",
            employment_category="researcher",
            gender="k",
            language="EN",
            active="Nej",
            employment_start="2020-01-31",
        )
    ]

    plan = validate_rows(iter(parse(csv_bytes(rows))), full_sync=False)

    assert plan.errors == []
    [row] = plan.people
    assert row.email == "anna.ek@example.se"
    assert row.career_stage == "R2"
    assert row.gender == "woman"
    assert row.language == "en"
    assert row.is_active is False
    assert row.employment_start == dt.date(2020, 1, 31)


@pytest.mark.django_db
def test_every_problem_of_a_row_is_reported_at_once(dept):
    row = person_row(
        "1",
        first_name="",
        email="not-an-email",
        employment_category="professor",
        gender="?",
        language="fi",
        active="kanske",
        employment_start="31/1/2020",
    )

    assert errors_of([row]) == [
        (2, "active"),
        (2, "email"),
        (2, "employment_category"),
        (2, "employment_start"),
        (2, "first_name"),
        (2, "gender"),
        (2, "language"),
    ]


@pytest.mark.django_db
def test_a_manager_whose_own_row_is_wrong_is_not_also_unknown(dept):
    rows = [
        person_row("1", gender="?"),
        person_row("2", manager_employee_number="1"),
    ]

    assert errors_of(rows) == [(2, "gender")]


@pytest.mark.django_db
def test_a_unit_row_can_come_after_the_rows_that_use_it(dept):
    rows = [
        person_row("1", unit_code="SUB"),
        person_row(
            "2",
            unit_code="SUB",
            unit_name_sv="Gruppen",
            unit_name_en="The group",
            parent_unit_code="DEP",
        ),
    ]

    plan = validate_rows(iter(parse(csv_bytes(rows))), full_sync=False)

    assert plan.errors == []
    assert plan.units["SUB"].name_sv == "Gruppen"
    assert plan.units["SUB"].parent_code == "DEP"


@pytest.mark.django_db
def test_a_unit_described_differently_on_two_lines_is_an_error(dept):
    new = {"unit_code": "NEW", "unit_name_en": "New", "parent_unit_code": "DEP"}
    rows = [
        person_row("1", unit_name_sv="Ny", **new),
        person_row("2", unit_name_sv="Annan", **new),
    ]

    assert errors_of(rows) == [(3, "unit_name_sv")]


@pytest.mark.django_db
def test_a_unit_cycle_is_reported_on_the_units_in_it_not_on_those_below(dept):
    new = {"unit_name_sv": "Ny", "unit_name_en": "New"}
    rows = [
        person_row("1", unit_code="X", parent_unit_code="A", **new),
        person_row("2", unit_code="A", parent_unit_code="B", **new),
        person_row("3", unit_code="B", parent_unit_code="A", **new),
    ]

    assert errors_of(rows) == [(3, "parent_unit_code"), (4, "parent_unit_code")]


def test_cycles_are_found():
    manager_of = {"a": "b", "b": "c", "c": "a", "d": "a", "e": None, "f": "f", "g": "x"}

    assert sorted(_numbers_in_cycles(manager_of)) == ["a", "b", "c", "f"]


def _naive_cycle_members(manager_of: dict[str, str | None]) -> set[str]:
    members = set()
    for start in manager_of:
        current = manager_of.get(start)
        for _step in range(len(manager_of) + 1):
            if current is None:
                break
            if current == start:
                members.add(start)
                break
            current = manager_of.get(current)
    return members


@given(st.dictionaries(st.integers(0, 30), st.one_of(st.none(), st.integers(0, 35))))
def test_cycle_detection_agrees_with_the_definition(edges):
    manager_of = {str(k): (str(v) if v is not None else None) for k, v in edges.items()}

    found = _numbers_in_cycles(manager_of)

    assert len(found) == len(set(found))
    assert set(found) == _naive_cycle_members(manager_of)


@st.composite
def manager_forests(draw):
    """A list where person i's manager is an earlier person or nobody: never a cycle."""
    size = draw(st.integers(1, 40))
    managers = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    seed = draw(st.integers(0, 2**32 - 1))
    return managers, seed


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(forest=manager_forests())
def test_random_manager_forests_in_any_row_order_are_valid(dept, forest):
    managers, seed = forest
    rows = [
        person_row(f"N{i}", manager_employee_number=f"N{m}" if m is not None else "")
        for i, m in enumerate(managers)
    ]
    random.Random(seed).shuffle(rows)

    plan = validate_rows(iter(parse(csv_bytes(rows))), full_sync=False)

    assert plan.errors == []
    assert len(plan.people) == len(rows)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(forest=manager_forests(), data=st.data())
def test_one_edge_back_up_a_forest_is_reported_on_exactly_the_cycle(dept, forest, data):
    managers, seed = forest
    # Give someone a manager among their own reports (or themselves, if they have none).
    person = data.draw(st.integers(0, len(managers) - 1))
    below = [i for i in range(len(managers)) if _is_below(i, person, managers)]
    new_manager = data.draw(st.sampled_from(below)) if below else person
    managers = list(managers)
    managers[person] = new_manager
    cycle = {person}
    current = new_manager
    while current != person:
        cycle.add(current)
        current = managers[current]
    rows = [
        person_row(f"N{i}", manager_employee_number=f"N{m}" if m is not None else "")
        for i, m in enumerate(managers)
    ]
    random.Random(seed).shuffle(rows)
    lines = {row["employee_number"]: line for line, row in enumerate(rows, start=2)}

    plan = validate_rows(iter(parse(csv_bytes(rows))), full_sync=False)

    assert {(e.line, e.column) for e in plan.errors} == {
        (lines[f"N{i}"], "manager_employee_number") for i in cycle
    }


def _is_below(candidate: int, boss: int, managers: list[int | None]) -> bool:
    current = managers[candidate]
    while current is not None:
        if current == boss:
            return True
        current = managers[current]
    return False


def test_every_column_is_documented_in_the_example_file_order():
    assert set(COLUMNS) == set(ALL_COLUMNS)
