"""The talk's state machine through its services: every allowed and refused transition, who may
do what, history, optimistic locking, booking checks, reassignment and extra talks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.models import HistoryEntry, OutgoingEmail
from samtal.organisation.models import ManagerRelation
from samtal.organisation.services import person_set_manager
from samtal.organisation.tests.factories import PersonFactory
from samtal.talk_templates.tests.factories import make_draft
from samtal.talks import services
from samtal.talks.models import TALK_TRANSITIONS, Response, Talk, TalkStatus
from samtal.talks.services import Booking, NeedsConfirmation
from samtal.talks.tests.factories import RoomFactory, TalkFactory, booked_talk, published_version


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def at(days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """`days` from today at hour:minute local time."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def booking(days: int = 7, *, minutes: int = 60, **extra: Any) -> Booking:
    return Booking(
        starts_at=at(days),
        duration_minutes=minutes,
        place=extra.pop("place", "Room Tallen"),
        **extra,
    )


def book(talk: Talk, actor: Any, *, days: int = 7, confirmed: bool = False, **extra: Any) -> Talk:
    return services.talk_book(
        talk=talk,
        actor=actor,
        booking=booking(days, **extra),
        revision=talk.revision,
        confirmed=confirmed,
    )


def history(talk: Talk) -> list[HistoryEntry]:
    return list(
        HistoryEntry.objects.filter(content_type__model="talk", object_id=str(talk.pk)).order_by(
            "id"
        )
    )


def snapshot(talk: Talk) -> tuple[Any, ...]:
    talk.refresh_from_db()
    return (
        talk.status,
        talk.revision,
        talk.starts_at,
        talk.manager_id,
        talk.response,
        talk.ics_sequence,
        talk.decline_reason,
        talk.cancel_reason,
    )


@pytest.fixture
def talk(employee):
    return TalkFactory(employee=employee)


@pytest.fixture
def booked(employee):
    return booked_talk(employee)


def _talk_in(status: str, employee: Any) -> Talk:
    if status == TalkStatus.BOOKED:
        return booked_talk(employee)
    extra: dict[str, Any] = {}
    if status == TalkStatus.HELD:
        extra = {"starts_at": at(-1), "held_at": at(-1, 11)}
    return TalkFactory(employee=employee, status=status, **extra)


# --- every allowed transition through its service ------------------------------------------


def test_offered_to_booked(talk, manager):
    result = book(talk, manager.user)
    assert result.status == TalkStatus.BOOKED
    assert result.response == Response.PENDING
    assert result.ics_sequence == 0
    assert result.revision == 2
    [entry] = history(talk)
    assert entry.action == "talk_booked"
    assert entry.actor == manager.user
    assert entry.changes["status"] == ["offered", "booked"]


def test_booked_to_booked_is_a_rebooking(booked, manager):
    before = booked.starts_at
    result = book(booked, manager.user, days=8)
    assert result.status == TalkStatus.BOOKED
    assert result.starts_at == at(8)
    assert result.ics_sequence == 1
    [entry] = history(booked)
    assert entry.action == "talk_rebooked"
    assert "status" not in entry.changes
    assert dt.datetime.fromisoformat(entry.changes["starts_at"][0]) == before


def test_booked_to_held(booked, manager):
    result = services.talk_mark_held(
        talk=booked, actor=manager.user, revision=booked.revision, now=at(7, 11)
    )
    assert result.status == TalkStatus.HELD
    assert result.held_at == at(7, 11)
    [entry] = history(booked)
    assert (entry.action, entry.changes["status"]) == ("talk_held", ["booked", "held"])


@pytest.mark.parametrize("status", [TalkStatus.OFFERED, TalkStatus.BOOKED])
def test_offered_or_booked_to_declined(status, employee):
    talk = _talk_in(status, employee)
    result = services.talk_decline(
        talk=talk, actor=employee.user, revision=talk.revision, reason="Jag är föräldraledig."
    )
    assert result.status == TalkStatus.DECLINED
    assert result.decline_reason == "Jag är föräldraledig."
    [entry] = history(talk)
    assert entry.action == "talk_declined"
    assert entry.changes == {"reason": "Jag är föräldraledig.", "status": [status, "declined"]}


