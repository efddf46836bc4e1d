from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from samtal.accounts.models import Role, User
from samtal.accounts.services import role_grant, role_revoke
from samtal.organisation.models import Unit


class Command(BaseCommand):
    help = "Give a user the role hr, safety_rep or admin, for a unit or the whole organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--unit", help="unit code; without it the whole organisation")
        parser.add_argument("--revoke", action="store_true", help="take the role away instead")

    @no_translations  # command-line output in English, like Django's own commands
    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No user has the email {options['email']}.")
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No unit has the code {options['unit']}.")
        scope = f"unit {unit.code}" if unit else "the whole organisation"
        if options["revoke"]:
            if role_revoke(user=user, role=options["role"], unit=unit, actor=None):
                self.stdout.write(f"{user.email} is no longer {options['role']} for {scope}.")
            else:
                self.stdout.write(f"{user.email} did not have that role; nothing changed.")
            return
        try:
            role_grant(user=user, role=options["role"], unit=unit, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{user.email} is {options['role']} for {scope}.")
