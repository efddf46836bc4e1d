"""`make bench` on a tiny organisation: the generator, the floors and the report still work.

The benchmark itself runs on request (half an hour at full size); this runs it with 150 people
and two years in the PostgreSQL pass of `make test`, so that it cannot rot unnoticed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the scale data needs PostgreSQL")
def test_bench_runs_and_writes_the_table(tmp_path: Path) -> None:
    output = tmp_path / "performance.md"
    settings_url = os.environ["DATABASE_URL"]
    result = subprocess.run(  # noqa: S603 - our own interpreter and benchmark script
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            "--people",
            "150",
            "--years",
            "2",
            "--repeat",
            "2",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": settings_url,
            "SAMTAL_SCALE_DB": f"samtal_scale_smoke_{os.getpid()}",
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = output.read_text(encoding="utf-8")
    for page in (
        "employee start page",
        "talk page",
        "record page",
        "manager's team overview",
        "HR round coverage",
        "competence needs",
        "SAM report, one faculty",
        "annual follow-up export (CSV), one faculty",
    ):
        row = next(line for line in table.splitlines() if line.startswith(f"| {page} |"))
        queries = row.split("|")[2].strip()
        small, large = (int(n) for n in queries.split(" / "))
        assert small == large, f"{page}: the query count grew with the organisation ({queries})"
    assert "talks.RecordVersion" in table
