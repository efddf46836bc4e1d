"""The shared set of named test users: employee, manager, other_manager, hr, safety_rep, admin.

faculty (FAC)
├── dept (DEP)            manager ── employee, colleague
└── other_dept (OTH)      other_manager ── other_employee
"""

from __future__ import annotations

import pytest

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from samtal.organisation.tests.factories import PersonFactory, UnitFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    # Queued emails are sent by the task as soon as the transaction commits (use
    # django_capture_on_commit_callbacks(execute=True) in tests that are not transactional).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def faculty(db):
    return UnitFactory(code="FAC", name_sv="Fakulteten", name_en="The Faculty")


@pytest.fixture
def dept(faculty):
    return UnitFactory(
        code="DEP", name_sv="Institutionen", name_en="The Department", parent=faculty
    )


@pytest.fixture
def other_dept(faculty):
    return UnitFactory(
        code="OTH", name_sv="Andra institutionen", name_en="Other Department", parent=faculty
    )


@pytest.fixture
def manager(dept):
    return PersonFactory(
        unit=dept, first_name="Maja", last_name="Chef", user__email="manager@example.se"
    )


@pytest.fixture
def employee(dept, manager):
    return PersonFactory(
        unit=dept,
        manager=manager,
        first_name="Erik",
        last_name="Medarbetare",
        user__email="employee@example.se",
    )


@pytest.fixture
def colleague(dept, manager):
    return PersonFactory(unit=dept, manager=manager, user__email="colleague@example.se")


@pytest.fixture
def other_manager(other_dept):
    return PersonFactory(
        unit=other_dept, first_name="Olle", last_name="Annan", user__email="other@example.se"
    )


@pytest.fixture
def other_employee(other_dept, other_manager):
    return PersonFactory(unit=other_dept, manager=other_manager, user__email="oe@example.se")


@pytest.fixture
def hr(faculty):
    person = PersonFactory(
        unit=faculty, first_name="Hanna", last_name="Personal", user__email="hr@example.se"
    )
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=None)
    return person


@pytest.fixture
def safety_rep(dept):
    person = PersonFactory(
        unit=dept, first_name="Sara", last_name="Skydd", user__email="safety@example.se"
    )
    RoleAssignmentFactory(user=person.user, role=Role.SAFETY_REP, unit=dept)
    return person


@pytest.fixture
def admin_user(db):
    user = UserFactory(email="admin@example.se")
    RoleAssignmentFactory(user=user, role=Role.ADMIN, unit=None)
    return user


@pytest.fixture
def login(client):
    """login(person_or_user) logs the test client in and returns it."""

    def _login(who):
        user = getattr(who, "user", who)
        client.force_login(user)
        return client

    return _login
