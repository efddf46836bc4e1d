"""The outbox: a unique key queues an email once, a claim is a conditional update, two drains
never send the same email, and a broken email fails alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone, translation

from samtal.accounts.tests.factories import UserFactory
from samtal.core import emails
from samtal.core.emails import (
    RENDERERS,
    RenderedEmail,
    email_queue,
    email_queue_many,
    emails_release_stale,
    emails_send_pending,
)
from samtal.core.models import OutgoingEmail


@pytest.fixture
def rendered(monkeypatch):
    """A test kind whose renderer records the language it ran in; params["skip"] skips it."""
    languages: list[str] = []

    def render(email: OutgoingEmail) -> RenderedEmail | None:
        if email.params.get("skip"):
            return None
        languages.append(translation.get_language())
        return RenderedEmail(
            subject=f"Test {email.key}",
            text="Hej",
            html="<p>Hej</p>",
            attachments=[("a.txt", b"data", "text/plain")],
        )

    monkeypatch.setitem(RENDERERS, "test_kind", render)
    return languages


@pytest.fixture
def user(db):
    return UserFactory(email="mottagare@example.se")


def queue(user, key: str = "k1", **params) -> bool:
    return email_queue(key=key, kind="test_kind", recipient_id=user.pk, params=params)


def test_a_key_is_queued_once(user, rendered):
    assert queue(user) is True
    assert queue(user) is False
    assert OutgoingEmail.objects.count() == 1
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts, email.kind) == ("pending", 0, "test_kind")


def test_a_long_key_is_cut_to_fit(user, rendered):
    assert queue(user, key="x" * 300)
    assert not queue(user, key="x" * 300)
    assert len(OutgoingEmail.objects.get().key) == 200


def test_queue_many_skips_existing_keys(user, rendered, django_capture_on_commit_callbacks):
    queue(user, key="a")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = email_queue_many(
            emails=[
                OutgoingEmail(key=key, kind="test_kind", recipient=user, params={})
                for key in ("a", "b", "c")
            ]
        )
    # Exact on SQLite; PostgreSQL does not report skipped conflicts, so it may over-count.
    assert queued in (2, 3)
    assert sorted(OutgoingEmail.objects.values_list("key", flat=True)) == ["a", "b", "c"]
    assert len(callbacks) == 1
    assert email_queue_many(emails=[]) == 0


def test_sent_only_after_commit(user, rendered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(user)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == [user.email]
    assert message.subject == "Test k1"
    assert message.alternatives[0][1] == "text/html"
    assert message.attachments[0][0] == "a.txt"
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == ("sent", 1)
    assert email.sent_at is not None


def test_nothing_is_queued_when_the_transaction_rolls_back(
    user, rendered, django_capture_on_commit_callbacks
):
    def failing_change() -> None:
        with transaction.atomic():
            queue(user)
            raise RuntimeError("the change failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_change()
    assert callbacks == []
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


def test_claim_marks_sending(user, rendered):
    for key in ("a", "b", "c"):
        queue(user, key=key)
    claimed = emails._claim(2)
    assert len(claimed) == 2
    rows = OutgoingEmail.objects.filter(pk__in=claimed)
    assert {e.status for e in rows} == {"sending"}
    assert all(e.claimed_at is not None for e in rows)
    # A second worker gets only what is left.
    assert emails._claim(10) == list(
        OutgoingEmail.objects.exclude(pk__in=claimed).values_list("pk", flat=True)
    )
    assert emails._claim(10) == []


def test_two_drains_do_not_send_twice(user, rendered):
    for key in ("a", "b", "c"):
        queue(user, key=key)
    assert emails_send_pending() == 3
    assert emails_send_pending() == 0
    assert len(mail.outbox) == 3


def test_a_drain_leaves_what_another_worker_claimed(user, rendered):
    for key in ("a", "b"):
        queue(user, key=key)
    other_workers = emails._claim(1)
    assert emails_send_pending() == 1
    assert [m.subject for m in mail.outbox] == ["Test b"]
    assert OutgoingEmail.objects.get(pk=other_workers[0]).status == "sending"


def test_the_limit_is_respected(user, rendered):
    for key in ("a", "b", "c"):
        queue(user, key=key)
    assert emails_send_pending(limit=2) == 2
    assert emails_send_pending(limit=2) == 1


def test_an_unknown_kind_fails_cleanly_and_the_rest_go_out(user, rendered):
    email_queue(key="broken", kind="no_such_kind", recipient_id=user.pk)
    queue(user, key="fine")
    assert emails_send_pending() == 1
    broken = OutgoingEmail.objects.get(key="broken")
    assert (broken.status, broken.attempts) == ("pending", 1)
    assert "no renderer for email kind 'no_such_kind'" in broken.error
    emails_send_pending()
    emails_send_pending()
    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == ("failed", 3)
    assert [m.subject for m in mail.outbox] == ["Test fine"]


def test_a_renderer_that_raises_fails_cleanly(user, monkeypatch):
    def broken(email: OutgoingEmail) -> RenderedEmail:
        raise KeyError("talk")

    monkeypatch.setitem(RENDERERS, "test_broken", broken)
    email_queue(key="x", kind="test_broken", recipient_id=user.pk)
    assert emails_send_pending() == 0
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts, email.error) == ("pending", 1, "'talk'")


def test_an_email_no_longer_needed_is_skipped(user, rendered):
    queue(user, skip=True)
    assert emails_send_pending() == 0
    assert OutgoingEmail.objects.get().status == "skipped"
    assert mail.outbox == []


def test_an_inactive_recipient_gets_nothing(user, rendered):
    user.is_active = False
    user.save()
    queue(user)
    emails_send_pending()
    assert OutgoingEmail.objects.get().status == "skipped"
    assert mail.outbox == []


@pytest.mark.parametrize("language", ["sv", "en"])
def test_rendered_in_the_recipients_language(language, user, rendered):
    user.preferred_language = language
    user.save()
    queue(user)
    with translation.override("sv" if language == "en" else "en"):
        emails_send_pending()
    assert rendered == [language]


def test_release_stale_offers_again_only_old_claims(user, rendered):
    for key in ("old", "recent"):
        queue(user, key=key)
    emails._claim(2)
    OutgoingEmail.objects.filter(key="old").update(
        claimed_at=timezone.now() - emails.STALE_CLAIM - dt.timedelta(seconds=1)
    )
    assert emails_release_stale() == 1
    assert dict(OutgoingEmail.objects.values_list("key", "status")) == {
        "old": "pending",
        "recent": "sending",
    }
    assert emails_send_pending() == 1
    assert [m.subject for m in mail.outbox] == ["Test old"]


def test_release_stale_starts_a_drain_for_waiting_emails(
    user, rendered, django_capture_on_commit_callbacks
):
    """An email whose attempt failed is pending with nothing to send it; the periodic
    release starts a drain."""
    queue(user)
    OutgoingEmail.objects.update(attempts=1, error="down")
    with django_capture_on_commit_callbacks(execute=True):
        assert emails_release_stale() == 0
    assert [m.subject for m in mail.outbox] == ["Test k1"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        emails_release_stale()
    assert callbacks == []  # nothing waiting, no empty task
