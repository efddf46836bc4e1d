from __future__ import annotations

import datetime as dt
import io
import random
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from samtal.accounts.models import Language, Role, RoleAssignment, User
from samtal.organisation.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    PAST_MANAGERS,
    demo_csv,
    demo_load,
    demo_people,
)
from samtal.organisation.models import (
    RESEARCH_CATEGORIES,
    EmploymentCategory,
    Gender,
    ImportRun,
    ManagerRelation,
    Person,
    Unit,
)
from samtal.organisation.services import person_set_manager

EMAILS = {label.split(" ")[0].lower(): email for label, email in DEMO_LOGINS}


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # The real hasher is slow on purpose; the demo checks and sets five passwords per load.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "relations": ManagerRelation.objects.count(),
        "current relations": ManagerRelation.objects.filter(valid_to__isnull=True).count(),
    }


def test_demo_file_is_the_same_every_time():
    first = demo_csv()
    random.seed(12345)  # the global random state must not matter
    assert demo_csv() == first
    people = demo_people()
    assert len({p.employee_number for p in people}) == len(people)
    assert len({p.email for p in people}) == len(people)
    assert all(re.fullmatch(r"1\d{5}", p.employee_number) for p in people)


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    output = load_demo()
    first = counts()
    assert "created 60" in output

    output = load_demo()
    assert counts() == first
    assert "created 0, updated 0, unchanged 60" in output
    assert first["people"] == 60
    assert first["units"] == 11
    assert first["users"] == first["people"] + 1  # the admin has no person
    assert first["roles"] == 3
    assert first["current relations"] == first["people"] - 1
    assert first["relations"] == first["current relations"] + len(PAST_MANAGERS)
    assert list(ImportRun.objects.values_list("status", flat=True)) == ["applied", "applied"]


@pytest.mark.django_db
def test_a_second_load_writes_no_passwords_roles_or_relations():
    demo_load()
    again = demo_load()
    assert (again.passwords_set, again.roles_added, again.relations_dated) == (0, 0, 0)


@pytest.mark.django_db
def test_every_demo_login_can_log_in():
    output = load_demo()
    assert DEMO_PASSWORD in output
    assert "/login/" in output
    for _label, email in DEMO_LOGINS:
        assert email in output
        user = authenticate(username=email, password=DEMO_PASSWORD)
        assert user is not None, email
        assert user.email == email
    # Everyone else logs in by password reset (or SSO) as after any import.
    assert not Person.objects.get(user__email__startswith="margareta.").user.has_usable_password()


@pytest.mark.django_db
def test_a_changed_demo_password_is_restored():
    load_demo()
    user = User.objects.get(email=EMAILS["employee"])
    user.set_password("something-else-entirely")
    user.save()
    load_demo()
    assert authenticate(username=EMAILS["employee"], password=DEMO_PASSWORD) is not None


@pytest.mark.django_db
def test_the_logins_have_their_roles():
    load_demo()
    employee = Person.objects.select_related("manager__manager", "unit").get(
        user__email=EMAILS["employee"]
    )
    assert employee.employment_category == EmploymentCategory.RESEARCHER
    manager = employee.manager
    assert manager is not None
    assert manager.user.email == EMAILS["manager"]
    assert manager.unit == employee.unit  # head of the department she works in
    assert manager.unit.depth == 1
    assert manager.manager is not None
    assert manager.manager.manager is None

    hr = User.objects.get(email=EMAILS["hr"])
    assert list(hr.role_assignments.values_list("role", "unit")) == [(Role.HR, None)]
    assert hr.person.unit.code == "TNF-KANS"

    safety = Person.objects.get(user__email=EMAILS["safety"])
    [(role, unit_id)] = safety.user.role_assignments.values_list("role", "unit")
    assert role == Role.SAFETY_REP
    assert unit_id == safety.unit_id

    admin = User.objects.get(email=DEMO_ADMIN_EMAIL)
    assert not Person.objects.filter(user=admin).exists()
    assert list(admin.role_assignments.values_list("role", "unit")) == [(Role.ADMIN, None)]


