"""Import people and units from an HR-system file (CSV or XLSX), e.g. from a nightly job.

    manage.py import_people people.csv [--full-sync] [--dry-run]

All or nothing, exactly as the import page: on any error nothing is written, every error
is printed as "line N, column C: message" and the command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from samtal.organisation.importer import RowError
from samtal.organisation.services import ImportResult, people_import


def format_error(error: RowError) -> str:
    if error.column:
        return f"line {error.line}, column {error.column}: {error.message}"
    return f"line {error.line}: {error.message}"


class Command(BaseCommand):
    help = "Import people and units from an HR-system file (CSV or XLSX), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8, ; or , separated) or XLSX file")
        parser.add_argument(
            "--full-sync",
            action="store_true",
            help="deactivate active people who are not in the file",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and count what would change, but write nothing",
        )

    @no_translations  # command-line output in English, like Django's own commands
    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        full_sync: bool = options["full_sync"]
        dry_run: bool = options["dry_run"]
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from None
        with stream:
            result = people_import(
                stream=stream,
                file_name=path.name,
                actor=None,
                full_sync=full_sync,
                dry_run=dry_run,
            )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(format_error(error))
            raise CommandError(f"{path.name}: {len(result.errors)} error(s), nothing was imported.")
        self.stdout.write(self._summary(result, dry_run=dry_run, full_sync=full_sync))

    def _summary(self, result: ImportResult, *, dry_run: bool, full_sync: bool) -> str:
        title = "Dry run, nothing written" if dry_run else "Import applied"
        if full_sync:
            title += " (full sync)"
        lines = [
            f"{title}:",
            f"  rows           {result.rows}",
            f"  created        {result.created}",
            f"  updated        {result.updated}",
            f"  unchanged      {result.unchanged}",
            f"  deactivated    {result.deactivated}",
            f"  units created  {result.units_created}",
        ]
        text = "\n".join(lines)
        return text if dry_run else self.style.SUCCESS(text)
