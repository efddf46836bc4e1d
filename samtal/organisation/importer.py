"""Reading and validating a people file from the HR system (CSV or XLSX).

Nothing here writes to the database: `parse_people_file` turns a file into rows, and
`validate_rows` checks every row against the file and the database and returns the plan
that `services.people_import` applies in one transaction — or the list of errors, each
with its line and column, in which case nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtal.accounts.models import Language, User
from samtal.organisation.models import (
    RESEARCH_CATEGORIES,
    CareerStage,
    EmploymentCategory,
    Gender,
    Person,
    Unit,
)

REQUIRED_COLUMNS = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "unit_code",
    "employment_category",
)
OPTIONAL_COLUMNS = (
    "unit_name_sv",
    "unit_name_en",
    "parent_unit_code",
    "manager_employee_number",
    "career_stage",
    "gender",
    "language",
    "employment_start",
    "employment_end",
    "active",
)
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_LENGTHS = {
    "employee_number": 40,
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "unit_code": 40,
    "unit_name_sv": 200,
    "unit_name_en": 200,
    "parent_unit_code": 40,
    "manager_employee_number": 40,
}

_GENDERS = {
    "": Gender.NOT_RECORDED,
    "k": Gender.WOMAN,
    "f": Gender.WOMAN,
    "kvinna": Gender.WOMAN,
    "woman": Gender.WOMAN,
    "female": Gender.WOMAN,
    "m": Gender.MAN,
    "man": Gender.MAN,
    "male": Gender.MAN,
    "x": Gender.OTHER,
    "annat": Gender.OTHER,
    "other": Gender.OTHER,
    "ickebinär": Gender.OTHER,
    "non-binary": Gender.OTHER,
}
_BOOLEANS = {
    "": True,
    "1": True,
    "ja": True,
    "yes": True,
    "true": True,
    "j": True,
    "y": True,
    "0": False,
    "nej": False,
    "no": False,
    "false": False,
    "n": False,
}
_CATEGORIES = {c.value for c in EmploymentCategory}
_STAGES = {c.value for c in CareerStage if c.value}
# Codes and numbers appear in URLs, so they are limited to URL-safe characters.
_CODE_RE = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class PersonRow:
    line: int
    employee_number: str
    first_name: str
    last_name: str
    email: str
    unit_code: str
    manager_number: str
    employment_category: str
    career_stage: str
    gender: str
    language: str
    employment_start: dt.date | None
    employment_end: dt.date | None
    is_active: bool


@dataclass
class UnitRow:
    code: str
    name_sv: str
    name_en: str
    parent_code: str | None  # None: keep the parent it has (or none for a new unit)
    line: int


@dataclass
class ImportPlan:
    people: list[PersonRow] = field(default_factory=list)
    units: dict[str, UnitRow] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    # employee number -> (person id, user id) for people already in the database
    existing: dict[str, tuple[int, int]] = field(default_factory=dict)
    # users without a person whose email a new person takes over (email -> user id)
    orphan_users: dict[str, int] = field(default_factory=dict)
    # active people not in the file, deactivated by a full sync (employee numbers)
    to_deactivate: list[str] = field(default_factory=list)
    # employee numbers on rows that have errors (so they are not also "unknown" managers)
    rejected_numbers: set[str] = field(default_factory=set)


class FileFormatError(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, not UTF-8, a wrong header...).

    `errors` says where: the line (1 for the header) and, for a header problem, the column.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int = 1,
        column: str = "",
        errors: list[RowError] | None = None,
    ) -> None:
        super().__init__(message)
        self.errors = errors or [RowError(line, column, message)]


def parse_people_file(stream: IO[bytes], *, file_name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {column: text}) for each non-empty data row.

    Raises FileFormatError for a file that cannot be read at all or whose header is wrong.
    """
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04") or file_name.lower().endswith(".xlsx"):
        yield from _parse_xlsx(stream)
    else:
        yield from _parse_csv(stream)


