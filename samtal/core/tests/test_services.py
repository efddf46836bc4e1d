"""core.services (history, read audit) and the shared selectors built on them."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from samtal.accounts.models import User
from samtal.accounts.tests.factories import UserFactory
from samtal.core.models import AuditLogEntry, HistoryEntry
from samtal.core.selectors import audit_log, history_for, in_chunks
from samtal.core.services import audit_read, history_record, history_record_many
from samtal.organisation.models import Person, Unit
from samtal.organisation.tests.factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_history_record_stores_object_actor_action_and_changes(employee, hr):
    entry = history_record(
        obj=employee,
        actor=hr.user,
        action="manager_changed",
        changes={"manager": [None, employee.manager]},
    )
    entry.refresh_from_db()
    assert entry.content_type == ContentType.objects.get_for_model(Person)
    assert entry.object_id == str(employee.pk)
    assert entry.actor == hr.user
    assert entry.action == "manager_changed"
    # Model instances are stored by primary key so the JSON stays small and stable.
    assert entry.changes == {"manager": [None, employee.manager.pk]}
    with translation.override("en"):
        assert entry.change_rows == [("manager", None, employee.manager.pk)]
    with translation.override("en"):
        assert entry.action_label == "Manager changed"


def test_history_record_makes_values_json_safe(dept):
    entry = history_record(
        obj=dept,
        actor=None,
        action="custom_action",
        changes={
            "date": dt.date(2024, 5, 1),
            "amount": decimal.Decimal("1.50"),
            "flag": True,
            "count": 3,
            "pair": (dt.date(2024, 1, 1), None),
        },
    )
    entry.refresh_from_db()
    assert entry.changes == {
        "date": "2024-05-01",
        "amount": "1.50",
        "flag": True,
        "count": 3,
        "pair": ["2024-01-01", None],
    }
    # A plain value reads as the new one; an unknown action reads as itself.
    assert ("date", None, "2024-05-01") in entry.change_rows
    assert entry.action_label == "custom_action"


def test_history_record_without_saved_actor_is_system(dept):
    entry = history_record(obj=dept, actor=User(email="unsaved@example.se"), action="x")
    assert entry.actor is None
    assert history_record(obj=dept, actor=None, action="y", changes=None).changes == {}


def test_history_record_many_inserts_in_bulk(django_assert_num_queries, dept, faculty):
    user = UserFactory()
    ContentType.objects.get_for_model(Unit)  # warm the content type cache
    with django_assert_num_queries(1):
        count = history_record_many(
            entries=[(dept, "imported_update", {"name_sv": ["A", "B"]}), (faculty, "x", None)],
            actor=user,
        )
    assert count == 2
    assert HistoryEntry.objects.filter(actor=user).count() == 2


def test_history_for_returns_newest_first_and_only_for_that_object(dept, faculty):
    first = history_record(obj=dept, actor=None, action="first")
    second = history_record(obj=dept, actor=None, action="second")
    history_record(obj=faculty, actor=None, action="elsewhere")
    assert list(history_for(obj=dept)) == [second, first]


def test_audit_read_records_and_truncates(employee, hr):
    entry = audit_read(
        actor=hr.user, subject=employee, what="w" * 300, reason="r" * 300, path="/p" * 300
    )
    entry.refresh_from_db()
    assert entry.actor == hr.user
    assert entry.subject == employee
    assert len(entry.what) == 200
    assert len(entry.reason) == 200
    assert len(entry.path) == 500


def test_audit_read_without_subject(hr):
    entry = audit_read(actor=hr.user, subject=None, what="unit report")
    assert entry.subject is None
    assert entry.reason == ""


def test_audit_log_selector_searches(employee, other_employee, hr, admin_user):
    by_hr = audit_read(actor=hr.user, subject=employee, what="person profile")
    by_admin = audit_read(actor=admin_user, subject=other_employee, what="talk record")
    assert list(audit_log()) == [by_admin, by_hr]
    assert list(audit_log(query="hr@example")) == [by_hr]
    assert list(audit_log(query=employee.last_name)) == [by_hr]
    assert list(audit_log(query=other_employee.employee_number)) == [by_admin]
    assert list(audit_log(query="TALK")) == [by_admin]
    assert list(audit_log(query="nobody-matches-this")) == []


def test_in_chunks_splits_and_returns_every_match(django_assert_num_queries):
    units = [UnitFactory() for _ in range(7)]
    ids = [u.pk for u in units] + [999_999]
    with django_assert_num_queries(4):
        found = in_chunks(Unit.objects.all(), field="pk", values=ids, size=2)
    assert sorted(u.pk for u in found) == sorted(u.pk for u in units)


def test_in_chunks_with_no_values_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert in_chunks(Unit.objects.all(), field="pk", values=[]) == []


def test_in_chunks_beyond_sqlite_parameter_limit():
    person = PersonFactory()
    values = [f"X{n}" for n in range(40_000)] + [person.employee_number]
    found = in_chunks(Person.objects.all(), field="employee_number", values=values)
    assert found == [person]


def test_audit_entries_survive_deleting_the_reader(employee, hr):
    audit_read(actor=hr.user, subject=employee, what="person profile")
    user = UserFactory()
    audit_read(actor=user, subject=employee, what="again")
    user.delete()
    assert AuditLogEntry.objects.filter(actor__isnull=True, what="again").exists()


def test_history_shows_field_names_choices_and_times_in_the_readers_language(employee, hr):
    from samtal.talks.tests.factories import TalkFactory

    talk = TalkFactory(employee=employee)
    entry = history_record(
        obj=talk,
        actor=hr.user,
        action="talk_booked",
        changes={
            "status": ["offered", "booked"],
            "starts_at": [None, "2027-03-29T08:00:00+00:00"],
            "reason": "Flyttat",
        },
    )
    with translation.override("en"):
        assert entry.change_rows == [
            ("status", "Offered", "Booked"),
            ("time", None, "2027-03-29 10:00"),
            ("reason", None, "Flyttat"),
        ]
    with translation.override("sv"):
        assert entry.change_rows[0] == ("status", "Erbjudet", "Bokat")
