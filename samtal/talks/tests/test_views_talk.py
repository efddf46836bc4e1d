"""One talk's page and every change to it: who sees what, who may do what (403/404), every
change POST-only, booking with its warnings and confirmation, refused transitions and stale
pages coming back as messages, and the calendar invitation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from samtal.organisation.models import Person
from samtal.talks.models import Response, Talk, TalkStatus
from samtal.talks.tests.factories import RoomFactory, RoundFactory, TalkFactory, booked_talk

pytestmark = pytest.mark.django_db

POST_ONLY = [
    "talk_accept",
    "talk_request_change",
    "talk_decline",
    "talk_reopen",
    "talk_held",
    "talk_cancel",
    "talk_reassign",
]


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


def url(name: str, talk: Talk) -> str:
    return reverse(f"talks:{name}", args=[talk.pk])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def local_input(days: int, hour: int = 10, minute: int = 0) -> str:
    """The value a datetime-local input sends: `days` from today, local time."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def at(days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def booking_data(talk: Talk, **overrides: Any) -> dict[str, Any]:
    data = {
        "starts_at": local_input(7),
        "duration_minutes": 60,
        "room": "",
        "place": "Room Tallen, house B",
        "revision": talk.revision,
    }
    data.update(overrides)
    return data


def snapshot(talk: Talk) -> tuple[Any, ...]:
    talk.refresh_from_db()
    return (
        talk.status,
        talk.revision,
        talk.starts_at,
        talk.duration_minutes,
        talk.place,
        talk.manager_id,
        talk.response,
        talk.decline_reason,
        talk.cancel_reason,
    )


@pytest.fixture
def offered(employee) -> Talk:
    return TalkFactory(employee=employee, request_message="Times of change")


@pytest.fixture
def booked(employee) -> Talk:
    return booked_talk(employee)


# --- the talk page ------------------------------------------------------------------------------


def test_employee_sees_the_booked_talk_and_their_answers(login, employee, manager, booked):
    response = login(employee).get(url("talk_detail", booked))
    assert response.status_code == 200
    html = response.content.decode()
    assert employee.full_name in html
    assert manager.full_name in html
    assert booked.template_version.template.name in html
    assert "Room Tallen" in html
    assert url("talk_ics", booked) in html
    assert response.context["actions"] == {"accept", "request_change", "decline"}
    for name in ("talk_accept", "talk_request_change", "talk_decline"):
        assert f'action="{url(name, booked)}"' in html
    for name in ("talk_book", "talk_held", "talk_cancel", "talk_reassign"):
        assert url(name, booked) not in html
    assert 'id="history-heading"' in html
    assert html.count("<h1") == 1


def test_before_the_booked_time_the_manager_cannot_mark_it_held(login, manager, booked):
    response = login(manager).get(url("talk_detail", booked))
    assert response.context["actions"] == {"book", "cancel"}
    assert url("talk_held", booked) not in response.content.decode()


