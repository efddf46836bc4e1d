"""Backing up a database to a file, and restoring such a file into a fresh database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import psycopg

from samtal.core.backup.databases import (
    BackupError,
    Database,
    Engine,
    database_create,
    database_empty,
    database_exists,
    database_tables,
    pg_connect,
    pg_tool,
    sqlite_connect,
    sqlite_quick_check,
)
from samtal.core.backup.manifest import (
    KEY_TABLES,
    Manifest,
    manifest_path,
    pg_manifest,
    sqlite_manifest,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    size: int


def backup_default_name(source: Database, *, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    if source.engine == "sqlite":
        return f"samtal-{Path(source.name).stem}-{stamp}.sqlite3"
    return f"samtal-{source.name}-{stamp}.dump"


def backup_create(*, source: Database, destination: Path) -> BackupResult:
    """Back up source into destination, a new file, and write its manifest beside it.

    Both files are created with mode 0600 and appear under their names only when complete; an
    existing file is never overwritten. The manifest is read in the same snapshot as the
    backup, so it describes exactly what the backup holds while Samtal keeps writing.
    """
    destination = destination.expanduser().absolute()
    final_manifest = manifest_path(destination)
    for path in (destination, final_manifest):
        if path.exists():
            raise BackupError(f"{path} already exists; backups are never overwritten")
    if not destination.parent.is_dir():
        raise BackupError(f"the directory {destination.parent} does not exist")
    partial = destination.with_name(f".{destination.name}.partial")
    partial_manifest = destination.with_name(f".{final_manifest.name}.partial")
    _private_file(partial)
    try:
        if source.engine == "sqlite":
            manifest = _sqlite_backup(source, partial)
        else:
            manifest = _pg_backup(source, partial)
        _private_file(partial_manifest)
        partial_manifest.write_text(manifest.to_json() + "\n", encoding="utf-8")
        _fsync(partial)
        _fsync(partial_manifest)
        # The manifest first: a backup under its final name always has its manifest.
        partial_manifest.rename(final_manifest)
        partial.rename(destination)
        _fsync(destination.parent)
    except BaseException:
        for path in (partial, partial_manifest):
            with suppress(FileNotFoundError):
                path.unlink()
        raise
    return BackupResult(path=destination, manifest=manifest, size=destination.stat().st_size)


def backup_engine(backup: Path) -> Engine:
    """Which database a backup file is for, by its first bytes."""
    try:
        with backup.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"{backup} not found") from None
    except OSError as exc:
        raise BackupError(f"cannot read {backup}: {exc}") from None
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(f"{backup} is neither a pg_dump custom-format archive nor an SQLite file")


def backup_restore(*, backup: Path, target: Database, force: bool = False) -> None:
    """Restore backup into target, a fresh database.

    A PostgreSQL database that does not exist is created. A target that holds any table is
    refused unless force is given; then its tables are dropped (PostgreSQL) or its file is
    overwritten (SQLite). Samtal must not run on the target meanwhile.
    """
    backup = backup.expanduser().absolute()
    engine = backup_engine(backup)
    if engine != target.engine:
        raise BackupError(
            f"{backup} is a {engine} backup; it cannot be restored into {target.describe()}"
        )
    tables = database_tables(target)
    if tables and not force:
        raise BackupError(
            f"{target.describe()} is not empty ({len(tables)} tables, e.g. "
            f"{', '.join(tables[:3])}). Restore into a fresh database, or pass --force to "
            "replace its content."
        )
    if target.engine == "sqlite":
        _sqlite_restore(backup, target)
    else:
        _pg_restore(backup, target, empty_first=bool(tables))


def _private_file(path: Path) -> None:
    """Create path empty, readable and writable by its owner only; never overwrite."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} already exists; it is never overwritten") from None
    except OSError as exc:
        raise BackupError(f"cannot write {path}: {exc}") from None
    os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sqlite_backup(source: Database, partial: Path) -> Manifest:
    if not Path(source.name).is_file():
        raise BackupError(f"{source.describe()} does not exist")
    with (
        sqlite_connect(source.name, mode="rw") as src,
        sqlite_connect(str(partial), mode="rw") as dst,
    ):
        # One read transaction for the manifest and the copy: in WAL mode Samtal goes on
        # writing, and both see the same snapshot.
        src.execute("BEGIN")
        try:
            manifest = sqlite_manifest(src, checksum_tables=KEY_TABLES)
            src.backup(dst)
        except sqlite3.Error as exc:
            raise BackupError(f"the backup of {source.describe()} failed: {exc}") from None
        finally:
            src.execute("ROLLBACK")
        # One self-contained file, whatever journal mode the source runs in.
        dst.execute("PRAGMA journal_mode = DELETE")
        problem = sqlite_quick_check(dst)
        if problem:
            raise BackupError(f"the backup failed its integrity check: {problem}")
    return manifest


def _pg_backup(source: Database, partial: Path) -> Manifest:
    pg_dump = pg_tool("pg_dump")
    with (
        pg_connect(source) as conn,
        tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errors,
    ):
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        # pg_dump reads in the snapshot of this transaction, so the manifest read here at the
        # same time describes the dump exactly.
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        snapshot = str(row[0]) if row else ""
        dump = _start(
            [
                pg_dump,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={partial}",
                f"--dbname={source.conninfo()}",
            ],
            env=source.tool_environment(),
            errors=errors,
        )
        try:
            manifest = pg_manifest(conn, checksum_tables=KEY_TABLES)
        except BaseException:
            dump.kill()
            raise
        finally:
            dump.wait()
        conn.rollback()
        if dump.returncode != 0:
            errors.seek(0)
            raise BackupError(f"pg_dump failed (exit {dump.returncode}): {errors.read().strip()}")
    return manifest


def _start(args: list[str], *, env: dict[str, str], errors: IO[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - the tool's absolute path, arguments built here
        args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors, text=True
    )


def _sqlite_restore(backup: Path, target: Database) -> None:
    target_path = Path(target.name)
    if target_path.resolve() == backup.resolve():
        raise BackupError("the backup and the target are the same file")
    if not target_path.parent.is_dir():
        raise BackupError(f"the directory {target_path.parent} does not exist")
    if not target_path.exists():
        _private_file(target_path)
    with (
        sqlite_connect(str(backup), mode="ro") as src,
        sqlite_connect(target.name, mode="rw") as dst,
    ):
        problem = sqlite_quick_check(src)
        if problem:
            raise BackupError(f"{backup} failed its integrity check: {problem}")
        try:
            src.backup(dst)
        except sqlite3.Error as exc:
            raise BackupError(f"the restore into {target.describe()} failed: {exc}") from None


def _pg_restore(backup: Path, target: Database, *, empty_first: bool) -> None:
    pg_restore = pg_tool("pg_restore")
    if not database_exists(target):
        database_create(target)
    elif empty_first:
        database_empty(target)
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errors:
        process = _start(
            [
                pg_restore,
                "--no-password",
                # Objects belong to whoever restores; grants of the old server do not apply.
                "--no-owner",
                "--no-privileges",
                # All or nothing: a failed restore leaves the target as empty as it was.
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={target.conninfo()}",
                str(backup),
            ],
            env=target.tool_environment(),
            errors=errors,
        )
        process.wait()
        if process.returncode != 0:
            errors.seek(0)
            raise BackupError(
                f"pg_restore failed (exit {process.returncode}): {errors.read().strip()}"
            )
    # pg_restore brings no planner statistics; without them the first queries crawl.
    with pg_connect(target) as conn:
        conn.autocommit = True
        conn.execute("ANALYZE")
