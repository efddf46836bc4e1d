"""Exceptions services raise and views turn into a message (never a 500)."""

from __future__ import annotations

from django.db import models


class TransitionRefused(Exception):
    """A status change that is not allowed; `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class EditConflict(Exception):
    """Someone else saved the same thing after this form was opened; `current` is their
    version, to show beside the text that was not saved."""

    def __init__(self, current: models.Model | None) -> None:
        super().__init__("edit conflict")
        self.current = current


class NeedsConfirmation(Exception):
    """The change is allowed but unusual; `warnings` say why. Posting again with the user's
    confirmation saves it."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__("; ".join(warnings))
        self.warnings = warnings