def _check_header(raw: list[Any]) -> list[str]:
    header = [str(h or "").strip().lstrip("\ufeff").strip().lower() for h in raw]
    errors = [
        RowError(
            1,
            h,
            _("unknown column; the allowed columns are: %(allowed)s")
            % {"allowed": ", ".join(ALL_COLUMNS)},
        )
        for h in header
        if h and h not in ALL_COLUMNS
    ]
    errors += [
        RowError(1, c, _("this required column is missing"))
        for c in REQUIRED_COLUMNS
        if c not in header
    ]
    errors += [
        RowError(1, h, _("the column is given more than once"))
        for h in sorted({h for h in header if h and header.count(h) > 1})
    ]
    if errors:
        raise FileFormatError(errors[0].message, errors=errors)
    return header


def _parse_csv(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    data = stream.read()
    try:
        # Decoded at once (an HR export is a few MB even for 100 000 people) so that a
        # wrong byte is reported on its own line, not on the first line of a read buffer.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileFormatError(
            _("the text is not UTF-8. Save the file as CSV (UTF-8)."), line=line
        ) from None
    del data
    if not text.strip():
        raise FileFormatError(_("The file is empty."))
    lines = io.StringIO(text, newline="")
    first = lines.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        header = _check_header(next(csv.reader([first], delimiter=delimiter), []))
    except csv.Error as exc:  # a header line longer than the csv module reads
        raise FileFormatError(
            _("the CSV cannot be read (%(error)s).") % {"error": exc}, line=1
        ) from None
    reader = csv.reader(lines, delimiter=delimiter)
    next_line = 2  # the header was read outside the reader
    try:
        for values in reader:
            # A row is on the line it starts on, though a quoted value may span lines.
            line, next_line = next_line, reader.line_num + 2
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                extra = values[len(header) :]
                if any(v.strip() for v in extra):
                    yield (
                        line,
                        {"__error__": _("more values than columns in the header")},
                    )
                    continue
            row = {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}
            yield line, row
    except csv.Error as exc:
        raise FileFormatError(
            _("the CSV cannot be read (%(error)s).") % {"error": exc}, line=next_line
        ) from None


