"""A realistic Swedish demo organisation: one university faculty of about sixty people.

    Teknisk-naturvetenskapliga fakulteten (TNF), dean
    ├── Fakultetskansliet            head of office, HR partner, economist, communicator, ...
    ├── Institutionen för fysik      head; Materialfysik, Kvantoptik
    ├── Institutionen för datavetenskap   head; Maskininlärning, Distribuerade system
    └── Kemiska institutionen        head; Organisk syntes, Analytisk kemi

The people are the same on every run (a fixed seed drives a private random generator), are
rendered as an HR-system CSV and loaded through `people_import`, so loading again upserts by
employee number instead of duplicating. `demo_load` then gives the well-known logins their
password and roles, and dates the manager relations (the import dates them today) from when
they began, with a past manager for a few people.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import random
import re
import unicodedata
from collections import defaultdict
from typing import Any

from django.db import transaction

from samtal.accounts.models import Role, RoleAssignment, User
from samtal.organisation.importer import ALL_COLUMNS, RowError
from samtal.organisation.models import EmploymentCategory, ManagerRelation, Person, Unit
from samtal.organisation.services import ImportResult, people_import
from samtal.talk_templates.builtin import default_template_install

DEMO_PASSWORD = "samtal-demo-2026"  # noqa: S105 — published on purpose: demo logins only
DEMO_DOMAIN = "demo.samtal.se"
DEMO_ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
DEMO_FILE_NAME = "samtal-demo.csv"
SEED = 2026

# (role label, email) of the logins the demo is meant to be explored with.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("Employee (researcher, Department of Computing Science)", f"anna.lindqvist@{DEMO_DOMAIN}"),
    ("Manager (head of the Department of Computing Science)", f"mats.engstrom@{DEMO_DOMAIN}"),
    ("HR (HR partner, whole faculty)", f"helena.berglund@{DEMO_DOMAIN}"),
    ("Safety representative (Department of Computing Science)", f"oskar.nordin@{DEMO_DOMAIN}"),
    ("Administrator (no employee record)", DEMO_ADMIN_EMAIL),
]


ADMIN = EmploymentCategory.ADMIN_STAFF.value
TEACHER = EmploymentCategory.TEACHER.value
RESEARCHER = EmploymentCategory.RESEARCHER.value
DOCTORAL = EmploymentCategory.DOCTORAL_STUDENT.value


@dataclasses.dataclass(frozen=True)
class DemoUnit:
    code: str
    name_sv: str
    name_en: str
    parent: str | None


UNITS = (
    DemoUnit(
        "TNF", "Teknisk-naturvetenskapliga fakulteten", "Faculty of Science and Technology", None
    ),
    DemoUnit("TNF-KANS", "Fakultetskansliet", "Faculty Office", "TNF"),
    DemoUnit("TNF-FYS", "Institutionen för fysik", "Department of Physics", "TNF"),
    DemoUnit("TNF-FYS-MF", "Forskargrupp Materialfysik", "Materials Physics Group", "TNF-FYS"),
    DemoUnit("TNF-FYS-KO", "Forskargrupp Kvantoptik", "Quantum Optics Group", "TNF-FYS"),
    DemoUnit("TNF-DV", "Institutionen för datavetenskap", "Department of Computing Science", "TNF"),
    DemoUnit("TNF-DV-ML", "Forskargrupp Maskininlärning", "Machine Learning Group", "TNF-DV"),
    DemoUnit(
        "TNF-DV-DS", "Forskargrupp Distribuerade system", "Distributed Systems Group", "TNF-DV"
    ),
    DemoUnit("TNF-KEM", "Kemiska institutionen", "Department of Chemistry", "TNF"),
    DemoUnit("TNF-KEM-OS", "Forskargrupp Organisk syntes", "Organic Synthesis Group", "TNF-KEM"),
    DemoUnit("TNF-KEM-AK", "Forskargrupp Analytisk kemi", "Analytical Chemistry Group", "TNF-KEM"),
)
UNITS_BY_CODE = {unit.code: unit for unit in UNITS}


@dataclasses.dataclass
class DemoPerson:
    key: str  # internal handle for manager links; not written anywhere
    first_name: str
    last_name: str
    gender: str  # K, M or "" (not recorded), as an HR system would export it
    unit: str
    manager: str | None  # key of the manager
    category: str
    stage: str
    language: str
    start: dt.date
    end: dt.date | None = None
    employee_number: str = ""

    @property
    def email(self) -> str:
        return f"{ascii_fold(self.first_name)}.{ascii_fold(self.last_name)}@{DEMO_DOMAIN}"


@dataclasses.dataclass(frozen=True)
class PastManager:
    manager: str  # key
    until: dt.date  # the day the current manager took over


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _named(
    key: str,
    name: str,
    gender: str,
    unit: str,
    manager: str | None,
    category: str,
    stage: str,
    start: str,
    *,
    end: str | None = None,
    language: str = "sv",
) -> DemoPerson:
    first, last = name.split(" ", 1)
    return DemoPerson(
        key, first, last, gender, unit, manager, category, stage, language, _d(start),
        _d(end) if end else None,
    )  # fmt: skip


# The named people: leaders, the demo logins and those with a manager history.
NAMED = (
    _named("dean", "Margareta Holmberg", "K", "TNF", None, TEACHER, "R4", "1998-09-01"),
    _named("office", "Tomas Hallberg", "M", "TNF-KANS", "dean", ADMIN, "", "2014-01-01"),
    _named("hr", "Helena Berglund", "K", "TNF-KANS", "office", ADMIN, "", "2016-08-15"),
    _named("economist", "Johan Nyström", "M", "TNF-KANS", "office", ADMIN, "", "2011-05-01"),
    _named("comms", "Sofia Ekström", "K", "TNF-KANS", "office", ADMIN, "", "2019-02-01"),
    _named("kerstin", "Kerstin Sjödin", "K", "TNF-KANS", "office", ADMIN, "", "2009-02-01"),
    _named("research-officer", "Mikael Åberg", "M", "TNF-KANS", "office", ADMIN, "", "2017-10-01"),
    _named("head-fys", "Anders Wikström", "M", "TNF-FYS", "dean", TEACHER, "R4", "2003-01-01"),
    _named("lead-mf", "Eva Sjöberg", "K", "TNF-FYS-MF", "head-fys", TEACHER, "R4", "2006-08-01"),
    _named(
        "lead-ko", "Lars Hedlund", "M", "TNF-FYS-KO", "head-fys", RESEARCHER, "R4", "2009-01-01"
    ),
    _named(
        "giulia",
        "Giulia Romano",
        "K",
        "TNF-FYS-KO",
        "lead-ko",
        RESEARCHER,
        "R2",
        "2024-03-01",
        end="2027-02-28",
        language="en",
    ),
    _named("head-dv", "Mats Engström", "M", "TNF-DV", "dean", TEACHER, "R4", "2004-09-01"),
    _named(
        "lead-ml", "Birgitta Olofsson", "K", "TNF-DV-ML", "head-dv", TEACHER, "R4", "2008-01-15"
    ),
    _named("lead-ds", "Henrik Dahlberg", "M", "TNF-DV-DS", "head-dv", TEACHER, "R4", "2010-07-01"),
    _named("anna", "Anna Lindqvist", "K", "TNF-DV", "head-dv", RESEARCHER, "R3", "2019-09-01"),
    _named("oskar", "Oskar Nordin", "M", "TNF-DV", "head-dv", TEACHER, "R3", "2015-08-15"),
    _named("head-kem", "Ingrid Sundberg", "K", "TNF-KEM", "dean", TEACHER, "R4", "2001-02-01"),
    _named("lead-os", "Jan Lindström", "M", "TNF-KEM-OS", "head-kem", TEACHER, "R4", "2007-09-01"),
    _named(
        "lead-ak", "Cecilia Björk", "K", "TNF-KEM-AK", "head-kem", RESEARCHER, "R4", "2011-03-01"
    ),
)

# Everyone else, as positions filled with generated names:
# (unit, manager, category, stage, how many, of whom international researchers)
POSITIONS = (
    ("TNF-KANS", "office", ADMIN, "", 3, 0),
    ("TNF-FYS", "head-fys", TEACHER, "R3", 2, 0),  # universitetslektorer
    ("TNF-FYS", "head-fys", TEACHER, "", 1, 0),  # adjunkt: teaches, no research
    ("TNF-FYS", "head-fys", ADMIN, "", 2, 0),  # administrator, research engineer
    ("TNF-FYS-MF", "lead-mf", RESEARCHER, "R3", 1, 0),
    ("TNF-FYS-MF", "lead-mf", RESEARCHER, "R2", 1, 1),  # postdoc
    ("TNF-FYS-MF", "lead-mf", DOCTORAL, "R1", 3, 1),
    ("TNF-FYS-KO", "lead-ko", RESEARCHER, "R3", 1, 0),
    ("TNF-FYS-KO", "lead-ko", DOCTORAL, "R1", 2, 1),
    ("TNF-DV", "head-dv", TEACHER, "R3", 2, 0),
    ("TNF-DV", "head-dv", TEACHER, "", 1, 0),
    ("TNF-DV", "head-dv", ADMIN, "", 2, 0),  # study administrator, systems administrator
    ("TNF-DV-ML", "lead-ml", RESEARCHER, "R2", 1, 1),
    ("TNF-DV-ML", "lead-ml", RESEARCHER, "R3", 1, 0),
    ("TNF-DV-ML", "lead-ml", DOCTORAL, "R1", 2, 1),
    ("TNF-DV-DS", "lead-ds", RESEARCHER, "R3", 1, 0),
    ("TNF-DV-DS", "lead-ds", RESEARCHER, "R2", 1, 0),
    ("TNF-DV-DS", "lead-ds", DOCTORAL, "R1", 2, 1),
    ("TNF-KEM", "head-kem", TEACHER, "R3", 2, 0),
    ("TNF-KEM", "head-kem", ADMIN, "", 2, 0),  # laboratory engineer, administrator
    ("TNF-KEM-OS", "lead-os", RESEARCHER, "R3", 1, 0),
    ("TNF-KEM-OS", "lead-os", RESEARCHER, "R2", 1, 1),
    ("TNF-KEM-OS", "lead-os", DOCTORAL, "R1", 3, 0),
    ("TNF-KEM-AK", "lead-ak", RESEARCHER, "R2", 1, 0),
    ("TNF-KEM-AK", "lead-ak", DOCTORAL, "R1", 2, 1),
)

# A few people changed manager: the old relation is kept, closed on the day of the change.
PAST_MANAGERS = {
    # Moved from the Machine Learning group to the department when she became a researcher.
    "anna": PastManager("lead-ml", _d("2024-01-01")),
    # Came as a postdoc to Materials Physics, moved to Quantum Optics with her project.
    "giulia": PastManager("lead-mf", _d("2025-09-01")),
    # Reported to the dean until the faculty office got a head of its own.
    "kerstin": PastManager("dean", _d("2014-01-01")),
}

WOMEN = (
    "Maria", "Karin", "Sara", "Emma", "Linnea", "Johanna", "Elin", "Ida", "Malin", "Jenny",
    "Frida", "Hanna", "Ebba", "Klara", "Maja", "Ulrika", "Annika", "Camilla", "Therese", "Åsa",
    "Märta", "Agnes", "Louise", "Matilda", "Lovisa", "Susanne", "Petra", "Kristina", "Ylva",
    "Sanna", "Tove", "Moa", "Stina", "Josefin",
)  # fmt: skip
MEN = (
    "Erik", "Karl", "Nils", "Mikael", "Fredrik", "Daniel", "Jonas", "Magnus", "Gustav", "Viktor",
    "Axel", "Linus", "Emil", "Olof", "Sven", "Jakob", "Simon", "Anton", "Filip", "Martin",
    "Tobias", "Rasmus", "Joakim", "Pontus", "Göran", "Håkan", "Ulf", "Mattias", "Sebastian",
    "Albin", "Hugo", "Peter",
)  # fmt: skip
SURNAMES = (
    "Holmgren", "Bergström", "Fransson", "Isaksson", "Norberg", "Öberg", "Strand", "Lind", "Blom",
    "Forsman", "Wallin", "Sundqvist", "Nyberg", "Holmqvist", "Eklund", "Lundberg", "Jonsson",
    "Hansson", "Danielsson", "Mattsson", "Axelsson", "Gunnarsson", "Åström", "Sundström",
    "Edlund", "Marklund", "Burman", "Lundmark", "Nordlund", "Hägglund", "Backman", "Granberg",
    "Öhman", "Vikström", "Rönnlund", "Boström", "Grahn", "Sandström", "Lindgren", "Westerlund",
)  # fmt: skip
# Swedish-speaking colleagues whose families came from elsewhere: (first, last, gender).
RESIDENTS = (
    ("Amir", "Hosseini", "M"),
    ("Leila", "Karimi", "K"),
    ("Dragan", "Petrović", "M"),
    ("Noor", "Al-Hassan", "K"),
    ("Mirela", "Kovačević", "K"),
)
# International researchers who prefer English: (first, last, gender).
INTERNATIONAL = (
    ("Wei", "Zhang", "M"),
    ("Priya", "Raman", "K"),
    ("Lucas", "Moreau", "M"),
    ("Tomasz", "Kowalski", "M"),
    ("Aisha", "Okafor", "K"),
    ("Javier", "Morales", "M"),
    ("Ananya", "Iyer", "K"),
    ("Mehmet", "Yılmaz", "M"),
    ("Hélène", "Dubois", "K"),
    ("Elena", "Petrova", "K"),
    ("Olumide", "Adeyemi", "M"),
    ("Yuki", "Tanaka", ""),
    ("Sofía", "Herrera", "K"),
    ("Kwame", "Mensah", "M"),
    ("Jürgen", "Weber", "M"),
)
BLANK_GENDERS = 3  # people whose gender the HR system has not recorded

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "ı": "i", "đ": "d"})


def ascii_fold(text: str) -> str:
    """Fold a name into an email part: "Åsa Öhman-Björk" -> "asa-ohman-bjork"."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    text = text.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def demo_people() -> list[DemoPerson]:
    """The demo staff, identical on every call: named people first, then the generated ones."""
    rng = random.Random(SEED)  # private: the output never depends on the global random state
    people = [dataclasses.replace(p) for p in NAMED]  # copies: numbers are set below
    emails = {p.email for p in people}
    used_names = {p.first_name for p in people} | {p.last_name for p in people}
    international = list(INTERNATIONAL)
    residents = list(RESIDENTS)
    rng.shuffle(international)
    rng.shuffle(residents)
    generated: list[DemoPerson] = []
    for unit, manager, category, stage, count, abroad in POSITIONS:
        for index in range(count):
            if index < abroad:
                first, last, gender = international.pop()
                language = "en"
            elif residents and rng.random() < 0.12:
                first, last, gender = residents.pop()
                language = "sv"
            else:
                first, last, gender = _swedish_name(rng, used_names)
                language = "sv"
            start, end = _employment(rng, category, stage)
            person = DemoPerson(
                f"{unit}-{category}-{stage}-{index}", first, last, gender, unit, manager,
                category, stage, language, start, end,
            )  # fmt: skip
            if person.email in emails:  # cannot happen with unique surnames; guard the promise
                raise AssertionError(f"duplicate demo email {person.email}")
            emails.add(person.email)
            used_names.update((first, last))
            generated.append(person)
    for person in rng.sample(generated, BLANK_GENDERS):
        person.gender = ""
    people.extend(generated)

    # Employee numbers follow the order of hiring, as they do in most HR systems.
    numbers = sorted(rng.sample(range(100100, 101000), len(people)))
    by_hiring = sorted(range(len(people)), key=lambda i: (people[i].start, i))
    for number, index in zip(numbers, by_hiring, strict=True):
        people[index].employee_number = str(number)
    return people


