"""What a database holds: the row count of every table and a checksum of the content of the
key tables, read in one snapshot; and the comparison of two such manifests."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from samtal.core.backup.databases import (
    BackupError,
    Database,
    Engine,
    pg_connect,
    pg_display_name,
    pg_tables,
    quote_sqlite,
    sqlite_connect,
    sqlite_tables,
)

# The tables whose content, not only their size, a restore must give back: talks and their
# answers, records with their versions and agreements, development plans, work-environment
# observations and actions.
KEY_TABLES = (
    "talks_talk",
    "talks_answer",
    "talks_record",
    "talks_recordentry",
    "talks_recordversion",
    "talks_agreement",
    "plans_developmentplan",
    "plans_plangoal",
    "plans_planactivity",
    "plans_checkpoint",
    "workenv_observation",
    "workenv_action",
)
MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1

# The text of a row must not depend on the session settings of whoever reads it.
_PG_SESSION_SETTINGS = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 3",
    "SET bytea_output = 'hex'",
)
# A checksum is the sum of one hash per row: independent of row order (no sort, no collation)
# and changed by any row added, removed or altered. On PostgreSQL the server computes it and no
# row leaves the database: hash_record_extended (PostgreSQL 14+) hashes each column with its
# type's hash function, the one hash partitioning relies on, so it stays the same across
# servers and versions; a table with a column type that has none falls back to hashing the
# row's text (which costs more: large JSON is slow to print).
_PG_CHECKSUMS = (
    ("record", "SELECT coalesce(sum(hash_record_extended(t, 0)::numeric), 0)::text FROM {} AS t"),
    (
        "text",
        "SELECT coalesce(sum(hashtextextended(r, 0)::numeric), 0)::text"
        " || ':' || coalesce(sum(hashtextextended(r, 1)::numeric), 0)::text"
        ' FROM (SELECT t::text COLLATE "C" AS r FROM {} AS t OFFSET 0) AS rows',
    ),
)


@dataclass(frozen=True)
class Manifest:
    """Rows per table, and content checksums of the key tables, of one database snapshot."""

    engine: Engine
    taken_at: str  # ISO 8601, UTC
    counts: dict[str, int]
    checksums: dict[str, str]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": MANIFEST_FORMAT,
                "engine": self.engine,
                "taken_at": self.taken_at,
                "counts": self.counts,
                "checksums": self.checksums,
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, *, origin: str) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            if data["engine"] not in ("sqlite", "postgresql"):
                raise ValueError(f"unknown engine {data['engine']!r}")
            return cls(
                engine=data["engine"],
                taken_at=str(data["taken_at"]),
                counts={str(k): int(v) for k, v in data["counts"].items()},
                checksums={str(k): str(v) for k, v in data["checksums"].items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"{origin} is not a readable backup manifest: {exc}") from None


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def manifest_read(backup: Path) -> Manifest:
    path = manifest_path(backup)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackupError(
            f"{path} not found: the manifest written beside the backup is what it is checked "
            "against"
        ) from None
    return Manifest.from_json(text, origin=str(path))


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def sqlite_manifest(conn: sqlite3.Connection, *, checksum_tables: Iterable[str]) -> Manifest:
    """The manifest as conn sees it; inside a transaction, of that transaction's snapshot."""
    counts = {
        table: int(conn.execute(f"SELECT count(*) FROM {quote_sqlite(table)}").fetchone()[0])  # noqa: S608 - a quoted name from the catalog
        for table in sqlite_tables(conn)
    }
    checksums = {}
    for table in checksum_tables:
        if table in counts:
            rows = conn.execute(f"SELECT * FROM {quote_sqlite(table)}")  # noqa: S608 - as above
            # An order-independent sum as on PostgreSQL, of SHA-256 over Python's text of a row.
            total = sum(
                int.from_bytes(hashlib.sha256(repr(row).encode()).digest(), "big") for row in rows
            )
            checksums[table] = f"sha256:{total % (1 << 256):064x}"
    return Manifest(engine="sqlite", taken_at=_now(), counts=counts, checksums=checksums)


