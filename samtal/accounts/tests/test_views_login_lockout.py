"""The login page under rate limiting: 429 with a message, nothing checked while locked."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from samtal.accounts.backends import EmailBackend
from samtal.accounts.models import LoginThrottle
from samtal.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("core:home")
MESSAGE_EN = "Too many failed login attempts. Wait 15 minutes before you try again."


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def attempt(
    client: Client, email: str, password: str = "wrong-password", forwarded: str | None = None
):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else None
    return client.post(LOGIN, {"username": email, "password": password}, headers=headers)


def assert_locked(response, minutes: int = 15) -> None:
    assert response.status_code == 429
    assert 60 * (minutes - 1) < int(response["Retry-After"]) <= 60 * minutes
    assert 'role="alert"' in response.content.decode()
    assert response.context["lockout_minutes"] == minutes
    assert "_auth_user_id" not in response.client.session


def test_the_fifth_failure_locks_and_says_how_long_to_wait(english, employee, clock):
    for _ in range(4):
        response = attempt(english, "employee@example.se")
        assert response.status_code == 200
        assert MESSAGE_EN not in response.content.decode()
    response = attempt(english, "employee@example.se")
    assert_locked(response)
    page = response.content.decode()
    assert MESSAGE_EN in page
    assert 'value="employee@example.se"' in page  # the form is offered again, filled in
    clock.advance(minutes=14, seconds=1)
    response = attempt(english, "employee@example.se")
    assert_locked(response, minutes=1)
    assert "Wait 1 minute before you try again." in response.content.decode()


def test_a_locked_login_is_refused_without_checking_the_password(
    client, employee, clock, monkeypatch
):
    for _ in range(5):
        attempt(client, "employee@example.se")
    checked = []
    original = EmailBackend.authenticate

    def spy(self, *args, **kwargs):
        checked.append(kwargs.get("username"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailBackend, "authenticate", spy)
    assert_locked(attempt(client, "employee@example.se", PASSWORD))
    assert checked == []
    # The failure count is not raised by attempts while locked.
    assert LoginThrottle.objects.get(scope=LoginThrottle.Scope.ACCOUNT).failures == 5


def test_the_answer_does_not_tell_whether_the_account_exists(english, employee, clock):
    for email in ("employee@example.se", "nobody@example.se"):
        for _ in range(4):
            assert attempt(english, email).status_code == 200
        response = attempt(english, email)
        assert_locked(response)
        assert MESSAGE_EN in response.content.decode()
        assert_locked(attempt(english, email, PASSWORD))


def test_after_the_period_the_right_password_works(client, employee, clock):
    for _ in range(5):
        attempt(client, "employee@example.se")
    clock.advance(minutes=15)
    response = attempt(client, "employee@example.se", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_a_successful_login_resets_the_count(client, employee, clock):
    for _ in range(4):
        attempt(client, "employee@example.se")
    assert attempt(client, "employee@example.se", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, "employee@example.se").status_code == 200
    assert attempt(client, "employee@example.se", PASSWORD).status_code == 302


def test_password_spraying_from_one_address_locks_the_address(client, employee, clock):
    for n in range(49):
        assert attempt(client, f"guess{n}@example.se").status_code == 200
    assert_locked(attempt(client, "guess49@example.se"))
    # Every email is refused from that address now, even with the right password...
    assert_locked(attempt(client, "employee@example.se", PASSWORD))
    # ...but not from another address.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert attempt(other, "employee@example.se", PASSWORD).status_code == 302


def test_an_empty_or_invalid_form_is_not_counted(client, employee, clock):
    for _ in range(10):
        assert client.post(LOGIN, {"username": "", "password": ""}).status_code == 200
        assert attempt(client, "not-an-email").status_code == 200
    assert not LoginThrottle.objects.exists()


def test_hostile_email_values_give_no_server_error(client, clock):
    for email in ("evil\x00@example.se", "x" * 100_000, "<script>alert(1)</script>@x.se"):
        for _ in range(5):
            response = attempt(client, email)
            assert response.status_code in (200, 429)
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(client, employee, clock):
    # Without a trusted proxy, X-Forwarded-For is the client's own word and is ignored.
    for n in range(5):
        attempt(client, "employee@example.se", forwarded=f"192.0.2.{n}")
    assert_locked(attempt(client, "employee@example.se", forwarded="192.0.2.99"))


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(client, employee, clock, settings):
    settings.SAMTAL_TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        attempt(client, "employee@example.se", forwarded="10.9.9.9, 192.0.2.1")
    assert LoginThrottle.objects.filter(address="192.0.2.1").count() == 2
    assert_locked(attempt(client, "employee@example.se", forwarded="192.0.2.1"))
    # Another client behind the same proxy (same REMOTE_ADDR) is not locked.
    response = attempt(client, "employee@example.se", PASSWORD, forwarded="192.0.2.2")
    assert response.status_code == 302


def test_lockout_and_refusals_are_logged(client, employee, clock, caplog):
    with caplog.at_level(logging.INFO, logger="samtal.accounts"):
        for _ in range(6):
            attempt(client, "employee@example.se")
    messages = [record.getMessage() for record in caplog.records]
    assert sum("Login locked until" in m for m in messages) == 1
    assert sum("Login refused while locked out, from 127.0.0.1" in m for m in messages) == 1


def test_the_lockout_page_in_swedish_is_a_locked_login_page(client, employee, clock):
    for _ in range(5):
        response = attempt(client, "employee@example.se")
    assert_locked(response)
    assert '<html lang="sv"' in response.content.decode()
    assert 'name="password"' in response.content.decode()