def test_manager_sees_booking_held_and_cancel(login, manager, booked):
    Talk.objects.filter(pk=booked.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    response = login(manager).get(url("talk_detail", booked))
    assert response.status_code == 200
    assert response.context["actions"] == {"book", "held", "cancel"}
    html = response.content.decode()
    assert url("talk_book", booked) in html
    assert f'action="{url("talk_held", booked)}"' in html
    assert f'action="{url("talk_cancel", booked)}"' in html
    assert "Change the time or place" in html


def test_the_talk_page_shows_the_kind_deadline_and_overdue(login, employee, dept):
    round_ = RoundFactory(units=[dept], name="Utvecklingssamtal 2027")
    talk = TalkFactory(
        employee=employee,
        kind=Talk.Kind.ROUND,
        round=round_,
        deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    html = login(employee).get(url("talk_detail", talk)).content.decode()
    assert "Utvecklingssamtal 2027" in html
    assert "Overdue" in html
    assert "the deadline has passed" in html


def test_the_extra_talk_shows_the_request_message_to_parties(login, employee, offered):
    html = login(employee).get(url("talk_detail", offered)).content.decode()
    assert "Extra talk" in html
    assert "Times of change" in html


def test_a_short_booking_is_marked_on_the_page(login, employee):
    talk = booked_talk(employee, duration_minutes=30)
    html = login(employee).get(url("talk_detail", talk)).content.decode()
    assert "30 minutes is shorter than the recommended 60" in html


def test_declined_and_cancelled_reasons_are_shown(login, employee, manager):
    declined = TalkFactory(employee=employee, status=TalkStatus.DECLINED, decline_reason="Sick")
    cancelled = TalkFactory(
        employee=employee, status=TalkStatus.CANCELLED, cancel_reason="Moved away"
    )
    client = login(manager)
    assert "Sick" in client.get(url("talk_detail", declined)).content.decode()
    assert "Moved away" in client.get(url("talk_detail", cancelled)).content.decode()


def test_hr_sees_status_and_booking_only(login, hr, employee, manager):
    talk = booked_talk(employee, request_message="Private worry", response_message="Mornings")
    response = login(hr).get(url("talk_detail", talk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Booked" in html
    assert "Room Tallen" in html
    assert "Private worry" not in html
    assert "Mornings" not in html
    assert 'id="history-heading"' not in html
    assert url("talk_ics", talk) not in html
    assert response.context["actions"] == {"cancel"}


@pytest.mark.parametrize("who", ["colleague", "other_manager", "safety_rep", "admin_user"])
def test_others_do_not_see_the_talk(request, login, booked, who):
    response = login(request.getfixturevalue(who)).get(url("talk_detail", booked))
    assert response.status_code == 404


def test_the_detail_of_a_missing_talk_is_404(login, employee):
    assert login(employee).get(reverse("talks:talk_detail", args=[99999])).status_code == 404


@pytest.mark.parametrize("name", [*POST_ONLY, "talk_detail", "talk_ics"])
def test_a_user_not_logged_in_is_sent_to_log_in(client, booked, name):
    response = client.get(url(name, booked))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("name", POST_ONLY)
def test_changes_are_post_only(login, employee, manager, booked, name):
    before = snapshot(booked)
    assert login(manager).get(url(name, booked)).status_code == 405
    assert login(employee).get(url(name, booked)).status_code == 405
    assert snapshot(booked) == before


def test_posts_need_the_csrf_token(employee, booked):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)
    response = client.post(url("talk_accept", booked), {"revision": booked.revision})
    assert response.status_code == 403
    booked.refresh_from_db()
    assert booked.response == Response.PENDING


# --- booking --------------------------------------------------------------------------------


def test_manager_books_a_time(login, manager, offered):
    client = login(manager)
    response = client.get(url("talk_book", offered))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="datetime-local"' in html
    assert 'name="revision"' in html
    assert 'type="hidden"' in html
    assert "neutral room" in html
    assert 'value="60"' in html
    response = client.post(url("talk_book", offered), booking_data(offered))
    assert response.status_code == 302
    assert response["Location"] == url("talk_detail", offered)
    offered.refresh_from_db()
    assert offered.status == TalkStatus.BOOKED
    assert offered.starts_at == at(7)
    assert offered.place == "Room Tallen, house B"
    assert offered.response == Response.PENDING
    assert messages_of(response)[0][0] == "success"


def test_booking_a_room(login, manager, offered):
    room = RoomFactory(name="Tallen")
    RoomFactory(name="Closed", is_active=False)
    client = login(manager)
    html = client.get(url("talk_book", offered)).content.decode()
    assert "Tallen" in html
    assert "Closed" not in html
    assert 'id="id_room"' in html
    response = client.post(url("talk_book", offered), booking_data(offered, room=room.pk, place=""))
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.room == room


def test_rebooking_shows_the_current_booking(login, manager, booked):
    html = login(manager).get(url("talk_book", booked)).content.decode()
    assert 'id="id_room"' not in html  # no rooms configured: only the place
    assert f'value="{local_input(7)}"' in html
    assert 'value="Room Tallen"' in html
    assert "Change the time" in html


def test_a_change_request_is_shown_when_booking_again(login, manager, employee):
    talk = booked_talk(employee, response_message="Thursdays suit me")
    Talk.objects.filter(pk=talk.pk).update(response=Response.CHANGE_REQUESTED)
    html = login(manager).get(url("talk_book", talk)).content.decode()
    assert "Thursdays suit me" in html


def test_a_time_in_the_past_is_refused_on_its_field(login, manager, offered):
    before = snapshot(offered)
    response = login(manager).post(
        url("talk_book", offered), booking_data(offered, starts_at=local_input(-1))
    )
    assert response.status_code == 400
    assert response.context["form"].errors["starts_at"] == [
        "The time has passed. Choose a time later than now."
    ]
    assert 'id="id_starts_at_error"' in response.content.decode()
    assert snapshot(offered) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": ""}, "starts_at"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"duration_minutes": 900}, "duration_minutes"),
        ({"place": ""}, "place"),
        ({"place": "x" * 301}, "place"),
        ({"room": "99999"}, "room"),
    ],
)
def test_bad_bookings_are_refused_by_field(login, manager, offered, overrides, field):
    RoomFactory()
    before = snapshot(offered)
    response = login(manager).post(url("talk_book", offered), booking_data(offered, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert snapshot(offered) == before


def _warning_step(client, talk: Talk, data: dict[str, Any], expected: str) -> None:
    before = snapshot(talk)
    response = client.post(url("talk_book", talk), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert expected in html
    assert 'name="confirm" value="1"' in html
    assert "Book anyway" in html
    assert snapshot(talk) == before
    response = client.post(url("talk_book", talk), {**data, "confirm": "1"})
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.status == TalkStatus.BOOKED


def test_a_short_talk_needs_confirmation(login, manager, offered):
    _warning_step(
        login(manager),
        offered,
        booking_data(offered, duration_minutes=30),
        "30 minutes is shorter than the recommended 60",
    )
    assert offered.duration_minutes == 30


def test_a_time_after_the_deadline_needs_confirmation(login, manager, offered):
    _warning_step(
        login(manager),
        offered,
        booking_data(offered, starts_at=local_input(40)),
        "after the round&#x27;s deadline",
    )


def test_an_overlap_with_the_managers_other_talk_needs_confirmation(
    login, manager, colleague, offered
):
    other = booked_talk(colleague)
    _warning_step(
        login(manager),
        offered,
        booking_data(offered, starts_at=local_input(7, 10, 30)),
        f"It overlaps another booked talk ({other.employee.full_name}",
    )


def test_a_stale_booking_form_is_a_conflict(login, manager, offered):
    data = booking_data(offered)
    Talk.objects.filter(pk=offered.pk).update(revision=offered.revision + 1)
    before = snapshot(offered)
    response = login(manager).post(url("talk_book", offered), data)
    assert response.status_code == 302
    assert response["Location"] == url("talk_detail", offered)
    assert messages_of(response) == [
        ("error", "Someone changed the talk meanwhile; see the current state below.")
    ]
    assert snapshot(offered) == before


def test_a_held_talk_cannot_be_booked(login, manager, employee):
    talk = TalkFactory(employee=employee, status=TalkStatus.HELD)
    before = snapshot(talk)
    client = login(manager)
    response = client.get(url("talk_book", talk))
    assert response.status_code == 302
    assert messages_of(response)[0][0] == "error"
    response = client.post(url("talk_book", talk), booking_data(talk))
    assert response.status_code == 302
    assert snapshot(talk) == before


@pytest.mark.parametrize(("who", "status"), [("employee", 403), ("hr", 403), ("colleague", 404)])
def test_only_the_manager_books(request, login, offered, who, status):
    before = snapshot(offered)
    client = login(request.getfixturevalue(who))
    assert client.get(url("talk_book", offered)).status_code == status
    assert client.post(url("talk_book", offered), booking_data(offered)).status_code == status
    assert snapshot(offered) == before


def test_other_managers_cannot_book(login, other_manager, offered):
    assert login(other_manager).get(url("talk_book", offered)).status_code == 404


# --- the employee's answers ---------------------------------------------------------------------


def test_employee_accepts(login, employee, booked):
    response = login(employee).post(url("talk_accept", booked), {"revision": booked.revision})
    assert response.status_code == 302
    assert response["Location"] == url("talk_detail", booked)
    booked.refresh_from_db()
    assert booked.response == Response.ACCEPTED
    assert messages_of(response)[0][0] == "success"


def test_employee_asks_for_another_time(login, employee, booked):
    response = login(employee).post(
        url("talk_request_change", booked),
        {"revision": booked.revision, "message": "Thursdays suit me better"},
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.response == Response.CHANGE_REQUESTED
    assert booked.response_message == "Thursdays suit me better"


def test_asking_for_another_time_needs_a_message(login, employee, booked):
    before = snapshot(booked)
    response = login(employee).post(
        url("talk_request_change", booked), {"revision": booked.revision, "message": "  "}
    )
    assert response.status_code == 400
    form = response.context["forms"]["request_change"]
    assert "message" in form.errors
    html = response.content.decode()
    assert 'id="request_change_message_error"' in html
    assert '<details class="action-details" open>' in html
    assert snapshot(booked) == before


def test_employee_declines_with_or_without_a_reason(login, employee, manager):
    client = login(employee)
    first = booked_talk(employee)
    response = client.post(url("talk_decline", first), {"revision": first.revision})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == TalkStatus.DECLINED
    assert first.decline_reason == ""
    second = TalkFactory(employee=employee)
    client.post(
        url("talk_decline", second), {"revision": second.revision, "reason": "Parental leave"}
    )
    second.refresh_from_db()
    assert second.status == TalkStatus.DECLINED
    assert second.decline_reason == "Parental leave"


def test_declined_talk_is_reopened(login, employee, manager):
    talk = TalkFactory(employee=employee, status=TalkStatus.DECLINED, decline_reason="No")
    assert login(manager).get(url("talk_detail", talk)).context["actions"] == {"reopen"}
    response = login(employee).post(url("talk_reopen", talk), {"revision": talk.revision})
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.status == TalkStatus.OFFERED


@pytest.mark.parametrize("name", ["talk_accept", "talk_request_change", "talk_decline"])
@pytest.mark.parametrize(("who", "status"), [("manager", 403), ("hr", 403), ("colleague", 404)])
def test_only_the_employee_answers(request, login, booked, name, who, status):
    before = snapshot(booked)
    response = login(request.getfixturevalue(who)).post(
        url(name, booked), {"revision": booked.revision, "message": "x", "reason": "x"}
    )
    assert response.status_code == status
    assert snapshot(booked) == before


def test_answering_an_unbooked_talk_is_refused_with_a_message(login, employee, offered):
    before = snapshot(offered)
    response = login(employee).post(url("talk_accept", offered), {"revision": offered.revision})
    assert response.status_code == 302
    assert response["Location"] == url("talk_detail", offered)
    assert messages_of(response) == [("error", "Only a booked talk can be answered.")]
    assert snapshot(offered) == before


def test_a_stale_answer_is_a_conflict(login, employee, booked):
    revision = booked.revision
    Talk.objects.filter(pk=booked.pk).update(revision=revision + 1)
    before = snapshot(booked)
    response = login(employee).post(url("talk_accept", booked), {"revision": revision})
    assert response.status_code == 302
    assert messages_of(response) == [
        ("error", "Someone changed the talk meanwhile; see the current state below.")
    ]
    assert snapshot(booked) == before


def test_a_missing_revision_is_refused(login, employee, booked):
    before = snapshot(booked)
    response = login(employee).post(url("talk_accept", booked), {})
    assert response.status_code == 400
    assert snapshot(booked) == before


# --- the manager's and HR's changes -------------------------------------------------------------


def test_manager_marks_a_past_talk_held(login, manager, employee):
    talk = booked_talk(employee, days_ahead=-1)
    response = login(manager).post(url("talk_held", talk), {"revision": talk.revision})
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.status == TalkStatus.HELD
    assert talk.held_at is not None


def test_a_future_talk_cannot_be_marked_held(login, manager, booked):
    before = snapshot(booked)
    response = login(manager).post(url("talk_held", booked), {"revision": booked.revision})
    assert response.status_code == 302
    level, text = messages_of(response)[0]
    assert level == "error"
    assert "can be marked as held from then" in text
    assert snapshot(booked) == before


def test_employee_cannot_mark_held(login, employee, booked):
    assert login(employee).post(url("talk_held", booked), {"revision": 1}).status_code == 403


@pytest.mark.parametrize("who", ["manager", "hr"])
def test_manager_or_hr_cancels_with_a_reason(request, login, booked, who):
    response = login(request.getfixturevalue(who)).post(
        url("talk_cancel", booked), {"revision": booked.revision, "reason": "Left the job"}
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == TalkStatus.CANCELLED
    assert booked.cancel_reason == "Left the job"


def test_cancelling_needs_a_reason(login, manager, booked):
    before = snapshot(booked)
    response = login(manager).post(url("talk_cancel", booked), {"revision": booked.revision})
    assert response.status_code == 400
    assert "reason" in response.context["forms"]["cancel"].errors
    assert snapshot(booked) == before


@pytest.mark.parametrize(("who", "status"), [("employee", 403), ("other_manager", 404)])
def test_others_cannot_cancel(request, login, booked, who, status):
    before = snapshot(booked)
    response = login(request.getfixturevalue(who)).post(
        url("talk_cancel", booked), {"revision": booked.revision, "reason": "x"}
    )
    assert response.status_code == status
    assert snapshot(booked) == before


def test_a_cancelled_talk_cannot_be_cancelled_again(login, manager, employee):
    talk = TalkFactory(employee=employee, status=TalkStatus.CANCELLED, cancel_reason="Left")
    response = login(manager).post(
        url("talk_cancel", talk), {"revision": talk.revision, "reason": "x"}
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        ("error", "The talk is cancelled; nothing more can be done with it.")
    ]


def test_hr_moves_the_talk_to_the_new_manager(login, hr, employee, other_manager, booked):
    Person.objects.filter(pk=employee.pk).update(manager=other_manager)
    client = login(hr)
    response = client.get(url("talk_detail", booked))
    assert response.context["actions"] == {"cancel", "reassign"}
    html = response.content.decode()
    assert f"The employee's manager is now {other_manager.full_name}" in html
    response = client.post(url("talk_reassign", booked), {"revision": booked.revision})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.manager == other_manager
    assert booked.status == TalkStatus.OFFERED
    assert messages_of(response) == [
        ("success", f"The talk was moved to {other_manager.full_name}, who proposes a new time.")
    ]


def test_reassigning_to_the_same_manager_is_refused(login, hr, booked):
    before = snapshot(booked)
    response = login(hr).post(url("talk_reassign", booked), {"revision": booked.revision})
    assert response.status_code == 302
    assert messages_of(response) == [("error", "The talk is already with the employee's manager.")]
    assert snapshot(booked) == before


def test_the_manager_cannot_reassign(login, manager, booked):
    assert login(manager).post(url("talk_reassign", booked), {"revision": 1}).status_code == 403


# --- the calendar invitation --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_parties_download_the_invitation(request, login, booked, who):
    response = login(request.getfixturevalue(who)).get(url("talk_ics", booked))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert 'filename="utvecklingssamtal.ics"' in response["Content-Disposition"]
    body = response.content.decode()
    assert "METHOD:REQUEST" in body
    assert f"UID:talk-{booked.pk}@" in body
    assert "LOCATION:Room Tallen" in body


@pytest.mark.parametrize("who", ["hr", "colleague", "other_manager", "safety_rep"])
def test_others_cannot_download_the_invitation(request, login, booked, who):
    assert login(request.getfixturevalue(who)).get(url("talk_ics", booked)).status_code == 404


def test_an_unbooked_talk_has_no_invitation(login, employee, offered):
    assert login(employee).get(url("talk_ics", offered)).status_code == 404
    assert (
        url("talk_ics", offered)
        not in login(employee).get(url("talk_detail", offered)).content.decode()
    )


def test_the_invitation_is_get_only(login, employee, booked):
    assert login(employee).post(url("talk_ics", booked)).status_code == 405
