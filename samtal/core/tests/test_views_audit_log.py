"""The audit log of reads: org-wide HR and admins only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.models import AuditLogEntry
from samtal.core.services import audit_read
from samtal.organisation.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

URL = reverse("core:audit_log")


@pytest.fixture
def entries(hr, employee, other_employee):
    return [
        audit_read(actor=hr.user, subject=employee, what="person profile A"),
        audit_read(actor=hr.user, subject=other_employee, what="person profile B"),
    ]


@pytest.mark.parametrize("who", ["hr", "admin_user"])
def test_org_wide_hr_and_admin_see_the_log(request, login, entries, who, employee):
    response = login(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == entries[::-1]
    html = response.content.decode()
    assert "person profile A" in html
    assert employee.employee_number in html


@pytest.mark.parametrize("who", ["employee", "manager", "safety_rep", "other_manager"])
def test_other_roles_are_refused(request, login, entries, who):
    assert login(request.getfixturevalue(who)).get(URL).status_code == 403


def test_hr_scoped_to_a_unit_is_refused(login, dept, entries):
    person = PersonFactory(unit=dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    assert login(person).get(URL).status_code == 403


def test_anonymous_is_sent_to_login():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_search(login, hr, entries, other_employee):
    client = login(hr)
    response = client.get(URL, {"q": other_employee.employee_number})
    assert list(response.context["page"].object_list) == [entries[1]]
    assert response.context["q"] == other_employee.employee_number
    response = client.get(URL, {"q": "no such thing"})
    assert list(response.context["page"].object_list) == []


def test_search_tolerates_nul_and_long_input(login, hr, entries):
    response = login(hr).get(URL, {"q": "profile\x00 A" + "x" * 500})
    assert response.status_code == 200
    assert "\x00" not in response.context["q"]
    assert len(response.context["q"]) <= 100


def test_pagination(login, hr, employee):
    AuditLogEntry.objects.bulk_create(
        AuditLogEntry(actor=hr.user, subject=employee, what=f"read {n}") for n in range(120)
    )
    client = login(hr)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.num_pages == 3
    assert 'rel="next"' in first.content.decode()
    last = client.get(URL, {"page": 3})
    assert len(last.context["page"].object_list) == 20
    assert client.get(URL, {"page": "nonsense"}).status_code == 200


def test_audit_log_is_get_only(login, hr):
    assert login(hr).post(URL).status_code == 405


def test_query_count_does_not_grow_with_entries(login, hr, employee, django_assert_max_num_queries):
    client = login(hr)
    audit_read(actor=hr.user, subject=employee, what="one")
    with django_assert_max_num_queries(12) as small:
        client.get(URL)
    for n in range(40):
        reader = PersonFactory()
        audit_read(actor=reader.user, subject=PersonFactory(), what=f"read {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL)