@pytest.mark.parametrize("status", [TalkStatus.OFFERED, TalkStatus.BOOKED])
def test_offered_or_booked_to_cancelled(status, employee, manager):
    talk = _talk_in(status, employee)
    result = services.talk_cancel(
        talk=talk, actor=manager.user, revision=talk.revision, reason="Anställningen upphör."
    )
    assert result.status == TalkStatus.CANCELLED
    assert result.cancel_reason == "Anställningen upphör."
    [entry] = history(talk)
    assert entry.action == "talk_cancelled"
    assert entry.changes["status"] == [status, "cancelled"]


def test_booked_to_offered_by_reassignment(booked, employee, other_manager, hr):
    person_set_manager(person=employee, manager=other_manager, actor=hr.user)
    result = services.talk_reassign(talk=booked, actor=hr.user, revision=booked.revision)
    assert result.status == TalkStatus.OFFERED
    assert result.manager == other_manager
    assert result.starts_at is None
    assert history(booked)[-1].changes["status"] == ["booked", "offered"]


def test_declined_to_offered_by_reopening(employee, manager):
    talk = _talk_in(TalkStatus.DECLINED, employee)
    result = services.talk_reopen(talk=talk, actor=manager.user, revision=talk.revision)
    assert result.status == TalkStatus.OFFERED
    assert result.decline_reason == ""
    [entry] = history(talk)
    assert (entry.action, entry.changes["status"]) == ("talk_reopened", ["declined", "offered"])


def test_every_transition_in_the_map_is_tested_above():
    allowed = {(a, b) for a, targets in TALK_TRANSITIONS.items() for b in targets}
    assert allowed == {
        ("held", "agreed"),  # tested in test_record.py (both parties agree)
        ("offered", "booked"),
        ("offered", "declined"),
        ("offered", "cancelled"),
        ("booked", "booked"),
        ("booked", "held"),
        ("booked", "declined"),
        ("booked", "cancelled"),
        ("booked", "offered"),
        ("declined", "offered"),
    }


# --- every refused transition: TransitionRefused and nothing changes ----------------------


def _do(action: str, talk: Talk, employee: Any, manager: Any) -> Talk:
    revision = talk.revision
    if action == "book":
        return book(talk, manager.user, confirmed=True)
    if action == "held":
        return services.talk_mark_held(talk=talk, actor=manager.user, revision=revision, now=at(30))
    if action == "decline":
        return services.talk_decline(talk=talk, actor=employee.user, revision=revision)
    if action == "cancel":
        return services.talk_cancel(talk=talk, actor=manager.user, revision=revision, reason="x")
    if action == "reopen":
        return services.talk_reopen(talk=talk, actor=manager.user, revision=revision)
    if action == "accept":
        return services.talk_accept(talk=talk, actor=employee.user, revision=revision)
    if action == "request_change":
        return services.talk_request_change(
            talk=talk, actor=employee.user, revision=revision, message="Fredag?"
        )
    raise AssertionError(action)


REFUSED = [
    (TalkStatus.OFFERED, "held"),
    (TalkStatus.OFFERED, "reopen"),
    (TalkStatus.OFFERED, "accept"),
    (TalkStatus.OFFERED, "request_change"),
    (TalkStatus.BOOKED, "reopen"),
    (TalkStatus.HELD, "book"),
    (TalkStatus.HELD, "held"),
    (TalkStatus.HELD, "decline"),
    (TalkStatus.HELD, "cancel"),
    (TalkStatus.HELD, "reopen"),
    (TalkStatus.HELD, "accept"),
    (TalkStatus.DECLINED, "book"),
    (TalkStatus.DECLINED, "held"),
    (TalkStatus.DECLINED, "decline"),
    (TalkStatus.DECLINED, "cancel"),
    (TalkStatus.DECLINED, "accept"),
    (TalkStatus.CANCELLED, "book"),
    (TalkStatus.CANCELLED, "held"),
    (TalkStatus.CANCELLED, "decline"),
    (TalkStatus.CANCELLED, "cancel"),
    (TalkStatus.CANCELLED, "reopen"),
    (TalkStatus.CANCELLED, "request_change"),
]


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_refused_transition_changes_nothing(status, action, employee, manager):
    talk = _talk_in(status, employee)
    before = snapshot(talk)
    with pytest.raises(TransitionRefused) as refused:
        _do(action, talk, employee, manager)
    assert refused.value.problems  # says why
    assert snapshot(talk) == before
    assert history(talk) == []
    assert not OutgoingEmail.objects.exists()


