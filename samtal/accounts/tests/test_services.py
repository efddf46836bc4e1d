import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from samtal.accounts.models import Role, RoleAssignment
from samtal.accounts.permissions import get_roles
from samtal.accounts.services import role_grant, role_revoke, user_set_language
from samtal.accounts.tests.factories import UserFactory
from samtal.core.models import HistoryEntry

pytestmark = pytest.mark.django_db


def test_role_grant_is_idempotent_and_recorded(dept):
    user = UserFactory()
    role_grant(user=user, role=Role.HR, unit=dept, actor=None)
    role_grant(user=user, role=Role.HR, unit=dept, actor=None)
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert HistoryEntry.objects.filter(action="role_granted").count() == 1
    assert get_roles(user).hr_paths == (dept.path,)


def test_safety_rep_needs_a_unit():
    user = UserFactory()
    with pytest.raises(ValidationError):
        role_grant(user=user, role=Role.SAFETY_REP, unit=None, actor=None)
    assert not RoleAssignment.objects.exists()


def test_role_revoke(dept):
    user = UserFactory()
    role_grant(user=user, role=Role.SAFETY_REP, unit=dept, actor=None)
    assert role_revoke(user=user, role=Role.SAFETY_REP, unit=dept, actor=None)
    assert not role_revoke(user=user, role=Role.SAFETY_REP, unit=dept, actor=None)
    assert not RoleAssignment.objects.exists()


def test_user_set_language_refuses_unknown():
    user = UserFactory()
    user_set_language(user=user, language="en")
    user.refresh_from_db()
    assert user.preferred_language == "en"
    with pytest.raises(ValueError, match="de"):
        user_set_language(user=user, language="de")


def test_grant_role_command(dept, capsys):
    user = UserFactory(email="boss@example.se")
    call_command("grant_role", "BOSS@example.se", "hr")
    call_command("grant_role", "boss@example.se", "safety_rep", "--unit", dept.code)
    assert set(RoleAssignment.objects.values_list("role", "unit__code")) == {
        ("hr", None),
        ("safety_rep", "DEP"),
    }
    call_command("grant_role", "boss@example.se", "hr", "--revoke")
    assert not RoleAssignment.objects.filter(user=user, role="hr").exists()
    with pytest.raises(CommandError, match="No user"):
        call_command("grant_role", "nobody@example.se", "hr")
    with pytest.raises(CommandError, match="No unit"):
        call_command("grant_role", "boss@example.se", "hr", "--unit", "NOPE")
    with translation.override("en"), pytest.raises(CommandError, match="must have a unit"):
        call_command("grant_role", "boss@example.se", "safety_rep")


def test_email_backend_is_case_insensitive_and_refuses_inactive(client):
    from django.contrib.auth import authenticate

    from samtal.accounts.tests.factories import PASSWORD

    user = UserFactory(email="case@example.se")
    assert authenticate(username="CASE@Example.se ", password=PASSWORD) == user
    assert authenticate(username="case@example.se", password="wrong") is None
    assert authenticate(username="missing@example.se", password=PASSWORD) is None
    user.is_active = False
    user.save()
    assert authenticate(username="case@example.se", password=PASSWORD) is None