def _swedish_name(rng: random.Random, used: set[str]) -> tuple[str, str, str]:
    """A name whose first and last name nobody else in the demo has, so people are told apart."""
    gender = rng.choice(("K", "M"))
    first = rng.choice([n for n in (WOMEN if gender == "K" else MEN) if n not in used])
    last = rng.choice([n for n in SURNAMES if n not in used])
    return first, last, gender


def _employment(rng: random.Random, category: str, stage: str) -> tuple[dt.date, dt.date | None]:
    """A plausible start (and end, for fixed-term posts) for the kind of position."""
    if category == DOCTORAL:
        # Four years of doctoral studies plus teaching: a five-year fixed term.
        start = dt.date(rng.randint(2022, 2025), rng.choice((1, 9)), 1)
        return start, dt.date(start.year + 5, start.month, 1) - dt.timedelta(days=1)
    if stage == "R2":  # postdoc: two years
        start = dt.date(rng.choice((2025, 2026)), rng.choice((1, 3, 6)), 1)
        return start, dt.date(start.year + 2, start.month, 1) - dt.timedelta(days=1)
    first_year = {"R3": 2008, "R4": 1996}.get(stage, 2000)
    last_year = {"R3": 2021, "R4": 2012}.get(stage, 2024)
    return dt.date(rng.randint(first_year, last_year), rng.randint(1, 12), 1), None