def test_refusal_says_why(employee, manager):
    held = _talk_in(TalkStatus.HELD, employee)
    with pytest.raises(TransitionRefused, match="has been held"):
        _do("cancel", held, employee, manager)
    cancelled = _talk_in(TalkStatus.CANCELLED, employee)
    with pytest.raises(TransitionRefused, match="cancelled; nothing more"):
        _do("book", cancelled, employee, manager)
    declined = _talk_in(TalkStatus.DECLINED, employee)
    with pytest.raises(TransitionRefused, match="Open it again first"):
        _do("book", declined, employee, manager)
    offered = _talk_in(TalkStatus.OFFERED, employee)
    with pytest.raises(TransitionRefused, match="“Offered” cannot become “Held”"):
        _do("held", offered, employee, manager)


def test_booked_talk_cannot_be_marked_held_before_its_time(booked, manager):
    before = snapshot(booked)
    with pytest.raises(TransitionRefused, match="can be marked as held from then"):
        services.talk_mark_held(
            talk=booked, actor=manager.user, revision=booked.revision, now=at(6)
        )
    assert snapshot(booked) == before


def test_the_same_answer_twice_is_refused(booked, employee):
    accepted = services.talk_accept(talk=booked, actor=employee.user, revision=booked.revision)
    with pytest.raises(TransitionRefused, match="already given that answer"):
        services.talk_accept(talk=accepted, actor=employee.user, revision=accepted.revision)


def test_answers_to_a_booking(booked, employee):
    accepted = services.talk_accept(talk=booked, actor=employee.user, revision=booked.revision)
    assert accepted.response == Response.ACCEPTED
    changed = services.talk_request_change(
        talk=accepted, actor=employee.user, revision=accepted.revision, message="Hellre fredag."
    )
    assert changed.status == TalkStatus.BOOKED
    assert (changed.response, changed.response_message) == (
        Response.CHANGE_REQUESTED,
        "Hellre fredag.",
    )
    assert [e.action for e in history(booked)] == ["talk_accepted", "talk_change_asked"]
    assert history(booked)[-1].changes == {
        "response": ["accepted", "change_requested"],
        "message": "Hellre fredag.",
    }


def test_asking_for_another_time_needs_a_message(booked, employee):
    with pytest.raises(ValidationError) as error:
        services.talk_request_change(
            talk=booked, actor=employee.user, revision=booked.revision, message="   "
        )
    assert "message" in error.value.message_dict


def test_a_reopened_talk_can_be_booked_again(employee, manager):
    talk = _talk_in(TalkStatus.DECLINED, employee)
    reopened = services.talk_reopen(talk=talk, actor=employee.user, revision=talk.revision)
    rebooked = book(reopened, manager.user)
    assert rebooked.status == TalkStatus.BOOKED


# --- who may do what -----------------------------------------------------------------------


@pytest.fixture
def unit_hr_elsewhere(other_dept):
    person = PersonFactory(unit=other_dept)
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=other_dept)
    return person


@pytest.mark.parametrize("who", ["employee", "colleague", "other_manager", "hr"])
def test_only_the_manager_books(who, talk, request):
    actor = request.getfixturevalue(who).user
    with pytest.raises(PermissionDenied):
        book(talk, actor)
    assert talk.status == TalkStatus.OFFERED
    assert history(talk) == []


