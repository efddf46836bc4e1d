"""The command lines behind scripts/backup, scripts/restore and scripts/restore-check.

    python -P -m samtal.core.backup.cli backup|restore|check [options]

Exit status: 0 done (and the same, where compared); 1 a database differs from the backup it
should hold; 2 refused or failed, with a message that says why. Output is in English, like
Django's own commands.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import psycopg

from samtal.core.backup.databases import BackupError, Database, database_drop, database_exists
from samtal.core.backup.manifest import (
    Comparison,
    Manifest,
    database_compare,
    manifest_of,
    manifest_path,
    manifest_read,
)
from samtal.core.backup.services import backup_create, backup_default_name, backup_restore

BASE_DIR = Path(__file__).resolve().parents[3]
EXIT_SAME = 0
EXIT_DIFFERENT = 1
EXIT_ERROR = 2


def _default_database_url() -> str:
    # As config/settings.py reads it.
    return os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'samtal.sqlite3'}")


def _database_url_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help=f"{help_text} (default: $DATABASE_URL, as Samtal's settings read it)",
    )


def _size(num_bytes: int) -> str:
    size = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def report_print(
    comparison: Comparison,
    *,
    expected_label: str,
    actual_label: str,
    out: TextIO,
) -> None:
    """The table of every table's rows on both sides and, for key tables, their content."""
    width = max([len("table"), *(len(t.table) for t in comparison.tables)])
    print(
        f"{'table':<{width}}  {expected_label:>10}  {actual_label:>10}  {'content':<9}  result",
        file=out,
    )
    for table in comparison.tables:
        expected = "-" if table.expected_rows is None else str(table.expected_rows)
        actual = "-" if table.actual_rows is None else str(table.actual_rows)
        content = ""
        if table.content_checked:
            content = "same" if table.content_same else "DIFFERENT"
        if table.actual_rows is None:
            result = "MISSING"
        elif table.expected_rows is None:
            result = "UNEXPECTED"
        else:
            result = "ok" if table.same else "DIFFERENT"
        print(
            f"{table.table:<{width}}  {expected:>10}  {actual:>10}  {content:<9}  {result}",
            file=out,
        )
    checked = sum(1 for table in comparison.tables if table.content_checked)
    if comparison.same:
        rows = sum(table.expected_rows or 0 for table in comparison.tables)
        print(
            f"The same: {len(comparison.tables)} tables, {rows} rows; content of {checked} "
            "key tables compared.",
            file=out,
        )
    else:
        names = ", ".join(table.table for table in comparison.differences)
        print(
            f"DIFFERENT: {len(comparison.differences)} of {len(comparison.tables)} tables "
            f"differ: {names}.",
            file=out,
        )


def _compare_and_report(
    expected: Manifest, target: Database, *, expected_label: str, actual_label: str
) -> int:
    started = time.monotonic()
    comparison = database_compare(expected, target)
    _note(f"Compared in {time.monotonic() - started:.1f} s.")
    report_print(
        comparison, expected_label=expected_label, actual_label=actual_label, out=sys.stdout
    )
    return EXIT_SAME if comparison.same else EXIT_DIFFERENT


def _backup(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/backup",
        description="Back up Samtal's database to a file readable by its owner only, with a "
        "manifest (row counts and key-table checksums) beside it. Prints the backup's path.",
    )
    _database_url_argument(parser, "the database to back up")
    parser.add_argument(
        "destination",
        nargs="?",
        default=".",
        metavar="FILE_OR_DIRECTORY",
        help="the backup file to write, or a directory to write samtal-NAME-TIMESTAMP.dump "
        "(PostgreSQL) or .sqlite3 (SQLite) into (default: the current directory)",
    )
    args = parser.parse_args(argv)
    source = Database.from_url(args.database_url or _default_database_url())
    destination = Path(args.destination)
    if destination.is_dir():
        destination = destination / backup_default_name(source)
    started = time.monotonic()
    result = backup_create(source=source, destination=destination)
    _note(
        f"Backed up {source.describe()} in {time.monotonic() - started:.1f} s: "
        f"{len(result.manifest.counts)} tables, {result.manifest.rows} rows, "
        f"{_size(result.size)}.\nManifest: {manifest_path(result.path)}"
    )
    print(result.path)
    return EXIT_SAME


