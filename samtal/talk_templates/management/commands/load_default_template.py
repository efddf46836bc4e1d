from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, no_translations

from samtal.talk_templates.builtin import default_template_install
from samtal.talk_templates.validation import publish_problems


class Command(BaseCommand):
    help = "Install and publish the built-in default talk template (does nothing if present)."

    @no_translations  # command-line output in English, like Django's own commands
    def handle(self, *args: Any, **options: Any) -> None:
        version = default_template_install()
        self.stdout.write(
            f"Default template: {version.template.key} v{version.number} ({version.status})."
        )
        for problem in publish_problems(version) if version.is_draft else []:
            self.stdout.write(f"  to fix before publishing: {problem}")