@pytest.mark.parametrize("who", ["manager", "colleague", "other_manager", "hr"])
@pytest.mark.parametrize("action", ["accept", "request_change", "decline"])
def test_only_the_employee_answers(who, action, booked, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        _do(action, booked, employee=actor, manager=None)
    assert history(booked) == []


@pytest.mark.parametrize("who", ["employee", "other_manager", "hr"])
def test_only_the_manager_marks_held(who, booked, request):
    actor = request.getfixturevalue(who).user
    with pytest.raises(PermissionDenied):
        services.talk_mark_held(talk=booked, actor=actor, revision=booked.revision, now=at(30))


@pytest.mark.parametrize("who", ["employee", "colleague", "other_manager", "unit_hr_elsewhere"])
def test_cancel_refused_for_the_employee_and_outsiders(who, booked, request):
    actor = request.getfixturevalue(who).user
    with pytest.raises(PermissionDenied):
        services.talk_cancel(talk=booked, actor=actor, revision=booked.revision, reason="x")
    assert booked.status == TalkStatus.BOOKED


def test_hr_in_scope_may_cancel(talk, hr):
    result = services.talk_cancel(talk=talk, actor=hr.user, revision=talk.revision, reason="x")
    assert result.status == TalkStatus.CANCELLED
    assert history(talk)[0].actor == hr.user


@pytest.mark.parametrize("who", ["colleague", "other_manager", "hr"])
def test_reopen_only_by_a_party(who, employee, request):
    talk = _talk_in(TalkStatus.DECLINED, employee)
    with pytest.raises(PermissionDenied):
        services.talk_reopen(talk=talk, actor=request.getfixturevalue(who).user, revision=1)


@pytest.mark.parametrize("who", ["employee", "manager", "other_manager", "unit_hr_elsewhere"])
def test_reassign_only_by_hr_in_scope(who, talk, employee, other_manager, hr, request):
    person_set_manager(person=employee, manager=other_manager, actor=hr.user)
    with pytest.raises(PermissionDenied):
        services.talk_reassign(
            talk=talk, actor=request.getfixturevalue(who).user, revision=talk.revision
        )


# --- optimistic locking --------------------------------------------------------------------


def test_stale_revision_is_an_edit_conflict_and_changes_nothing(booked, employee, manager):
    stale = booked.revision
    services.talk_accept(talk=booked, actor=employee.user, revision=stale)
    before = snapshot(booked)
    entries = len(history(booked))
    emails = OutgoingEmail.objects.count()
    attempts = [
        lambda: book(Talk(pk=booked.pk, manager=manager, revision=stale), manager.user, days=9),
        lambda: services.talk_decline(talk=booked, actor=employee.user, revision=stale),
        lambda: services.talk_request_change(
            talk=booked, actor=employee.user, revision=stale, message="x"
        ),
        lambda: services.talk_cancel(talk=booked, actor=manager.user, revision=stale, reason="x"),
        lambda: services.talk_mark_held(
            talk=booked, actor=manager.user, revision=stale, now=at(30)
        ),
    ]
    for attempt in attempts:
        with pytest.raises(EditConflict) as conflict:
            attempt()
        assert getattr(conflict.value.current, "revision", None) == stale + 1
    assert snapshot(booked) == before
    assert len(history(booked)) == entries
    assert OutgoingEmail.objects.count() == emails


# --- booking checks ------------------------------------------------------------------------


def test_a_time_in_the_past_is_refused(talk, manager):
    with pytest.raises(ValidationError) as error:
        book(talk, manager.user, days=-1, confirmed=True)
    assert "starts_at" in error.value.message_dict
    assert snapshot(talk)[0] == TalkStatus.OFFERED


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"place": "  "}, "place"),
        ({"place": "Rum\x00"}, "place"),
        ({"place": "x" * 301}, "place"),
        ({"minutes": 10}, "duration_minutes"),
        ({"minutes": 481}, "duration_minutes"),
    ],
)
def test_bad_booking_is_refused(extra, field, talk, manager):
    with pytest.raises(ValidationError) as error:
        book(talk, manager.user, confirmed=True, **extra)
    assert field in error.value.message_dict
    assert history(talk) == []


