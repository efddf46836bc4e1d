"""The afterwards page: each party's self-evaluation (never shown to anyone by person) and
private notes (author only, ever), saved with and without htmx, conflicts and bad input
refused with nothing changed, the privacy statement and the contacts for raising a problem."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from samtal.accounts.tests.factories import UserFactory
from samtal.talk_templates.models import Question
from samtal.talks import preparation
from samtal.talks.models import Answer, PrivateNote, Talk, TalkStatus
from samtal.talks.tests.factories import RoundFactory, TalkFactory, booked_talk

pytestmark = pytest.mark.django_db

NOTE = "PRIVATE-NOTE-91c2"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.fixture
def talk(employee) -> Talk:
    talk = booked_talk(employee)
    Talk.objects.filter(pk=talk.pk).update(status=TalkStatus.HELD, held_at=timezone.now())
    talk.refresh_from_db()
    return talk


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.se", is_superuser=True, is_staff=True)


def url(name: str, talk: Talk, *args: Any) -> str:
    return reverse(f"talks:{name}", args=[talk.pk, *args])


def how(talk: Talk) -> Question:
    return Question.objects.get(section__version=talk.template_version, key="how")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def note_of(talk: Talk, person) -> Any:  # PrivateNote or None
    return PrivateNote.objects.filter(talk=talk, author=person).first()


def evaluation_of(talk: Talk, person) -> Any:  # Answer or None
    return Answer.objects.filter(talk=talk, author=person, question__key="how").first()


# --- the page -------------------------------------------------------------------------------


def test_both_parties_get_the_evaluation_the_notes_and_the_privacy_statement(
    login, talk, employee, manager, settings
):
    settings.SAMTAL_ANONYMITY_K = 7
    for person in (employee, manager):
        response = login(person).get(url("talk_afterwards", talk))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("<h1") == 1
        assert "<legend>Question how?" in html
        assert f'hx-post="{url("private_note_save", talk)}"' in html
        assert "Your private notes are visible to you only, ever" in html
        assert "only as statistics over at least 7 people" in html
        # Preparation questions are not evaluation questions.
        assert "Question tasks?" not in html
        assert "Question view?" not in html
        # Self-evaluations are never shared: no share button here.
        assert "Share with" not in html


def test_the_contacts_for_a_problem_come_from_the_settings(login, talk, employee, settings):
    settings.SAMTAL_TALK_CONTACTS_EN = "HR: hr@example.se\n\nUnion (ST): st@example.se"
    settings.SAMTAL_TALK_CONTACTS_SV = "HR: hr@example.se"
    html = login(employee).get(url("talk_afterwards", talk)).content.decode()
    assert 'HR: <a href="mailto:hr@example.se">hr@example.se</a>' in html
    assert "Union (ST):" in html
    assert "Contact HR or your union representative." not in html

    settings.SAMTAL_TALK_CONTACTS_EN = ""
    html = login(employee).get(url("talk_afterwards", talk)).content.decode()
    assert "Contact HR or your union representative." in html


def test_before_the_talk_is_held_the_evaluation_is_closed(login, employee):
    talk = booked_talk(employee)
    client = login(employee)
    html = client.get(url("talk_afterwards", talk)).content.decode()
    assert "The evaluation of the talk opens when the talk has been held." in html
    assert 'name="value"' not in html
    response = client.post(url("answer_save", talk, how(talk).pk), {"revision": 0, "value": "yes"})
    assert response.status_code == 302
    assert response["Location"].startswith(url("talk_afterwards", talk))
    assert any("opens when the talk has been held" in m for m in messages_of(response))
    assert evaluation_of(talk, employee) is None
    # Private notes may be written at any time.
    assert 'name="text"' in html


def test_after_the_rounds_deadline_the_evaluation_is_closed(login, employee, dept):
    round_ = RoundFactory(
        units=[dept],
        start_date=timezone.localdate() - dt.timedelta(days=90),
        deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    talk = TalkFactory(
        employee=employee,
        kind=Talk.Kind.ROUND,
        round=round_,
        template_version=round_.template_version,
        status=TalkStatus.HELD,
    )
    client = login(employee)
    html = client.get(url("talk_afterwards", talk)).content.decode()
    assert "The evaluation has closed" in html
    response = client.post(
        url("answer_save", talk, how(talk).pk), {"revision": 0, "value": "no"}, **HTMX
    )
    assert "Not saved" in response.content.decode()
    assert evaluation_of(talk, employee) is None


# --- the self-evaluation --------------------------------------------------------------------


def test_the_evaluation_saves_with_and_without_htmx(login, talk, employee):
    client = login(employee)
    target = url("answer_save", talk, how(talk).pk)
    response = client.post(target, {"revision": 0, "value": "yes"})
    assert response.status_code == 302
    assert response["Location"] == url("talk_afterwards", talk) + f"#q{how(talk).pk}"
    assert evaluation_of(talk, employee).value is True

    response = client.post(target, {"revision": 1, "value": "no"}, **HTMX)
    html = response.content.decode()
    assert "Saved " in html
    assert f'value="2" id="q{how(talk).pk}_revision"' in html
    assert evaluation_of(talk, employee).value is False
    assert (
        f'value="no" id="q{how(talk).pk}_value_1" checked'
        in client.get(url("talk_afterwards", talk)).content.decode()
    )


def test_an_evaluation_cannot_be_shared(login, talk, employee):
    preparation.answer_save(
        talk=talk, actor=employee.user, question=how(talk), text="", value=True, revision=0
    )
    response = login(employee).post(url("answers_share", talk), {"question": how(talk).pk})
    assert response.status_code == 403
    login(employee).post(url("answers_share", talk))
    assert evaluation_of(talk, employee).shared_at is None


def test_the_manager_never_sees_the_employees_evaluation_or_notes(login, talk, employee, manager):
    preparation.answer_save(
        talk=talk, actor=employee.user, question=how(talk), text="", value=True, revision=0
    )
    preparation.private_note_save(talk=talk, actor=employee.user, text=NOTE, revision=0)
    client = login(manager)
    html = client.get(url("talk_afterwards", talk)).content.decode()
    # The manager's own form is empty: no radio checked, no note.
    assert "checked" not in html
    assert NOTE not in html
    for page in ("talk_prepare", "talk_detail"):
        assert NOTE not in client.get(url(page, talk)).content.decode()
    # The manager's saves touch only the manager's own note; a conflict shows only their own.
    response = client.post(url("private_note_save", talk), {"revision": 1, "text": "mine"})
    assert response.status_code == 409
    assert NOTE not in response.content.decode()
    response = client.post(url("private_note_save", talk), {"revision": 1, "text": "mine"}, **HTMX)
    assert NOTE not in response.content.decode()
    client.post(url("private_note_save", talk), {"revision": 0, "text": "mine"})
    assert note_of(talk, employee).text == NOTE
    assert note_of(talk, manager).text == "mine"


# --- private notes --------------------------------------------------------------------------


def test_private_notes_save_without_javascript(login, talk, employee):
    response = login(employee).post(url("private_note_save", talk), {"revision": 0, "text": NOTE})
    assert response.status_code == 302
    assert response["Location"] == url("talk_afterwards", talk) + "#private-notes"
    assert messages_of(response) == ["Your private notes were saved."]
    assert note_of(talk, employee).text == NOTE
    assert NOTE in login(employee).get(url("talk_afterwards", talk)).content.decode()


def test_private_notes_autosave(login, talk, employee):
    client = login(employee)
    response = client.post(url("private_note_save", talk), {"revision": 0, "text": "a"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saved " in html
    assert 'value="1" id="note_revision" hx-swap-oob="true"' in html
    client.post(url("private_note_save", talk), {"revision": 1, "text": "ab"}, **HTMX)
    note = note_of(talk, employee)
    assert note.text == "ab"
    assert note.revision == 2


def test_a_stale_note_is_refused_and_both_texts_shown(login, talk, employee):
    preparation.private_note_save(talk=talk, actor=employee.user, text="Other tab", revision=0)
    client = login(employee)
    response = client.post(url("private_note_save", talk), {"revision": 0, "text": "This tab"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Other tab" in html
    assert "This tab" in html
    assert 'id="note_revision"' in html
    assert note_of(talk, employee).text == "Other tab"

    response = client.post(
        url("private_note_save", talk), {"revision": 0, "text": "This tab"}, **HTMX
    )
    assert "Not saved" in response.content.decode()
    assert "Other tab" in response.content.decode()
    assert note_of(talk, employee).text == "Other tab"
    client.post(
        url("private_note_save", talk), {"revision": 0, "text": "This tab", "take_over": "1"}
    )
    assert note_of(talk, employee).text == "This tab"


@pytest.mark.parametrize("text", ["bad\x00note", "n" * 20001])
def test_bad_notes_are_refused_and_nothing_changes(login, talk, employee, text):
    preparation.private_note_save(talk=talk, actor=employee.user, text="Kept", revision=0)
    client = login(employee)
    response = client.post(url("private_note_save", talk), {"revision": 1, "text": text})
    assert response.status_code == 400
    assert 'class="error-list"' in response.content.decode()
    response = client.post(url("private_note_save", talk), {"revision": 1, "text": text}, **HTMX)
    assert "Not saved" in response.content.decode()
    note = note_of(talk, employee)
    assert note.text == "Kept"
    assert note.revision == 1


# --- who may see what -------------------------------------------------------------------------


OUTSIDERS = ["hr", "admin_user", "other_manager", "safety_rep", "colleague", "other_employee"]


@pytest.mark.parametrize("who", [*OUTSIDERS, "superuser"])
def test_outsiders_get_404_and_never_the_notes_or_evaluations(
    request, login, talk, employee, manager, who
):
    preparation.private_note_save(talk=talk, actor=employee.user, text=NOTE, revision=0)
    preparation.private_note_save(talk=talk, actor=manager.user, text=NOTE + "-m", revision=0)
    preparation.answer_save(
        talk=talk, actor=employee.user, question=how(talk), text="", value=True, revision=0
    )
    client = login(request.getfixturevalue(who))
    for page in ("talk_afterwards", "talk_prepare", "talk_detail"):
        response = client.get(url(page, talk))
        assert NOTE not in response.content.decode()
        if page != "talk_detail":
            assert response.status_code == 404
    assert client.post(
        url("private_note_save", talk), {"revision": 1, "text": "x"}
    ).status_code in (403, 404)
    assert (
        client.post(url("answer_save", talk, how(talk).pk), {"revision": 1, "value": "no"})
    ).status_code in (403, 404)
    assert note_of(talk, employee).text == NOTE
    assert evaluation_of(talk, employee).value is True
