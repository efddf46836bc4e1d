from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from samtal.accounts.models import LoginThrottle
from samtal.accounts.selectors import login_lockout
from samtal.accounts.services import login_failure_record

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("login_lockouts", *args, stdout=out)
    return out.getvalue()


def lock(address: str, email: str) -> None:
    for _ in range(5):
        login_failure_record(address=address, username=email)


def test_lists_the_lockouts_in_force(clock):
    assert run() == "No login lockouts in force.\n"
    lock("203.0.113.7", "a@example.se")
    login_failure_record(address="198.51.100.9", username="b@example.se")
    lines = run().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("a@example.se from 203.0.113.7  5 failures")


def test_clears_by_address_email_or_all(clock):
    lock("203.0.113.7", "a@example.se")
    lock("198.51.100.9", "b@example.se")
    assert run("--clear", "--email", "A@example.se") == (
        "Cleared 1 login lockout(s) and failure count(s).\n"
    )
    assert login_lockout(address="203.0.113.7", username="a@example.se") is None
    assert "Cleared 1" in run("--clear", "--address", "198.51.100.9", "--email", "b@example.se")
    assert login_lockout(address="198.51.100.9", username="b@example.se") is None
    assert "Cleared 2" in run("--clear", "--all")
    assert not LoginThrottle.objects.exists()


@pytest.mark.parametrize(
    "args", [["--clear"], ["--clear", "--all", "--email", "a@example.se"], ["--all"]]
)
def test_refuses_an_unclear_request(args, clock):
    lock("203.0.113.7", "a@example.se")
    with pytest.raises(CommandError):
        run(*args)
    assert LoginThrottle.objects.count() == 2
