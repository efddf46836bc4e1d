import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from samtal.accounts.models import Role, RoleAssignment
from samtal.core.models import HistoryEntry
from samtal.organisation.models import ManagerRelation, Unit
from samtal.organisation.services import (
    person_set_manager,
    safety_rep_add,
    safety_rep_remove,
    unit_paths_rebuild,
)
from samtal.organisation.tests.factories import PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_unit_paths_follow_the_tree_and_moves(faculty, dept, other_dept):
    group = UnitFactory(code="GRP", parent=dept)
    assert group.path == f"/{faculty.pk}/{dept.pk}/{group.pk}/"
    assert group.depth == 2
    Unit.objects.filter(pk=dept.pk).update(parent=other_dept)
    assert unit_paths_rebuild() == 2  # dept and its group moved
    group.refresh_from_db()
    assert group.path == f"/{faculty.pk}/{other_dept.pk}/{dept.pk}/{group.pk}/"
    assert unit_paths_rebuild() == 0


def test_person_set_manager_keeps_history(employee, manager, other_manager, hr):
    on = dt.date(2026, 3, 1)
    person_set_manager(person=employee, manager=other_manager, actor=hr.user, on=on)
    relations = list(ManagerRelation.objects.filter(employee=employee).order_by("valid_from"))
    assert [(r.manager_id, r.valid_to) for r in relations] == [
        (manager.pk, on),
        (other_manager.pk, None),
    ]
    employee.refresh_from_db()
    assert employee.manager == other_manager
    entry = HistoryEntry.objects.get(action="manager_changed", object_id=str(employee.pk))
    assert entry.actor == hr.user
    assert entry.changes == {"manager": [manager.pk, other_manager.pk]}


def test_person_set_manager_refuses_self_and_cycles(employee, manager):
    with pytest.raises(ValidationError):
        person_set_manager(person=employee, manager=employee, actor=None)
    with pytest.raises(ValidationError):
        person_set_manager(person=manager, manager=employee, actor=None)
    manager.refresh_from_db()
    assert manager.manager is None
    assert ManagerRelation.objects.filter(employee=manager).count() == 0


def test_person_set_manager_to_none_closes_relation(employee):
    person_set_manager(person=employee, manager=None, actor=None)
    assert not ManagerRelation.objects.filter(employee=employee, valid_to__isnull=True).exists()


def test_safety_rep_add_and_remove(dept, hr):
    person = PersonFactory(unit=dept)
    assignment = safety_rep_add(actor=hr.user, unit=dept, person=person)
    safety_rep_add(actor=hr.user, unit=dept, person=person)
    assert RoleAssignment.objects.filter(role=Role.SAFETY_REP).count() == 1
    safety_rep_remove(actor=hr.user, unit=dept, assignment=assignment)
    assert not RoleAssignment.objects.filter(role=Role.SAFETY_REP).exists()
    assert HistoryEntry.objects.filter(action__startswith="safety_rep_").count() == 2


def test_safety_rep_must_be_active(dept, hr):
    person = PersonFactory(unit=dept, is_active=False)
    with pytest.raises(ValidationError):
        safety_rep_add(actor=hr.user, unit=dept, person=person)
    assert not RoleAssignment.objects.filter(role=Role.SAFETY_REP).exists()
