"""Launching a round: who is offered a talk, with whom, and that launching again adds only those
who joined (never anyone twice, even when two launches race)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.exceptions import TransitionRefused
from samtal.core.models import HistoryEntry, OutgoingEmail
from samtal.organisation.models import EmploymentCategory
from samtal.organisation.services import person_set_manager
from samtal.organisation.tests.factories import PersonFactory
from samtal.talk_templates.tests.factories import make_draft
from samtal.talks.models import Round, Talk, TalkStatus
from samtal.talks.services import round_launch
from samtal.talks.tests.factories import RoundFactory


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def people(hr, manager, employee, colleague, other_manager, other_employee):
    """faculty: hr; dept: manager -> employee, colleague;
    other_dept: other_manager -> other_employee. Nobody manages hr, manager or other_manager."""
    return {
        "hr": hr,
        "manager": manager,
        "employee": employee,
        "colleague": colleague,
        "other_manager": other_manager,
        "other_employee": other_employee,
    }


def offered(round_: Round) -> dict[int, int]:
    """employee id -> manager id of the round's talks."""
    return dict(Talk.objects.filter(round=round_).values_list("employee_id", "manager_id"))


def test_launch_offers_one_talk_per_active_employee_with_their_manager(faculty, people, hr):
    round_ = RoundFactory(units=[faculty])
    result = round_launch(round_=round_, actor=hr.user)

    assert offered(round_) == {
        people["employee"].pk: people["manager"].pk,
        people["colleague"].pk: people["manager"].pk,
        people["other_employee"].pk: people["other_manager"].pk,
    }
    assert (result.created, result.launch_number) == (3, 1)
    # hr, manager and other_manager have no manager: counted for HR to resolve.
    assert result.without_manager == 3
    talk = Talk.objects.get(employee=people["employee"])
    assert (talk.kind, talk.status, talk.deadline) == (
        Talk.Kind.ROUND,
        TalkStatus.OFFERED,
        round_.deadline,
    )
    assert talk.template_version == round_.template_version
    assert talk.unit == people["employee"].unit
    assert talk.launch_batch == 1
    round_.refresh_from_db()
    assert (round_.status, round_.launch_count) == (Round.Status.LAUNCHED, 1)
    assert round_.launched_at is not None
    assert HistoryEntry.objects.filter(action="talk_offered").count() == 3
    launched = HistoryEntry.objects.get(action="round_launched")
    assert launched.changes == {"talks_created": 3, "without_manager": 3}


def test_launch_queues_an_offer_per_employee_and_one_summary_per_manager(
    faculty, people, hr, django_capture_on_commit_callbacks
):
    round_ = RoundFactory(units=[faculty])
    with django_capture_on_commit_callbacks(execute=True):
        round_launch(round_=round_, actor=hr.user)
    kinds = sorted(OutgoingEmail.objects.values_list("kind", "recipient_id"))
    assert kinds == sorted(
        [("talk_offered", people[p].user_id) for p in ("employee", "colleague", "other_employee")]
        + [("round_launched_manager", people[p].user_id) for p in ("manager", "other_manager")]
    )
    summary = OutgoingEmail.objects.get(
        kind="round_launched_manager", recipient=people["manager"].user
    )
    assert summary.params["count"] == 2
    assert len(mail.outbox) == 5


def test_without_subunits_only_the_units_themselves(faculty, dept, people, hr):
    round_ = RoundFactory(units=[faculty], include_subunits=False)
    result = round_launch(round_=round_, actor=hr.user)
    assert offered(round_) == {}
    assert (result.created, result.without_manager) == (0, 1)  # hr sits in faculty

    round_ = RoundFactory(units=[dept], include_subunits=False)
    result = round_launch(round_=round_, actor=hr.user)
    assert set(offered(round_)) == {people["employee"].pk, people["colleague"].pk}
    assert result.without_manager == 1  # manager


def test_with_subunits_deeper_levels_are_included(faculty, dept, people, hr):
    from samtal.organisation.tests.factories import UnitFactory

    group = UnitFactory(code="GRP", parent=dept)
    member = PersonFactory(unit=group, manager=people["manager"])
    round_ = RoundFactory(units=[dept])
    round_launch(round_=round_, actor=hr.user)
    assert set(offered(round_)) == {people["employee"].pk, people["colleague"].pk, member.pk}


