"""Emails: queued in the transaction that causes them, sent by a background task after commit.

A service calls `email_queue` (or `email_queue_many` for a whole round); each row has a unique
key, so queuing the same email twice adds nothing. The task `send_queued_emails` claims one row
at a time with a conditional update, renders it in the recipient's language through the
renderer its app registered for the email's kind (`@email_renderer("talk_booked")`), sends it
and marks it sent before claiming the next.

What a crash can cost: a claim is a lease of SAMTAL_EMAIL_LEASE_SECONDS. A worker killed while
sending leaves only the email it held, and the next drain after the lease takes it over (every
drain that sends anything queues such a drain for when its lease runs out). That email was sent
twice only if the worker died after the mail server accepted it and before the row was marked
sent; both copies carry the same Message-ID, so the second is recognisably the same message
(several mail clients show only one).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from samtal.core.models import OutgoingEmail

logger = logging.getLogger(__name__)

# One drain task per this many queued emails, so several workers share a large batch.
DRAIN_BATCH = 200
MAX_ATTEMPTS = 3
# The drain that takes over from a dead worker runs this long after the worker's lease ends.
TAKEOVER_MARGIN = timedelta(seconds=5)


def email_lease() -> timedelta:
    """How long a worker may hold a claimed email before another may take it over: longer than
    the slowest send (EMAIL_TIMEOUT bounds each step of the SMTP conversation)."""
    return timedelta(seconds=settings.SAMTAL_EMAIL_LEASE_SECONDS)


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


def _never() -> bool:
    return False


def emails_send_pending(
    *, limit: int = DRAIN_BATCH, should_stop: Callable[[], bool] = _never
) -> int:
    """Send up to `limit` emails one at a time: claim one (waiting, or held by a worker whose
    lease ran out), send it, mark it sent, then the next; each is tried at most once per drain.
    The first claim queues a drain for when this worker's lease would run out, to take over if
    the worker dies. Stops early when `should_stop()` says so (the worker was told to shut
    down), and when it stops with emails still waiting it queues a drain for them. Returns how
    many went out."""
    _fail_abandoned()
    sent = 0
    tried: list[int] = []
    while len(tried) < limit and not should_stop():
        email = _claim_next(exclude=tried)
        if email is None:
            return sent
        if not tried:
            _schedule_takeover()
        tried.append(email.pk)
        if _deliver(email):
            sent += 1
    if OutgoingEmail.objects.filter(_claimable(timezone.now())).exclude(pk__in=tried).exists():
        _send_after_commit(1)
    return sent


def emails_release_stale() -> int:
    """Offer again the emails held by a worker whose lease ran out, and start a drain for
    everything waiting: those, and emails whose last attempt failed (nothing else sends them
    again unless another email happens to be queued). `send_reminders` calls it, so a failed
    email is retried at the next run. Returns how many were released."""
    _fail_abandoned()
    released = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING,
        claimed_at__lt=timezone.now() - email_lease(),
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=OutgoingEmail.Status.PENDING, claimed_at=None)
    _send_after_commit(OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).count())
    return released


def email_message_id(email: OutgoingEmail) -> str:
    """The same Message-ID each time this email is sent: if a worker died between the mail
    server accepting it and marking it sent, the copy sent again is recognisably the same
    message (several mail clients show only one)."""
    domain = urlsplit(settings.SAMTAL_BASE_URL).hostname or "samtal.local"
    digest = hashlib.sha256(email.key.encode("utf-8")).hexdigest()[:16]
    return f"<samtal.{email.pk}.{digest}@{domain}>"


def _claimable(now: datetime) -> Q:
    return Q(status=OutgoingEmail.Status.PENDING) | Q(
        status=OutgoingEmail.Status.SENDING,
        claimed_at__lt=now - email_lease(),
        attempts__lt=MAX_ATTEMPTS,
    )


def _claim_next(*, exclude: Sequence[int] = ()) -> OutgoingEmail | None:
    """Claim the oldest claimable email with a conditional update (a lease from now)."""
    for _race in range(5):
        now = timezone.now()
        with transaction.atomic():
            waiting = (
                OutgoingEmail.objects.filter(_claimable(now)).exclude(pk__in=exclude).order_by("id")
            )
            if connection.features.has_select_for_update_skip_locked:
                waiting = waiting.select_for_update(skip_locked=True)
            email = waiting.first()
            if email is None:
                return None
            claimed = OutgoingEmail.objects.filter(_claimable(now), pk=email.pk).update(
                status=OutgoingEmail.Status.SENDING,
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
        if claimed:
            email.status, email.claimed_at = OutgoingEmail.Status.SENDING, now
            email.attempts += 1
            return email
        # Another worker claimed it between the read and the update (only where the database
        # cannot lock rows with SKIP LOCKED): try the next one.
    return None


def _schedule_takeover() -> None:
    """Queue a drain for when this worker's lease runs out: if the worker dies mid-send, that
    drain takes over the email it held and any it did not reach."""
    from samtal.core.tasks import send_queued_emails

    if send_queued_emails.get_backend().supports_defer:
        run_after = timezone.now() + email_lease() + TAKEOVER_MARGIN
        send_queued_emails.using(run_after=run_after).enqueue(limit=DRAIN_BATCH)


def _fail_abandoned() -> None:
    """An email whose worker died MAX_ATTEMPTS times while sending it (it may be what kills
    the worker) is given up on rather than taken over forever."""
    OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING,
        claimed_at__lt=timezone.now() - email_lease(),
        attempts__gte=MAX_ATTEMPTS,
    ).update(
        status=OutgoingEmail.Status.FAILED,
        claimed_at=None,
        error="The worker stopped while sending it, each time it was tried.",
    )


def _deliver(email: OutgoingEmail) -> bool:
    """Render and send one claimed email; `email.attempts` already counts this attempt."""
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
            headers={"Message-ID": email_message_id(email)},
        )
        if rendered.html:
            message.attach_alternative(rendered.html, "text/html")
        for name, content, mimetype in rendered.attachments:
            message.attach(name, content, mimetype)
        message.send()
    except Exception as error:  # a broken email must not stop the rest of the batch
        logger.exception("Sending email %s failed", email.key)
        status = (
            OutgoingEmail.Status.FAILED
            if email.attempts >= MAX_ATTEMPTS
            else OutgoingEmail.Status.PENDING
        )
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=status, error=str(error)[:500], claimed_at=None
        )
        return False
    _finish(email, OutgoingEmail.Status.SENT)
    return True


def _finish(email: OutgoingEmail, status: str) -> None:
    OutgoingEmail.objects.filter(pk=email.pk).update(status=status, sent_at=timezone.now())
