"""Load (or refresh) the demo organisation and print its logins.

    manage.py load_demo

A university faculty of about sixty people, loaded through the people import in one
transaction. Safe to run again: people are matched by employee number, roles and passwords
are added only where missing. Exits with status 1, having written nothing, if the import
reports errors (e.g. a demo address already belongs to another employee).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.urls import reverse

from samtal.organisation.demo import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoImportError,
    DemoResult,
    demo_load,
)
from samtal.plans.demo import plans_demo_load
from samtal.talks.demo import talks_demo_load
from samtal.workenv.demo import workenv_demo_load


class Command(BaseCommand):
    help = "Load the demo organisation (a faculty of about 60 people) and print its logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the server will answer"
        )

    @no_translations  # command-line output in English, like Django's own commands
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_load(actor=None)
        except DemoImportError as exc:
            for line in exc.lines():
                self.stderr.write(line)
            raise CommandError(
                f"The demo import was refused with {len(exc.errors)} error(s); nothing was "
                "written. Is the database holding other people with the demo addresses?"
            ) from None
        self.stdout.write(self.style.SUCCESS(self._summary(result)))
        talks = talks_demo_load()
        self.stdout.write(
            f"Rooms added: {talks.rooms_created}. Round “{talks.round_name}”: "
            + ("prepared for HR to launch." if talks.round_created else "already there.")
        )
        if talks.last_year_created:
            self.stdout.write("Last year's round for the manager's team: held and agreed.")
        if talks.talk_today_created:
            self.stdout.write(
                "An extra talk between the demo employee and manager began an hour ago: "
                "mark it held and write the record."
            )
        plans = plans_demo_load()
        self.stdout.write(
            f"Unit goals added: {plans.unit_goals_created}. Development plans added: "
            f"{plans.plans_created} (last year's talks agreed plans; the year followed them up)."
        )
        workenv = workenv_demo_load()
        self.stdout.write(
            f"Work-environment contacts added: {workenv.contacts_created}. Observations and "
            f"risks added: {workenv.observations_created} (assessed, with actions to follow up)."
        )
        self.stdout.write(self._logins(options["base_url"].rstrip("/")))

    def _summary(self, result: DemoResult) -> str:
        imported = result.imported
        return (
            f"Demo organisation loaded: {result.people} people in {result.units} units "
            f"(created {imported.created}, updated {imported.updated}, "
            f"unchanged {imported.unchanged}; units created {imported.units_created})."
        )

    def _logins(self, base_url: str) -> str:
        width = max(len(label) for label, _email in DEMO_LOGINS)
        lines = ["", f"Demo logins, all with the password {DEMO_PASSWORD}:"]
        lines += [f"  {label.ljust(width)}  {email}" for label, email in DEMO_LOGINS]
        lines += ["", f"Log in at {base_url}{reverse('accounts:login')}"]
        return "\n".join(lines)