def test_employment_category_filter(faculty, people, hr):
    employee = people["employee"]
    employee.employment_category = EmploymentCategory.RESEARCHER
    employee.save()
    round_ = RoundFactory(units=[faculty], employment_categories=["researcher", "teacher"])
    result = round_launch(round_=round_, actor=hr.user)
    assert offered(round_) == {employee.pk: people["manager"].pk}
    assert result.without_manager == 0  # the managers are admin staff, outside the filter


def test_relaunch_adds_joiners_and_nobody_twice(dept, faculty, people, hr):
    round_ = RoundFactory(units=[faculty])
    round_launch(round_=round_, actor=hr.user)
    first = set(Talk.objects.filter(round=round_).values_list("pk", flat=True))

    newcomer = PersonFactory(unit=dept, manager=people["manager"])
    # The manager gets a manager of their own: now they can be offered a talk too.
    person_set_manager(person=people["manager"], manager=people["hr"], actor=hr.user)
    # A leaver: deactivated before the relaunch (already offered) ...
    colleague = people["colleague"]
    colleague.is_active = False
    colleague.save()
    # ... and one who joined and left between the launches (never offered).
    gone = PersonFactory(unit=dept, manager=people["manager"], is_active=False)

    result = round_launch(round_=round_, actor=hr.user)

    assert (result.created, result.launch_number) == (2, 2)
    talks = offered(round_)
    assert talks[newcomer.pk] == people["manager"].pk
    assert talks[people["manager"].pk] == people["hr"].pk
    assert gone.pk not in talks
    assert len(talks) == 5  # the three of the first launch and the two joiners
    # The first launch's talks are untouched, the leaver's included.
    assert first <= set(Talk.objects.filter(round=round_).values_list("pk", flat=True))
    assert Talk.objects.filter(round=round_, launch_batch=2).count() == 2

    again = round_launch(round_=round_, actor=hr.user)
    assert (again.created, again.launch_number) == (0, 3)
    assert len(offered(round_)) == 5


