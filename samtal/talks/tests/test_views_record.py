"""The record page and every change to it: who sees what (the privacy matrix for the page
and each POST), autosave and the Save button, the concurrent-edit conflict, sending,
agreeing to one exact version, voiding, the locked record, corrections, comments, the
note-taker, and bad input (NUL, over-long, stale, on behalf of someone else)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from samtal.core.models import AuditLogEntry, OrgPolicy, OutgoingEmail
from samtal.organisation.services import person_set_manager
from samtal.organisation.tests.factories import PersonFactory
from samtal.talk_templates.models import Question
from samtal.talks import record as rec
from samtal.talks import services
from samtal.talks.models import Agreement, Record, RecordComment, RecordEntry, Talk, TalkStatus
from samtal.talks.tests.factories import booked_talk

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_PARTIES = ["hr", "admin_user", "safety_rep", "colleague", "other_manager", "other_employee"]
CHANGES = [
    "record_passed_on",
    "record_comment",
    "record_note_taker",
    "record_send",
    "record_agree",
    "record_correct",
]


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


def held(employee: Any, manager: Any, note_taker: str = "manager") -> Talk:
    talk = booked_talk(employee, days_ahead=-1)
    services.talk_mark_held(
        talk=talk, actor=manager.user, revision=talk.revision, note_taker=note_taker
    )
    return Talk.objects.get(pk=talk.pk)


@pytest.fixture
def talk(employee, manager) -> Talk:
    return held(employee, manager)


def url(name: str, talk: Talk, *args: Any) -> str:
    return reverse(f"talks:{name}", args=[talk.pk, *args])


def question(talk: Talk, key: str) -> Question:
    return Question.objects.get(section__version=talk.template_version, key=key)


def entry_url(talk: Talk, key: str) -> str:
    return url("record_entry_save", talk, question(talk, key).pk)


def record_of(talk: Talk) -> Record:
    return Record.objects.select_related("current_version", "agreed_version").get(talk=talk)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def write(talk: Talk, who: Any, key: str = "workload", text: str = "Heavy", value: Any = 3) -> None:
    entry = RecordEntry.objects.filter(record__talk=talk, question__key=key).first()
    rec.record_entry_save(
        record=record_of(talk),
        actor=who.user,
        question=question(talk, key),
        text=text,
        value=value,
        revision=entry.revision if entry else 0,
    )


def send(talk: Talk, who: Any) -> Any:
    record = record_of(talk)
    return rec.record_send(record=record, actor=who.user, revision=record.revision)


def agree(talk: Talk, who: Any) -> None:
    version = record_of(talk).current_version
    assert version is not None
    rec.record_agree(
        record=record_of(talk),
        actor=who.user,
        version_number=version.number,
        hash_=version.content_hash,
    )


def agreed(talk: Talk, employee: Any, manager: Any) -> Talk:
    write(talk, manager, text="AGREED-TEXT")
    send(talk, manager)
    agree(talk, employee)
    agree(talk, manager)
    return talk


def snapshot(talk: Talk) -> tuple[Any, ...]:
    record = record_of(talk)
    return (
        record.state,
        record.revision,
        record.passed_on,
        record.note_taker,
        record.current_version_id,
        sorted(RecordEntry.objects.filter(record=record).values_list("text", "value", "revision")),
        sorted(Agreement.objects.values_list("party", "voided_at")),
        RecordComment.objects.count(),
    )


def policy(allow: bool) -> None:
    OrgPolicy.current()
    OrgPolicy.objects.update(hr_may_read_records=allow)


# --- marking the talk held with a note-taker ------------------------------------------------


def test_the_held_form_offers_the_note_taker(login, manager, employee):
    talk = booked_talk(employee, days_ahead=-1)
    html = login(manager).get(url("talk_detail", talk)).content.decode()
    assert "Who takes notes for the record?" in html
    assert 'name="note_taker" value="manager"' in html
    assert 'value="manager" id="held_note_taker_1" checked' in html


def test_the_manager_chooses_the_employee_as_note_taker(login, manager, employee):
    talk = booked_talk(employee, days_ahead=-1)
    response = login(manager).post(
        url("talk_held", talk), {"revision": talk.revision, "note_taker": "employee"}
    )
    assert response.status_code == 302
    assert record_of(talk).note_taker == "employee"


def test_without_a_choice_the_manager_takes_notes(login, manager, employee):
    talk = booked_talk(employee, days_ahead=-1)
    login(manager).post(url("talk_held", talk), {"revision": talk.revision})
    assert record_of(talk).note_taker == "manager"


def test_an_unknown_note_taker_is_refused(login, manager, employee):
    talk = booked_talk(employee, days_ahead=-1)
    response = login(manager).post(
        url("talk_held", talk), {"revision": talk.revision, "note_taker": "hr"}
    )
    assert response.status_code == 400
    assert not Record.objects.exists()
    assert Talk.objects.get(pk=talk.pk).status == TalkStatus.BOOKED


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_the_talk_page_links_to_the_record_for_the_parties(request, login, talk, who):
    html = login(request.getfixturevalue(who)).get(url("talk_detail", talk)).content.decode()
    assert f'href="{url("talk_record", talk)}"' in html
    assert ">The record</a>" in html


def test_the_talk_page_links_to_the_record_for_hr_only_under_the_policy(
    login, talk, employee, manager, hr
):
    agreed(talk, employee, manager)
    client = login(hr)
    assert url("talk_record", talk) not in client.get(url("talk_detail", talk)).content.decode()
    policy(True)
    assert url("talk_record", talk) in client.get(url("talk_detail", talk)).content.decode()


# --- who sees the page ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_the_parties_see_the_working_copy(request, login, talk, manager, who):
    write(talk, manager, text="WORKING-COPY")
    response = login(request.getfixturevalue(who)).get(url("talk_record", talk))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "WORKING-COPY" in html
    assert "Notes taken by Maja Chef" in html
    assert "Being written" in html
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("who", NOT_PARTIES)
def test_everyone_else_gets_404(request, login, talk, employee, manager, who):
    agreed(talk, employee, manager)
    client = login(request.getfixturevalue(who))
    assert client.get(url("talk_record", talk)).status_code == 404
    assert client.get(url("record_versions", talk)).status_code == 404
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("who", NOT_PARTIES)
def test_everyone_else_gets_404_on_every_change(request, login, talk, employee, manager, who):
    agreed(talk, employee, manager)
    before = snapshot(talk)
    client = login(request.getfixturevalue(who))
    for name in CHANGES:
        assert client.post(url(name, talk), {"revision": 1, "text": "x"}).status_code == 404
    assert client.post(entry_url(talk, "workload"), {"revision": 1}).status_code == 404
    assert snapshot(talk) == before


@pytest.fixture
def next_manager(employee):
    person = PersonFactory(unit=employee.unit, first_name="Nina", last_name="Nästa")
    person_set_manager(person=employee, manager=person, actor=None)
    return person


def test_the_next_manager_reads_only_the_agreed_version_and_is_logged(
    login, talk, employee, manager, next_manager
):
    agreed(talk, employee, manager)
    record = record_of(talk)
    rec.record_correct(record=record, actor=manager.user, revision=record.revision)
    write(talk, manager, text="CORRECTION-IN-PROGRESS")
    response = login(next_manager).get(url("talk_record", talk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "AGREED-TEXT" in html
    assert "CORRECTION-IN-PROGRESS" not in html
    assert "<textarea" not in html
    assert "<form" not in html.split("<main", 1)[1].split("</main>")[0]
    assert "version 1, the last version both parties agreed to" in html
    entry = AuditLogEntry.objects.get()
    assert entry.actor == next_manager.user
    assert entry.subject == employee
    assert entry.reason == "next_manager"
    assert entry.path == url("talk_record", talk)
    # The history of versions is for the two parties only.
    assert login(next_manager).get(url("record_versions", talk)).status_code == 404


def test_hr_reads_the_agreed_version_only_under_the_policy(login, talk, employee, manager, hr):
    write(talk, manager, text="NOT-YET-AGREED")
    client = login(hr)
    policy(True)
    assert client.get(url("talk_record", talk)).status_code == 404  # nothing agreed yet
    record = record_of(talk)
    rec.record_send(record=record, actor=manager.user, revision=record.revision)
    agree(talk, employee)
    agree(talk, manager)
    policy(False)
    assert client.get(url("talk_record", talk)).status_code == 404
    assert not AuditLogEntry.objects.exists()
    policy(True)
    response = client.get(url("talk_record", talk))
    assert response.status_code == 200
    assert "NOT-YET-AGREED" in response.content.decode()  # now agreed: version 1
    assert AuditLogEntry.objects.get().reason == "hr"


@pytest.mark.parametrize("reader", ["next_manager", "hr"])
def test_readers_of_the_agreed_version_may_not_change_anything(
    request, login, talk, employee, manager, reader
):
    agreed(talk, employee, manager)
    policy(True)
    client = login(request.getfixturevalue(reader))
    before = snapshot(talk)
    for name in CHANGES:
        assert client.post(url(name, talk), {"revision": 1, "text": "x"}).status_code == 403
    assert client.post(entry_url(talk, "workload"), {"revision": 1}).status_code == 403
    assert snapshot(talk) == before


def test_a_talk_without_a_record_has_no_record_page(login, manager, employee):
    talk = booked_talk(employee, days_ahead=-1)
    assert login(manager).get(url("talk_record", talk)).status_code == 404


@pytest.mark.parametrize(
    "name", ["record_entry_save", *CHANGES], ids=lambda name: name.removeprefix("record_")
)
def test_get_on_a_change_answers_405(login, talk, manager, name):
    args = [question(talk, "workload").pk] if name == "record_entry_save" else []
    assert login(manager).get(url(name, talk, *args)).status_code == 405


def test_the_public_records_notice(login, talk, manager, settings):
    settings.SAMTAL_PUBLIC_RECORDS_NOTICE = False
    assert "allmän handling" not in login(manager).get(url("talk_record", talk)).content.decode()
    settings.SAMTAL_PUBLIC_RECORDS_NOTICE = True
    assert "allmän handling" in login(manager).get(url("talk_record", talk)).content.decode()


# --- writing ------------------------------------------------------------------------------------


def test_the_note_taker_gets_a_form_per_question(login, talk, manager):
    html = login(manager).get(url("talk_record", talk)).content.decode()
    for key in ("workload", "development"):
        assert f'hx-post="{entry_url(talk, key)}"' in html
    assert 'hx-trigger="input changed delay:1s, change delay:1s, submit"' in html
    assert 'name="revision" value="0"' in html
    workload = question(talk, "workload").pk
    assert "<legend>Question workload?</legend>" in html
    assert "1 – Too high" in html
    assert "5 – About right" in html
    assert f'id="q{workload}_value_0"' in html
    assert f'<label for="q{workload}_text">Notes' in html
    assert "Yes</label>" in html  # the single choice's options
    assert 'role="status"' in html
    assert f'action="{url("record_passed_on", talk)}"' in html
    assert "Send for agreement" in html


def test_the_other_party_reads_and_comments(login, talk, employee, manager):
    write(talk, manager, text="What was said")
    html = login(employee).get(url("talk_record", talk)).content.decode()
    assert "What was said" in html
    assert "3 of 5" in html
    assert "record/entries/" not in html
    assert f'action="{url("record_comment", talk)}"' in html
    assert "Comment on this question" in html
    assert "Send for agreement" not in html  # only the note-taker sends
    assert "Change who takes notes" in html


def test_autosave_returns_only_the_save_state(login, talk, manager):
    client = login(manager)
    response = client.post(
        entry_url(talk, "workload"), {"revision": 0, "text": "Heavy", "value": "2"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Saved " in html
    assert 'name="revision" value="1"' in html
    entry = RecordEntry.objects.get()
    assert entry.text == "Heavy"
    assert entry.value == 2
    assert entry.revision == 1
    # The next autosave carries the new revision.
    response = client.post(
        entry_url(talk, "workload"), {"revision": 1, "text": "Heavy spring", "value": "2"}, **HTMX
    )
    assert 'name="revision" value="2"' in response.content.decode()
    assert RecordEntry.objects.get().text == "Heavy spring"


def test_the_save_button_works_without_javascript(login, talk, manager):
    response = login(manager).post(entry_url(talk, "development"), {"revision": 0, "value": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#q{question(talk, 'development').pk}")
    assert messages_of(response)[0].startswith("Saved ")
    assert RecordEntry.objects.get().value == 1


def test_a_choice_that_does_not_exist_is_refused(login, talk, manager):
    before = snapshot(talk)
    response = login(manager).post(entry_url(talk, "workload"), {"revision": 0, "value": "7"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert snapshot(talk) == before


@pytest.mark.parametrize(
    ("text", "problem"),
    [("Before\x00after", "Null characters are not allowed"), ("x" * 10001, "at most 10000")],
    ids=["nul", "too-long"],
)
def test_nul_and_over_long_text_are_refused(login, talk, manager, text, problem):
    write(talk, manager, text="Kept")
    before = snapshot(talk)
    client = login(manager)
    response = client.post(entry_url(talk, "workload"), {"revision": 1, "text": text})
    assert response.status_code == 400
    assert problem in response.content.decode()
    response = client.post(entry_url(talk, "workload"), {"revision": 1, "text": text}, **HTMX)
    assert problem in response.content.decode()
    assert 'name="revision" value="1"' in response.content.decode()
    response = client.post(url("record_passed_on", talk), {"revision": 0, "text": text})
    assert response.status_code == 400
    response = client.post(url("record_comment", talk), {"text": text})
    assert response.status_code == 400
    assert snapshot(talk) == before


def test_the_other_party_cannot_write_the_record(login, talk, employee):
    before = snapshot(talk)
    client = login(employee)
    assert client.post(entry_url(talk, "workload"), {"revision": 0, "text": "x"}).status_code == 403
    assert client.post(url("record_passed_on", talk), {"revision": 0, "text": "x"}).status_code == (
        403
    )
    assert client.post(url("record_send", talk), {"revision": 1}).status_code == 403
    assert snapshot(talk) == before


def test_a_question_of_another_template_is_404(login, talk, manager, employee):
    other = held(PersonFactory(unit=employee.unit, manager=manager), manager)
    response = login(manager).post(
        url("record_entry_save", talk, question(other, "workload").pk), {"revision": 0}
    )
    assert response.status_code == 404


def test_passed_on_autosaves(login, talk, manager):
    client = login(manager)
    response = client.post(
        url("record_passed_on", talk), {"revision": 0, "text": "The plan only."}, **HTMX
    )
    assert "Saved " in response.content.decode()
    assert 'name="revision" value="1"' in response.content.decode()
    assert record_of(talk).passed_on == "The plan only."
    html = client.get(url("talk_record", talk)).content.decode()
    assert "The plan only." in html


# --- two people saving the same text --------------------------------------------------------


def test_a_concurrent_edit_shows_both_texts_and_saves_nothing(login, talk, manager):
    write(talk, manager, text="Saved in the other tab")
    before = snapshot(talk)
    client = login(manager)
    response = client.post(
        entry_url(talk, "workload"), {"revision": 0, "text": "Written in this tab", "value": "4"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not saved" in html
    assert "Saved in the other tab" in html
    assert "Written in this tab" in html  # in the box and beside
    assert "Saved by Maja Chef at" in html
    assert 'name="take_over" value="1"' in html
    assert snapshot(talk) == before

    # With HTMX: the same, in the save state; the form keeps its old revision.
    response = client.post(
        entry_url(talk, "workload"), {"revision": 0, "text": "Written in this tab"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved in the other tab" in html
    assert 'name="revision" value="0"' in html
    assert snapshot(talk) == before

    # Having seen theirs, the user saves their own text instead.
    response = client.post(
        entry_url(talk, "workload"),
        {"revision": 0, "take_over": 1, "text": "Written in this tab"},
        **HTMX,
    )
    assert "Saved " in response.content.decode()
    assert RecordEntry.objects.get().text == "Written in this tab"


def test_a_concurrent_edit_of_what_may_be_passed_on(login, talk, manager):
    record = record_of(talk)
    rec.record_passed_on_save(record=record, actor=manager.user, text="Theirs", revision=0)
    response = login(manager).post(url("record_passed_on", talk), {"revision": 0, "text": "Mine"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Theirs" in html
    assert "Mine" in html
    assert record_of(talk).passed_on == "Theirs"


# --- sending, agreeing, voiding -----------------------------------------------------------------


def test_send_and_both_agree(login, talk, employee, manager, django_capture_on_commit_callbacks):
    write(talk, manager)
    record = record_of(talk)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(manager).post(url("record_send", talk), {"revision": record.revision})
    assert response.status_code == 302
    assert "Version 1 is sent for agreement" in messages_of(response)[0]
    record = record_of(talk)
    assert record.state == Record.State.SENT
    version = record.current_version
    assert version is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["employee@example.se", "manager@example.se"]

    html = login(employee).get(url("talk_record", talk)).content.decode()
    assert "Sent for agreement: version 1." in html
    assert 'name="version" value="1"' in html
    assert f'name="content_hash" value="{version.content_hash}"' in html
    assert "Agree to version 1" in html
    data = {"version": 1, "content_hash": version.content_hash}
    response = login(employee).post(url("record_agree", talk), data)
    assert "The other party has not agreed yet" in messages_of(response)[0]
    html = login(employee).get(url("talk_record", talk)).content.decode()
    assert "Agree to version 1" not in html  # already agreed
    assert "Agreed by: Erik Medarbetare" in html
    assert "Waiting for: Maja Chef" in html

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(manager).post(url("record_agree", talk), data)
    assert "You have both agreed to version 1" in messages_of(response)[0]
    record = record_of(talk)
    assert record.state == Record.State.AGREED
    assert record.agreed_version_id == version.pk
    assert Talk.objects.get(pk=talk.pk).status == TalkStatus.AGREED
    assert sorted(
        OutgoingEmail.objects.filter(kind="record_agreed").values_list(
            "recipient__email", flat=True
        )
    ) == ["employee@example.se", "manager@example.se"]
    html = login(manager).get(url("talk_record", talk)).content.decode()
    assert "Agreed by both and locked: version 1." in html
    assert "Start a correction" in html
    assert "record/entries/" not in html  # locked: no form writes to it


def test_a_change_after_one_agreed_voids_the_agreements_and_tells_both(
    login, employee, manager, django_capture_on_commit_callbacks
):
    for person in (employee, manager):  # the emails are asserted in English
        person.user.preferred_language = "en"
        person.user.save()
    talk = held(employee, manager, note_taker="employee")
    write(talk, employee, text="First")
    send(talk, employee)
    agree(talk, manager)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(employee).post(
            entry_url(talk, "workload"), {"revision": 1, "text": "Changed", "value": "3"}, **HTMX
        )
    html = response.content.decode()
    assert "voided the agreements to version 1" in html
    assert 'id="record-state"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Being written" in html  # the state section comes back with the page's new state
    record = record_of(talk)
    assert record.state == Record.State.WRITING
    assert Agreement.objects.get().voided_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["employee@example.se", "manager@example.se"]
    assert all("agreements to version 1 are void" in m.subject for m in mail.outbox)


def test_agreeing_to_a_stale_version_is_refused(login, talk, employee, manager):
    write(talk, manager, text="First")
    first = send(talk, manager)
    write(talk, manager, text="Second")  # voids version 1
    send(talk, manager)
    before = snapshot(talk)
    response = login(employee).post(
        url("record_agree", talk), {"version": 1, "content_hash": first.content_hash}
    )
    assert response.status_code == 302
    assert "The record has changed since you read it (now version 2)" in messages_of(response)[0]
    assert snapshot(talk) == before
    assert not Agreement.objects.exists()


def test_agreeing_to_a_wrong_hash_is_refused(login, talk, employee, manager):
    write(talk, manager)
    send(talk, manager)
    response = login(employee).post(
        url("record_agree", talk), {"version": 1, "content_hash": "0" * 64}
    )
    assert "has changed since you read it" in messages_of(response)[0]
    assert not Agreement.objects.exists()


def test_a_tampered_agree_form_is_refused(login, talk, employee, manager):
    write(talk, manager)
    send(talk, manager)
    response = login(employee).post(url("record_agree", talk), {"version": 1, "content_hash": "x"})
    assert response.status_code == 400
    assert not Agreement.objects.exists()


def test_nobody_agrees_on_behalf_of_someone_else(login, talk, employee, manager, next_manager):
    write(talk, manager)
    version = send(talk, manager)
    data = {
        "version": 1,
        "content_hash": version.content_hash,
        "party": "employee",
        "person": employee.pk,
    }
    # The manager's POST, claiming to be the employee, records only the manager's agreement.
    login(manager).post(url("record_agree", talk), data)
    assert list(Agreement.objects.values_list("party", "person")) == [("manager", manager.pk)]
    # The next manager, who will read the agreed version but is no party, is refused (404
    # while nothing is agreed: there is nothing they may see yet).
    assert login(next_manager).post(url("record_agree", talk), data).status_code == 404
    assert Agreement.objects.count() == 1
    assert record_of(talk).state == Record.State.SENT


def test_writing_to_a_locked_record_is_refused(login, talk, employee, manager):
    agreed(talk, employee, manager)
    before = snapshot(talk)
    client = login(manager)
    response = client.post(entry_url(talk, "workload"), {"revision": 1, "text": "Sneaky"})
    assert response.status_code == 302
    assert "agreed and locked" in messages_of(response)[0]
    response = client.post(entry_url(talk, "workload"), {"revision": 1, "text": "Sneaky"}, **HTMX)
    assert "agreed and locked" in response.content.decode()
    response = client.post(url("record_passed_on", talk), {"revision": 0, "text": "Sneaky"})
    assert "agreed and locked" in messages_of(response)[-1]
    response = client.post(url("record_send", talk), {"revision": record_of(talk).revision})
    assert "Only a record being written" in messages_of(response)[-1]
    assert snapshot(talk) == before


def test_a_correction_opens_the_record_again(login, talk, employee, manager):
    agreed(talk, employee, manager)
    response = login(employee).post(
        url("record_correct", talk), {"revision": record_of(talk).revision}
    )
    assert "open for a correction" in messages_of(response)[0]
    record = record_of(talk)
    assert record.state == Record.State.WRITING
    assert record.agreed_version is not None
    html = login(manager).get(url("talk_record", talk)).content.decode()
    assert "Being corrected. Version 1, which you both agreed to, stays valid" in html
    assert f'hx-post="{entry_url(talk, "workload")}"' in html


def test_a_stale_send_is_refused(login, talk, manager):
    write(talk, manager)
    response = login(manager).post(url("record_send", talk), {"revision": 99})
    assert "The record changed meanwhile" in messages_of(response)[0]
    assert record_of(talk).state == Record.State.WRITING


# --- steps offered, note-taker, comments ---------------------------------------------------


def test_only_the_allowed_steps_are_offered(login, talk, employee, manager):
    write(talk, manager)
    manager_html = login(manager).get(url("talk_record", talk)).content.decode()
    assert url("record_send", talk) in manager_html
    assert url("record_agree", talk) not in manager_html
    assert url("record_correct", talk) not in manager_html
    assert url("record_note_taker", talk) in manager_html
    send(talk, manager)
    for who in (employee, manager):
        html = login(who).get(url("talk_record", talk)).content.decode()
        assert url("record_send", talk) not in html
        assert url("record_agree", talk) in html
        assert url("record_note_taker", talk) not in html
        assert url("record_correct", talk) not in html


def test_either_party_changes_the_note_taker(login, talk, employee):
    response = login(employee).post(
        url("record_note_taker", talk),
        {"revision": record_of(talk).revision, "note_taker": "employee"},
    )
    assert messages_of(response) == ["Erik Medarbetare takes notes now."]
    assert record_of(talk).note_taker == "employee"
    html = login(employee).get(url("talk_record", talk)).content.decode()
    assert "Notes taken by Erik Medarbetare" in html
    assert f'hx-post="{entry_url(talk, "workload")}"' in html


def test_the_note_taker_cannot_change_while_sent(login, talk, employee, manager):
    write(talk, manager)
    send(talk, manager)
    response = login(employee).post(
        url("record_note_taker", talk),
        {"revision": record_of(talk).revision, "note_taker": "employee"},
    )
    assert "only while the record is being written" in messages_of(response)[0]
    assert record_of(talk).note_taker == "manager"


def test_the_other_party_comments_on_a_question(login, talk, employee, manager):
    workload = question(talk, "workload")
    response = login(employee).post(
        url("record_comment", talk), {"question": workload.pk, "text": "I said too high."}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#q{workload.pk}")
    comment = RecordComment.objects.get()
    assert comment.question == workload
    assert comment.author == employee
    html = login(manager).get(url("talk_record", talk)).content.decode()
    assert "I said too high." in html


def test_an_empty_comment_is_refused(login, talk, employee):
    response = login(employee).post(url("record_comment", talk), {"text": ""})
    assert response.status_code == 400
    assert not RecordComment.objects.exists()


def test_a_comment_on_a_question_of_another_talk_is_404(login, talk, employee, manager):
    other = held(PersonFactory(unit=employee.unit, manager=manager), manager)
    response = login(employee).post(
        url("record_comment", talk), {"question": question(other, "workload").pk, "text": "x"}
    )
    assert response.status_code == 404
    assert not RecordComment.objects.exists()
