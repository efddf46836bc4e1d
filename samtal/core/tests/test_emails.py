"""The outbox: a unique key queues an email once, a claim is a conditional update with a lease,
two drains never send the same email, a broken email fails alone, and a worker that dies or is
told to stop leaves at most the one email it was sending, taken over after the lease."""

from __future__ import annotations

import datetime as dt
import signal

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone, translation
from django_tasks.backends.dummy import DummyBackend

from samtal.accounts.tests.factories import UserFactory
from samtal.core import emails
from samtal.core.emails import (
    MAX_ATTEMPTS,
    RENDERERS,
    TAKEOVER_MARGIN,
    RenderedEmail,
    email_lease,
    email_message_id,
    email_queue,
    email_queue_many,
    emails_release_stale,
    emails_send_pending,
)
from samtal.core.models import OutgoingEmail
from samtal.core.tasks import send_queued_emails, stop_requested


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


@pytest.fixture
def deferred_tasks(settings):
    """Tasks are recorded, not run (the dummy backend accepts a run_after, like the database
    queue), so a test sees which drains a drain queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = send_queued_emails.get_backend()
    assert isinstance(backend, DummyBackend)
    backend.clear()
    return backend.results


def queue(user, key: str = "k1", **params) -> bool:
    return email_queue(key=key, kind="test_kind", recipient_id=user.pk, params=params)


def lease_ran_out(*keys: str) -> None:
    """The worker holding these emails stopped answering a lease ago."""
    OutgoingEmail.objects.filter(key__in=keys).update(
        claimed_at=timezone.now() - email_lease() - dt.timedelta(seconds=1)
    )


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


def test_a_claim_takes_one_email_and_counts_the_attempt(user, rendered):
    for key in ("a", "b"):
        queue(user, key=key)
    claimed = emails._claim_next()
    assert claimed is not None
    assert claimed.key == "a"
    row = OutgoingEmail.objects.get(key="a")
    assert (row.status, row.attempts) == ("sending", 1)
    assert row.claimed_at is not None
    assert OutgoingEmail.objects.get(key="b").status == "pending"
    # A second worker gets only what is left.
    second = emails._claim_next()
    assert second is not None
    assert second.key == "b"
    assert emails._claim_next() is None


def test_two_drains_do_not_send_twice(user, rendered):
    for key in ("a", "b", "c"):
        queue(user, key=key)
    assert emails_send_pending() == 3
    assert emails_send_pending() == 0
    assert len(mail.outbox) == 3


def test_a_drain_leaves_what_another_worker_claimed(user, rendered):
    for key in ("a", "b"):
        queue(user, key=key)
    other_workers = emails._claim_next()
    assert other_workers is not None
    assert emails_send_pending() == 1
    assert [m.subject for m in mail.outbox] == ["Test b"]
    assert OutgoingEmail.objects.get(pk=other_workers.pk).status == "sending"


def test_an_email_held_by_a_dead_worker_is_taken_over_after_the_lease(user, rendered):
    queue(user, key="a")
    assert emails._claim_next() is not None  # a worker claims it and is killed
    assert emails_send_pending() == 0  # within the lease, nobody else sends it
    lease_ran_out("a")
    assert emails_send_pending() == 1
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == ("sent", 2)
    assert [m.subject for m in mail.outbox] == ["Test a"]


def test_an_email_that_kills_its_worker_every_time_is_given_up(user, rendered):
    queue(user, key="a")
    OutgoingEmail.objects.update(status="sending", attempts=MAX_ATTEMPTS)
    lease_ran_out("a")
    assert emails_send_pending() == 0
    email = OutgoingEmail.objects.get()
    assert (email.status, email.claimed_at) == ("failed", None)
    assert "stopped while sending" in email.error
    assert mail.outbox == []


def test_a_drain_tries_a_failing_email_once(user, monkeypatch):
    """A failed attempt waits for the next drain instead of being retried at once."""

    def failing(email: OutgoingEmail) -> RenderedEmail:
        raise OSError("mail server down")

    monkeypatch.setitem(RENDERERS, "test_failing", failing)
    email_queue(key="x", kind="test_failing", recipient_id=user.pk)
    assert emails_send_pending() == 0
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts, email.claimed_at) == ("pending", 1, None)


def test_the_limit_is_respected_and_a_drain_queued_for_the_rest(
    user, rendered, deferred_tasks, django_capture_on_commit_callbacks
):
    for key in ("a", "b", "c"):
        queue(user, key=key)
    deferred_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert emails_send_pending(limit=2) == 2
    assert OutgoingEmail.objects.get(key="c").status == "pending"
    now_drains = [r for r in deferred_tasks if r.task.run_after is None]
    assert len(now_drains) == 1
    deferred_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert emails_send_pending(limit=2) == 1
    assert [r for r in deferred_tasks if r.task.run_after is None] == []


def test_the_first_claim_queues_a_takeover_drain_for_when_the_lease_ends(
    user, rendered, deferred_tasks
):
    for key in ("a", "b"):
        queue(user, key=key)
    deferred_tasks.clear()
    before = timezone.now()
    assert emails_send_pending() == 2
    [takeover] = deferred_tasks
    assert takeover.task.run_after is not None
    assert (
        before + email_lease() + TAKEOVER_MARGIN
        <= takeover.task.run_after
        <= timezone.now() + email_lease() + TAKEOVER_MARGIN
    )
    deferred_tasks.clear()
    assert emails_send_pending() == 0
    assert deferred_tasks == []  # nothing sent, nothing to take over


def test_a_stop_request_finishes_the_current_email_and_leaves_the_rest(
    user, rendered, deferred_tasks, django_capture_on_commit_callbacks
):
    for key in ("a", "b", "c"):
        queue(user, key=key)
    deferred_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = emails_send_pending(should_stop=lambda: len(mail.outbox) >= 1)
    assert sent == 1
    assert dict(OutgoingEmail.objects.values_list("key", "status")) == {
        "a": "sent",
        "b": "pending",
        "c": "pending",
    }
    assert not OutgoingEmail.objects.filter(key__in=["b", "c"], claimed_at__isnull=False)
    # The next worker continues at once rather than after a lease.
    assert len([r for r in deferred_tasks if r.task.run_after is None]) == 1


def test_an_email_sent_again_has_the_same_message_id(user, rendered, settings):
    settings.SAMTAL_BASE_URL = "https://samtal.example.se"
    for key in ("a", "b"):
        queue(user, key=key)
    emails_send_pending()
    OutgoingEmail.objects.filter(key="a").update(status="pending")
    emails_send_pending()
    ids = [(m.subject, m.extra_headers["Message-ID"]) for m in mail.outbox]
    first_a, first_b, again_a = ids
    assert first_a == again_a
    assert first_a[1] != first_b[1]
    assert first_a[1] == email_message_id(OutgoingEmail.objects.get(key="a"))
    assert first_a[1].endswith("@samtal.example.se>")
    assert "Message-ID: " + first_a[1] in mail.outbox[0].message().as_string()


def test_a_stop_signal_raises_the_flag_and_reaches_the_workers_handler():
    seen: list[int] = []
    earlier = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with stop_requested() as stopping:
            assert not stopping()
            signal.raise_signal(signal.SIGTERM)
            assert stopping()
            assert seen == [signal.SIGTERM]
        signal.raise_signal(signal.SIGTERM)  # the earlier handler is back
        assert seen == [signal.SIGTERM, signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, earlier)


def test_a_stop_signal_with_the_default_action_is_raised_again_after_the_email(monkeypatch):
    raised: list[int] = []
    monkeypatch.setattr("samtal.core.tasks.signal.raise_signal", raised.append)
    earlier = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with stop_requested() as stopping:
            # What the kernel would deliver; the handler is called directly so that nothing
            # can terminate the test run.
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            handler(signal.SIGTERM, None)
            assert stopping()
            assert raised == []
        assert raised == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, earlier)


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
    emails._claim_next()
    emails._claim_next()
    lease_ran_out("old")
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
