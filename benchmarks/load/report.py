"""The load test's table: throughput, p50/p95 per action and errors, from locust's CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

# The order of the table: the employee's week, the manager's, HR's, then anything else.
ORDER = [
    "login page",
    "log in",
    "start page (employee)",
    "talk page (employee)",
    "accept time",
    "prepare page",
    "save answer",
    "share answer",
    "record page (employee)",
    "comment record",
    "agree record",
    "afterwards page",
    "save evaluation",
    "private note",
    "plan page",
    "add checkpoint",
    "start page (manager)",
    "team overview",
    "plan follow-up",
    "prepare page (manager)",
    "save answer (manager)",
    "talk page (manager)",
    "mark held",
    "record page (manager)",
    "write record",
    "send record",
    "correct record",
    "start page (hr)",
    "round coverage (HR)",
    "round talk list (HR)",
]


@dataclass
class Row:
    method: str
    name: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float
    max: float


def read_stats(path: Path) -> tuple[list[Row], Row | None]:
    """The rows of locust's `<prefix>_stats.csv` and its aggregated row."""
    rows: list[Row] = []
    total = None
    with path.open(encoding="utf-8") as stream:
        for line in csv.DictReader(stream):
            row = Row(
                method=line["Type"],
                name=line["Name"],
                requests=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                per_second=float(line["Requests/s"]),
                p50=_ms(line["50%"]),
                p95=_ms(line["95%"]),
                p99=_ms(line["99%"]),
                max=_ms(line["Max Response Time"]),
            )
            if row.name == "Aggregated":
                total = row
            else:
                rows.append(row)
    rank = {name: i for i, name in enumerate(ORDER)}
    rows.sort(key=lambda r: (rank.get(r.name, len(ORDER)), r.name, r.method))
    return rows, total


def _ms(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # "N/A" when nothing was measured
        return 0.0


def read_failures(path: Path, limit: int = 20) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as stream:
        return [
            f"{line['Method']} {line['Name']}: {line['Error']} ({line['Occurrences']}×)"
            for line in list(csv.DictReader(stream))[:limit]
        ]


def table(rows: list[Row], total: Row | None) -> list[str]:
    lines = [
        "| action | method | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*rows, *([total] if total else [])]:
        name = "**all**" if r is total else r.name
        lines.append(
            f"| {name} | {r.method} | {r.requests} | {r.failures} | {r.per_second:.1f} | "
            f"{r.p50:.0f} | {r.p95:.0f} | {r.p99:.0f} | {r.max:.0f} |"
        )
    return lines
