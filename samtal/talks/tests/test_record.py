"""The shared record through its services: the note-taker writes and the other party comments,
sending freezes a hashed version, each party agrees to one exact version, a change after an
agreement voids it (both are told), both agreements lock the record and make the talk agreed,
corrections make new versions, concurrent edits conflict, and every version is kept."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.models import HistoryEntry, OutgoingEmail
from samtal.talk_templates.models import Question
from samtal.talks import record as rec
from samtal.talks import services
from samtal.talks.content_selectors import record_versions, version_diff
from samtal.talks.models import (
    Agreement,
    Party,
    Record,
    RecordComment,
    RecordEntry,
    RecordVersion,
    Talk,
    TalkStatus,
)
from samtal.talks.tests.factories import booked_talk


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def user_of(who: Any) -> Any:
    return getattr(who, "user", who)


def q(record: Record, key: str) -> Question:
    return Question.objects.get(section__version=record.talk.template_version_id, key=key)


def fresh(record: Record) -> Record:
    return Record.objects.select_related("talk", "current_version", "agreed_version").get(
        pk=record.pk
    )


def write(
    record: Record, who: Any, key: str, text: str, value: Any = None, **kw: Any
) -> RecordEntry:
    """Save one question of the record from the entry's current revision."""
    question = q(record, key)
    if "revision" not in kw:
        entry = RecordEntry.objects.filter(record=record, question=question).first()
        kw["revision"] = entry.revision if entry else 0
    return rec.record_entry_save(
        record=fresh(record), actor=user_of(who), question=question, text=text, value=value, **kw
    )


def passed_on(record: Record, who: Any, text: str) -> Record:
    current = fresh(record)
    return rec.record_passed_on_save(
        record=current, actor=user_of(who), text=text, revision=current.passed_on_revision
    )


def send(record: Record, who: Any) -> RecordVersion:
    current = fresh(record)
    return rec.record_send(record=current, actor=user_of(who), revision=current.revision)


def agree(record: Record, who: Any, version: RecordVersion) -> Agreement:
    return rec.record_agree(
        record=fresh(record),
        actor=user_of(who),
        version_number=version.number,
        hash_=version.content_hash,
    )


def correct(record: Record, who: Any) -> Record:
    current = fresh(record)
    return rec.record_correct(record=current, actor=user_of(who), revision=current.revision)


