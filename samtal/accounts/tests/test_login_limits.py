"""Login rate limiting: the counts and lockouts in the database (services and selectors)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from samtal.accounts.models import LoginThrottle
from samtal.accounts.selectors import login_lockout, throttle_address
from samtal.accounts.services import (
    login_failure_record,
    login_success_record,
    login_throttles_clear,
)

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"
OTHER_IP = "198.51.100.9"
EMAIL = "employee@example.se"


def fail(times: int, *, address: str = IP, username: str = EMAIL):
    lockout = None
    for _ in range(times):
        lockout = login_failure_record(address=address, username=username)
    return lockout


def test_five_failures_lock_the_email_from_that_address_for_fifteen_minutes(clock):
    assert fail(4) is None
    assert login_lockout(address=IP, username=EMAIL) is None
    lockout = fail(1)
    assert lockout is not None
    assert lockout.until == clock.now + dt.timedelta(minutes=15)
    assert lockout.minutes_left == 15
    assert lockout.seconds_left == 15 * 60
    assert login_lockout(address=IP, username=EMAIL) == lockout
    # Neither another email from the same address nor the same email from elsewhere.
    assert login_lockout(address=IP, username="colleague@example.se") is None
    assert login_lockout(address=OTHER_IP, username=EMAIL) is None


def test_the_email_is_counted_as_the_login_reads_it(clock):
    fail(2, username="Employee@Example.SE ")
    fail(3, username=" employee@example.se")
    assert login_lockout(address=IP, username="EMPLOYEE@example.se") is not None


def test_fifty_failures_from_one_address_lock_it_for_every_email(clock):
    for n in range(49):
        assert login_failure_record(address=IP, username=f"user{n}@example.se") is None
    lockout = login_failure_record(address=IP, username="user49@example.se")
    assert lockout is not None
    assert lockout.until == clock.now + dt.timedelta(minutes=15)
    assert login_lockout(address=IP, username="someone.new@example.se") == lockout
    assert login_lockout(address=OTHER_IP, username="someone.new@example.se") is None


def test_the_limits_and_the_period_come_from_the_settings(clock, settings):
    settings.SAMTAL_LOGIN_FAILURE_LIMIT = 2
    settings.SAMTAL_LOGIN_IP_FAILURE_LIMIT = 3
    settings.SAMTAL_LOGIN_LOCKOUT_MINUTES = 5
    assert fail(1) is None
    lockout = fail(1)
    assert lockout is not None
    assert lockout.until == clock.now + dt.timedelta(minutes=5)
    assert login_failure_record(address=OTHER_IP, username="a@example.se") is None
    assert login_failure_record(address=OTHER_IP, username="b@example.se") is None
    assert login_failure_record(address=OTHER_IP, username="c@example.se") is not None


def test_a_successful_login_clears_the_pair_but_not_the_address(clock):
    fail(4)
    login_success_record(address=IP, username="Employee@example.se")
    assert fail(4) is None
    assert login_lockout(address=IP, username=EMAIL) is None
    address = LoginThrottle.objects.get(scope=LoginThrottle.Scope.ADDRESS, address=IP)
    assert address.failures == 8


def test_the_lockout_ends_after_the_period_and_counting_starts_again(clock):
    fail(5)
    clock.advance(minutes=14, seconds=59)
    lockout = login_lockout(address=IP, username=EMAIL)
    assert lockout is not None
    assert lockout.seconds_left == 1
    assert lockout.minutes_left == 1
    clock.advance(seconds=1)
    assert login_lockout(address=IP, username=EMAIL) is None
    assert fail(1) is None
    pair = LoginThrottle.objects.get(scope=LoginThrottle.Scope.ACCOUNT)
    assert (pair.failures, pair.window_start, pair.locked_until) == (1, clock.now, None)


def test_failures_spread_over_more_than_the_period_do_not_lock(clock):
    fail(4)
    clock.advance(minutes=15)
    assert fail(4) is None
    assert login_lockout(address=IP, username=EMAIL) is None


def test_a_failure_during_the_lockout_does_not_extend_it(clock):
    until = fail(5).until
    clock.advance(minutes=10)
    assert fail(1).until == until


def test_an_ipv6_client_is_counted_by_its_64_network(clock):
    fail(3, address="2001:db8:1:2::1")
    fail(2, address="2001:db8:1:2:ffff:ffff:ffff:fffe")
    assert login_lockout(address="2001:db8:1:2::abcd", username=EMAIL) is not None
    assert login_lockout(address="2001:db8:1:3::1", username=EMAIL) is None
    assert throttle_address("::ffff:203.0.113.7") == IP


def test_a_nul_or_huge_email_is_counted_without_an_error(clock):
    # PostgreSQL refuses NUL in text; an email address is at most 254 characters.
    assert fail(5, username="evil\x00@example.se") is not None
    assert login_lockout(address=IP, username="evil@example.se") is not None
    assert fail(5, username="x" * 1_000_000) is not None
    assert len(LoginThrottle.objects.get(username__startswith="xxx").username) == 254


def test_the_lockout_is_logged(clock, caplog):
    with caplog.at_level(logging.WARNING, logger="samtal.accounts.services"):
        fail(4)
        assert caplog.records == []
        fail(1)
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "5 failed logins" in message
    assert EMAIL in message
    assert IP in message


def test_rows_that_no_longer_matter_are_pruned(clock):
    fail(5)
    fail(1, address=OTHER_IP)
    assert LoginThrottle.objects.count() == 4
    clock.advance(minutes=15)
    fail(1, address="192.0.2.1")
    assert set(LoginThrottle.objects.values_list("address", flat=True)) == {"192.0.2.1"}


def test_clearing_by_address_email_or_everything(clock):
    fail(5)
    fail(5, address=OTHER_IP)
    assert login_throttles_clear(address=IP) == 2
    assert login_lockout(address=IP, username=EMAIL) is None
    assert login_lockout(address=OTHER_IP, username=EMAIL) is not None
    fail(5)
    assert login_throttles_clear(username="EMPLOYEE@example.se") == 2
    assert login_lockout(address=IP, username=EMAIL) is None
    assert login_lockout(address=OTHER_IP, username=EMAIL) is None
    fail(2)
    assert login_throttles_clear() == 3  # the pair and both addresses
    assert not LoginThrottle.objects.exists()


# --- two app instances: the count lives in the database, not in a process ---------------


INSTANCE = """
import django, json, sys
django.setup()
from samtal.accounts.selectors import login_lockout
from samtal.accounts.services import login_failure_record
address, username, times = sys.argv[1], sys.argv[2], int(sys.argv[3])
results = [login_failure_record(address=address, username=username) for _ in range(times)]
print(json.dumps({"locked_by_last": results[-1] is not None if results else False,
                  "locked_now": login_lockout(address=address, username=username) is not None}))
