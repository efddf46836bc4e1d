"""A database named by a DATABASE_URL: connections, existence, tables, creation, removal."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import dj_database_url
import psycopg
from psycopg import sql

Engine = Literal["sqlite", "postgresql"]

APPLICATION_NAME = "samtal-backup"
# Keys Django's PostgreSQL backend reads from OPTIONS itself; everything else goes to libpq.
_DJANGO_ONLY_OPTIONS = {"isolation_level", "assume_role", "server_side_binding", "pool"}
_SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' "
    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
)
_PG_TABLES = """
    SELECT n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg!_%' ESCAPE '!'
    ORDER BY 1, 2
"""


class BackupError(Exception):
    """A refusal or a failure, worded for the operator."""


@dataclass(frozen=True)
class Database:
    """A database named by a DATABASE_URL, read as Samtal's settings read it."""

    engine: Engine
    name: str  # the SQLite file (absolute) or the PostgreSQL database
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_url(cls, url: str) -> Database:
        try:
            config: dict[str, Any] = dict(dj_database_url.parse(url))
        except (ValueError, dj_database_url.UnknownSchemeError) as exc:
            raise BackupError(f"cannot read the database URL: {exc}") from None
        engine = config.get("ENGINE", "")
        name = str(config.get("NAME") or "")
        if engine == "django.db.backends.sqlite3":
            if name in ("", ":memory:"):
                raise BackupError("an in-memory SQLite database has nothing to back up or restore")
            return cls(engine="sqlite", name=str(Path(name).expanduser().absolute()))
        if engine in ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"):
            if not name:
                raise BackupError("the PostgreSQL URL names no database")
            options = tuple(
                sorted(
                    (key, str(value))
                    for key, value in (config.get("OPTIONS") or {}).items()
                    if key not in _DJANGO_ONLY_OPTIONS
                )
            )
            return cls(
                engine="postgresql",
                name=name,
                host=str(config.get("HOST") or ""),
                port=str(config.get("PORT") or ""),
                user=str(config.get("USER") or ""),
                password=str(config.get("PASSWORD") or ""),
                options=options,
            )
        raise BackupError(f"only SQLite and PostgreSQL are supported, not {engine or url!r}")

    def describe(self) -> str:
        """The database for messages: never the password."""
        if self.engine == "sqlite":
            return f"SQLite file {self.name}"
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{user}{self.host or 'localhost'}{port}/{self.name}"

    def same_as(self, other: Database) -> bool:
        if self.engine == "sqlite":
            return other.engine == "sqlite" and (
                Path(self.name).resolve() == Path(other.name).resolve()
            )
        return (
            other.engine == "postgresql"
            and self.name == other.name
            and (self.host or "localhost") == (other.host or "localhost")
            and (self.port or "5432") == (other.port or "5432")
        )

    def conninfo(self, *, dbname: str | None = None) -> str:
        """A libpq connection string without the password (which goes by environment)."""
        params = {
            "dbname": dbname or self.name,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "application_name": APPLICATION_NAME,
            **dict(self.options),
        }
        return psycopg.conninfo.make_conninfo("", **{k: v for k, v in params.items() if v})

    def tool_environment(self) -> dict[str, str]:
        """The environment for pg_dump and pg_restore: the password stays off the command line,
        where any user of the machine could read it."""
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def sqlite_connect(path: str, *, mode: Literal["ro", "rw"]) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode (transactions are explicit) that never creates the file."""
    uri = f"{Path(path).resolve().as_uri()}?mode={mode}"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the SQLite file {path}: {exc}") from None
    # Bytes, not str: a checksum must not fail on text that is not valid UTF-8.
    conn.text_factory = bytes
    try:
        yield conn
    finally:
        conn.close()


def sqlite_quick_check(conn: sqlite3.Connection) -> str | None:
    """None if the file is sound, else what SQLite's quick_check found."""
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    text = result.decode() if isinstance(result, bytes) else str(result)
    return None if text == "ok" else text


@contextmanager
def pg_connect(db: Database) -> Iterator[psycopg.Connection[Any]]:
    try:
        conn = psycopg.connect(db.conninfo(), password=db.password or None, connect_timeout=10)
    except psycopg.Error as exc:
        raise BackupError(f"cannot connect to {db.describe()}: {str(exc).strip()}") from None
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def _pg_maintenance(db: Database) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the server of db, outside db itself, to look for, create or drop it."""
    errors = []
    for dbname in ("postgres", "template1"):
        try:
            conn = psycopg.connect(
                db.conninfo(dbname=dbname),
                password=db.password or None,
                connect_timeout=10,
                autocommit=True,
            )
        except psycopg.Error as exc:
            errors.append(str(exc).strip())
            continue
        try:
            yield conn
        finally:
            conn.close()
        return
    raise BackupError(
        f"cannot connect to the server of {db.describe()} (tried the databases postgres and "
        f"template1): {'; '.join(errors)}"
    )


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools of the "
            "server's major version (Debian: apt-get install postgresql-client-15) or put "
            "their directory on PATH."
        )
    return path


def pg_tables(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """(schema, table) of every table outside the system schemas."""
    return [(str(schema), str(name)) for schema, name in conn.execute(_PG_TABLES).fetchall()]


def pg_display_name(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name.decode() if isinstance(name, bytes) else str(name)
        for (name,) in conn.execute(_SQLITE_TABLES).fetchall()
    ]


def database_exists(db: Database) -> bool:
    if db.engine == "sqlite":
        return Path(db.name).exists()
    with _pg_maintenance(db) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db.name]).fetchone()
    return row is not None


def database_tables(db: Database) -> list[str]:
    """The tables in db; none if it does not exist."""
    if not database_exists(db):
        return []
    if db.engine == "sqlite":
        if Path(db.name).stat().st_size == 0:
            return []
        with sqlite_connect(db.name, mode="ro") as conn:
            return sqlite_tables(conn)
    with pg_connect(db) as conn:
        return [pg_display_name(schema, name) for schema, name in pg_tables(conn)]


def database_create(db: Database) -> None:
    """Create the PostgreSQL database, empty (an SQLite file is created by writing to it)."""
    with _pg_maintenance(db) as conn:
        try:
            # template0: nothing another installation added to template1 comes along.
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(db.name))
            )
        except psycopg.Error as exc:
            raise BackupError(
                f"cannot create the database {db.name}: {str(exc).strip()}. Create it empty "
                f"(createdb {db.name}) and run again."
            ) from None


def database_drop(db: Database) -> None:
    """Drop the PostgreSQL database (closing its sessions) or delete the SQLite file."""
    if db.engine == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            with suppress(FileNotFoundError):
                Path(db.name + suffix).unlink()
        return
    with _pg_maintenance(db) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name))
        )


def database_empty(db: Database) -> None:
    """Drop every view, table and sequence of the PostgreSQL database, in one transaction."""
    # Views first, then tables (their identity sequences go with them), then what is left.
    steps = (
        ("v", "DROP VIEW"),
        ("m", "DROP MATERIALIZED VIEW"),
        ("r", "DROP TABLE"),
        ("p", "DROP TABLE"),
        ("S", "DROP SEQUENCE"),
    )
    with pg_connect(db) as conn, conn.transaction():
        for kind, statement in steps:
            rows = conn.execute(
                """
                SELECT n.nspname, c.relname
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind::text = %s
                  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg!_%%' ESCAPE '!'
                """,
                [kind],
            ).fetchall()
            for schema, name in rows:
                conn.execute(
                    sql.SQL("{} IF EXISTS {} CASCADE").format(
                        sql.SQL(statement),
                        sql.Identifier(schema, name),
                    )
                )