def demo_csv(people: list[DemoPerson] | None = None) -> bytes:
    """The demo staff as the semicolon-separated UTF-8 CSV an HR system would export."""
    people = demo_people() if people is None else people
    number_of = {p.key: p.employee_number for p in people}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ALL_COLUMNS, delimiter=";", lineterminator="\n")
    writer.writeheader()
    for p in people:
        unit = UNITS_BY_CODE[p.unit]
        writer.writerow(
            {
                "employee_number": p.employee_number,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "email": p.email,
                "unit_code": unit.code,
                "unit_name_sv": unit.name_sv,
                "unit_name_en": unit.name_en,
                "parent_unit_code": unit.parent or "",
                "manager_employee_number": number_of[p.manager] if p.manager else "",
                "employment_category": p.category,
                "career_stage": p.stage,
                "gender": p.gender,
                "language": p.language,
                "employment_start": p.start.isoformat(),
                "employment_end": p.end.isoformat() if p.end else "",
                "active": "ja",
            }
        )
    return out.getvalue().encode("utf-8")


class DemoImportError(Exception):
    """The import refused the demo file (e.g. a demo email already belongs to someone else)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"the demo import was refused with {len(errors)} error(s)")

    def lines(self) -> list[str]:
        return [
            f"line {e.line}, column {e.column}: {e.message}"
            if e.column
            else f"line {e.line}: {e.message}"
            for e in self.errors
        ]


@dataclasses.dataclass
class DemoResult:
    imported: ImportResult
    people: int
    units: int
    passwords_set: int
    roles_added: int
    relations_dated: int


def demo_load(*, actor: Any | None = None) -> DemoResult:
    """Load (or refresh) the demo organisation, all or nothing; safe to run again.

    Imports the demo CSV (upsert by employee number), then gives the demo logins the demo
    password where they lack it, adds their HR, safety representative and admin roles, and
    dates the demo manager relations from when they began, and installs the built-in talk
    template. Raises DemoImportError, with
    nothing written, if the import reports errors. Sends nothing.
    """
    people = demo_people()
    with transaction.atomic():
        imported = people_import(
            stream=io.BytesIO(demo_csv(people)), file_name=DEMO_FILE_NAME, actor=actor
        )
        if not imported.ok:
            raise DemoImportError(imported.errors)
        admin, _created = User.objects.get_or_create(email=DEMO_ADMIN_EMAIL)
        if not admin.is_active:
            admin.is_active = True
            admin.save(update_fields=["is_active"])
        passwords_set = _passwords_set()
        roles_added = _roles_add(admin=admin)
        relations_dated = _manager_history_apply(people)
        default_template_install(actor=None)
    return DemoResult(
        imported=imported,
        people=len(people),
        units=len(UNITS),
        passwords_set=passwords_set,
        roles_added=roles_added,
        relations_dated=relations_dated,
    )


def _passwords_set() -> int:
    changed = 0
    for user in User.objects.filter(email__in=[email for _label, email in DEMO_LOGINS]):
        # check_password is deliberately slow, but these are five users.
        if not user.has_usable_password() or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            changed += 1
    return changed


def _roles_add(*, admin: User) -> int:
    users = {u.email: u for u in User.objects.filter(email__in=[e for _l, e in DEMO_LOGINS])}
    department = Unit.objects.get(code="TNF-DV")
    wanted = (
        (users[f"helena.berglund@{DEMO_DOMAIN}"], Role.HR, None),
        (users[f"oskar.nordin@{DEMO_DOMAIN}"], Role.SAFETY_REP, department),
        (admin, Role.ADMIN, None),
    )
    added = 0
    for user, role, unit in wanted:
        _assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
        added += created
    return added


def _manager_history_apply(people: list[DemoPerson]) -> int:
    """Date each demo manager relation from when it began and add the few past managers.

    A person's relations are touched only while they are exactly what the demo made (the
    current relation to the demo manager, plus the demo's past one): once someone has really
    changed manager, their history is left alone. Returns how many relations were written.
    """
    by_key = {p.key: p for p in people}
    ids = dict(
        Person.objects.filter(employee_number__in=[p.employee_number for p in people]).values_list(
            "employee_number", "id"
        )
    )
    id_of = {p.key: ids[p.employee_number] for p in people}
    relations: dict[int, list[ManagerRelation]] = defaultdict(list)
    for relation in ManagerRelation.objects.filter(employee_id__in=list(ids.values())):
        relations[relation.employee_id].append(relation)

    to_create: list[ManagerRelation] = []
    to_update: list[ManagerRelation] = []
    for person in people:
        if person.manager is None:
            continue
        manager = by_key[person.manager]
        own = relations[id_of[person.key]]
        current = [r for r in own if r.valid_to is None]
        if len(current) != 1 or current[0].manager_id != id_of[manager.key]:
            continue
        earlier = {(r.manager_id, r.valid_from, r.valid_to) for r in own if r.valid_to}
        past = PAST_MANAGERS.get(person.key)
        begins = max(person.start, manager.start)
        if past is None:
            if earlier:
                continue
        else:
            past_manager = by_key[past.manager]
            expected = (
                id_of[past.manager],
                max(person.start, past_manager.start),
                past.until,
            )
            if not earlier:
                to_create.append(
                    ManagerRelation(
                        employee_id=id_of[person.key],
                        manager_id=expected[0],
                        valid_from=expected[1],
                        valid_to=expected[2],
                    )
                )
            elif earlier != {expected}:
                continue
            begins = past.until
        if current[0].valid_from != begins:
            current[0].valid_from = begins
            to_update.append(current[0])
    ManagerRelation.objects.bulk_update(to_update, ["valid_from"])
    ManagerRelation.objects.bulk_create(to_create)
    return len(to_update) + len(to_create)
