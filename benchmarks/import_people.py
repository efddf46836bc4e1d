"""Time the people import at the size of a large organisation.

    DEBUG=true .venv/bin/python benchmarks/import_people.py [--rows 100000]

Generates a realistic HR export (a unit tree of rows/10 units, one head per unit with
about ten reports, researchers with career stages and staff) into a temporary folder and
times `people_import` on a fresh database: the first import (everyone created), the same
file again (everyone unchanged), a file with 1 % of the rows changed, and a full sync of a
file with 1 % of the people gone.

The database is never the developer's: with a SQLite DATABASE_URL (or none) a temporary
SQLite file is used; with a PostgreSQL DATABASE_URL a database `samtal_bench` is created on
that server and dropped afterwards (keep it with --keep-db).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "samtal_bench"

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
FIRST_NAMES = [
    "Anna",
    "Maria",
    "Eva",
    "Karin",
    "Sara",
    "Lena",
    "Kerstin",
    "Emma",
    "Ingrid",
    "Malin",
    "Åsa",
    "Linnéa",
    "Ebba",
    "Märta",
    "Sofia",
    "Erik",
    "Lars",
    "Karl",
    "Anders",
    "Johan",
    "Per",
    "Nils",
    "Mikael",
    "Jan",
    "Lennart",
    "Björn",
    "Göran",
    "Örjan",
    "Ahmed",
    "Mohammed",
    "Ali",
    "Fatima",
    "Wei",
    "Li",
    "Priya",
    "Raj",
    "Olga",
    "Ivan",
    "Ana",
    "José",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Olofsson",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lind",
    "Lundgren",
    "Lundqvist",
    "Öberg",
    "Åberg",
    "Hassan",
    "Ali",
    "Mohamed",
    "Nguyen",
    "Kowalski",
    "Virtanen",
    "Müller",
    "García",
]
SUBJECTS = [
    "fysik",
    "kemi",
    "biologi",
    "matematik",
    "datavetenskap",
    "medicin",
    "historia",
    "filosofi",
    "juridik",
    "ekonomi",
    "psykologi",
    "pedagogik",
    "språkvetenskap",
    "geografi",
    "sociologi",
    "statsvetenskap",
    "teknik",
    "arkitektur",
    "farmakologi",
    "odontologi",
]
UNIT_KINDS = (  # by depth below the root
    "Fakulteten för",
    "Institutionen för",
    "Avdelningen för",
    "Enheten för",
    "Gruppen för",
)
UNIT_KINDS_EN = ("Faculty of", "Department of", "Division of", "Unit of", "Group of")
SUBJECTS_EN = [
    "physics",
    "chemistry",
    "biology",
    "mathematics",
    "computing",
    "medicine",
    "history",
    "philosophy",
    "law",
    "economics",
    "psychology",
    "education",
    "linguistics",
    "geography",
    "sociology",
    "politics",
    "engineering",
    "architecture",
    "pharmacology",
    "dentistry",
]
# Share of each employment category and the career stages it may carry.
CATEGORIES = (
    ("admin_staff", 0.40, ("",)),
    ("teacher", 0.20, ("", "R2", "R3", "R4")),
    ("researcher", 0.20, ("R2", "R3", "R4")),
    ("doctoral_student", 0.15, ("R1",)),
    ("other", 0.05, ("",)),
)
UNIT_FANOUT = 6


@dataclass
class BenchUnit:
    code: str
    name_sv: str
    name_en: str
    parent: int | None  # index in the list of units
    depth: int


@dataclass
class Phase:
    name: str
    rows: int
    created: int
    updated: int
    unchanged: int
    deactivated: int
    units_created: int
    seconds: float
    peak_rss_mb: float
    traced_mb: float | None


# --- data ----------------------------------------------------------------------------------


def generate_rows(n: int, *, seed: int = 2027) -> list[dict[str, str]]:
    """n people in a tree of about n/10 units: the first person of each unit is its head and
    reports to the head of the parent unit; everyone else reports to their unit's head."""
    rng = random.Random(seed)
    unit_count = max(1, n // 10)
    units: list[BenchUnit] = []
    for i in range(unit_count):
        parent = (i - 1) // UNIT_FANOUT if i else None
        depth = 0 if parent is None else units[parent].depth + 1
        kind = min(depth, len(UNIT_KINDS)) - 1
        subject = rng.randrange(len(SUBJECTS))
        if parent is None:
            units.append(BenchUnit("UNI", "Universitetet", "The University", None, 0))
        else:
            units.append(
                BenchUnit(
                    f"U{i:06d}",
                    f"{UNIT_KINDS[kind]} {SUBJECTS[subject]} {i}",
                    f"{UNIT_KINDS_EN[kind]} {SUBJECTS_EN[subject]} {i}",
                    parent,
                    depth,
                )
            )
    heads: list[str] = []
    rows: list[dict[str, str]] = []
    for i in range(n):
        unit_index = i if i < unit_count else rng.randrange(unit_count)
        unit = units[unit_index]
        number = f"{100000 + i}"
        if i < unit_count:
            heads.append(number)
            manager = heads[unit.parent] if unit.parent is not None else ""
        else:
            manager = heads[unit_index]
        category, stages = _category(rng, head=i < unit_count)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        start = dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(14000))
        end = ""
        if category == "doctoral_student" or rng.random() < 0.05:
            end = (start + dt.timedelta(days=rng.randrange(365, 2000))).isoformat()
        rows.append(
            {
                "employee_number": number,
                "first_name": first,
                "last_name": last,
                "email": f"{_ascii(first)}.{_ascii(last)}.{i}@example.se",
                "unit_code": unit.code,
                "unit_name_sv": unit.name_sv,
                "unit_name_en": unit.name_en,
                "parent_unit_code": units[unit.parent].code if unit.parent is not None else "",
                "manager_employee_number": manager,
                "employment_category": category,
                "career_stage": rng.choice(stages),
                "gender": rng.choice(("K", "K", "M", "M", "X", "")),
                "language": "en" if rng.random() < 0.15 else "sv",
                "employment_start": start.isoformat(),
                "employment_end": end,
                "active": "ja",
            }
        )
    return rows


