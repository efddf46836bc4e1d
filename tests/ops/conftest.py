"""Operations tests: two app instances on one database and queue, a task worker killed or
stopped mid-batch, PostgreSQL restarted under load. Each test starts real processes (gunicorn,
`manage.py db_worker`, `manage.py send_reminders`) on loopback.

They take minutes and need PostgreSQL, so they run only on request: `make test-ops`, which
sets SAMTAL_OPS=1 and DATABASE_URL=postgres://postgres@127.0.0.1:5432/samtal_ops. Without
SAMTAL_OPS=1 nothing here is collected (so `make test` and a plain `pytest` leave it out). When
they do run, a missing prerequisite fails the run; it is never skipped.

The database named by DATABASE_URL is created afresh (dropped first if it exists), migrated,
filled with the demo organisation and about 300 generated people, and dropped at the end.
This process reads and prepares it through Django's ORM; the app processes it starts share it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("SAMTAL_OPS") != "1":
    collect_ignore_glob = ["test_*.py"]

GENERATED_PEOPLE = 300


def require(condition: object, what: str) -> None:
    """A prerequisite of the operations tests: missing, the run fails (never skips)."""
    if not condition:
        pytest.fail(f"The operations tests need {what}.", pytrace=False)


@dataclass
class OpsDatabase:
    url: str
    name: str
    log_dir: Path


def _database_url(settings_dict: Any) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    credentials = f"{user}:{password}" if password else user
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def _admin_connection(settings_dict: Any) -> Any:
    import psycopg

    return psycopg.connect(
        host=settings_dict.get("HOST") or "127.0.0.1",
        port=settings_dict.get("PORT") or 5432,
        user=settings_dict.get("USER") or "postgres",
        password=settings_dict.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _people_csv(path: Path) -> None:
    """The benchmark's generated organisation (a unit tree, about ten reports per manager)."""
    from tests.ops.harness import ROOT

    spec = importlib.util.spec_from_file_location(
        "import_people_benchmark", ROOT / "benchmarks" / "import_people.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    rows = module.generate_rows(GENERATED_PEOPLE)
    # Its employee numbers (100000…) overlap the demo's: moved to 900000… so that the import
    # adds people instead of updating the demo's.
    for row in rows:
        for column in ("employee_number", "manager_employee_number"):
            if row[column]:
                row[column] = "9" + row[column][1:]
    module.write_csv(path, rows)


@pytest.fixture(scope="session")
def ops_database(django_db_blocker, tmp_path_factory) -> Iterator[OpsDatabase]:
    from django.conf import settings
    from django.db import connections

    from tests.ops.harness import GUNICORN, app_env, figure, manage

    settings_dict = settings.DATABASES["default"]
    require(
        settings_dict["ENGINE"] == "django.db.backends.postgresql"
        and str(settings_dict["NAME"]).startswith("samtal_ops"),
        "DATABASE_URL naming a PostgreSQL database samtal_ops… (run them with make test-ops)",
    )
    require(Path(GUNICORN).exists(), f"gunicorn in the venv ({GUNICORN}): make install-dev")
    name = str(settings_dict["NAME"])
    try:
        admin = _admin_connection(settings_dict)
    except Exception as error:
        require(
            False,
            f"PostgreSQL at {settings_dict.get('HOST')}:{settings_dict.get('PORT')} ({error})",
        )
        raise
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    log_dir = tmp_path_factory.mktemp("ops-logs")
    url = _database_url(settings_dict)
    env = app_env(url)
    people = log_dir / "people.csv"
    _people_csv(people)
    manage("migrate", "--noinput", env=env)
    manage("load_demo", env=env)
    manage("import_people", str(people), env=env)
    # gunicorn runs with DEBUG=false, where pages need the collected static files' manifest.
    manage("collectstatic", "--noinput", env=env)
    figure("setup", f"database {name}: demo organisation + {GENERATED_PEOPLE} generated people")
    figure("setup", f"process logs in {log_dir}")
    try:
        with django_db_blocker.unblock():
            from samtal.accounts.models import User
            from samtal.organisation.demo import DEMO_LOGINS

            demo = User.objects.filter(email__in=[email for _who, email in DEMO_LOGINS])
            assert demo.count() == len(DEMO_LOGINS), "the generated people replaced demo users"
            yield OpsDatabase(url=url, name=name, log_dir=log_dir)
    finally:
        connections.close_all()
        with _admin_connection(settings_dict) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if os.environ.get("SAMTAL_OPS_KEEP_LOGS") != "1":
            shutil.rmtree(log_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _tasks_go_to_the_database_queue(settings):
    # What this process queues (a launch, emails) goes to the queue the workers read, as in
    # production; the suite-wide default runs tasks in-process.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def pytest_terminal_summary(terminalreporter) -> None:
    from tests.ops.harness import FIGURES

    if not FIGURES:
        return
    terminalreporter.section("Samtal operations tests: figures")
    section = None
    for name, line in FIGURES:
        if name != section:
            terminalreporter.write_line(f"[{name}]")
            section = name
        terminalreporter.write_line(f"  {line}")