def emails(kind: str) -> list[int]:
    return sorted(OutgoingEmail.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def history_actions(talk: Talk) -> list[str]:
    return list(
        HistoryEntry.objects.filter(content_type__model="talk", object_id=str(talk.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def hold(employee: Any, manager: Any, note_taker: str = "manager") -> Record:
    talk = booked_talk(employee, days_ahead=-1)
    talk = services.talk_mark_held(
        talk=talk, actor=manager.user, revision=talk.revision, note_taker=note_taker
    )
    return Record.objects.get(talk=talk)


@pytest.fixture
def record(employee, manager):
    return hold(employee, manager)


@pytest.fixture
def both_users(employee, manager):
    return sorted([employee.user_id, manager.user_id])


def agreed_record(record: Record, employee: Any, manager: Any) -> RecordVersion:
    write(record, manager, "workload", "Too much teaching", 2)
    write(record, manager, "development", "A course", 0)
    passed_on(record, manager, "Nothing")
    version = send(record, manager)
    agree(record, employee, version)
    agree(record, manager, version)
    return version


# --- writing and commenting ---------------------------------------------------------------


def test_holding_the_talk_opens_the_record_with_the_note_taker(record, manager):
    assert (record.state, record.note_taker) == (Record.State.WRITING, Party.MANAGER)
    assert record.talk.status == TalkStatus.HELD


def test_the_note_taker_writes(record, manager):
    entry = write(record, manager, "workload", "Too much teaching", 2)
    assert (entry.text, entry.value, entry.revision, entry.updated_by) == (
        "Too much teaching",
        2,
        1,
        manager,
    )
    again = write(record, manager, "workload", "Far too much teaching", 1)
    assert (again.pk, again.revision, again.value) == (entry.pk, 2, 1)


def test_the_other_party_cannot_write_but_can_comment(record, employee):
    with pytest.raises(PermissionDenied):
        write(record, employee, "workload", "My version")
    with pytest.raises(PermissionDenied):
        passed_on(record, employee, "Everything")
    with pytest.raises(PermissionDenied):
        send(record, employee)
    assert not RecordEntry.objects.exists()
    assert fresh(record).passed_on == ""
    comment = rec.record_comment_add(
        record=record, actor=employee.user, text="  I said workload is too high  "
    )
    on_question = rec.record_comment_add(
        record=record, actor=employee.user, text="Add the course", question=q(record, "development")
    )
    assert (comment.author, comment.text, comment.question) == (
        employee,
        "I said workload is too high",
        None,
    )
    assert on_question.question == q(record, "development")


def test_the_note_taker_can_comment_too(record, manager):
    assert rec.record_comment_add(record=record, actor=manager.user, text="Noted").author == manager


def test_an_empty_comment_is_refused(record, employee):
    with pytest.raises(ValidationError):
        rec.record_comment_add(record=record, actor=employee.user, text="   ")
    assert not RecordComment.objects.exists()


@pytest.mark.parametrize("who", ["hr", "admin_user", "other_manager", "colleague", "safety_rep"])
def test_a_non_party_neither_writes_nor_comments(record, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        write(record, actor, "workload", "x")
    with pytest.raises(PermissionDenied):
        rec.record_comment_add(record=record, actor=user_of(actor), text="x")
    assert not RecordEntry.objects.exists()
    assert not RecordComment.objects.exists()


@pytest.mark.parametrize("key", ["tasks", "view", "how"])
def test_only_record_questions_are_written_into_the_record(record, manager, key):
    with pytest.raises(PermissionDenied):
        write(record, manager, key, "x")
    assert not RecordEntry.objects.exists()


@pytest.mark.parametrize(("key", "value"), [("workload", 6), ("workload", "3"), ("development", 2)])
def test_invalid_values_in_the_record_are_refused(record, manager, key, value):
    with pytest.raises(ValidationError):
        write(record, manager, key, "x", value)
    assert not RecordEntry.objects.exists()


@pytest.mark.parametrize("text", ["a\x00b", "x" * 10001])
def test_bad_text_in_the_record_is_refused(record, manager, text):
    write(record, manager, "workload", "Kept")
    with pytest.raises(ValidationError):
        write(record, manager, "workload", text)
    with pytest.raises(ValidationError):
        passed_on(record, manager, "x" * 4001 if len(text) > 2 else text)
    entry = RecordEntry.objects.get()
    assert (entry.text, entry.revision) == ("Kept", 1)
    assert fresh(record).passed_on == ""


# --- the note-taker --------------------------------------------------------------------------


def test_the_employee_as_note_taker(employee, manager):
    record = hold(employee, manager, note_taker="employee")
    assert write(record, employee, "workload", "Mine").updated_by == employee
    with pytest.raises(PermissionDenied):
        write(record, manager, "workload", "Theirs")


def test_changing_the_note_taker(record, employee, manager):
    current = fresh(record)
    changed = rec.record_set_note_taker(
        record=current, actor=employee.user, note_taker="employee", revision=current.revision
    )
    assert changed.note_taker == Party.EMPLOYEE
    entry = HistoryEntry.objects.get(action="record_note_taker")
    assert entry.changes == {"note_taker": ["manager", "employee"]}
    assert entry.actor == employee.user
    with pytest.raises(PermissionDenied):
        write(record, manager, "workload", "Manager")
    assert write(record, employee, "workload", "Employee").text == "Employee"
    assert rec.record_content(fresh(record))["note_taker_name"] == employee.full_name


def test_a_note_taker_change_from_a_stale_form_is_refused(record, employee):
    stale = fresh(record).revision
    send(record, record.talk.manager)  # moves the record's revision
    with pytest.raises(EditConflict):
        rec.record_set_note_taker(
            record=fresh(record), actor=employee.user, note_taker="employee", revision=stale
        )
    assert fresh(record).note_taker == Party.MANAGER


def test_the_note_taker_does_not_change_while_sent(record, employee, manager):
    send(record, manager)
    current = fresh(record)
    with pytest.raises(TransitionRefused):
        rec.record_set_note_taker(
            record=current, actor=employee.user, note_taker="employee", revision=current.revision
        )


def test_a_non_party_cannot_change_the_note_taker(record, hr):
    current = fresh(record)
    with pytest.raises(PermissionDenied):
        rec.record_set_note_taker(
            record=current, actor=hr.user, note_taker="employee", revision=current.revision
        )


def test_the_former_note_taker_cannot_write_from_a_page_opened_before_the_change(
    record, employee, manager
):
    # The page (and its Record instance) was loaded while the manager took notes; the
    # employee then took over. The manager's save must be refused under the lock.
    opened_before = fresh(record)
    rec.record_set_note_taker(
        record=fresh(record), actor=employee.user, note_taker="employee", revision=record.revision
    )
    with pytest.raises(PermissionDenied):
        rec.record_entry_save(
            record=opened_before,
            actor=manager.user,
            question=q(record, "workload"),
            text="Still me?",
            value=None,
            revision=0,
        )
    with pytest.raises(PermissionDenied):
        rec.record_passed_on_save(
            record=opened_before, actor=manager.user, text="Still me?", revision=0
        )
    assert not RecordEntry.objects.exists()
    assert fresh(record).passed_on == ""


# --- sending and agreeing ------------------------------------------------------------------


def test_send_freezes_a_version_with_content_and_hash(record, manager, employee, both_users):
    write(record, manager, "workload", "Too much teaching", 2)
    passed_on(record, manager, "The course wish may go to HR")
    version = send(record, manager)
    assert version.number == 1
    assert not version.is_correction
    assert version.created_by == manager
    content = version.content
    assert content["passed_on"] == "The course wish may go to HR"
    assert content["note_taker"] == "manager"
    assert (content["employee"], content["manager"]) == (employee.full_name, manager.full_name)
    questions = {qq["key"]: qq for s in content["sections"] for qq in s["questions"]}
    assert (questions["workload"]["answer"], questions["workload"]["value"]) == (
        "Too much teaching",
        2,
    )
    assert questions["development"]["answer"] == ""
    assert version.content_hash == rec.content_hash(version.content)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert version.content_hash == hashlib.sha256(canonical.encode()).hexdigest()
    current = fresh(record)
    assert (current.state, current.current_version) == (Record.State.SENT, version)
    assert emails("record_sent") == both_users
    assert "record_sent" in history_actions(record.talk)


def test_sending_twice_is_refused(record, manager):
    send(record, manager)
    with pytest.raises(TransitionRefused):
        send(record, manager)
    assert RecordVersion.objects.count() == 1


def test_send_from_a_stale_page_is_refused(record, manager):
    stale = fresh(record)
    send(record, manager)
    with pytest.raises(EditConflict):
        rec.record_send(record=stale, actor=manager.user, revision=stale.revision)
    assert RecordVersion.objects.count() == 1


def test_agreement_stores_who_when_and_the_hash(record, employee, manager):
    write(record, manager, "workload", "Text")
    version = send(record, manager)
    agreement = agree(record, employee, version)
    assert (agreement.party, agreement.person, agreement.content_hash, agreement.version) == (
        Party.EMPLOYEE,
        employee,
        version.content_hash,
        version,
    )
    assert agreement.agreed_at is not None
    assert agreement.voided_at is None
    assert fresh(record).state == Record.State.SENT


@pytest.mark.parametrize(
    ("number", "hash_"),
    [(2, None), (0, None), (1, "0" * 64), (1, "")],
)
def test_agreeing_to_a_stale_number_or_hash_is_refused(record, employee, manager, number, hash_):
    write(record, manager, "workload", "Text")
    version = send(record, manager)
    with pytest.raises(TransitionRefused, match="has changed since you read it"):
        rec.record_agree(
            record=fresh(record),
            actor=employee.user,
            version_number=number,
            hash_=version.content_hash if hash_ is None else hash_,
        )
    assert not Agreement.objects.exists()
    assert fresh(record).state == Record.State.SENT


def test_agreeing_to_an_earlier_voided_version_is_refused(record, employee, manager):
    first = send(record, manager)
    write(record, manager, "workload", "Changed")
    second = send(record, manager)
    with pytest.raises(TransitionRefused):
        agree(record, employee, first)
    assert not Agreement.objects.exists()
    agree(record, employee, second)
    assert Agreement.objects.get().version == second


def test_agreeing_while_being_written_is_refused(record, employee, manager):
    with pytest.raises(TransitionRefused, match="no version"):
        rec.record_agree(record=record, actor=employee.user, version_number=1, hash_="x")
    assert not Agreement.objects.exists()


def test_agreeing_twice_is_refused(record, employee, manager):
    version = send(record, manager)
    agree(record, employee, version)
    with pytest.raises(TransitionRefused, match="already agreed"):
        agree(record, employee, version)
    assert Agreement.objects.count() == 1


@pytest.mark.parametrize("who", ["hr", "admin_user", "other_manager", "colleague"])
def test_a_non_party_cannot_agree(record, employee, manager, who, request):
    version = send(record, manager)
    with pytest.raises(PermissionDenied):
        agree(record, request.getfixturevalue(who), version)
    assert not Agreement.objects.exists()
    assert fresh(record).state == Record.State.SENT


def test_a_superuser_cannot_agree_either(record, manager):
    from samtal.accounts.tests.factories import UserFactory

    version = send(record, manager)
    with pytest.raises(PermissionDenied):
        agree(record, UserFactory(is_superuser=True, is_staff=True), version)
    assert not Agreement.objects.exists()


# --- voiding -------------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["entry", "new_entry", "passed_on"])
def test_a_change_after_one_agreement_voids_it_and_tells_both(
    record, employee, manager, both_users, change
):
    write(record, manager, "workload", "Text")
    version = send(record, manager)
    agreement = agree(record, employee, version)
    if change == "entry":
        write(record, manager, "workload", "Changed text")
    elif change == "new_entry":
        write(record, manager, "development", "New", 1)
    else:
        passed_on(record, manager, "Now something may be passed on")
    agreement.refresh_from_db()
    version.refresh_from_db()
    current = fresh(record)
    assert agreement.voided_at is not None
    assert version.voided_at is not None
    assert current.state == Record.State.WRITING
    assert current.agreed_version is None
    assert emails("record_voided") == both_users
    voided = HistoryEntry.objects.get(action="record_agreements_voided")
    assert voided.changes == {"version": 1, "agreements": 1}
    assert voided.actor == manager.user
    talk = Talk.objects.get(pk=record.talk_id)
    assert talk.status == TalkStatus.HELD


def test_an_unchanged_save_while_sent_voids_nothing(record, employee, manager):
    write(record, manager, "workload", "Text")
    version = send(record, manager)
    agree(record, employee, version)
    write(record, manager, "workload", "Text")
    passed_on(record, manager, "")
    assert fresh(record).state == Record.State.SENT
    assert Agreement.objects.get().voided_at is None
    assert not OutgoingEmail.objects.filter(kind="record_voided").exists()


def test_after_voiding_a_new_version_needs_both_again(record, employee, manager):
    first = send(record, manager)
    agree(record, employee, first)
    write(record, manager, "workload", "Changed")
    second = send(record, manager)
    assert (second.number, second.is_correction) == (2, False)
    agree(record, manager, second)
    assert fresh(record).state == Record.State.SENT
    agree(record, employee, second)
    current = fresh(record)
    assert (current.state, current.agreed_version) == (Record.State.AGREED, second)


# --- both agree: locked, talk agreed -------------------------------------------------------


def test_both_agree_locks_the_record_and_the_talk_is_agreed(record, employee, manager, both_users):
    talk_revision = record.talk.revision
    version = agreed_record(record, employee, manager)
    current = fresh(record)
    assert (current.state, current.agreed_version, current.current_version) == (
        Record.State.AGREED,
        version,
        version,
    )
    talk = Talk.objects.get(pk=record.talk_id)
    assert talk.status == TalkStatus.AGREED
    assert talk.revision == talk_revision + 1
    agreed = HistoryEntry.objects.get(action="talk_agreed")
    assert agreed.changes == {"status": ["held", "agreed"]}
    assert agreed.actor == manager.user
    assert history_actions(talk).count("record_agreed_by") == 2
    assert emails("record_agreed") == both_users
    assert {a.party for a in version.agreements.all()} == {Party.EMPLOYEE, Party.MANAGER}


def test_an_agreed_record_is_locked(record, employee, manager):
    agreed_record(record, employee, manager)
    with pytest.raises(TransitionRefused, match="agreed and locked"):
        write(record, manager, "workload", "Sneaky change")
    with pytest.raises(TransitionRefused, match="agreed and locked"):
        passed_on(record, manager, "Sneaky")
    with pytest.raises(TransitionRefused):
        send(record, manager)
    entry = RecordEntry.objects.get(question__key="workload")
    assert (entry.text, entry.revision) == ("Too much teaching", 1)
    assert fresh(record).passed_on == "Nothing"
    assert RecordVersion.objects.count() == 1


def test_only_an_agreed_record_is_corrected(record, employee, manager):
    with pytest.raises(TransitionRefused, match="Only an agreed record"):
        correct(record, employee)
    send(record, manager)
    with pytest.raises(TransitionRefused, match="Only an agreed record"):
        correct(record, employee)
    assert fresh(record).state == Record.State.SENT


def test_a_non_party_cannot_start_a_correction(record, employee, manager, hr, admin_user):
    agreed_record(record, employee, manager)
    for outsider in (hr.user, admin_user):
        with pytest.raises(PermissionDenied):
            correct(record, outsider)
    assert fresh(record).state == Record.State.AGREED


def test_a_correction_makes_a_new_version_that_needs_both_again(record, employee, manager):
    first = agreed_record(record, employee, manager)
    correct(record, employee)
    assert fresh(record).state == Record.State.WRITING
    assert "record_correction_started" in history_actions(record.talk)
    write(record, manager, "workload", "Too much teaching\nand too little research", 2)
    second = send(record, manager)
    assert (second.number, second.is_correction) == (2, True)
    current = fresh(record)
    # The agreed version stays valid while the correction waits.
    assert (current.state, current.agreed_version) == (Record.State.SENT, first)
    assert Talk.objects.get(pk=record.talk_id).status == TalkStatus.AGREED
    agree(record, employee, second)
    assert fresh(record).agreed_version == first
    agree(record, manager, second)
    current = fresh(record)
    assert (current.state, current.agreed_version) == (Record.State.AGREED, second)
    first.refresh_from_db()
    assert first.voided_at is None
    assert first.agreements.filter(voided_at__isnull=True).count() == 2
    assert [v.number for v in record_versions(record=current)] == [2, 1]
    # The talk was already agreed: no second status change.
    assert history_actions(record.talk).count("talk_agreed") == 1


def test_a_change_during_a_sent_correction_voids_only_the_correction(record, employee, manager):
    first = agreed_record(record, employee, manager)
    correct(record, manager)
    write(record, manager, "workload", "Corrected")
    second = send(record, manager)
    agree(record, employee, second)
    write(record, manager, "workload", "Corrected again")
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.voided_at is not None
    assert first.voided_at is None
    assert fresh(record).agreed_version == first
    assert Agreement.objects.filter(version=first, voided_at__isnull=True).count() == 2


# --- differences between versions ----------------------------------------------------------


def test_version_diff_shows_the_changed_question_lines(record, employee, manager):
    first = agreed_record(record, employee, manager)
    correct(record, manager)
    write(record, manager, "workload", "Too much teaching\nLess admin", 2)
    second = send(record, manager)
    [diff] = version_diff(old=first, new=second, language="en")
    assert (diff.section, diff.question) == ("Section work_environment", "Question workload?")
    assert [(line.kind, line.text) for line in diff.lines] == [
        ("same", "Too much teaching"),
        ("added", "Less admin"),
        ("same", "[2]"),
    ]
    [swedish] = version_diff(old=first, new=second, language="sv")
    assert swedish.question == "Fråga workload?"


def test_version_diff_shows_removed_lines_values_and_passed_on(record, employee, manager):
    first = agreed_record(record, employee, manager)
    correct(record, manager)
    write(record, manager, "workload", "Too much teaching", 4)
    passed_on(record, manager, "The course wish")
    second = send(record, manager)
    diffs = {d.question: d for d in version_diff(old=first, new=second, language="en")}
    assert set(diffs) == {"Question workload?", "What may be passed on to others"}
    workload = [(line.kind, line.text) for line in diffs["Question workload?"].lines]
    assert ("removed", "[2]") in workload
    assert ("added", "[4]") in workload
    assert ("same", "Too much teaching") in workload
    assert [(line.kind, line.text) for line in diffs["What may be passed on to others"].lines] == [
        ("removed", "Nothing"),
        ("added", "The course wish"),
    ]


def test_identical_versions_have_no_diff(record, employee, manager):
    first = agreed_record(record, employee, manager)
    correct(record, manager)
    second = send(record, manager)
    assert version_diff(old=first, new=second) == []


# --- concurrent editing --------------------------------------------------------------------


def test_concurrent_entry_edits_the_second_sees_the_first(record, manager):
    write(record, manager, "workload", "Start")
    write(record, manager, "workload", "From the laptop", revision=1)
    with pytest.raises(EditConflict) as conflict:
        write(record, manager, "workload", "From the tablet", revision=1)
    assert getattr(conflict.value.current, "text", None) == "From the laptop"
    entry = RecordEntry.objects.get()
    assert (entry.text, entry.revision) == ("From the laptop", 2)


def test_two_first_entries_for_the_same_question_conflict(record, manager):
    write(record, manager, "workload", "One", revision=0)
    with pytest.raises(EditConflict) as conflict:
        write(record, manager, "workload", "Two", revision=0)
    assert getattr(conflict.value.current, "text", None) == "One"
    assert RecordEntry.objects.get().text == "One"


def test_concurrent_passed_on_edits_conflict(record, manager):
    opened = fresh(record).passed_on_revision
    rec.record_passed_on_save(record=fresh(record), actor=manager.user, text="A", revision=opened)
    with pytest.raises(EditConflict) as conflict:
        rec.record_passed_on_save(
            record=fresh(record), actor=manager.user, text="B", revision=opened
        )
    assert getattr(conflict.value.current, "passed_on", None) == "A"
    assert fresh(record).passed_on == "A"


def test_saving_one_question_does_not_make_the_others_stale(record, manager):
    revision = fresh(record).revision
    write(record, manager, "workload", "One")
    write(record, manager, "development", "Two")
    assert fresh(record).revision == revision
    send(record, manager)  # the page's send form is still valid


# --- the whole history -----------------------------------------------------------------------


def test_every_version_and_agreement_is_kept(record, employee, manager):
    first = send(record, manager)
    agree(record, employee, first)
    write(record, manager, "workload", "Changed")  # voids the first
    second = send(record, manager)
    agree(record, manager, second)
    agree(record, employee, second)
    correct(record, employee)
    write(record, manager, "workload", "Corrected")
    third = send(record, manager)
    agree(record, employee, third)
    agree(record, manager, third)
    versions = {v.number: v for v in RecordVersion.objects.filter(record=record)}
    assert sorted(versions) == [1, 2, 3]
    assert versions[1].voided_at is not None
    assert versions[2].voided_at is None
    assert versions[3].voided_at is None
    assert [v.is_correction for v in (versions[1], versions[2], versions[3])] == [
        False,
        False,
        True,
    ]
    agreements = Agreement.objects.filter(version__record=record)
    assert agreements.count() == 5
    assert agreements.filter(voided_at__isnull=False).count() == 1
    assert all(a.content_hash == a.version.content_hash for a in agreements)
    assert fresh(record).agreed_version == third
    assert history_actions(record.talk) == [
        "talk_held",
        "record_sent",
        "record_agreed_by",
        "record_agreements_voided",
        "record_sent",
        "record_agreed_by",
        "record_agreed_by",
        "talk_agreed",
        "record_correction_started",
        "record_sent",
        "record_agreed_by",
        "record_agreed_by",
    ]
