"""`make bench`: the key pages at the size of a large employer, each beside its floor.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/samtal \
        .venv/bin/python benchmarks/bench.py [--people 100000] [--years 5] [--repeat 30]

Generates the organisation of `scale.py` (people, five years of rounds, records, plans,
checkpoints and observations) in the throw-away PostgreSQL database samtal_scale, first at a
tenth of the size and then at the full size, and for each key page requests it `--repeat`
times through Django's test client as the person who would open it, right after its floor
(`floor.py`: a bare view returning comparable data with one hand-written query):

- the employee's start page, their talk page and record page,
- the manager's team overview,
- HR's round coverage, competence needs, the SAM report of one faculty and the annual
  follow-up export (CSV) of that faculty.

It reports the server time (p50, p95), the SQL queries of one request at both sizes and the
ratio of the page's p95 to its floor's, and writes the table to docs/performance.md
(`--output` to write elsewhere). The target: every page's p95 within 3× its floor and under
100 ms, with the same number of queries at both sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
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

import scale  # noqa: E402  (after the path set-up)

TARGET_MS = 100.0
TARGET_RATIO = 3.0


@dataclass
class Timing:
    queries: int
    p50_ms: float
    p95_ms: float


@dataclass
class Row:
    page: str
    small_queries: int
    page_timing: Timing
    floor_timing: Timing

    @property
    def ratio(self) -> float:
        return self.page_timing.p95_ms / max(self.floor_timing.p95_ms, 0.001)

    @property
    def met(self) -> bool:
        return (
            self.ratio <= TARGET_RATIO
            and self.page_timing.p95_ms < TARGET_MS
            and self.small_queries == self.page_timing.queries
        )


def timed(client: Any, url: str, repeat: int) -> Timing:
    """The queries of one request, then p50/p95 of `repeat` requests (after one warm-up)."""
    from django.db import connection

    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")
    if response.get("X-Floor-Rows") == "0":
        sys.exit(f"{url}: the floor query found no rows; it would not be a fair floor")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return Timing(len(statements), statistics.median(times), p95)


def pages(sample: scale.Sample) -> list[tuple[str, int, str, str, dict[str, int]]]:
    """(page, user id, URL, floor name, floor parameters) of each key page."""
    from django.urls import reverse

    from samtal.organisation.models import Person, Unit

    employee = Person.objects.get(user_id=sample.employee_user_id)
    manager = Person.objects.get(user_id=sample.manager_user_id)
    root = Unit.objects.get(parent__isnull=True, code="UNI")
    year = sample.year
    talk = sample.talk_id
    faculty = sample.faculty_id
    return [
        ("employee start page", employee.user_id, reverse("core:home"), "home",
         {"person": employee.pk}),
        ("talk page", employee.user_id, reverse("talks:talk_detail", args=[talk]), "talk",
         {"person": employee.pk, "talk": talk}),
        ("record page", employee.user_id, reverse("talks:talk_record", args=[talk]), "record",
         {"talk": talk}),
        ("manager's team overview", manager.user_id, reverse("talks:team"), "team",
         {"person": manager.pk, "round": sample.round_id}),
        ("HR round coverage", sample.hr_user_id,
         reverse("talks:round_detail", args=[sample.round_id]), "coverage",
         {"round": sample.round_id, "root": root.pk}),
        ("competence needs", sample.hr_user_id, f"{reverse('plans:competence')}?year={year}",
         "competence", {"root": root.pk, "year": year}),
        ("SAM report, one faculty", sample.hr_user_id,
         f"{reverse('workenv:overview')}?unit={faculty}&year={year}", "workenv",
         {"unit": faculty, "year": year}),
        ("annual follow-up export (CSV), one faculty", sample.hr_user_id,
         reverse("workenv:annual_export", args=[faculty, year, "csv"]), "annual",
         {"unit": faculty, "year": year}),
    ]  # fmt: skip


def measure(sample: scale.Sample, repeat: int) -> list[tuple[str, Timing, Timing]]:
    from urllib.parse import urlencode

    from django.test import Client
    from django.urls import reverse

    from samtal.accounts.models import User

    results = []
    client = Client()
    floor = Client()
    for name, user_id, url, floor_name, params in pages(sample):
        client.force_login(User.objects.get(pk=user_id))
        floor_url = f"{reverse('bench_floor', args=[floor_name])}?{urlencode(params)}"
        floor_timing = timed(floor, floor_url, repeat)
        page_timing = timed(client, url, repeat)
        results.append((name, page_timing, floor_timing))
        print(
            f"  {name}: {page_timing.queries} queries, p95 {page_timing.p95_ms:.0f} ms "
            f"(floor {floor_timing.p95_ms:.1f} ms)",
            flush=True,
        )
    return results


def report(
    rows: list[Row], large: scale.Sample, people: tuple[int, int], years: int, repeat: int
) -> str:
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`benchmarks/bench.py`); see benchmarks/README.md for how the",
        "data is generated, what each floor query returns, and why a page misses its target and",
        "what would fix it. Do not edit by hand: run it again.",
        "",
        f"- Run on {dt.date.today().isoformat()}: {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, PostgreSQL on the same host.",
        f"- Organisation: {people[1]:,} people with {years} years of rounds (rows below); the "
        f"query counts were also taken at {people[0]:,} people.",
        f"- Each page: {repeat} requests through Django's test client (server time: URL "
        "resolution, middleware, session, view, template), after one warm-up request.",
        f"- Target: p95 ≤ {TARGET_RATIO:.0f}× the floor's p95 and < {TARGET_MS:.0f} ms, "
        "and the same number of queries at both sizes.",
        "",
        f"| page | queries ({people[0]:,} / {people[1]:,}) | p50 ms | p95 ms | floor p50 ms "
        "| floor p95 ms | p95 ÷ floor | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.page} | {row.small_queries} / {row.page_timing.queries} "
            f"| {row.page_timing.p50_ms:.1f} | {row.page_timing.p95_ms:.1f} "
            f"| {row.floor_timing.p50_ms:.1f} | {row.floor_timing.p95_ms:.1f} "
            f"| {row.ratio:.1f} | {'met' if row.met else 'missed'} |"
        )
    lines += ["", "## The generated data", "", f"At {people[1]:,} people:", ""]
    lines += scale.report(large)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--keep-db", action="store_true", help="keep both databases")
    parser.add_argument(
        "--generate-only", action="store_true", help="generate both sizes and keep them"
    )
    parser.add_argument(
        "--measure-only", action="store_true", help="measure data kept by --generate-only"
    )
    args = parser.parse_args()
    small_people = max(100, args.people // 10)
    databases = {"small": f"{scale.SCALE_DB}_small", "large": scale.SCALE_DB}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        label, admin_url = scale.setup_django(tmp, create=not args.measure_only)
        from django.conf import settings

        settings.ROOT_URLCONF = "floor"
        print(f"Server: {label}", flush=True)
        samples: dict[str, scale.Sample] = {}
        results: dict[str, list[tuple[str, Timing, Timing]]] = {}
        try:
            if not args.measure_only:
                for size, people in (("small", small_people), ("large", args.people)):
                    print(f"Generating {people:,} people in {databases[size]} …", flush=True)
                    scale.fresh_database(admin_url, databases[size])
                    scale.generate(people, args.years, tmp)
            if args.generate_only:
                return
            for size in ("small", "large"):
                scale.use_database(databases[size])
                samples[size] = scale.sample_find()
                print(f"Measuring {databases[size]} …", flush=True)
                repeat = args.repeat if size == "large" else max(3, args.repeat // 5)
                results[size] = measure(samples[size], repeat)
        finally:
            if not (args.keep_db or args.generate_only):
                for name in databases.values():
                    scale.drop(admin_url, name)
    rows = [
        Row(name, small_timing.queries, page_timing, floor_timing)
        for (name, small_timing, _f), (_n, page_timing, floor_timing) in zip(
            results["small"], results["large"], strict=True
        )
    ]
    people = (small_people, args.people)
    text = report(rows, samples["large"], people, args.years, args.repeat)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
