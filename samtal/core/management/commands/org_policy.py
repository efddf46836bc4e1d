"""Show or change the organisation policy.

manage.py org_policy
manage.py org_policy --hr-may-read-records yes|no
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from samtal.core.models import OrgPolicy
from samtal.core.services import history_record

ANSWERS = {"yes": True, "ja": True, "on": True, "no": False, "nej": False, "off": False}


class Command(BaseCommand):
    help = "Show the organisation policy, or change whether HR may read agreed talk records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hr-may-read-records",
            metavar="yes|no",
            help="let HR read agreed records in their scope (every read is audit-logged)",
        )

    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        policy = OrgPolicy.current()
        wanted = options["hr_may_read_records"]
        if wanted is not None:
            if wanted.lower() not in ANSWERS:
                raise CommandError("--hr-may-read-records takes yes or no.")
            new = ANSWERS[wanted.lower()]
            if new != policy.hr_may_read_records:
                history_record(
                    obj=policy,
                    actor=None,
                    action="policy_changed",
                    changes={"hr_may_read_records": [policy.hr_may_read_records, new]},
                )
                policy.hr_may_read_records = new
                policy.save(update_fields=["hr_may_read_records", "updated_at"])
        self.stdout.write(
            f"Mandatory template sections: {', '.join(policy.mandatory_section_keys) or '-'}\n"
            f"HR may read agreed talk records: {'yes' if policy.hr_may_read_records else 'no'}"
        )
