from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils import timezone

from samtal.accounts.selectors import login_lockouts_active
from samtal.accounts.services import login_throttles_clear


class Command(BaseCommand):
    help = (
        "List the login lockouts in force, or lift them: for a client address, an email "
        "address, both, or --all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clear", action="store_true", help="lift lockouts, forget failures")
        parser.add_argument("--address", help="only this client address (IPv6: its /64)")
        parser.add_argument("--email", help="only this email address (from any client address)")
        parser.add_argument("--all", action="store_true", help="with --clear: everything")

    @no_translations  # command-line output in English, like Django's own commands
    def handle(self, *args: Any, **options: Any) -> None:
        address, email = options["address"], options["email"]
        if not options["clear"]:
            if address or email or options["all"]:
                raise CommandError("--address, --email and --all go with --clear.")
            self._list()
            return
        if options["all"] == bool(address or email):
            raise CommandError("Say what to clear: --address and/or --email, or --all.")
        count = login_throttles_clear(address=address, username=email)
        self.stdout.write(f"Cleared {count} login lockout(s) and failure count(s).")

    def _list(self) -> None:
        lockouts = list(login_lockouts_active())
        if not lockouts:
            self.stdout.write("No login lockouts in force.")
            return
        for throttle in lockouts:
            assert throttle.locked_until is not None
            until = timezone.localtime(throttle.locked_until).isoformat(timespec="seconds")
            if throttle.username:
                who = f"{throttle.username} from {throttle.address}"
            else:
                who = f"{throttle.address} (any email)"
            self.stdout.write(f"{until}  {who}  {throttle.failures} failures")