def pg_manifest(conn: psycopg.Connection[Any], *, checksum_tables: Iterable[str]) -> Manifest:
    """The manifest as conn sees it; in a repeatable-read transaction, of its snapshot."""
    for statement in _PG_SESSION_SETTINGS:
        conn.execute(statement)
    identifiers = {
        pg_display_name(schema, name): sql.Identifier(schema, name)
        for schema, name in pg_tables(conn)
    }
    counts = {}
    for table, identifier in identifiers.items():
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(identifier)).fetchone()
        counts[table] = int(row[0]) if row else 0
    checksums = {
        table: _pg_checksum(conn, identifiers[table])
        for table in checksum_tables
        if table in identifiers
    }
    return Manifest(engine="postgresql", taken_at=_now(), counts=counts, checksums=checksums)


def _pg_checksum(conn: psycopg.Connection[Any], table: sql.Identifier) -> str:
    for method, query in _PG_CHECKSUMS:
        try:
            # A savepoint: a refused method leaves the snapshot's transaction usable.
            with conn.transaction():
                row = conn.execute(sql.SQL(query).format(table)).fetchone()
        except (psycopg.errors.UndefinedFunction, psycopg.errors.FeatureNotSupported):
            continue
        return f"{method}:{row[0] if row else ''}"
    raise BackupError(f"no checksum method works for the table {table.as_string()}")


def manifest_of(db: Database, *, checksum_tables: Iterable[str] = KEY_TABLES) -> Manifest:
    """The manifest of a database as it is now, read in one snapshot."""
    if db.engine == "sqlite":
        if not Path(db.name).is_file():
            raise BackupError(f"{db.describe()} does not exist")
        with sqlite_connect(db.name, mode="ro") as conn:
            conn.execute("BEGIN")
            try:
                return sqlite_manifest(conn, checksum_tables=checksum_tables)
            finally:
                conn.execute("ROLLBACK")
    with pg_connect(db) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        try:
            return pg_manifest(conn, checksum_tables=checksum_tables)
        finally:
            conn.rollback()


@dataclass(frozen=True)
class TableComparison:
    table: str
    expected_rows: int | None  # None: the table is not there
    actual_rows: int | None
    expected_checksum: str | None  # None: no checksum is kept for this table
    actual_checksum: str | None

    @property
    def content_checked(self) -> bool:
        return self.expected_checksum is not None

    @property
    def content_same(self) -> bool:
        return self.expected_checksum == self.actual_checksum

    @property
    def same(self) -> bool:
        return self.expected_rows == self.actual_rows and self.content_same


@dataclass(frozen=True)
class Comparison:
    tables: list[TableComparison]

    @property
    def differences(self) -> list[TableComparison]:
        return [table for table in self.tables if not table.same]

    @property
    def same(self) -> bool:
        return not self.differences


def manifest_compare(expected: Manifest, actual: Manifest) -> Comparison:
    """Every table of either side: its row count and, where expected keeps one, its checksum."""
    if expected.engine != actual.engine:
        raise BackupError(f"cannot compare a {expected.engine} manifest with {actual.engine}")
    return Comparison(
        tables=[
            TableComparison(
                table=table,
                expected_rows=expected.counts.get(table),
                actual_rows=actual.counts.get(table),
                expected_checksum=expected.checksums.get(table),
                actual_checksum=(
                    actual.checksums.get(table) if table in expected.checksums else None
                ),
            )
            for table in sorted(set(expected.counts) | set(actual.counts))
        ]
    )


def database_compare(expected: Manifest, target: Database) -> Comparison:
    """Compare a database as it is now with a manifest (checksums of the tables it keeps)."""
    actual = manifest_of(target, checksum_tables=list(expected.checksums))
    return manifest_compare(expected, actual)
