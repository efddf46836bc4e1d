"""Time launching a round for a whole large organisation, and HR's coverage page for it.

    DEBUG=true .venv/bin/python benchmarks/rounds.py [--people 100000] [--repeat 20]

Builds the organisation of import_people.py (a unit tree of people/10 units, about ten
reports per manager) on a throw-away database (SQLite file or the PostgreSQL database
samtal_bench, as import_people.py), then times:

- the first launch of a round over the whole organisation (every talk, its history row and
  its offer email queued, one summary per manager),
- launching again (idempotent: nothing new),
- HR's round page (coverage per unit and per manager), the drill-down list, the unit-level
  drill-down and a manager's team overview, each requested `--repeat` times through Django's
  test client, with p50/p95 server time and the number of SQL queries of one request.

A second, ten times smaller organisation is measured the same way to show that the pages'
query counts do not grow with the organisation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import import_people as org  # noqa: E402  (after the path set-up)


@dataclass
class PageTiming:
    name: str
    queries: int
    p50_ms: float
    p95_ms: float


def build(people: int, tmp: Path) -> tuple[float, Any]:
    """Import the generated organisation; returns (seconds, the root unit)."""
    from samtal.organisation.models import Unit
    from samtal.organisation.services import people_import

    path = tmp / f"people-{people}.csv"
    org.write_csv(path, org.generate_rows(people))
    started = time.perf_counter()
    with path.open("rb") as stream:
        result = people_import(stream=stream, file_name=path.name, actor=None)
    if not result.ok:
        sys.exit(f"import rejected: {result.errors[:5]}")
    return time.perf_counter() - started, Unit.objects.get(code="UNI")


def hr_user(suffix: str) -> Any:
    from samtal.accounts.models import Role, RoleAssignment, User

    user, _created = User.objects.get_or_create(email=f"bench-hr-{suffix}@example.se")
    RoleAssignment.objects.get_or_create(user=user, role=Role.HR, unit=None)
    return user


def make_round(name: str, unit: Any, version: Any) -> Any:
    import datetime as dt

    from django.utils import timezone

    from samtal.talks.models import Round

    today = timezone.localdate()
    round_ = Round.objects.create(
        name=name,
        year=today.year + 1,
        template_version=version,
        start_date=today,
        deadline=today + dt.timedelta(days=60),
    )
    round_.units.set([unit])
    return round_


def time_page(client: Any, name: str, url: str, repeat: int) -> PageTiming:
    from django.db import connection

    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"{name}: {url} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return PageTiming(name, len(statements), statistics.median(times), p95)


def measure(people: int, repeat: int, tmp: Path, version: Any) -> list[str]:
    from django.test import Client
    from django.urls import reverse

    from samtal.organisation.models import Person
    from samtal.talks.services import round_launch

    seconds_import, root = build(people, tmp)
    user = hr_user(str(people))
    round_ = make_round(f"Bench {people}", root, version)
    started = time.perf_counter()
    first = round_launch(round_=round_, actor=user)
    seconds_launch = time.perf_counter() - started
    started = time.perf_counter()
    again = round_launch(round_=round_, actor=user)
    seconds_again = time.perf_counter() - started

    client = Client()
    client.force_login(user)
    detail = reverse("talks:round_detail", args=[round_.pk])
    faculty = root.children.order_by("pk").first()
    pages = [
        time_page(client, "round page (coverage)", detail, repeat),
        time_page(client, "round page, one faculty", f"{detail}?unit={faculty.pk}", repeat),
        time_page(
            client, "drill-down list", reverse("talks:round_talks", args=[round_.pk]), repeat
        ),
    ]
    manager = Person.objects.filter(reports__isnull=False).order_by("pk").last()
    assert manager is not None
    client.force_login(manager.user)
    pages.append(time_page(client, "team overview", reverse("talks:team"), repeat))

    lines = [
        f"### {people} people",
        "",
        f"- import of the organisation: {seconds_import:.1f} s",
        f"- first launch: {first.created} talks offered, {first.without_manager} without "
        f"manager: **{seconds_launch:.1f} s**",
        f"- launch again: {again.created} talks offered: {seconds_again:.2f} s",
        "",
        "| page | SQL queries | p50 ms | p95 ms |",
        "|---|---|---|---|",
    ]
    lines += [f"| {p.name} | {p.queries} | {p.p50_ms:.0f} | {p.p95_ms:.0f} |" for p in pages]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        label, admin_url = org.prepare_database(tmp)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.DEBUG = False  # do not keep every query in memory
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("migrate", verbosity=0)
        from samtal.talk_templates.builtin import default_template_install

        version = default_template_install(actor=None)
        print(f"Database: {label}")
        try:
            small = measure(max(100, args.people // 10), args.repeat, tmp, version)
            # The second organisation is imported on top of the first: a separate tree.
            large = measure_fresh(args, tmp, version, admin_url)
            print("\n".join(small + large))
        finally:
            if admin_url and not args.keep_db:
                from django.db import connections

                connections.close_all()
                org.drop_database(admin_url)


def measure_fresh(
    args: argparse.Namespace, tmp: Path, version: Any, admin_url: str | None
) -> list[str]:
    """Empty the organisation tables so the large run starts like a real customer's."""
    from django.db import connection

    from samtal.core.models import HistoryEntry, OutgoingEmail
    from samtal.organisation.models import ImportRun, ManagerRelation, Person, Unit
    from samtal.talks.models import Round, Talk

    Talk.objects.all().delete()
    Round.objects.all().delete()
    OutgoingEmail.objects.all().delete()
    HistoryEntry.objects.all().delete()
    ManagerRelation.objects.all().delete()
    ImportRun.objects.all().delete()
    Person.objects.update(manager=None)
    Person.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    from samtal.accounts.models import User

    User.objects.filter(is_superuser=False).delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
    return measure(args.people, args.repeat, tmp, version)


if __name__ == "__main__":
    main()
