"""The load test's modules live in benchmarks/load as scripts; their tests import them by name."""

import sys
from pathlib import Path

# Appended, not prepended: the folder also holds scripts named run.py, report.py and cast.py.
sys.path.append(str(Path(__file__).resolve().parents[2] / "benchmarks" / "load"))
