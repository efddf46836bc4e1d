"""The password-reset link: its form is behind a redirect (Django keeps the token in the
session), so the generic battery cannot reach it; this walks the flow with hostile passwords,
and a link whose token belongs to someone else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from samtal.accounts.models import User
from tests.hostile.payloads import MEGABYTE, NUL, XSS, contains_markup
from tests.hostile.probe import Prober

HOSTILE_PASSWORDS = [
    {"new_password1": XSS, "new_password2": XSS + "x"},
    {"new_password1": f"Ok-password-{NUL}", "new_password2": f"Ok-password-{NUL}"},
    {"new_password1": MEGABYTE, "new_password2": MEGABYTE + "x"},
    {"new_password1": ["a", "b"], "new_password2": ["a", "b"]},
    {"new_password1": "short", "new_password2": "short"},
    {},
]


@pytest.mark.parametrize("data", HOSTILE_PASSWORDS)
def test_hostile_new_password_is_refused(probe: Prober, data: dict) -> None:
    user = probe.world.a.employee.user
    before = User.objects.get(pk=user.pk).password
    client = Client()
    uid, token = probe.world.reset_token(user)
    link = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    form_page = client.get(link)
    assert form_page.status_code == 302
    response = client.post(form_page["Location"], data)
    assert response.status_code == 200
    assert b"error" in response.content
    assert not contains_markup(response.content.decode())
    assert User.objects.get(pk=user.pk).password == before


def test_a_token_of_someone_else_does_not_open_the_form(probe: Prober) -> None:
    world = probe.world
    victim = world.b.employee.user
    before = User.objects.get(pk=victim.pk).password
    uid = world.reset_token(victim)[0]
    token = world.reset_token(world.a.employee.user)[1]
    client = Client()
    link = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    response = client.get(link)
    assert response.status_code == 200  # Django's "the link is invalid" page
    assert b"new_password1" not in response.content
    set_password = reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": "set-password"}
    )
    response = client.post(
        set_password, {"new_password1": "Hostile-2027-pw", "new_password2": "Hostile-2027-pw"}
    )
    assert response.status_code == 200
    assert User.objects.get(pk=victim.pk).password == before