def _restore(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/restore",
        description="Restore a backup made by scripts/backup into a fresh database (a "
        "PostgreSQL database that does not exist is created), then compare every table "
        "with the manifest beside the backup. Stop Samtal on the target first.",
    )
    _database_url_argument(parser, "the database to restore into")
    parser.add_argument("backup", metavar="BACKUP", help="the backup file")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the content of a database that is not empty (its tables are dropped)",
    )
    args = parser.parse_args(argv)
    target = Database.from_url(args.database_url or _default_database_url())
    backup = Path(args.backup)
    expected: Manifest | None = None
    if manifest_path(backup).exists():
        expected = manifest_read(backup)
    started = time.monotonic()
    backup_restore(backup=backup, target=target, force=args.force)
    _note(f"Restored {backup} into {target.describe()} in {time.monotonic() - started:.1f} s.")
    if expected is None:
        _note(f"No manifest ({manifest_path(backup)}): the restored database was not checked.")
        return EXIT_SAME
    return _compare_and_report(expected, target, expected_label="backup", actual_label="restored")


def _check(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/restore-check",
        description="Prove that a backup restores: back up the source (or take --backup), "
        "restore it into TARGET, a database this creates, and compare the row count of every "
        "table and the content of the key tables with the backup's manifest. Prints a table; "
        "exits 1 on any difference. TARGET is dropped afterwards unless --keep.",
    )
    _database_url_argument(parser, "the database to back up and check")
    parser.add_argument(
        "--backup", metavar="FILE", help="check this backup (and its manifest) instead"
    )
    parser.add_argument(
        "--target",
        required=True,
        metavar="URL",
        help="the database to restore into: a PostgreSQL database or SQLite file that does "
        "not exist yet",
    )
    parser.add_argument("--keep", action="store_true", help="keep TARGET after the check")
    parser.add_argument(
        "--compare-only",
        action="store_true",
        help="restore nothing: compare TARGET as it is with the backup's manifest (--backup) "
        "or with the source as it is now",
    )
    args = parser.parse_args(argv)
    target = Database.from_url(args.target)
    source = Database.from_url(args.database_url or _default_database_url())

    if args.compare_only:
        if args.backup:
            expected = manifest_read(Path(args.backup))
            label = "backup"
        else:
            if source.same_as(target):
                raise BackupError("the source and the target are the same database")
            expected = manifest_of(source)
            label = "source"
        return _compare_and_report(expected, target, expected_label=label, actual_label="target")

    if database_exists(target):
        raise BackupError(
            f"{target.describe()} already exists. restore-check restores into a database it "
            "creates (and drops afterwards); name one that does not exist, or pass "
            "--compare-only to check an existing one."
        )
    with tempfile.TemporaryDirectory(prefix="samtal-restore-check-") as workdir:
        if args.backup:
            backup = Path(args.backup)
            expected = manifest_read(backup)
        else:
            started = time.monotonic()
            result = backup_create(
                source=source, destination=Path(workdir) / backup_default_name(source)
            )
            backup, expected = result.path, result.manifest
            _note(
                f"Backed up {source.describe()} in {time.monotonic() - started:.1f} s: "
                f"{len(expected.counts)} tables, {expected.rows} rows, {_size(result.size)}."
            )
        try:
            started = time.monotonic()
            backup_restore(backup=backup, target=target)
            _note(f"Restored into {target.describe()} in {time.monotonic() - started:.1f} s.")
            return _compare_and_report(
                expected, target, expected_label="backup", actual_label="restored"
            )
        finally:
            if args.keep:
                _note(f"Kept {target.describe()}.")
            elif database_exists(target):
                database_drop(target)
                _note(f"Dropped {target.describe()}.")


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "backup": _backup,
    "restore": _restore,
    "check": _check,
}
PROGRAMS = {
    "backup": "scripts/backup",
    "restore": "scripts/restore",
    "check": "scripts/restore-check",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        _note(f"usage: python -P -m samtal.core.backup.cli {{{','.join(COMMANDS)}}} [options]")
        return EXIT_ERROR
    # Talk content is personal data: whatever this process writes (backups, manifests,
    # SQLite journals, pg_dump's file) is readable by its owner only.
    os.umask(0o077)
    try:
        return COMMANDS[args[0]](args[1:])
    except BackupError as exc:
        _note(f"{PROGRAMS[args[0]]}: error: {exc}")
        return EXIT_ERROR
    except (psycopg.Error, sqlite3.Error, OSError) as exc:
        _note(f"{PROGRAMS[args[0]]}: error: {type(exc).__name__}: {str(exc).strip()}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