def test_relaunch_queues_emails_only_for_joiners(
    dept, faculty, people, hr, django_capture_on_commit_callbacks
):
    round_ = RoundFactory(units=[faculty])
    with django_capture_on_commit_callbacks(execute=True):
        round_launch(round_=round_, actor=hr.user)
    mail.outbox.clear()
    newcomer = PersonFactory(unit=dept, manager=people["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        round_launch(round_=round_, actor=hr.user)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [newcomer.user.email, people["manager"].user.email]
    )
    summary = OutgoingEmail.objects.get(key__endswith=f"launch:2:manager:{people['manager'].pk}")
    assert summary.params["count"] == 1


def test_a_manager_never_gets_a_talk_with_themselves(faculty, dept, people, hr):
    head = PersonFactory(unit=faculty)
    person_set_manager(person=people["manager"], manager=head, actor=hr.user)
    round_ = RoundFactory(units=[faculty])
    round_launch(round_=round_, actor=hr.user)
    talks = offered(round_)
    assert talks[people["manager"].pk] == head.pk
    assert all(employee_id != manager_id for employee_id, manager_id in talks.items())
    with pytest.raises(IntegrityError), transaction.atomic():
        Talk.objects.create(
            kind=Talk.Kind.EXTRA,
            template_version=round_.template_version,
            employee=head,
            manager=head,
            unit=faculty,
        )


def test_people_whose_manager_left_are_counted_not_offered(faculty, people, hr):
    manager = people["manager"]
    manager.is_active = False
    manager.save()
    round_ = RoundFactory(units=[faculty])
    result = round_launch(round_=round_, actor=hr.user)
    assert set(offered(round_)) == {people["other_employee"].pk}
    # hr and other_manager (no manager), employee and colleague (manager left).
    assert result.without_manager == 4


def test_an_unpublished_template_is_refused(faculty, people, hr):
    round_ = RoundFactory(units=[faculty], template_version=make_draft())
    with pytest.raises(TransitionRefused, match="not published"):
        round_launch(round_=round_, actor=hr.user)
    assert not Talk.objects.exists()
    round_.refresh_from_db()
    assert round_.status == Round.Status.DRAFT


def test_a_closed_round_is_refused(faculty, people, hr):
    round_ = RoundFactory(units=[faculty], status=Round.Status.CLOSED)
    with pytest.raises(TransitionRefused, match="closed"):
        round_launch(round_=round_, actor=hr.user)
    assert not Talk.objects.exists()


@pytest.fixture
def dept_hr(dept):
    person = PersonFactory(unit=dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


def test_unit_scoped_hr_launches_only_within_scope(faculty, dept, other_dept, people, dept_hr):
    for units in ([other_dept], [faculty], [dept, other_dept]):
        with pytest.raises(PermissionDenied):
            round_launch(round_=RoundFactory(units=units), actor=dept_hr.user)
    assert not Talk.objects.exists()
    round_ = RoundFactory(units=[dept])
    assert round_launch(round_=round_, actor=dept_hr.user).created == 2


@pytest.mark.parametrize("who", ["manager", "employee", "safety_rep"])
def test_only_hr_launches(who, faculty, people, safety_rep, request):
    with pytest.raises(PermissionDenied):
        round_launch(round_=RoundFactory(units=[faculty]), actor=request.getfixturevalue(who).user)


def test_the_database_refuses_a_second_talk_for_the_same_employee_in_a_round(faculty, people, hr):
    round_ = RoundFactory(units=[faculty])
    round_launch(round_=round_, actor=hr.user)
    talk = Talk.objects.get(round=round_, employee=people["employee"])
    duplicate = Talk(
        round=round_,
        kind=Talk.Kind.ROUND,
        template_version=round_.template_version,
        employee=talk.employee,
        manager=talk.manager,
        unit=talk.unit,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Talk.objects.bulk_create([duplicate])
    # What a racing launch does: its conflicting rows are dropped, not duplicated.
    Talk.objects.bulk_create([duplicate], ignore_conflicts=True)
    assert Talk.objects.filter(round=round_, employee=people["employee"]).count() == 1
    # Extra talks (no round) are not limited.
    for _ in range(2):
        Talk.objects.create(
            kind=Talk.Kind.EXTRA,
            template_version=round_.template_version,
            employee=talk.employee,
            manager=talk.manager,
            unit=talk.unit,
        )


def test_launching_twice_never_duplicates(faculty, people, hr):
    round_ = RoundFactory(units=[faculty])
    round_launch(round_=round_, actor=hr.user)
    round_launch(round_=round_, actor=hr.user)
    assert Talk.objects.filter(round=round_).count() == 3
    assert OutgoingEmail.objects.filter(kind="talk_offered").count() == 3


def test_a_launch_racing_another_skips_the_talks_the_other_created(
    faculty, people, hr, django_capture_on_commit_callbacks
):
    """Another launch commits a talk between this launch's reading of the candidates and its
    insert: the unique constraint drops the conflicting row, and this launch neither counts it
    nor sends a second offer for it."""
    round_ = RoundFactory(units=[faculty])
    employee = people["employee"]
    real_bulk_create = Talk.objects.bulk_create

    def racing_bulk_create(objs, **kwargs):
        Talk.objects.create(
            round=round_,
            kind=Talk.Kind.ROUND,
            template_version=round_.template_version,
            employee=employee,
            manager=people["manager"],
            unit=employee.unit,
            launch_batch=None,  # the other launch's
        )
        return real_bulk_create(objs, **kwargs)

    with (
        mock.patch.object(Talk.objects, "bulk_create", side_effect=racing_bulk_create),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = round_launch(round_=round_, actor=hr.user)
    assert result.created == 2
    assert Talk.objects.filter(round=round_, employee=employee).count() == 1
    assert Talk.objects.filter(round=round_).count() == 3
    offers = OutgoingEmail.objects.filter(kind="talk_offered")
    assert employee.user_id not in {e.recipient_id for e in offers}
    summary = OutgoingEmail.objects.get(
        kind="round_launched_manager", recipient=people["manager"].user
    )
    assert summary.params["count"] == 1