@pytest.mark.django_db
def test_the_organisation_looks_like_a_faculty():
    load_demo()
    people = list(Person.objects.select_related("unit", "manager__unit", "user"))

    without_manager = [p for p in people if p.manager_id is None]
    assert len(without_manager) == 1
    assert without_manager[0].unit.parent_id is None  # the dean, at the top of the tree
    for person in people:
        if person.manager is not None:
            # Managers are heads and group leaders: their unit contains the report's unit.
            assert person.unit.path.startswith(person.manager.unit.path), person

    units = list(Unit.objects.all())
    assert all(u.name_sv and u.name_en and u.name_sv != u.name_en for u in units)
    assert [u.depth for u in units].count(0) == 1
    assert {u.depth for u in units} == {0, 1, 2}

    research = [p for p in people if p.employment_category in RESEARCH_CATEGORIES]
    assert len({p.career_stage for p in research if p.career_stage}) == 4
    researchers = [p for p in people if p.employment_category == EmploymentCategory.RESEARCHER]
    assert len({p.career_stage for p in researchers}) >= 3
    assert {p.career_stage for p in people if p.employment_category == "doctoral_student"} == {"R1"}
    assert {p.employment_category for p in people} >= {
        EmploymentCategory.ADMIN_STAFF,
        EmploymentCategory.TEACHER,
        EmploymentCategory.RESEARCHER,
        EmploymentCategory.DOCTORAL_STUDENT,
    }

    genders = [p.gender for p in people]
    assert genders.count(Gender.WOMAN) >= 20
    assert genders.count(Gender.MAN) >= 20
    assert 1 <= genders.count(Gender.NOT_RECORDED) <= 5
    english = [p for p in people if p.user.preferred_language == Language.ENGLISH]
    assert 5 <= len(english) <= 15
    assert all(p.employment_category in RESEARCH_CATEGORIES for p in english)
    assert all(
        re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+@demo\.samtal\.se", p.user.email) for p in people
    )


@pytest.mark.django_db
def test_a_few_people_have_a_past_manager():
    load_demo()
    closed = list(ManagerRelation.objects.filter(valid_to__isnull=False).select_related("employee"))
    assert len(closed) == len(PAST_MANAGERS) == 3
    for relation in closed:
        current = ManagerRelation.objects.get(employee=relation.employee, valid_to__isnull=True)
        assert current.manager_id == relation.employee.manager_id
        assert current.manager_id != relation.manager_id
        assert relation.valid_to is not None
        assert relation.valid_from < relation.valid_to == current.valid_from
    # The other relations begin when the person (or their manager) started, not on load day.
    anna = Person.objects.get(user__email=EMAILS["employee"])
    assert list(anna.manager_history.values_list("valid_from", "valid_to")) == [
        (dt.date(2024, 1, 1), None),
        (dt.date(2019, 9, 1), dt.date(2024, 1, 1)),
    ]


@pytest.mark.django_db
def test_a_real_manager_change_is_not_rewritten():
    load_demo()
    anna = Person.objects.get(user__email=EMAILS["employee"])
    mats, birgitta = anna.manager_id, anna.manager_history.get(valid_to__isnull=False).manager_id
    oskar = Person.objects.get(user__email=EMAILS["safety"])
    person_set_manager(person=anna, manager=oskar, actor=None)

    load_demo()  # the demo puts Mats back as her manager, from today
    today = timezone.localdate()
    assert sorted(anna.manager_history.values_list("manager", "valid_from", "valid_to")) == sorted(
        [
            (mats, today, None),
            (oskar.pk, today, today),
            (mats, dt.date(2024, 1, 1), today),  # not moved back to the demo's dates
            (birgitta, dt.date(2019, 9, 1), dt.date(2024, 1, 1)),
        ],
        key=lambda r: (r[0], r[1], r[2] or today),
    )


@pytest.mark.django_db
def test_import_errors_stop_the_command_and_write_nothing():
    # Someone else already has the demo employee's address.
    Person.objects.create(
        user=User.objects.create_user(EMAILS["employee"]),
        employee_number="X-1",
        first_name="Anna",
        last_name="Lindqvist",
        unit=Unit.objects.create(code="OTHER", name_sv="Annan", name_en="Other"),
        employment_category=EmploymentCategory.ADMIN_STAFF,
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused"):
        call_command("load_demo", stdout=io.StringIO(), stderr=err)
    assert "column email" in err.getvalue()
    assert "X-1" in err.getvalue()
    assert Person.objects.count() == 1
    assert not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists()
    assert not RoleAssignment.objects.exists()
    assert not ImportRun.objects.exists()
