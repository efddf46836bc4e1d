"""The task worker killed (SIGKILL) or stopped (SIGTERM) in the middle of sending a round's
emails, then started again: no email is lost, and the only email that can go out twice is the
one a killed worker had handed to the mail server without yet marking it sent.

The mail server is tests/ops/sink.py: a message is accepted when its line is in the sink file.
The workers run with a short lease (LEASE seconds) so that a takeover is seen within the test;
production uses SAMTAL_EMAIL_LEASE_SECONDS=300."""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from samtal.core.emails import TAKEOVER_MARGIN
from samtal.core.models import OutgoingEmail
from tests.ops import scenario
from tests.ops.harness import Worker, app_env, email_pk, figure, sent_counts, sink_lines, wait_until

LEASE = 4
SECTION = "task worker faults"
DRAIN = "samtal.core.tasks.send_queued_emails"


def deadline() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=500)


def worker_env(ops_database, sink: Path, **extra: str) -> dict[str, str]:
    return app_env(ops_database.url, sink, SAMTAL_EMAIL_LEASE_SECONDS=str(LEASE), **extra)


def delivered(sink: Path, ids: list[int]) -> Callable[[], int]:
    wanted = set(ids)
    return lambda: sum(n for pk, n in sent_counts(sink).items() if pk in wanted)


def stalled(sink: Path) -> dict | None:
    return next((line for line in sink_lines(sink) if "stalled" in line), None)


def test_a_worker_killed_mid_batch_loses_no_email(ops_database):
    """SIGKILL three times while a whole organisation's offers go out."""
    round_ = scenario.round_launched(
        label="kill", units=[scenario.generated_root()], deadline=deadline()
    )
    ids = scenario.round_email_ids(round_)
    assert len(ids) >= 250
    sink = ops_database.log_dir / "kill-sink.jsonl"
    env = worker_env(ops_database, sink, SAMTAL_OPS_EMAIL_DELAY="0.02")
    count = delivered(sink, ids)
    held_after_kill: list[int] = []
    worker = Worker("kill-0", env, ops_database.log_dir)
    kills = 0
    try:
        for share in (0.2, 0.45, 0.7):
            wait_until(lambda s=share: count() >= s * len(ids), timeout=180, what="emails sent")
            worker.signal(signal.SIGKILL)
            assert worker.wait(15) is not None
            kills += 1
            held_after_kill.append(
                OutgoingEmail.objects.filter(
                    pk__in=ids, status=OutgoingEmail.Status.SENDING
                ).count()
            )
            worker = Worker(f"kill-{kills}", env, ops_database.log_dir)
        restarted = time.monotonic()
        wait_until(lambda: scenario.all_finished(ids), timeout=240, what="every email sent")
        drained_in = time.monotonic() - restarted
    finally:
        worker.stop()
    counts = sent_counts(sink)
    lost = [pk for pk in ids if counts[pk] == 0]
    twice = sorted(pk for pk in ids if counts[pk] > 1)
    assert lost == []
    assert scenario.statuses(ids) == {"sent": len(ids)}
    # Each kill can leave at most the one email its worker was sending.
    assert all(held <= 1 for held in held_after_kill), held_after_kill
    assert len(twice) <= kills
    taken_over = OutgoingEmail.objects.filter(pk__in=ids, attempts__gt=1).count()
    orphans = DBTaskResult.objects.filter(task_path=DRAIN, status="RUNNING").count()
    figure(
        SECTION,
        f"SIGKILL x{kills} while sending {len(ids)} emails (20 ms each), worker restarted each "
        f"time: lost 0, sent twice {len(twice)}, emails held by the killed worker "
        f"{held_after_kill}, taken over after the lease {taken_over}, all sent "
        f"{drained_in:.1f} s after the last restart (lease {LEASE} s + "
        f"{TAKEOVER_MARGIN.seconds} s margin); drain tasks left RUNNING in the queue table by "
        f"the killed workers: {orphans}",
    )