def _parse_xlsx(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise FileFormatError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    index = 0
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise FileFormatError(_("The file is empty."))
        header = _check_header(list(first))
        for index, values in enumerate(rows, start=2):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            row = {
                h: _cell_text(values[i] if i < len(values) else None)
                for i, h in enumerate(header)
                if h
            }
            yield index, row
    except FileFormatError:
        raise
    except Exception:  # a damaged sheet inside a readable zip fails only while reading
        raise FileFormatError(
            _("the Excel workbook is damaged and cannot be read from here on."), line=index + 1
        ) from None
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _read_row(line: int, raw: dict[str, str], errors: list[RowError]) -> PersonRow | None:
    """Check one row on its own; append its errors and return None if it has any."""
    if "__error__" in raw:
        errors.append(RowError(line, "", raw["__error__"]))
        return None
    start_count = len(errors)

    def err(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    values: dict[str, str] = {}
    for column in ALL_COLUMNS:
        value = (raw.get(column) or "").strip()
        if "\x00" in value:
            err(column, _("contains a NUL character"))
            value = value.replace("\x00", "")
        limit = MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            err(column, _("is longer than %(max)s characters") % {"max": limit})
        values[column] = value

    for column in REQUIRED_COLUMNS:
        if not values[column]:
            err(column, _("is required"))
    number = values["employee_number"]
    for column in ("employee_number", "unit_code", "parent_unit_code", "manager_employee_number"):
        if values[column] and not _CODE_RE.match(values[column]):
            err(column, _("may contain only letters A–Z, digits and . _ -"))
    email = values["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            err(
                "email",
                _("“%(value)s” is not a valid email address") % {"value": email},
            )
    category = values["employment_category"]
    if category and category not in _CATEGORIES:
        err(
            "employment_category",
            _("“%(value)s” is not one of %(allowed)s")
            % {"value": category, "allowed": ", ".join(sorted(_CATEGORIES))},
        )
    stage = values["career_stage"].upper()
    if stage and stage not in _STAGES:
        err(
            "career_stage",
            _("“%(value)s” is not one of R1, R2, R3, R4") % {"value": stage},
        )
    elif stage and category in _CATEGORIES and category not in RESEARCH_CATEGORIES:
        err(
            "career_stage",
            _("applies only to teachers, researchers and doctoral students"),
        )
    gender = _GENDERS.get(values["gender"].lower())
    if gender is None:
        err(
            "gender",
            _("“%(value)s” is not one of K, M, X or empty") % {"value": values["gender"]},
        )
    language = values["language"].lower() or Language.SWEDISH
    if language not in {Language.SWEDISH, Language.ENGLISH}:
        err("language", _("“%(value)s” is not sv or en") % {"value": values["language"]})
    active = _BOOLEANS.get(values["active"].lower())
    if active is None:
        err("active", _("“%(value)s” is not yes or no") % {"value": values["active"]})
    dates: dict[str, dt.date | None] = {}
    for column in ("employment_start", "employment_end"):
        dates[column] = None
        if values[column]:
            try:
                dates[column] = _parse_date(values[column])
            except ValueError:
                err(
                    column,
                    _("“%(value)s” is not a date in the form YYYY-MM-DD")
                    % {"value": values[column]},
                )
    start, end = dates["employment_start"], dates["employment_end"]
    if start and end and end < start:
        err("employment_end", _("is before employment_start"))
    manager = values["manager_employee_number"]
    if manager and manager == number:
        err("manager_employee_number", _("a person cannot be their own manager"))
    if len(errors) > start_count:
        return None
    return PersonRow(
        line=line,
        employee_number=number,
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=email,
        unit_code=values["unit_code"],
        manager_number=manager,
        employment_category=category,
        career_stage=stage,
        gender=str(gender),
        language=language,
        employment_start=start,
        employment_end=end,
        is_active=bool(active),
    )


def _read_unit(line: int, raw: dict[str, str], plan: ImportPlan) -> None:
    code = (raw.get("unit_code") or "").strip()
    name_sv = (raw.get("unit_name_sv") or "").strip()
    name_en = (raw.get("unit_name_en") or "").strip()
    parent = (raw.get("parent_unit_code") or "").strip() or None
    if not code or "\x00" in code + name_sv + name_en + (parent or ""):
        return
    if parent == code:
        plan.errors.append(RowError(line, "parent_unit_code", _("a unit cannot be its own parent")))
        return
    seen = plan.units.get(code)
    if seen is None:
        plan.units[code] = UnitRow(code, name_sv, name_en, parent, line)
        return
    for column, old, new in (
        ("unit_name_sv", seen.name_sv, name_sv),
        ("unit_name_en", seen.name_en, name_en),
        ("parent_unit_code", seen.parent_code, parent),
    ):
        if new and old and new != old:
            plan.errors.append(
                RowError(
                    line,
                    column,
                    _("unit %(code)s has “%(old)s” on line %(other)s but “%(new)s” here")
                    % {"code": code, "old": old, "other": seen.line, "new": new},
                )
            )
        elif new and not old:
            setattr(
                seen,
                {"unit_name_sv": "name_sv", "unit_name_en": "name_en"}.get(column, "parent_code"),
                new,
            )


def validate_rows(rows: Iterator[tuple[int, dict[str, str]]], *, full_sync: bool) -> ImportPlan:
    """Check every row and the file as a whole against the database. Reads only."""
    plan = ImportPlan()
    first_line_of_number: dict[str, int] = {}
    first_line_of_email: dict[str, int] = {}
    for line, raw in rows:
        row = _read_row(line, raw, plan.errors)
        _read_unit(line, raw, plan)
        if row is None:
            plan.rejected_numbers.add((raw.get("employee_number") or "").strip())
            continue
        other = first_line_of_number.get(row.employee_number)
        if other is not None:
            plan.errors.append(
                RowError(
                    line,
                    "employee_number",
                    _("%(value)s is also on line %(other)s")
                    % {"value": row.employee_number, "other": other},
                )
            )
            continue
        first_line_of_number[row.employee_number] = line
        other = first_line_of_email.get(row.email)
        if other is not None:
            plan.errors.append(
                RowError(
                    line,
                    "email",
                    _("%(value)s is also on line %(other)s") % {"value": row.email, "other": other},
                )
            )
        else:
            first_line_of_email[row.email] = line
        plan.people.append(row)

    if not plan.people and not plan.errors:
        plan.errors.append(RowError(1, "", _("The file has no data rows.")))
        return plan

    _check_units(plan)
    _check_people_against_database(plan, full_sync=full_sync)
    plan.errors.sort(key=lambda e: (e.line, e.column))
    return plan


def _check_units(plan: ImportPlan) -> None:
    existing = dict(Unit.objects.values_list("code", "parent__code"))
    for unit in plan.units.values():
        if unit.code not in existing and not (unit.name_sv and unit.name_en):
            plan.errors.append(
                RowError(
                    unit.line,
                    "unit_code",
                    _(
                        "unit %(code)s does not exist; give unit_name_sv and unit_name_en "
                        "to create it"
                    )
                    % {"code": unit.code},
                )
            )
        if (
            unit.parent_code
            and unit.parent_code not in existing
            and unit.parent_code not in plan.units
        ):
            plan.errors.append(
                RowError(
                    unit.line,
                    "parent_unit_code",
                    _("unit %(code)s does not exist") % {"code": unit.parent_code},
                )
            )
    # The unit tree after the import must have no cycle.
    parents = dict(existing)
    for unit in plan.units.values():
        if unit.parent_code is not None:
            parents[unit.code] = unit.parent_code
    for unit in plan.units.values():
        seen = {unit.code}
        current = parents.get(unit.code)
        while current is not None:
            if current in seen:
                if current != unit.code:
                    break  # a cycle further up, reported on the lines of the units in it
                plan.errors.append(
                    RowError(
                        unit.line,
                        "parent_unit_code",
                        _("unit %(code)s would become its own ancestor (a cycle in the unit tree)")
                        % {"code": unit.code},
                    )
                )
                break
            seen.add(current)
            current = parents.get(current)


def _check_people_against_database(plan: ImportPlan, *, full_sync: bool) -> None:
    in_file = {row.employee_number: row for row in plan.people}
    # One query each, whatever the size of the organisation.
    db_people = {
        number: (pid, uid, manager, active, email)
        for pid, uid, number, manager, active, email in Person.objects.values_list(
            "id",
            "user_id",
            "employee_number",
            "manager__employee_number",
            "is_active",
            "user__email",
        )
    }
    plan.existing = {number: (v[0], v[1]) for number, v in db_people.items()}
    # Addresses are compared in lower case, as the file's are: a login created by hand
    # may keep the capitals it was typed with.
    person_by_email = {v[4].lower(): number for number, v in db_people.items()}
    orphan_users = {
        email.lower(): uid
        for email, uid in User.objects.filter(person__isnull=True).values_list("email", "id")
    }

    for row in plan.people:
        owner = person_by_email.get(row.email)
        if owner is not None and owner != row.employee_number:
            # Even if the owner's row gives them a new address, moving an address between
            # two people in one import is refused: the swap cannot be applied row by row.
            plan.errors.append(
                RowError(
                    row.line,
                    "email",
                    _("%(email)s already belongs to employee %(number)s")
                    % {"email": row.email, "number": owner},
                )
            )
        elif row.email in orphan_users:
            if row.employee_number not in db_people:
                # A login without a person (made by an administrator) is taken over.
                plan.orphan_users[row.email] = orphan_users[row.email]
            else:
                # A person already has a login; two logins cannot share one address.
                plan.errors.append(
                    RowError(
                        row.line,
                        "email",
                        _("%(email)s is already the address of another login")
                        % {"email": row.email},
                    )
                )

    if full_sync:
        plan.to_deactivate = [
            number for number, v in db_people.items() if v[3] and number not in in_file
        ]
    deactivated = set(plan.to_deactivate)

    # Final state of every person: manager and active flag.
    manager_of: dict[str, str | None] = {n: v[2] for n, v in db_people.items()}
    active: dict[str, bool] = {n: v[3] for n, v in db_people.items()}
    for number in deactivated:
        active[number] = False
    for row in plan.people:
        manager_of[row.employee_number] = row.manager_number or None
        active[row.employee_number] = row.is_active

    for row in plan.people:
        manager = row.manager_number
        if not manager:
            continue
        if manager not in active:
            if manager in plan.rejected_numbers:
                continue  # the manager's own row has errors, reported there
            plan.errors.append(
                RowError(
                    row.line,
                    "manager_employee_number",
                    _("unknown manager %(number)s: not in the file nor in Samtal")
                    % {"number": manager},
                )
            )
        elif row.is_active and not active[manager]:
            message = (
                _("manager %(number)s is not in the file and would be deactivated by the full sync")
                if manager in deactivated
                else _("manager %(number)s is not active")
            )
            plan.errors.append(
                RowError(row.line, "manager_employee_number", message % {"number": manager})
            )

    # People left out of a partial import keep their manager: that manager may not be made
    # inactive by their row while they stay active.
    left_out: dict[str, list[str]] = {}
    for number, v in db_people.items():
        manager = v[2]
        if number not in in_file and active[number] and manager and not active[manager]:
            left_out.setdefault(manager, []).append(number)
    for manager, reports in sorted(left_out.items()):
        manager_row = in_file.get(manager)
        if manager_row is not None and db_people[manager][3]:  # made inactive by this file
            plan.errors.append(
                RowError(
                    manager_row.line,
                    "active",
                    ngettext(
                        "%(number)s is the manager of %(count)s active person who is not "
                        "in the file (%(reports)s); give them another manager first",
                        "%(number)s is the manager of %(count)s active people who are not "
                        "in the file (%(reports)s); give them another manager first",
                        len(reports),
                    )
                    % {
                        "number": manager,
                        "count": len(reports),
                        "reports": ", ".join(sorted(reports)[:5])
                        + (" …" if len(reports) > 5 else ""),
                    },
                )
            )

    for number in _numbers_in_cycles(manager_of):
        cycle_row = in_file.get(number)
        if cycle_row is not None:
            plan.errors.append(
                RowError(
                    cycle_row.line,
                    "manager_employee_number",
                    _("manager %(number)s makes a cycle: %(chain)s")
                    % {
                        "number": cycle_row.manager_number,
                        "chain": _cycle_chain(number, manager_of),
                    },
                )
            )


def _numbers_in_cycles(manager_of: dict[str, str | None]) -> list[str]:
    """Every person whose chain of managers comes back to them. Linear in the number of people."""
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    in_cycle: list[str] = []
    for start in manager_of:
        if start in state:
            continue
        walk: list[str] = []
        current: str | None = start
        while current is not None and current not in state:
            state[current] = 1
            walk.append(current)
            current = manager_of.get(current)
        if current is not None and state.get(current) == 1:
            in_cycle.extend(walk[walk.index(current) :])
        for number in walk:
            state[number] = 2
    return in_cycle


def _cycle_chain(start: str, manager_of: dict[str, str | None]) -> str:
    chain = [start]
    current = manager_of.get(start)
    while current is not None and current != start and len(chain) < 20:
        chain.append(current)
        current = manager_of.get(current)
    chain.append(start)
    return " → ".join(chain)
