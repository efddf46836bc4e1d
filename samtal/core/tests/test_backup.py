"""Backup, restore and the restore check, end to end through scripts/backup, scripts/restore
and scripts/restore-check, on the engine of the suite's database: SQLite in the SQLite run,
PostgreSQL (pg_dump, pg_restore and the suite's server) in the PostgreSQL run.

The source is a real installation: migrated, the demo loaded and the reminders queued, by
manage.py in subprocesses with their own DATABASE_URL, so every feature has rows, the task
queue included.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django_tasks_db.models import DBTaskResult
from psycopg import sql

from samtal.core.backup.databases import Database, database_exists
from samtal.core.backup.manifest import KEY_TABLES, manifest_of, manifest_read

BASE_DIR = Path(__file__).resolve().parents[3]
SCRIPTS = BASE_DIR / "scripts"
TIMEOUT = 300


def _missing_prerequisite(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (required under CI=true)", pytrace=False)
    pytest.skip(message)


@dataclass
class Databases:
    """Fresh databases on the suite's engine, named samtal_bk_<pid>_<label> on PostgreSQL (or
    files under a temporary directory), all removed at the end."""

    engine: str
    directory: Path
    server: str  # postgres://user:password@host:port/ without the database
    created: list[str]

    def url(self, label: str) -> str:
        if self.engine == "sqlite":
            return f"sqlite:///{self.directory / f'{label}.sqlite3'}"
        name = f"samtal_bk_{os.getpid()}_{label}"
        self.created.append(name)
        return f"{self.server}{name}"

    def drop_all(self) -> None:
        if self.engine != "postgresql" or not self.created:
            return
        with psycopg.connect(f"{self.server}postgres", autocommit=True) as conn:
            for name in self.created:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def _suite_engine() -> str:
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return "postgresql" if vendor == "postgresql" else "sqlite"


def _suite_server() -> str:
    default = settings.DATABASES["default"]
    user = quote(default.get("USER") or "", safe="")
    password = quote(default.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(default.get("HOST") or "localhost", safe="")
    port = f":{default['PORT']}" if default.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/"


@pytest.fixture(scope="module")
def databases(tmp_path_factory) -> Iterator[Databases]:
    engine = _suite_engine()
    server = ""
    if engine == "postgresql":
        for tool in ("pg_dump", "pg_restore"):
            if shutil.which(tool) is None:
                _missing_prerequisite(f"{tool} not found: apt-get install postgresql-client-15")
        server = _suite_server()
        try:
            psycopg.connect(f"{server}postgres", connect_timeout=5).close()
        except psycopg.Error as exc:
            _missing_prerequisite(f"PostgreSQL not reachable at {server}: {exc}")
    found = Databases(engine, tmp_path_factory.mktemp("backup"), server, [])
    yield found
    found.drop_all()


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TASKS_BACKEND", None)  # the installation queues its emails in the database
    env.update({"DEBUG": "true", "PY": sys.executable})
    env.update(extra)
    return env


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own scripts and interpreter
        args,
        cwd=BASE_DIR,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _run([str(SCRIPTS / name), *args], **env)


def _manage(url: str, *args: str) -> None:
    result = _run([sys.executable, "manage.py", *args], DATABASE_URL=url)
    assert result.returncode == 0, result.stderr


def _create_empty(url: str) -> None:
    db = Database.from_url(url)
    if db.engine == "postgresql":
        with psycopg.connect(f"{_suite_server()}postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))


def _execute(url: str, statement: str) -> int:
    """Run one statement on the database at url; returns the rows it changed."""
    db = Database.from_url(url)
    if db.engine == "sqlite":
        with closing(sqlite3.connect(db.name, isolation_level=None)) as conn:
            return conn.execute(statement).rowcount
    with psycopg.connect(db.conninfo(), password=db.password or None, autocommit=True) as conn:
        return conn.execute(statement).rowcount


@dataclass
class Installation:
    url: str
    seconds: float


@pytest.fixture(scope="module")
def installation(databases) -> Installation:
    url = databases.url("source")
    started = time.monotonic()
    _create_empty(url)
    _manage(url, "migrate", "--noinput")
    _manage(url, "load_demo")
    _manage(url, "send_reminders")
    return Installation(url=url, seconds=time.monotonic() - started)


@pytest.fixture(scope="module")
def backup(installation, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("backups")
    result = _script("backup", str(directory), DATABASE_URL=installation.url)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.parent == directory
    return path


def _model_tables() -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _report_rows(stdout: str) -> dict[str, list[str]]:
    """The table printed by restore and restore-check: {table: [backup, restored, …]}."""
    lines = stdout.strip().splitlines()
    assert lines[0].split()[0] == "table", stdout
    return {line.split()[0]: line.split()[1:] for line in lines[1:-1]}


def test_backup_is_private_and_its_manifest_covers_every_table(backup, databases):
    manifest = manifest_read(backup)
    manifest_file = backup.with_name(backup.name + ".manifest.json")

    for path in (backup, manifest_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert manifest.engine == databases.engine
    # Every Django model's table, the migrations and the task queue are counted.
    expected = _model_tables() | {"django_migrations", DBTaskResult._meta.db_table}
    assert expected <= set(manifest.counts), expected - set(manifest.counts)
    # The demo gives every feature rows, and the reminders fill the queue.
    for table in (
        *KEY_TABLES,
        "organisation_person",
        "core_historyentry",
        "core_outgoingemail",
        DBTaskResult._meta.db_table,
        "django_migrations",
    ):
        assert manifest.counts[table] > 0, table
    assert set(manifest.checksums) == set(KEY_TABLES)
    # Nothing but the two files is left beside them.
    assert sorted(p.name for p in backup.parent.iterdir()) == sorted(
        [backup.name, manifest_file.name]
    )


def test_restore_gives_back_every_table_and_refuses_a_database_in_use(
    installation, backup, databases
):
    target = databases.url("restored")

    restored = _script("restore", str(backup), DATABASE_URL=target)

    assert restored.returncode == 0, restored.stderr
    rows = _report_rows(restored.stdout)
    manifest = manifest_read(backup)
    assert set(rows) == set(manifest.counts)
    for table, (expected, actual, *result) in rows.items():
        assert expected == actual == str(manifest.counts[table]), table
        assert result[-1] == "ok"
    assert (
        restored.stdout.strip()
        .splitlines()[-1]
        .startswith(f"The same: {len(manifest.counts)} tables, {manifest.rows} rows")
    )
    # Checked independently of the script: the restored database reads as the source does.
    source, copy = (manifest_of(Database.from_url(url)) for url in (installation.url, target))
    assert (copy.counts, copy.checksums) == (source.counts, source.checksums)

    # A second restore into the now non-empty database is refused and changes nothing.
    _execute(target, "DELETE FROM core_historyentry")
    refused = _script("restore", str(backup), DATABASE_URL=target)
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert manifest_of(Database.from_url(target)).counts["core_historyentry"] == 0

    # --force replaces the content.
    forced = _script("restore", "--force", str(backup), DATABASE_URL=target)
    assert forced.returncode == 0, forced.stderr
    assert manifest_of(Database.from_url(target)).counts == manifest.counts


def test_restore_check_backs_up_restores_compares_and_drops(installation, databases):
    target = databases.url("check")

    result = _script("restore-check", "--target", target, DATABASE_URL=installation.url)

    assert result.returncode == 0, result.stdout + result.stderr
    rows = _report_rows(result.stdout)
    assert _model_tables() <= set(rows)
    assert all(row[-1] == "ok" for row in rows.values())
    checked = [table for table, row in rows.items() if "same" in row]
    assert sorted(checked) == sorted(KEY_TABLES)
    assert "The same:" in result.stdout
    assert "Dropped" in result.stderr
    assert not database_exists(Database.from_url(target))


def test_restore_check_reports_a_deleted_and_a_changed_row(installation, backup, databases):
    target = databases.url("tampered")
    restored = _script("restore", str(backup), DATABASE_URL=target)
    assert restored.returncode == 0, restored.stderr
    # One row gone from a table that is only counted, one changed in a key table.
    assert (
        _execute(
            target,
            "DELETE FROM core_historyentry WHERE id = (SELECT max(id) FROM core_historyentry)",
        )
        == 1
    )
    assert (
        _execute(
            target,
            "UPDATE talks_record SET updated_at = '2001-01-01 00:00:00+00' "
            "WHERE id = (SELECT min(id) FROM talks_record)",
        )
        == 1
    )

    against_backup = _script(
        "restore-check", "--compare-only", "--backup", str(backup), "--target", target
    )
    against_source = _script(
        "restore-check", "--compare-only", "--target", target, DATABASE_URL=installation.url
    )

    manifest = manifest_read(backup)
    for result in (against_backup, against_source):
        assert result.returncode == 1, result.stdout + result.stderr
        rows = _report_rows(result.stdout)
        different = {table for table, row in rows.items() if row[-1] != "ok"}
        assert different == {"core_historyentry", "talks_record"}
        history = rows["core_historyentry"]
        assert history[:2] == [
            str(manifest.counts["core_historyentry"]),
            str(manifest.counts["core_historyentry"] - 1),
        ]
        assert rows["talks_record"][2:] == ["DIFFERENT", "DIFFERENT"]
        assert result.stdout.strip().splitlines()[-1] == (
            f"DIFFERENT: 2 of {len(rows)} tables differ: core_historyentry, talks_record."
        )


def test_backup_is_one_snapshot_while_samtal_writes(databases, tmp_path):
    """Rows inserted while the backup runs are either in both the backup and its manifest or in
    neither: the restored database matches the manifest exactly."""
    url = databases.url("writes")
    _create_empty(url)
    if databases.engine == "sqlite":
        _execute(url, "PRAGMA journal_mode = WAL")  # as Samtal's settings open it
    _execute(url, "CREATE TABLE writes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
    stop = threading.Event()
    written = [0]

    def write() -> None:
        db = Database.from_url(url)
        if db.engine == "sqlite":
            conn = sqlite3.connect(db.name, isolation_level=None, timeout=30)
            insert = "INSERT INTO writes (id, note) VALUES (?, 'row')"
        else:
            conn = psycopg.connect(db.conninfo(), autocommit=True)  # type: ignore[assignment]
            insert = "INSERT INTO writes (id, note) VALUES (%s, 'row')"
        try:
            while not stop.is_set():
                conn.execute(insert, [written[0] + 1])
                written[0] += 1
        finally:
            conn.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        deadline = time.monotonic() + 10
        while written[0] < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        result = _script("backup", str(tmp_path), DATABASE_URL=url)
        after_backup = written[0]
        time.sleep(0.1)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert result.returncode == 0, result.stderr
    backup = Path(result.stdout.strip())
    in_backup = manifest_read(backup).counts["writes"]
    # The writer went on during the backup: it wrote before and after the snapshot.
    assert 50 <= in_backup < after_backup <= written[0]

    target = databases.url("writes_restored")
    restored = _script("restore", str(backup), DATABASE_URL=target)

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert manifest_of(Database.from_url(target)).counts["writes"] == in_backup


def test_backup_refuses_to_overwrite_and_restore_refuses_what_is_not_a_backup(
    installation, backup, databases, tmp_path
):
    before = backup.read_bytes()
    again = _script("backup", str(backup), DATABASE_URL=installation.url)
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert backup.read_bytes() == before

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    result = _script("restore", str(not_a_backup), DATABASE_URL=databases.url("never"))
    assert result.returncode == 2
    assert "neither a pg_dump custom-format archive nor an SQLite file" in result.stderr

    other_engine = (
        "sqlite:///" + str(tmp_path / "x.sqlite3")
        if databases.engine == "postgresql"
        else "postgres://nobody@127.0.0.1:1/x"
    )
    mismatch = _script("restore", str(backup), DATABASE_URL=other_engine)
    assert mismatch.returncode == 2
    assert f"is a {databases.engine} backup; it cannot be restored into" in mismatch.stderr


def test_restore_check_refuses_an_existing_target(installation):
    result = _script("restore-check", "--target", installation.url, DATABASE_URL=installation.url)
    assert result.returncode == 2
    assert "already exists" in result.stderr
    assert manifest_of(Database.from_url(installation.url)).counts["organisation_person"] > 0


def test_postgresql_backup_without_pg_dump_says_what_to_install(tmp_path):
    # Runs on any engine: the tool is looked for before connecting.
    result = _script(
        "backup",
        str(tmp_path),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/samtal",
        PATH=str(tmp_path),
    )
    assert result.returncode == 2
    assert "pg_dump was not found on PATH" in result.stderr
    assert "postgresql-client" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_checksum_of_a_table_whose_column_type_has_no_hash_function(databases):
    # PostgreSQL's json (unlike jsonb) has no hash function: the row's text is hashed instead.
    url = databases.url("json")
    _create_empty(url)
    column = "json" if databases.engine == "postgresql" else "text"
    _execute(url, f"CREATE TABLE talks_talk (id integer PRIMARY KEY, content {column})")
    _execute(url, """INSERT INTO talks_talk VALUES (1, '{"a": 1}'), (2, '{"b": [1, 2]}')""")
    db = Database.from_url(url)

    before = manifest_of(db)
    _execute(url, """UPDATE talks_talk SET content = '{"b": [2, 1]}' WHERE id = 2""")
    after = manifest_of(db)

    if databases.engine == "postgresql":
        assert before.checksums["talks_talk"].startswith("text:")
    assert before.counts == after.counts
    assert before.checksums["talks_talk"] != after.checksums["talks_talk"]
    assert manifest_of(db).checksums == after.checksums  # the same content, the same sum