def _category(rng: random.Random, *, head: bool) -> tuple[str, tuple[str, ...]]:
    if head:  # heads of units are administrators, teachers or researchers
        name, _share, stages = rng.choice(CATEGORIES[:3])
        return name, stages
    roll, total = rng.random(), 0.0
    for name, share, stages in CATEGORIES:
        total += share
        if roll < total:
            return name, stages
    return CATEGORIES[-1][0], CATEGORIES[-1][2]


def _ascii(name: str) -> str:
    return name.lower().translate(str.maketrans("åäöéüí", "aaoeui"))


def change_rows(rows: list[dict[str, str]], *, share: float, seed: int = 7) -> int:
    """Change `share` of the rows in place: new names, moves to another unit (with that
    unit's head as manager) and new career stages. Only non-heads move, so no cycle appears."""
    rng = random.Random(seed)
    unit_count = max(1, len(rows) // 10)
    heads = {row["unit_code"]: row["employee_number"] for row in rows[:unit_count]}
    units = {
        row["unit_code"]: (row["unit_name_sv"], row["unit_name_en"], row["parent_unit_code"])
        for row in rows[:unit_count]
    }
    codes = list(heads)
    candidates = range(unit_count, len(rows))
    chosen = rng.sample(candidates, min(len(candidates), max(1, int(len(rows) * share))))
    for k, i in enumerate(chosen):
        row = rows[i]
        if k % 3 == 0:
            row["last_name"] += "-" + rng.choice(LAST_NAMES)
        elif k % 3 == 1 and len(codes) > 1:
            code = rng.choice([c for c in rng.sample(codes, 2) if c != row["unit_code"]])
            row["unit_code"] = code
            row["unit_name_sv"], row["unit_name_en"], row["parent_unit_code"] = units[code]
            row["manager_employee_number"] = heads[code]
        elif row["employment_category"] == "researcher":
            row["employment_category"], row["career_stage"] = "admin_staff", ""
        else:
            row["employment_category"], row["career_stage"] = "researcher", "R4"
    return len(chosen)


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    # HR systems export from Excel: UTF-8 with BOM, semicolons, CRLF.
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


# --- database ------------------------------------------------------------------------------


def prepare_database(tmp: Path, name: str = BENCH_DB) -> tuple[str, str | None]:
    """Point DATABASE_URL at a throw-away database `name` (PostgreSQL) or a file in `tmp`
    (SQLite); returns (label, admin URL to drop it)."""
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlsplit(url).scheme if url else "sqlite"
    if scheme.startswith("postgres"):
        import psycopg

        parts = urlsplit(url)
        admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        return f"PostgreSQL ({parts.hostname}, database {name})", admin_url
    if scheme != "sqlite":
        sys.exit(f"Unsupported DATABASE_URL scheme {scheme!r}: use sqlite or postgres.")
    path = tmp / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return f"SQLite ({path})", None


def drop_database(admin_url: str, name: str = BENCH_DB) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


# --- timing --------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def timed_import(name: str, path: Path, *, full_sync: bool = False, trace: bool) -> Phase:
    from samtal.organisation.services import people_import

    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with path.open("rb") as stream:
        result = people_import(stream=stream, file_name=path.name, actor=None, full_sync=full_sync)
    seconds = time.perf_counter() - started
    traced = None
    if trace:
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    if not result.ok:
        for error in result.errors[:20]:
            print(f"  line {error.line}, column {error.column}: {error.message}")
        sys.exit(f"{name}: the import was rejected with {len(result.errors)} error(s)")
    return Phase(
        name,
        result.rows,
        result.created,
        result.updated,
        result.unchanged,
        result.deactivated,
        result.units_created,
        seconds,
        peak_rss_mb(),
        traced,
    )


def print_table(phases: list[Phase]) -> None:
    trace = any(p.traced_mb is not None for p in phases)
    head = ["phase", "rows", "created", "updated", "unchanged", "deact.", "units", "seconds"]
    head += ["peak RSS MB"] + (["traced MB"] if trace else [])
    table = [head]
    for p in phases:
        line = [p.name, p.rows, p.created, p.updated, p.unchanged, p.deactivated]
        line += [p.units_created, f"{p.seconds:.1f}", f"{p.peak_rss_mb:.0f}"]
        if trace:
            line.append(f"{p.traced_mb:.0f}")
        table.append([str(v) for v in line])
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for k, row in enumerate(table):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |")
        if k == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="people in the file")
    parser.add_argument("--changes", type=float, default=0.01, help="share changed (0.01)")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also report the peak of Python allocations per phase (slows the import)",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if args.rows < 10:
        parser.error("--rows must be at least 10")

    with tempfile.TemporaryDirectory(prefix="samtal-bench-") as tmp_name:
        tmp = Path(tmp_name)
        label, admin_url = prepare_database(tmp)
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        # DEBUG=true is needed to start without a SECRET_KEY, but it also keeps every SQL
        # statement in memory; time the import as production runs it.
        settings.DEBUG = False
        try:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            print(f"Database: {label}, migrated in {time.perf_counter() - started:.1f} s")

            started = time.perf_counter()
            rows = generate_rows(args.rows)
            full = tmp / "people.csv"
            write_csv(full, rows)
            changed_count = change_rows(rows, share=args.changes)
            changed = tmp / "people-changed.csv"
            write_csv(changed, rows)
            unit_count = max(1, args.rows // 10)
            absent = sorted(random.Random(11).sample(range(unit_count, len(rows)), changed_count))
            gone = set(absent)
            synced = tmp / "people-sync.csv"
            write_csv(synced, [row for i, row in enumerate(rows) if i not in gone])
            print(
                f"Generated {args.rows} rows, {unit_count} units, {changed_count} changed rows, "
                f"{full.stat().st_size / 2**20:.1f} MB, in {time.perf_counter() - started:.1f} s"
            )

            trace = args.tracemalloc
            phases = [
                timed_import("first import", full, trace=trace),
                timed_import("same file again", full, trace=trace),
                timed_import(f"{args.changes:.0%} changed", changed, trace=trace),
                timed_import(
                    f"full sync, {args.changes:.0%} gone", synced, full_sync=True, trace=trace
                ),
            ]
            print()
            print_table(phases)
        finally:
            connections.close_all()
            if admin_url and not args.keep_db:
                drop_database(admin_url)


if __name__ == "__main__":
    main()