@pytest.mark.parametrize(
    ("stall", "twice_expected"),
    [("SAMTAL_OPS_EMAIL_STALL_BEFORE", 0), ("SAMTAL_OPS_EMAIL_STALL_AFTER", 1)],
    ids=["killed-before-the-server-accepted", "killed-after-the-server-accepted"],
)
def test_the_only_email_sent_twice_is_the_one_accepted_but_not_marked(
    ops_database, stall, twice_expected
):
    """Kill the worker exactly inside its send: before the server accepted the message,
    nothing is sent twice; after it accepted and before the row was marked sent, that one
    email goes out again (with the same Message-ID) and no other."""
    round_ = scenario.round_launched(
        label=f"stall {stall}", units=[scenario.generated_subtrees()[1]], deadline=deadline()
    )
    ids = scenario.round_email_ids(round_)
    sink = ops_database.log_dir / f"stall-{twice_expected}-sink.jsonl"
    worker = Worker(
        "stalling", worker_env(ops_database, sink, **{stall: "10"}), ops_database.log_dir
    )
    try:
        wait_until(lambda: stalled(sink) is not None, timeout=120, what="the stalled send")
        worker.signal(signal.SIGKILL)
        assert worker.wait(15) is not None
    finally:
        worker.stop()
    line = stalled(sink)
    assert line is not None
    stalled_pk = email_pk(line.get("message_id_accepted") or line["message_id_pending"])
    assert OutgoingEmail.objects.get(pk=stalled_pk).status == OutgoingEmail.Status.SENDING
    worker = Worker("after-stall", worker_env(ops_database, sink), ops_database.log_dir)
    try:
        took = wait_until(lambda: scenario.all_finished(ids), timeout=120, what="every email")
    finally:
        worker.stop()
    counts = sent_counts(sink)
    assert [pk for pk in ids if counts[pk] == 0] == []
    twice = [pk for pk in ids if counts[pk] > 1]
    assert twice == ([stalled_pk] if twice_expected else [])
    assert counts[stalled_pk] == 1 + twice_expected
    taken_over = OutgoingEmail.objects.get(pk=stalled_pk)
    assert (taken_over.status, taken_over.attempts) == ("sent", 2)
    if twice_expected:
        what = "after the mail server accepted it: that email went out twice (same Message-ID)"
    else:
        what = "before the mail server accepted it: it went out once, after the takeover"
    figure(
        SECTION,
        f"killed while sending email #10 of {len(ids)}, {what}; lost 0, sent twice "
        f"{len(twice)}; everything sent {took:.1f} s after the restart",
    )


def test_sigterm_finishes_the_current_email_and_stops(ops_database):
    round_ = scenario.round_launched(
        label="sigterm", units=[scenario.generated_subtrees()[2]], deadline=deadline()
    )
    ids = scenario.round_email_ids(round_)
    sink = ops_database.log_dir / "sigterm-sink.jsonl"
    count = delivered(sink, ids)
    slow = worker_env(ops_database, sink, SAMTAL_OPS_EMAIL_DELAY="0.25")
    worker = Worker("sigterm", slow, ops_database.log_dir)
    try:
        wait_until(lambda: count() >= 8, timeout=120, what="the first emails")
        at_signal = count()
        signalled = time.monotonic()
        worker.signal(signal.SIGTERM)
        code = worker.wait(30)
        stopped_in = time.monotonic() - signalled
    finally:
        worker.stop()
    assert code == 0, worker.tail()
    after_stop = count()
    # It finished the email in hand and took no other (2 only if one more was accepted between
    # reading the sink and sending the signal); the whole batch would have taken 10 s more.
    assert after_stop - at_signal <= 2
    assert stopped_in < 5
    remaining = len(ids) - after_stop
    assert remaining > 0
    # Stopping released nothing half-done: what the sink has is marked sent, the rest waits
    # unclaimed, and a drain is queued for it.
    assert scenario.statuses(ids) == {"sent": after_stop, "pending": remaining}
    assert not OutgoingEmail.objects.filter(pk__in=ids, claimed_at__isnull=False, status="pending")
    ready_now = DBTaskResult.objects.ready().filter(task_path=DRAIN).count()
    assert ready_now >= 1
    worker = Worker("after-sigterm", worker_env(ops_database, sink), ops_database.log_dir)
    try:
        took = wait_until(lambda: scenario.all_finished(ids), timeout=120, what="the rest")
    finally:
        worker.stop()
    counts = sent_counts(sink)
    assert sorted({counts[pk] for pk in ids}) == [1]
    figure(
        SECTION,
        f"SIGTERM while sending {len(ids)} emails (250 ms each): exit code 0 after "
        f"{stopped_in:.2f} s with {after_stop - at_signal} more email(s) sent (the one in hand), "
        f"{remaining} left waiting unclaimed with a drain queued; the next worker sent them in "
        f"{took:.1f} s; lost 0, sent twice 0",
    )