def test_an_inactive_room_is_refused(talk, manager):
    room = RoomFactory(is_active=False)
    with pytest.raises(ValidationError) as error:
        book(talk, manager.user, room=room, place="", confirmed=True)
    assert "room" in error.value.message_dict


def test_a_room_is_the_place(talk, manager):
    room = RoomFactory(name="Tallen", location="Hus A")
    result = book(talk, manager.user, room=room, place="")
    assert result.room == room
    assert result.where == "Tallen, Hus A"


def test_a_short_talk_needs_confirmation(talk, manager):
    with pytest.raises(NeedsConfirmation) as needs:
        book(talk, manager.user, minutes=30)
    assert "shorter than the recommended 60" in needs.value.warnings[0]
    assert snapshot(talk)[0] == TalkStatus.OFFERED
    result = book(talk, manager.user, minutes=30, confirmed=True)
    assert (result.status, result.duration_minutes) == (TalkStatus.BOOKED, 30)


def test_a_time_after_the_deadline_needs_confirmation(talk, manager):
    days_after = (talk.deadline - timezone.localdate()).days + 1
    with pytest.raises(NeedsConfirmation, match="after the round's deadline"):
        book(talk, manager.user, days=days_after)
    assert book(talk, manager.user, days=days_after, confirmed=True).status == TalkStatus.BOOKED


def test_the_deadline_day_itself_needs_no_confirmation(talk, manager):
    days = (talk.deadline - timezone.localdate()).days
    assert book(talk, manager.user, days=days).status == TalkStatus.BOOKED


def test_an_overlap_with_the_managers_booked_talk_needs_confirmation(talk, colleague, manager):
    booked_talk(colleague, days_ahead=7)  # 10:00-11:00
    with pytest.raises(NeedsConfirmation, match="overlaps another booked talk"):
        book(talk, manager.user, days=7)  # 10:00 too
    half_past = Booking(starts_at=at(7, 10, 30), duration_minutes=60, place="Tallen")
    with pytest.raises(NeedsConfirmation):
        services.talk_book(talk=talk, actor=manager.user, booking=half_past, revision=1)
    result = book(talk, manager.user, days=7, confirmed=True)
    assert result.status == TalkStatus.BOOKED


def test_back_to_back_talks_do_not_overlap(talk, colleague, manager):
    booked_talk(colleague, days_ahead=7)  # 10:00-11:00
    eleven = Booking(starts_at=at(7, 11), duration_minutes=60, place="Tallen")
    result = services.talk_book(talk=talk, actor=manager.user, booking=eleven, revision=1)
    assert result.status == TalkStatus.BOOKED


def test_another_managers_talk_or_a_cancelled_one_is_no_overlap(
    talk, colleague, other_employee, manager
):
    booked_talk(other_employee, days_ahead=7)
    cancelled = booked_talk(colleague, days_ahead=7)
    Talk.objects.filter(pk=cancelled.pk).update(status=TalkStatus.CANCELLED)
    assert book(talk, manager.user, days=7).status == TalkStatus.BOOKED


def test_booking_check_does_not_save(talk):
    check = services.booking_check(talk=talk, booking=booking(7, minutes=30))
    assert check.errors == {}
    assert len(check.warnings) == 1
    assert snapshot(talk)[0] == TalkStatus.OFFERED


# --- reasons and text ----------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_without_a_reason_is_refused(reason, booked, manager):
    before = snapshot(booked)
    with pytest.raises(ValidationError) as error:
        services.talk_cancel(
            talk=booked, actor=manager.user, revision=booked.revision, reason=reason
        )
    assert "reason" in error.value.message_dict
    assert snapshot(booked) == before


def test_decline_reason_is_optional(talk, employee):
    result = services.talk_decline(talk=talk, actor=employee.user, revision=talk.revision)
    assert (result.status, result.decline_reason) == (TalkStatus.DECLINED, "")
    assert history(talk)[0].changes == {"status": ["offered", "declined"]}


