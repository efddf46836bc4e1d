"""A DATABASE_URL read for backups as Samtal's settings read it; the password never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from samtal.core.backup.databases import BackupError, Database


def test_sqlite_url_names_the_absolute_file(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path / 'samtal.sqlite3'}")
    assert db.engine == "sqlite"
    assert db.name == str(tmp_path / "samtal.sqlite3")
    assert db.describe() == f"SQLite file {tmp_path / 'samtal.sqlite3'}"


def test_relative_sqlite_path_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Database.from_url("sqlite:///data.sqlite3").name == str(tmp_path / "data.sqlite3")


def test_postgresql_url_keeps_the_password_off_the_connection_string_and_messages():
    db = Database.from_url(
        "postgres://samtal:s%40cret@db.example.se:5433/samtal"
        "?sslmode=verify-full&isolation_level=serializable&connect_timeout=5"
    )
    assert (db.engine, db.name, db.host, db.port, db.user) == (
        "postgresql",
        "samtal",
        "db.example.se",
        "5433",
        "samtal",
    )
    assert db.password == "s@cret"
    conninfo = db.conninfo()
    assert "s@cret" not in conninfo
    assert "sslmode=verify-full" in conninfo
    assert "connect_timeout=5" in conninfo
    # Django's own option is not a libpq keyword.
    assert "isolation_level" not in conninfo
    assert db.tool_environment()["PGPASSWORD"] == "s@cret"
    assert db.describe() == "postgresql://samtal@db.example.se:5433/samtal"
    assert "s@cret" not in repr(db)


def test_other_database_on_the_same_server():
    db = Database.from_url("postgresql://postgres@127.0.0.1/samtal")
    assert "dbname=postgres" in db.conninfo(dbname="postgres")
    assert db.same_as(Database.from_url("pgsql://other@127.0.0.1:5432/samtal"))
    assert not db.same_as(Database.from_url("postgresql://postgres@127.0.0.1/samtal_copy"))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://:memory:", "in-memory"),
        ("mysql://u@h/db", "only SQLite and PostgreSQL"),
        ("nonsense://x", "cannot read the database URL"),
        ("postgres://h:notaport/db", "cannot read the database URL"),
    ],
)
def test_unusable_urls_are_refused_with_a_reason(url, message):
    with pytest.raises(BackupError, match=message):
        Database.from_url(url)


def test_same_sqlite_file_through_another_path(tmp_path):
    (tmp_path / "sub").mkdir()
    a = Database.from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    b = Database.from_url(f"sqlite:///{tmp_path / 'sub' / '..' / 'db.sqlite3'}")
    assert a.same_as(b)
    assert Path(a.name).is_absolute()
