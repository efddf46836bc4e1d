"""Background tasks of the core app (run by `manage.py db_worker`)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django_tasks import task

from samtal.core.emails import DRAIN_BATCH, emails_send_pending

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@task()
def send_queued_emails(limit: int = DRAIN_BATCH) -> int:
    """Send waiting emails. A worker told to stop (SIGTERM from systemd, Ctrl+C) finishes the
    email it is sending and leaves the rest to the next drain, rather than its whole batch."""
    with stop_requested() as stopping:
        return emails_send_pending(limit=limit, should_stop=stopping)


@contextmanager
def stop_requested() -> Iterator[Callable[[], bool]]:
    """Within the block, SIGTERM and SIGINT only raise a flag (returned as a callable) and are
    passed on to the handler installed before (db_worker's own, which stops taking new tasks).
    A signal whose earlier disposition was the default one is raised again when the block
    ends, so the process still does what the signal asked, one email later. Signal handlers
    exist only in the main thread; elsewhere the flag never rises."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    received: list[int] = []
    earlier: dict[int, Any] = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        previous = earlier[signum]
        if callable(previous):
            previous(signum, frame)

    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, handler)
    try:
        yield lambda: bool(received)
    finally:
        for number, previous in earlier.items():
            if previous is not None:  # None: a handler not set from Python, left alone
                signal.signal(number, previous)
        if received and earlier[received[0]] == signal.SIG_DFL:
            signal.raise_signal(received[0])
