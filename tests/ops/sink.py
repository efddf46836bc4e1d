"""A test-only email backend standing in for the mail server: each message is "accepted" by
appending one JSON line (its Message-ID, recipient, subject, the sending process) to the file
named by SAMTAL_OPS_EMAIL_SINK, flushed and fsynced, so a line is a message the server has.

Selected with EMAIL_BACKEND=tests.ops.sink.EmailBackend in the processes the operations tests
start. Knobs, read from the environment of the sending process:

- SAMTAL_OPS_EMAIL_DELAY: seconds each message takes before it is accepted (the SMTP
  conversation); 0 by default.
- SAMTAL_OPS_EMAIL_STALL_BEFORE=N: the Nth message this process sends hangs before it is
  accepted (a worker killed while talking to the server).
- SAMTAL_OPS_EMAIL_STALL_AFTER=N: the Nth message hangs after it was accepted, before the
  backend returns (a worker killed between the server's "250 OK" and marking the row sent).

A stall writes a {"stalled": ...} line first, so the test knows when to kill the process.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

STALL_SECONDS = 600
_sent_by_this_process = 0


def _append(line: dict[str, Any]) -> None:
    path = os.environ["SAMTAL_OPS_EMAIL_SINK"]
    data = (json.dumps(line) + "\n").encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, data)  # one write with O_APPEND: lines from processes never mix
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _stall_at(name: str) -> int:
    return int(os.environ.get(name, "0") or 0)


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        global _sent_by_this_process
        delay = float(os.environ.get("SAMTAL_OPS_EMAIL_DELAY", "0") or 0)
        for message in email_messages:
            number = _sent_by_this_process + 1
            message_id = str(message.extra_headers.get("Message-ID", ""))
            if number == _stall_at("SAMTAL_OPS_EMAIL_STALL_BEFORE"):
                _append({"stalled": "before", "message_id_pending": message_id})
                time.sleep(STALL_SECONDS)
            if delay:
                time.sleep(delay)
            _append(
                {
                    "message_id": message_id,
                    "to": list(message.to),
                    "subject": message.subject,
                    "pid": os.getpid(),
                    "at": time.time(),
                }
            )
            _sent_by_this_process = number
            if number == _stall_at("SAMTAL_OPS_EMAIL_STALL_AFTER"):
                _append({"stalled": "after", "message_id_accepted": message_id})
                time.sleep(STALL_SECONDS)
        return len(email_messages)
