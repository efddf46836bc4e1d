"""Emails: queued in the transaction that causes them, sent by a background task after commit.

A service calls `email_queue` (or `email_queue_many` for a whole round); each row has a unique
key, so queuing the same email twice adds nothing. The task `send_queued_emails` claims pending
rows with a conditional update and renders each in the recipient's language through the
renderer its app registered for the email's kind (`@email_renderer("talk_booked")`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from samtal.core.models import OutgoingEmail

logger = logging.getLogger(__name__)

# One drain task per this many queued emails, so several workers share a large batch.
DRAIN_BATCH = 200
MAX_ATTEMPTS = 3
# A claim older than this belongs to a worker that died; the row is offered again.
STALE_CLAIM = timedelta(minutes=15)


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str = ""
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


Renderer = Callable[[OutgoingEmail], RenderedEmail | None]
RENDERERS: dict[str, Renderer] = {}


def email_renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the function that renders emails of `kind`; it returns None when the email
    is no longer needed (e.g. a booking invitation superseded by a later change)."""

    def register(function: Renderer) -> Renderer:
        RENDERERS[kind] = function
        return function

    return register


def render_email(name: str, context: dict[str, Any]) -> RenderedEmail:
    """Render emails/<name>_subject.txt, emails/<name>.txt and emails/<name>.html."""
    context = {
        "organisation_name": settings.SAMTAL_ORGANISATION_NAME,
        "base_url": settings.SAMTAL_BASE_URL,
        **context,
    }
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    return RenderedEmail(
        subject=subject,
        text=render_to_string(f"emails/{name}.txt", context),
        html=render_to_string(f"emails/{name}.html", context),
    )


def email_queue(
    *, key: str, kind: str, recipient_id: int, params: dict[str, Any] | None = None
) -> bool:
    """Queue one email unless an email with `key` exists; returns whether it was queued."""
    _email, created = OutgoingEmail.objects.get_or_create(
        key=key[:200],
        defaults={"kind": kind, "recipient_id": recipient_id, "params": params or {}},
    )
    if created:
        _send_after_commit(1)
    return created


def email_queue_new(emails: list[OutgoingEmail]) -> int:
    """Queue those of `emails` whose key is not queued yet; returns how many were new (the
    reminder jobs use it to count what a run added)."""
    if not emails:
        return 0
    existing: set[str] = set()
    keys = [e.key for e in emails]
    for start in range(0, len(keys), 5000):
        existing.update(
            OutgoingEmail.objects.filter(key__in=keys[start : start + 5000]).values_list(
                "key", flat=True
            )
        )
    new = [e for e in emails if e.key not in existing]
    return email_queue_many(emails=new) if new else 0


def email_queue_many(*, emails: Sequence[OutgoingEmail]) -> int:
    """Queue many emails in bulk (a round launch, a reminder run); existing keys are skipped."""
    if not emails:
        return 0
    before = OutgoingEmail.objects.count() if connection.vendor == "sqlite" else None
    OutgoingEmail.objects.bulk_create(emails, batch_size=1000, ignore_conflicts=True)
    # The database does not say how many rows a conflict skipped; the drain simply finds
    # nothing to do for those, so over-estimating only costs an empty task.
    queued = OutgoingEmail.objects.count() - before if before is not None else len(emails)
    _send_after_commit(queued)
    return queued


def _send_after_commit(count: int) -> None:
    from samtal.core.tasks import send_queued_emails

    def enqueue() -> None:
        for _batch in range(max(1, -(-count // DRAIN_BATCH))):
            send_queued_emails.enqueue(limit=DRAIN_BATCH)

    if count > 0:
        transaction.on_commit(enqueue)


def emails_send_pending(*, limit: int = DRAIN_BATCH) -> int:
    """Claim up to `limit` pending emails and send them; returns how many went out."""
    claimed = _claim(limit)
    sent = 0
    for email in OutgoingEmail.objects.filter(pk__in=claimed).select_related("recipient"):
        if _deliver(email):
            sent += 1
    return sent


def emails_release_stale() -> int:
    """Offer again the emails claimed by a worker that died before finishing, and start a
    drain for everything waiting: those, and emails whose last attempt failed (nothing else
    sends them again unless another email happens to be queued). Returns how many were
    released."""
    released = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING, claimed_at__lt=timezone.now() - STALE_CLAIM
    ).update(status=OutgoingEmail.Status.PENDING, claimed_at=None)
    _send_after_commit(OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).count())
    return released


def _claim(limit: int) -> list[int]:
    with transaction.atomic():
        pending = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        ids = list(pending.values_list("id", flat=True)[:limit])
        OutgoingEmail.objects.filter(pk__in=ids, status=OutgoingEmail.Status.PENDING).update(
            status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now()
        )
    return ids


def _deliver(email: OutgoingEmail) -> bool:
    recipient = email.recipient
    renderer = RENDERERS.get(email.kind)
    try:
        if renderer is None:
            raise LookupError(f"no renderer for email kind {email.kind!r}")
        language = getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            rendered = renderer(email)
        if rendered is None or not recipient.is_active or not recipient.email:
            _finish(email, OutgoingEmail.Status.SKIPPED)
            return False
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
        )
        if rendered.html:
            message.attach_alternative(rendered.html, "text/html")
        for name, content, mimetype in rendered.attachments:
            message.attach(name, content, mimetype)
        message.send()
    except Exception as error:  # a broken email must not stop the rest of the batch
        logger.exception("Sending email %s failed", email.key)
        attempts = email.attempts + 1
        status = (
            OutgoingEmail.Status.FAILED
            if attempts >= MAX_ATTEMPTS
            else OutgoingEmail.Status.PENDING
        )
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=status, attempts=attempts, error=str(error)[:500], claimed_at=None
        )
        return False
    _finish(email, OutgoingEmail.Status.SENT)
    return True


def _finish(email: OutgoingEmail, status: str) -> None:
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=status, sent_at=timezone.now(), attempts=email.attempts + 1
    )
