"""Background tasks of the core app (run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from samtal.core.emails import DRAIN_BATCH, emails_send_pending


@task()
def send_queued_emails(limit: int = DRAIN_BATCH) -> int:
    return emails_send_pending(limit=limit)
