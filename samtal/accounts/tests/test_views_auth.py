"""Login, logout, the language switch and password reset (also the first-login link)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from samtal.accounts.models import User
from samtal.accounts.tests.factories import PASSWORD, UserFactory
from samtal.organisation.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME
LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
SET_LANGUAGE = reverse("accounts:set_language")
RESET = reverse("accounts:password_reset")
HOME = reverse("core:home")


def _html_lang(response) -> str:
    match = re.search(r'<html lang="([a-z-]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


# --- anonymous access -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        HOME,
        reverse("core:audit_log"),
        reverse("organisation:unit_list"),
        reverse("organisation:person_list"),
        reverse("organisation:import"),
    ],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"


@pytest.mark.parametrize(
    "url",
    [
        LOGIN,
        RESET,
        reverse("accounts:password_reset_done"),
        reverse("accounts:password_reset_complete"),
    ],
)
def test_public_pages_need_no_login(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert _html_lang(response) == "sv"


# --- login / logout ---------------------------------------------------------------------


def test_login_by_email_redirects_home_and_sets_language_cookie(client, employee):
    employee.user.preferred_language = "en"
    employee.user.save()
    response = client.post(LOGIN, {"username": "Employee@Example.se ", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert response.cookies[COOKIE].value == "en"
    assert response.cookies[COOKIE]["samesite"] == "Lax"
    assert int(client.session["_auth_user_id"]) == employee.user.pk
    assert _html_lang(client.get(HOME)) == "en"


def test_login_sets_swedish_for_a_swedish_user_even_from_an_english_browser(client, employee):
    client.cookies[COOKIE] = "en"
    response = client.post(LOGIN, {"username": "employee@example.se", "password": PASSWORD})
    assert response.cookies[COOKIE].value == "sv"
    assert _html_lang(client.get(HOME)) == "sv"


def test_login_follows_safe_next_only(client, employee):
    people = reverse("organisation:person_list")
    response = client.post(
        LOGIN, {"username": "employee@example.se", "password": PASSWORD, "next": people}
    )
    assert response["Location"] == people
    client.logout()
    response = client.post(
        LOGIN,
        {"username": "employee@example.se", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == HOME


@pytest.mark.parametrize(
    ("email", "password"),
    [("employee@example.se", "wrong-password"), ("nobody@example.se", PASSWORD), ("", "")],
)
def test_login_refused(client, employee, email, password):
    response = client.post(LOGIN, {"username": email, "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert COOKIE not in response.cookies


def test_login_refused_for_inactive_or_unusable_password(client, dept):
    inactive = UserFactory(email="gone@example.se", is_active=False)
    imported = UserFactory(email="new@example.se")
    imported.set_unusable_password()
    imported.save()
    for user in (inactive, imported):
        response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


def test_logged_in_user_visiting_login_goes_home(login, employee):
    response = login(employee).get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_logout_is_post_only(login, employee):
    client = login(employee)
    assert client.get(LOGOUT).status_code == 405
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_login_and_logout_need_csrf(employee):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "employee@example.se", "password": PASSWORD})
    assert response.status_code == 403
    client.force_login(employee.user)
    assert client.post(LOGOUT).status_code == 403
    assert "_auth_user_id" in client.session


# --- language switch --------------------------------------------------------------------


def test_language_switch_for_anonymous_sets_cookie_and_redirects(client):
    response = client.post(SET_LANGUAGE, {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert response.cookies[COOKIE].value == "en"
    assert _html_lang(client.get(LOGIN)) == "en"


def test_language_switch_stores_the_users_preference(login, employee):
    client = login(employee)
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "/organisation/people/?q=a"})
    assert response["Location"] == "/organisation/people/?q=a"
    assert response.cookies[COOKIE].value == "en"
    employee.user.refresh_from_db()
    assert employee.user.preferred_language == "en"
    assert _html_lang(client.get(HOME)) == "en"
    client.post(SET_LANGUAGE, {"language": "sv"})
    employee.user.refresh_from_db()
    assert employee.user.preferred_language == "sv"
    assert _html_lang(client.get(HOME)) == "sv"


def test_language_switch_without_next_goes_home(client):
    response = client.post(SET_LANGUAGE, {"language": "sv"})
    assert response["Location"] == HOME


@pytest.mark.parametrize("language", ["de", "", "EN", "sv-x"])
def test_language_switch_refuses_unknown_language(login, employee, language):
    response = login(employee).post(SET_LANGUAGE, {"language": language, "next": HOME})
    assert response.status_code == 400
    assert COOKIE not in response.cookies
    employee.user.refresh_from_db()
    assert employee.user.preferred_language == "sv"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
    ],
)
def test_language_switch_refuses_off_site_next(client, next_url):
    response = client.post(SET_LANGUAGE, {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_language_switch_is_post_only_and_needs_csrf(client, employee):
    assert client.get(SET_LANGUAGE, {"language": "en"}).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(employee.user)
    assert strict.post(SET_LANGUAGE, {"language": "en"}).status_code == 403
    employee.user.refresh_from_db()
    assert employee.user.preferred_language == "sv"


# --- password reset and first login -----------------------------------------------------


@pytest.fixture
def language_at_send(monkeypatch):
    """The active language each time a reset email is rendered."""
    seen: list[str] = []
    original = PasswordResetForm.send_mail

    def spy(self, *args, **kwargs):
        seen.append(translation.get_language())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PasswordResetForm, "send_mail", spy)
    return seen


def _reset_link(message) -> str:
    match = re.search(r"https?://testserver(/accounts/password/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_sends_a_link(client, employee, language_at_send):
    response = client.post(RESET, {"email": "EMPLOYEE@example.se"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["employee@example.se"]
    assert employee.full_name in message.body
    assert language_at_send == ["sv"]
    with translation.override("sv"):
        assert message.subject == translation.gettext("Set your password for Samtal")
    _reset_link(message)


def test_password_reset_reaches_imported_user_in_their_language(client, dept, language_at_send):
    person = PersonFactory(
        unit=dept, user__email="imported@example.se", user__preferred_language="en"
    )
    person.user.set_unusable_password()
    person.user.save()
    client.cookies[COOKIE] = "sv"  # the page is Swedish; the email follows the recipient
    client.post(RESET, {"email": "imported@example.se"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["imported@example.se"]
    assert mail.outbox[0].subject == "Set your password for Samtal"
    assert "Someone (hopefully you) asked" in mail.outbox[0].body
    assert language_at_send == ["en"]


def test_first_login_through_the_reset_link(client, dept):
    person = PersonFactory(unit=dept, user__email="first@example.se")
    person.user.set_unusable_password()
    person.user.save()
    client.post(RESET, {"email": "first@example.se"})
    link = _reset_link(mail.outbox[0])
    response = client.get(link)
    assert response.status_code == 302  # Django moves the token into the session
    set_password_url = response["Location"]
    page = client.get(set_password_url)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    new_password = "a-long-new-password-2024"
    response = client.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    person.user.refresh_from_db()
    assert person.user.check_password(new_password)
    response = client.post(LOGIN, {"username": "first@example.se", "password": new_password})
    assert response["Location"] == HOME
    # The link works once.
    client.logout()
    page = client.get(link, follow=True)
    assert page.context["validlink"] is False


def test_password_reset_refuses_weak_password(client, employee):
    client.post(RESET, {"email": "employee@example.se"})
    set_password_url = client.get(_reset_link(mail.outbox[0]))["Location"]
    response = client.post(set_password_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert response.context["form"].errors
    employee.user.refresh_from_db()
    assert employee.user.check_password(PASSWORD)


def test_password_reset_invalid_link(client):
    response = client.get("/accounts/password/reset/MQ/bad-token/")
    assert response.status_code == 200
    assert response.context["validlink"] is False


@pytest.mark.parametrize("email", ["nobody@example.se", "not-an-email"])
def test_password_reset_for_unknown_address_sends_nothing(client, employee, email):
    response = client.post(RESET, {"email": email})
    assert mail.outbox == []
    if "@" in email:
        # Same answer as for a known address: the page does not reveal who has an account.
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
    else:
        assert response.status_code == 200


def test_password_reset_sends_nothing_to_inactive_user(client):
    UserFactory(email="left@example.se", is_active=False)
    client.post(RESET, {"email": "left@example.se"})
    assert mail.outbox == []


def test_password_reset_needs_csrf(employee):
    response = Client(enforce_csrf_checks=True).post(RESET, {"email": "employee@example.se"})
    assert response.status_code == 403
    assert mail.outbox == []


def test_user_model_lowercases_email():
    user = User.objects.create_user("Mixed.Case@Example.SE", PASSWORD)
    assert user.email == "mixed.case@example.se"
