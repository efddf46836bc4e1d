"""The preparation page: each party's own questions as forms that save with and without htmx,
sharing and taking back, edit conflicts, refused and bad input (nothing changed), the other
party's shared answers and last year's agreed record beside, and who may see any of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from samtal.accounts.tests.factories import UserFactory
from samtal.core.models import AuditLogEntry
from samtal.talk_templates.models import Question, TemplateVersion, VersionStatus
from samtal.talk_templates.tests.factories import make_draft, make_question
from samtal.talks import preparation
from samtal.talks.models import Answer, Record, RecordVersion, Talk, TalkStatus
from samtal.talks.tests.factories import TalkFactory, booked_talk

pytestmark = pytest.mark.django_db

SECRET = "SECRET-PREP-7f3a"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.fixture
def talk(employee) -> Talk:
    return booked_talk(employee)


def question(talk: Talk, key: str) -> Question:
    return Question.objects.get(section__version=talk.template_version, key=key)


def url(name: str, talk: Talk, *args: Any) -> str:
    return reverse(f"talks:{name}", args=[talk.pk, *args])


def save_url(talk: Talk, key: str) -> str:
    return url("answer_save", talk, question(talk, key).pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def answer_of(talk: Talk, person, key: str) -> Any:  # Answer or None
    return Answer.objects.filter(talk=talk, author=person, question__key=key).first()


def save(talk: Talk, person, key: str, text: str, revision: int = 0) -> Answer:
    return preparation.answer_save(
        talk=talk,
        actor=person.user,
        question=question(talk, key),
        text=text,
        value=None,
        revision=revision,
    )


def choice_version() -> TemplateVersion:
    """The small test template plus an employee preparation question of each choice type."""
    version = make_draft()
    prep = version.sections.get(key="prep")
    make_question(
        prep, "pace", question_type="scale", scale_low_en="Too slow", scale_high_en="Too fast"
    )
    make_question(prep, "mentor", question_type="yes_no", help_en="A mentor outside the unit.")
    options = [{"sv": "Kurs", "en": "Course"}, {"sv": "Konferens", "en": "Conference"}]
    make_question(prep, "one", question_type="single_choice", choices=options)
    make_question(prep, "many", question_type="multiple_choice", choices=options)
    TemplateVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLISHED)
    version.refresh_from_db()
    return version


# --- the page -------------------------------------------------------------------------------


def test_each_party_sees_only_their_own_preparation_questions(login, talk, employee, manager):
    page = login(employee).get(url("talk_prepare", talk))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert "Question tasks?" in html
    assert "Question view?" not in html
    assert 'hx-post="' + save_url(talk, "tasks") in html
    assert 'hx-trigger="input delay:1s, submit"' in html
    assert 'name="revision" value="0"' in html
    # The record's and the evaluation's questions are not part of the preparation.
    assert "Question workload?" not in html
    assert "Question how?" not in html

    html = login(manager).get(url("talk_prepare", talk)).content.decode()
    assert "Question view?" in html
    assert "Question tasks?" not in html


def test_choice_questions_get_labelled_radio_and_checkbox_groups(login, employee):
    talk = booked_talk(employee, template_version=choice_version())
    html = login(employee).get(url("talk_prepare", talk)).content.decode()
    pace = question(talk, "pace").pk
    assert "<legend>Question pace?" in html
    assert 'type="radio" name="value" value="1"' in html
    assert "1 – Too slow" in html
    assert "5 – Too fast" in html
    assert "A mentor outside the unit." in html
    assert f'id="q{pace}_value_0"' in html
    assert 'type="checkbox" name="value" value="1"' in html
    assert "<legend>Question many?" in html
    assert " Conference</label>" in html


def test_posted_choices_become_what_the_service_expects(login, employee):
    talk = booked_talk(employee, template_version=choice_version())
    client = login(employee)
    cases: list[tuple[str, dict[str, Any], Any]] = [
        ("pace", {"value": "4"}, 4),
        ("mentor", {"value": "yes"}, True),
        ("one", {"value": "1"}, 1),
        ("many", {"value": ["1", "0"]}, [0, 1]),
    ]
    for key, data, expected in cases:
        response = client.post(save_url(talk, key), {"revision": 0, **data})
        assert response.status_code == 302, key
        assert answer_of(talk, employee, key).value == expected

    # Saved values come back checked.
    html = client.get(url("talk_prepare", talk)).content.decode()
    assert 'value="yes" id="q{}_value_0" checked'.format(question(talk, "mentor").pk) in html


def test_a_value_outside_the_question_is_refused(login, employee):
    talk = booked_talk(employee, template_version=choice_version())
    client = login(employee)
    for key, value in [("pace", "7"), ("mentor", "maybe"), ("one", "5"), ("many", "9")]:
        response = client.post(save_url(talk, key), {"revision": 0, "value": value})
        assert response.status_code == 400, key
        assert answer_of(talk, employee, key) is None


# --- saving -----------------------------------------------------------------------------------


def test_save_without_javascript_redirects_to_the_question(login, talk, employee):
    response = login(employee).post(save_url(talk, "tasks"), {"revision": 0, "text": "My year"})
    q = question(talk, "tasks")
    assert response.status_code == 302
    assert response["Location"] == url("talk_prepare", talk) + f"#q{q.pk}"
    assert messages_of(response) == ["Your answer was saved."]
    answer = answer_of(talk, employee, "tasks")
    assert answer.text == "My year"
    assert answer.revision == 1
    assert answer.shared_at is None


def test_autosave_returns_the_saved_state_and_the_new_revision(login, talk, employee):
    client = login(employee)
    q = question(talk, "tasks")
    first = client.post(save_url(talk, "tasks"), {"revision": 0, "text": "a"}, **HTMX)
    assert first.status_code == 200
    html = first.content.decode()
    assert "Saved " in html
    assert "<html" not in html
    assert f'value="1" id="q{q.pk}_revision" hx-swap-oob="true"' in html
    second = client.post(save_url(talk, "tasks"), {"revision": 1, "text": "ab"}, **HTMX)
    assert f'value="2" id="q{q.pk}_revision"' in second.content.decode()
    assert answer_of(talk, employee, "tasks").text == "ab"


def test_a_stale_save_shows_both_texts_and_saves_nothing(login, talk, employee):
    save(talk, employee, "tasks", "Written in the other tab")
    response = login(employee).post(
        save_url(talk, "tasks"), {"revision": 0, "text": "Written in this tab"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Written in the other tab" in html
    assert "Written in this tab" in html
    assert 'name="revision" value="1"' in html
    answer = answer_of(talk, employee, "tasks")
    assert answer.text == "Written in the other tab"
    assert answer.revision == 1


def test_a_stale_autosave_is_refused_until_the_user_chooses(login, talk, employee):
    save(talk, employee, "tasks", "Other tab")
    client = login(employee)
    data = {"revision": 0, "text": "This tab"}
    response = client.post(save_url(talk, "tasks"), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not saved" in html
    assert "Other tab" in html
    assert 'name="take_over" value="1"' in html
    assert "hx-swap-oob" not in html  # the form keeps its old revision: autosave stays refused
    assert client.post(save_url(talk, "tasks"), data, **HTMX).status_code == 200
    assert answer_of(talk, employee, "tasks").text == "Other tab"

    client.post(save_url(talk, "tasks"), {**data, "take_over": "1"}, **HTMX)
    assert answer_of(talk, employee, "tasks").text == "This tab"


@pytest.mark.parametrize("take_over", ["²", "1" * 40, "-1", "abc"])
def test_a_take_over_that_is_no_revision_is_ignored(login, talk, employee, take_over):
    # "²".isdigit() is true but int() refuses it: this was a 500 (hostile-input suite).
    save(talk, employee, "tasks", "Other tab")
    client = login(employee)
    data = {"revision": 0, "text": "This tab", "take_over": take_over}
    response = client.post(save_url(talk, "tasks"), data, **HTMX)
    assert response.status_code == 200
    assert "Not saved" in response.content.decode()
    assert answer_of(talk, employee, "tasks").text == "Other tab"


@pytest.mark.parametrize(
    ("text", "problem"),
    [("bad\x00text", "NUL"), ("x" * 10001, "10000"), ("y" * 12000, "10000")],
)
def test_bad_text_is_refused_on_the_field(login, talk, employee, text, problem):
    save(talk, employee, "tasks", "Kept")
    client = login(employee)
    response = client.post(save_url(talk, "tasks"), {"revision": 1, "text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-list"' in html
    answer = answer_of(talk, employee, "tasks")
    assert answer.text == "Kept"
    assert answer.revision == 1

    response = client.post(save_url(talk, "tasks"), {"revision": 1, "text": text}, **HTMX)
    assert "Not saved" in response.content.decode()
    assert answer_of(talk, employee, "tasks").text == "Kept"


def test_the_other_partys_record_or_another_versions_question_is_403(login, talk, employee):
    client = login(employee)
    other_version = TalkFactory(employee=employee).template_version
    foreign = Question.objects.get(section__version=other_version, key="tasks")
    for target in [
        save_url(talk, "view"),  # the manager's preparation question
        save_url(talk, "workload"),  # a question of the shared record
        url("answer_save", talk, foreign.pk),
    ]:
        response = client.post(target, {"revision": 0, "text": "x", "value": "1"})
        assert response.status_code == 403, target
    assert not Answer.objects.exists()
    assert client.post(url("answer_save", talk, 999999), {"revision": 0}).status_code == 404


def test_closed_preparation_is_shown_read_only_and_refuses_saves(login, talk, employee):
    save(talk, employee, "tasks", "Before the talk")
    Talk.objects.filter(pk=talk.pk).update(status=TalkStatus.CANCELLED)
    client = login(employee)
    html = client.get(url("talk_prepare", talk)).content.decode()
    assert "Preparation is closed" in html
    assert "Before the talk" in html
    assert "<textarea" not in html

    response = client.post(save_url(talk, "tasks"), {"revision": 1, "text": "After"})
    assert response.status_code == 302
    assert any("Preparation is closed" in m for m in messages_of(response))
    response = client.post(save_url(talk, "tasks"), {"revision": 1, "text": "After"}, **HTMX)
    assert "Preparation is closed" in response.content.decode()
    assert answer_of(talk, employee, "tasks").text == "Before the talk"


# --- sharing ----------------------------------------------------------------------------------


def test_sharing_one_answer_shows_it_to_the_other_party(login, talk, employee, manager):
    save(talk, employee, "tasks", SECRET)
    assert SECRET not in login(manager).get(url("talk_prepare", talk)).content.decode()

    q = question(talk, "tasks")
    response = login(employee).post(url("answers_share", talk), {"question": q.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#q{q.pk}")
    assert answer_of(talk, employee, "tasks").shared_at is not None
    assert "1 answer is now shared with Maja Chef." in messages_of(response)
    assert "Take back" in login(employee).get(url("talk_prepare", talk)).content.decode()

    html = login(manager).get(url("talk_prepare", talk)).content.decode()
    assert SECRET in html
    assert "Shared with you by Erik Medarbetare" in html


def test_share_all_and_nothing_to_share(login, talk, employee, manager):
    client = login(employee)
    response = client.post(url("answers_share", talk))
    assert any("Nothing was shared" in m for m in messages_of(response))
    save(talk, employee, "tasks", "one")
    response = client.post(url("answers_share", talk))
    assert "1 answer is now shared with Maja Chef." in messages_of(response)
    assert answer_of(talk, employee, "tasks").shared_at is not None


def test_sharing_another_persons_answer_shares_nothing(login, talk, employee, manager):
    save(talk, employee, "tasks", SECRET)
    client = login(manager)
    response = client.post(url("answers_share", talk), {"question": question(talk, "tasks").pk})
    assert response.status_code == 403
    assert client.post(url("answers_share", talk)).status_code == 302  # shares the manager's own
    assert answer_of(talk, employee, "tasks").shared_at is None
    response = client.post(url("answer_unshare", talk, question(talk, "tasks").pk))
    assert any("nothing changed" in m for m in messages_of(response))
    # The employee naming a question of another template version shares nothing either.
    foreign = Question.objects.get(
        section__version=TalkFactory(employee=employee).template_version, key="tasks"
    )
    response = login(employee).post(url("answers_share", talk), {"question": foreign.pk})
    assert any("Nothing was shared" in m for m in messages_of(response))
    assert answer_of(talk, employee, "tasks").shared_at is None


@pytest.mark.parametrize("raw", ["²", "abc", "1" * 40, "-1"])
def test_sharing_a_question_that_is_no_id_is_404(login, talk, employee, raw):
    save(talk, employee, "tasks", "My answer")
    response = login(employee).post(url("answers_share", talk), {"question": raw})
    assert response.status_code == 404
    assert answer_of(talk, employee, "tasks").shared_at is None


def test_taking_an_answer_back_makes_it_private_again(login, talk, employee, manager):
    save(talk, employee, "tasks", SECRET)
    preparation.answers_share(talk=talk, actor=employee.user)
    q = question(talk, "tasks")
    response = login(employee).post(url("answer_unshare", talk, q.pk))
    assert response.status_code == 302
    assert "The answer is private again: only you can read it." in messages_of(response)
    assert answer_of(talk, employee, "tasks").shared_at is None
    assert SECRET not in login(manager).get(url("talk_prepare", talk)).content.decode()


def test_after_the_talk_a_shared_answer_stays_shared(login, talk, employee):
    save(talk, employee, "tasks", SECRET)
    preparation.answers_share(talk=talk, actor=employee.user)
    Talk.objects.filter(pk=talk.pk).update(status=TalkStatus.HELD)
    client = login(employee)
    assert "Take back" not in client.get(url("talk_prepare", talk)).content.decode()
    response = client.post(url("answer_unshare", talk, question(talk, "tasks").pk))
    assert any("stays shared" in m for m in messages_of(response))
    assert answer_of(talk, employee, "tasks").shared_at is not None


# --- last year's agreed record --------------------------------------------------------------


def agreed_talk(employee, manager) -> Talk:
    previous = TalkFactory(employee=employee, manager=manager, status=TalkStatus.AGREED)
    Talk.objects.filter(pk=previous.pk).update(created_at=timezone.now() - dt.timedelta(days=365))
    record = Record.objects.create(talk=previous, state=Record.State.AGREED)
    content = {
        "held_on": "2026-03-01",
        "manager": manager.full_name,
        "note_taker_name": manager.full_name,
        "passed_on": "Only the plan.",
        "sections": [
            {
                "key": "work_environment",
                "title_sv": "Arbetsmiljö",
                "title_en": "Work environment",
                "questions": [
                    {
                        "key": "workload",
                        "text_sv": "Hur är arbetsbelastningen?",
                        "text_en": "How is the workload?",
                        "type": "scale",
                        "choices": [],
                        "answer": "Heavy in spring.",
                        "value": 2,
                    },
                    {
                        "key": "development",
                        "text_sv": "Utveckling?",
                        "text_en": "Development?",
                        "type": "single_choice",
                        "choices": [{"sv": "Ja", "en": "Yes"}, {"sv": "Nej", "en": "No"}],
                        "answer": "",
                        "value": 1,
                    },
                ],
            }
        ],
    }
    version = RecordVersion.objects.create(
        record=record, number=1, content=content, content_hash="x", created_by=manager
    )
    record.agreed_version = version
    record.current_version = version
    record.save()
    return previous


def test_the_last_agreed_record_is_shown_in_the_readers_language(login, employee, manager):
    agreed_talk(employee, manager)
    talk = booked_talk(employee)
    html = login(employee).get(url("talk_prepare", talk)).content.decode()
    assert "The last agreed record" in html
    assert "Work environment" in html
    assert "How is the workload?" in html
    assert "Heavy in spring." in html
    assert "2 of 5" in html
    assert "Only the plan." in html
    assert "Arbetsmiljö" not in html

    client = login(employee)
    client.cookies["samtal_language"] = "sv"
    html = client.get(url("talk_prepare", talk)).content.decode()
    assert "Arbetsmiljö" in html
    assert "Hur är arbetsbelastningen?" in html


def test_no_record_section_without_an_agreed_record(login, talk, employee):
    assert (
        "The last agreed record"
        not in login(employee).get(url("talk_prepare", talk)).content.decode()
    )


# --- who may see what -------------------------------------------------------------------------


OUTSIDERS = ["hr", "admin_user", "other_manager", "safety_rep", "colleague", "other_employee"]


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.se", is_superuser=True, is_staff=True)


@pytest.mark.parametrize("who", [*OUTSIDERS, "superuser"])
def test_outsiders_get_404_and_never_the_answers(request, login, talk, employee, manager, who):
    save(talk, employee, "tasks", SECRET)
    preparation.answers_share(talk=talk, actor=employee.user)
    save(talk, manager, "view", SECRET + "-manager")
    client = login(request.getfixturevalue(who))
    q = question(talk, "tasks")
    for page in ("talk_prepare", "talk_afterwards"):
        response = client.get(url(page, talk))
        assert response.status_code == 404
        assert SECRET not in response.content.decode()
    for target, data in [
        (save_url(talk, "tasks"), {"revision": 1, "text": "changed"}),
        (url("answers_share", talk), {}),
        (url("answer_unshare", talk, q.pk), {}),
    ]:
        assert client.post(target, data).status_code in (403, 404)
    detail = client.get(url("talk_detail", talk))
    assert SECRET not in detail.content.decode()
    answer = answer_of(talk, employee, "tasks")
    assert answer.text == SECRET
    assert answer.shared_at is not None
    assert answer_of(talk, manager, "view").shared_at is None


def test_the_manager_never_sees_the_employees_unshared_answer(login, talk, employee, manager):
    save(talk, employee, "tasks", SECRET)
    client = login(manager)
    for page in ("talk_prepare", "talk_afterwards", "talk_detail"):
        response = client.get(url(page, talk))
        assert response.status_code == 200
        assert SECRET not in response.content.decode(), page


def test_the_next_managers_read_of_the_old_record_is_audit_logged(
    login, employee, manager, other_manager
):
    # The earlier talk was held with another manager; the current one reads it as next manager.
    agreed_talk(employee, other_manager)
    talk = booked_talk(employee)
    html = login(manager).get(url("talk_prepare", talk)).content.decode()
    assert "Heavy in spring." in html
    entry = AuditLogEntry.objects.get(actor=manager.user, what="talk_record")
    assert entry.reason == "next_manager"
    assert entry.subject == employee
    # A party of the earlier talk reads it without an audit entry.
    login(employee).get(url("talk_prepare", talk))
    assert AuditLogEntry.objects.count() == 1


@pytest.mark.parametrize("name", ["answers_share"])
def test_change_urls_are_post_only(login, talk, employee, name):
    client = login(employee)
    q = question(talk, "tasks")
    assert client.get(url(name, talk)).status_code == 405
    assert client.get(url("answer_save", talk, q.pk)).status_code == 405
    assert client.get(url("answer_unshare", talk, q.pk)).status_code == 405
    assert client.get(url("private_note_save", talk)).status_code == 405


def test_posts_need_the_csrf_token(employee, talk):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)
    response = client.post(save_url(talk, "tasks"), {"revision": 0, "text": "x"})
    assert response.status_code == 403
    assert answer_of(talk, employee, "tasks") is None


def test_the_talk_page_links_to_preparation_and_afterwards(login, talk, employee, hr):
    html = login(employee).get(url("talk_detail", talk)).content.decode()
    assert url("talk_prepare", talk) in html
    assert url("talk_afterwards", talk) in html
    html = login(hr).get(url("talk_detail", talk)).content.decode()
    assert url("talk_prepare", talk) not in html
