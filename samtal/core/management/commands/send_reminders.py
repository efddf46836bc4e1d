from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser, no_translations
from django.utils import timezone

from samtal.core.emails import emails_release_stale
from samtal.core.reminders import reminders_run


class Command(BaseCommand):
    help = (
        "Queue the reminders due today (talks not booked close to their deadline, talks "
        "tomorrow, development-plan checkpoints coming up or overdue). Safe to run as often as "
        "you like: each reminder is sent once. Run it from cron or a systemd timer, e.g. every "
        "hour."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="the date to act as today (YYYY-MM-DD); default: today",
        )

    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        released = emails_release_stale()
        counts = reminders_run(options["today"] or timezone.localdate())
        queued = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(f"Queued {queued}; {released} stalled email(s) offered again.")