@pytest.mark.parametrize("text", ["Nej\x00tack", "x" * 2001])
def test_nul_or_over_long_text_is_refused(text, employee, manager, talk):
    booked = booked_talk(PersonFactory(unit=employee.unit, manager=manager))
    before = snapshot(booked)
    calls = [
        lambda: services.talk_decline(
            talk=talk, actor=employee.user, revision=talk.revision, reason=text
        ),
        lambda: services.talk_cancel(
            talk=booked, actor=manager.user, revision=booked.revision, reason=text
        ),
        lambda: services.talk_request_change(
            talk=booked, actor=booked.employee.user, revision=booked.revision, message=text
        ),
        lambda: services.talk_create_extra(
            actor=employee.user,
            employee=employee,
            template_version=talk.template_version,
            message=text,
        ),
    ]
    for call in calls:
        with pytest.raises(ValidationError):
            call()
    assert snapshot(talk)[0] == TalkStatus.OFFERED
    assert snapshot(booked) == before
    assert Talk.objects.count() == 2


def test_text_of_exactly_the_maximum_is_accepted(talk, employee):
    result = services.talk_decline(
        talk=talk, actor=employee.user, revision=talk.revision, reason="å" * 2000
    )
    assert len(result.decline_reason) == 2000


# --- reassignment after a manager change ---------------------------------------------------


def test_reassign_after_a_manager_change(booked, employee, manager, other_manager, hr):
    services.talk_accept(talk=booked, actor=employee.user, revision=booked.revision)
    person_set_manager(person=employee, manager=other_manager, actor=hr.user)
    booked.refresh_from_db()
    result = services.talk_reassign(talk=booked, actor=hr.user, revision=booked.revision)

    assert (result.status, result.manager_id) == (TalkStatus.OFFERED, other_manager.pk)
    assert (result.starts_at, result.room, result.place, result.response) == (None, None, "", "")
    entries = history(booked)
    assert [e.action for e in entries] == ["talk_accepted", "talk_reassigned"]
    assert entries[-1].changes["manager"] == [manager.full_name, other_manager.full_name]
    assert entries[-1].actor == hr.user
    relations = list(ManagerRelation.objects.filter(employee=employee).order_by("valid_from", "id"))
    assert [r.manager_id for r in relations] == [manager.pk, other_manager.pk]
    assert relations[0].valid_to is not None
    assert relations[1].valid_to is None
    # The old manager's calendar loses the event; the new manager books anew.
    cancels = OutgoingEmail.objects.filter(kind="talk_calendar_cancel")
    assert {e.recipient_id for e in cancels} == {employee.user_id, manager.user_id}
    assert {e.params["manager"] for e in cancels} == {manager.pk}
    assert set(
        OutgoingEmail.objects.filter(kind="talk_reassigned").values_list("recipient_id", flat=True)
    ) == {employee.user_id, other_manager.user_id}
    # The new manager may book; the old one may not any more.
    with pytest.raises(PermissionDenied):
        book(result, manager.user)
    assert book(result, other_manager.user).status == TalkStatus.BOOKED


def test_reassign_an_offered_talk(talk, employee, other_manager, hr):
    person_set_manager(person=employee, manager=other_manager, actor=hr.user)
    result = services.talk_reassign(talk=talk, actor=hr.user, revision=talk.revision)
    assert (result.status, result.manager_id) == (TalkStatus.OFFERED, other_manager.pk)
    assert not OutgoingEmail.objects.filter(kind="talk_calendar_cancel").exists()


def test_reassign_refused_when_nothing_to_move(talk, employee, manager, hr):
    with pytest.raises(TransitionRefused, match="already with the employee's manager"):
        services.talk_reassign(talk=talk, actor=hr.user, revision=talk.revision)
    person_set_manager(person=employee, manager=None, actor=hr.user)
    with pytest.raises(TransitionRefused, match="no active manager"):
        services.talk_reassign(talk=talk, actor=hr.user, revision=talk.revision)
    assert snapshot(talk)[:2] == (TalkStatus.OFFERED, 1)