"""


def _start_instance(address: str, username: str, times: int, **env: str) -> subprocess.Popen:
    """Run the limiter in a separate Python process on the same database, as another app
    instance would."""
    db = connection.settings_dict
    url = (
        f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
        f"@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    base.update(DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=url, **env)
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", INSTANCE, address, username, str(times)],
        cwd=Path(__file__).resolve().parents[3],
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(instance: subprocess.Popen) -> dict[str, bool]:
    stdout, stderr = instance.communicate(timeout=120)
    assert instance.returncode == 0, stderr
    return json.loads(stdout)


def _other_instance(address: str, username: str, times: int) -> dict[str, bool]:
    return _result(_start_instance(address, username, times))


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the SQLite test database lives in this process's memory; the PostgreSQL run "
            "(make test-postgres, required under CI=true) shares it with other processes"
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql")
def test_failures_on_two_instances_add_up_to_one_lockout():
    fail(3)  # this instance
    assert _other_instance(IP, EMAIL, 1) == {"locked_by_last": False, "locked_now": False}
    assert _other_instance(IP, EMAIL, 1) == {"locked_by_last": True, "locked_now": True}
    assert login_lockout(address=IP, username=EMAIL) is not None  # back on this instance
    login_throttles_clear(address=IP)
    assert _other_instance(IP, EMAIL, 0) == {"locked_by_last": False, "locked_now": False}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql")
def test_concurrent_failures_on_three_instances_lose_no_count():
    limits = {"SAMTAL_LOGIN_FAILURE_LIMIT": "1000", "SAMTAL_LOGIN_IP_FAILURE_LIMIT": "1000"}
    instances = [_start_instance(IP, EMAIL, 40, **limits) for _ in range(3)]
    for instance in instances:
        assert _result(instance) == {"locked_by_last": False, "locked_now": False}
    counts = dict(LoginThrottle.objects.values_list("scope", "failures"))
    assert counts == {LoginThrottle.Scope.ACCOUNT: 120, LoginThrottle.Scope.ADDRESS: 120}
