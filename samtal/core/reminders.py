"""The periodic reminder jobs of every app, run together by `manage.py send_reminders`.

A job takes today's date, queues what is due (each email with a unique key, so a second run
queues nothing) and returns how many it queued under a description for the command's output.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

ReminderJob = Callable[[date], dict[str, int]]
REMINDER_JOBS: list[ReminderJob] = []


def reminder_job(function: ReminderJob) -> ReminderJob:
    REMINDER_JOBS.append(function)
    return function


def reminders_run(today: date) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in REMINDER_JOBS:
        counts.update(job(today))
    return counts