@pytest.mark.parametrize("status", [TalkStatus.HELD, TalkStatus.DECLINED, TalkStatus.CANCELLED])
def test_reassign_refused_for_a_closed_talk(status, employee, manager, other_manager, hr):
    talk = _talk_in(status, employee)
    person_set_manager(person=employee, manager=other_manager, actor=hr.user)
    with pytest.raises(TransitionRefused):
        services.talk_reassign(talk=talk, actor=hr.user, revision=talk.revision)
    assert snapshot(talk)[3] == manager.pk


# --- extra talks ---------------------------------------------------------------------------


def test_manager_starts_an_extra_talk(employee, manager):
    version = published_version()
    talk = services.talk_create_extra(
        actor=manager.user, employee=employee, template_version=version
    )
    assert (talk.kind, talk.round, talk.status) == (Talk.Kind.EXTRA, None, TalkStatus.OFFERED)
    assert (talk.employee, talk.manager, talk.unit) == (employee, manager, employee.unit)
    assert not talk.requested_by_employee
    assert history(talk)[0].action == "talk_offered"
    [email] = OutgoingEmail.objects.all()
    assert (email.kind, email.recipient_id) == ("talk_offered", employee.user_id)


def test_employee_asks_for_an_extra_talk(employee, manager):
    talk = services.talk_create_extra(
        actor=employee.user,
        employee=employee,
        template_version=published_version(),
        message="  Vi omorganiserar, kan vi prata?  ",
    )
    assert talk.requested_by_employee
    assert talk.request_message == "Vi omorganiserar, kan vi prata?"
    assert talk.manager == manager
    [entry] = history(talk)
    assert entry.action == "talk_requested"
    assert entry.changes == {"message": "Vi omorganiserar, kan vi prata?"}
    [email] = OutgoingEmail.objects.all()
    assert (email.kind, email.recipient_id) == ("talk_requested", manager.user_id)


@pytest.mark.parametrize("who", ["colleague", "other_manager", "hr"])
def test_extra_talk_only_by_the_employee_or_their_manager(who, employee, request):
    with pytest.raises(PermissionDenied):
        services.talk_create_extra(
            actor=request.getfixturevalue(who).user,
            employee=employee,
            template_version=published_version(),
        )
    assert not Talk.objects.exists()


def test_extra_talk_needs_a_manager_and_a_published_template(dept, employee, manager):
    alone = PersonFactory(unit=dept)
    with pytest.raises(TransitionRefused, match="no manager registered"):
        services.talk_create_extra(
            actor=alone.user, employee=alone, template_version=published_version()
        )
    with pytest.raises(ValidationError) as error:
        services.talk_create_extra(
            actor=manager.user, employee=employee, template_version=make_draft()
        )
    assert "template_version" in error.value.message_dict
    assert not Talk.objects.exists()


# --- rooms ------------------------------------------------------------------------------------


def test_hr_adds_and_changes_a_room_with_history(hr):
    room = services.room_save(
        actor=hr.user, room=None, data={"name": "Tallen", "location": "Hus A", "is_active": True}
    )
    services.room_save(
        actor=hr.user, room=room, data={"name": "Tallen", "location": "Hus B", "is_active": False}
    )
    room.refresh_from_db()
    assert (room.location, room.is_active) == ("Hus B", False)
    actions = list(
        HistoryEntry.objects.filter(object_id=str(room.pk)).values_list("action", "changes")
    )
    assert ("room_updated", {"location": ["Hus A", "Hus B"], "is_active": [True, False]}) in actions
    assert any(action == "room_created" for action, _changes in actions)


def test_saving_an_unchanged_room_records_nothing(hr):
    room = RoomFactory(name="Granen", location="Hus C")
    services.room_save(
        actor=hr.user, room=room, data={"name": "Granen", "location": "Hus C", "is_active": True}
    )
    assert not HistoryEntry.objects.filter(object_id=str(room.pk)).exists()


def test_a_manager_may_not_add_rooms(manager):
    with pytest.raises(PermissionDenied):
        services.room_save(
            actor=manager.user, room=None, data={"name": "X", "location": "", "is_active": True}
        )
    assert not services.Room.objects.exists()
