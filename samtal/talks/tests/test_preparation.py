"""Preparation, self-evaluation and private notes through their services: every answer type,
bad values, optimistic locking, when each kind of answer is open, who may answer what, sharing
and unsharing, and over-long or NUL-containing text (refused, nothing changed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.talk_templates.models import Question, TemplateVersion, VersionStatus
from samtal.talk_templates.tests.factories import make_draft, make_question
from samtal.talks import services
from samtal.talks.models import Answer, PrivateNote, Round, Talk, TalkStatus
from samtal.talks.preparation import (
    answer_save,
    answer_unshare,
    answers_share,
    private_note_save,
)
from samtal.talks.tests.factories import RoundFactory, TalkFactory, booked_talk, published_version


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def version_with_all_types() -> TemplateVersion:
    """The test template plus an employee preparation question of every answer type."""
    version = make_draft()
    prep = version.sections.get(key="prep")
    make_question(prep, "p_scale", question_type="scale")
    make_question(prep, "p_yes", question_type="yes_no")
    make_question(
        prep,
        "p_single",
        question_type="single_choice",
        choices=[{"sv": "A", "en": "A"}, {"sv": "B", "en": "B"}, {"sv": "C", "en": "C"}],
    )
    make_question(
        prep,
        "p_multi",
        question_type="multiple_choice",
        choices=[{"sv": "A", "en": "A"}, {"sv": "B", "en": "B"}, {"sv": "C", "en": "C"}],
    )
    TemplateVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


def q(talk: Talk, key: str) -> Question:
    return Question.objects.get(section__version=talk.template_version_id, key=key)


def save(talk: Talk, who: Any, key: str, text: str = "", value: Any = None, **kw: Any) -> Answer:
    """Save `who`'s answer from the revision it currently has (as a freshly opened form)."""
    actor = getattr(who, "user", who)
    question = q(talk, key)
    if "revision" not in kw:
        current = Answer.objects.filter(talk=talk, question=question, author__user=actor).first()
        kw["revision"] = current.revision if current else 0
    return answer_save(talk=talk, actor=actor, question=question, text=text, value=value, **kw)


def held(talk: Talk, manager: Any) -> Talk:
    return services.talk_mark_held(
        talk=talk, actor=manager.user, revision=talk.revision, note_taker="manager"
    )


@pytest.fixture
def talk(employee):
    return booked_talk(employee, template_version=version_with_all_types())


@pytest.fixture
def held_talk(employee, manager):
    return held(booked_talk(employee, days_ahead=-1), manager)


# --- each answer type ---------------------------------------------------------------------


def test_a_text_answer_is_saved_and_its_revision_moves(talk, employee):
    first = save(talk, employee, "tasks", "Teaching and research")
    assert (first.text, first.value, first.revision, first.shared_at) == (
        "Teaching and research",
        None,
        1,
        None,
    )
    assert first.author == employee
    second = save(talk, employee, "tasks", "Mostly teaching")
    assert (second.pk, second.text, second.revision) == (first.pk, "Mostly teaching", 2)


def test_an_unchanged_save_keeps_the_revision(talk, employee):
    save(talk, employee, "tasks", "Same")
    again = save(talk, employee, "tasks", "Same")
    assert again.revision == 1


def test_windows_line_endings_are_normalised(talk, employee):
    assert save(talk, employee, "tasks", "one\r\ntwo").text == "one\ntwo"


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("p_scale", 1, 1),
        ("p_scale", 5, 5),
        ("p_scale", None, None),
        ("p_yes", True, True),
        ("p_yes", False, False),
        ("p_single", 0, 0),
        ("p_single", 2, 2),
        ("p_multi", [2, 0, 2], [0, 2]),
        ("p_multi", [1], [1]),
        ("p_multi", [], None),
        ("tasks", "", None),
    ],
)
def test_valid_values_are_stored(talk, employee, key, value, stored):
    answer = save(talk, employee, key, value=value)
    answer.refresh_from_db()
    assert answer.value == stored


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("p_scale", 0),
        ("p_scale", 6),
        ("p_scale", "3"),
        ("p_scale", True),
        ("p_scale", 2.5),
        ("p_yes", "yes"),
        ("p_yes", 1),
        ("p_single", 3),
        ("p_single", -1),
        ("p_single", True),
        ("p_single", "0"),
        ("p_multi", [3]),
        ("p_multi", [0, -1]),
        ("p_multi", [True]),
        ("p_multi", 1),
        ("p_multi", ["0"]),
        ("tasks", 1),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_stored(talk, employee, key, value):
    with pytest.raises(ValidationError) as refused:
        save(talk, employee, key, "a text", value=value)
    assert "value" in refused.value.message_dict
    assert not Answer.objects.exists()


def test_an_invalid_value_leaves_the_existing_answer_unchanged(talk, employee):
    save(talk, employee, "p_scale", "fine", value=3)
    with pytest.raises(ValidationError):
        save(talk, employee, "p_scale", "changed", value=6)
    answer = Answer.objects.get()
    assert (answer.text, answer.value, answer.revision) == ("fine", 3, 1)


# --- optimistic locking --------------------------------------------------------------------


def test_two_first_saves_from_the_same_form_the_second_sees_the_first(talk, employee):
    save(talk, employee, "tasks", "From the laptop", revision=0)
    with pytest.raises(EditConflict) as conflict:
        save(talk, employee, "tasks", "From the phone", revision=0)
    assert getattr(conflict.value.current, "text", None) == "From the laptop"
    answer = Answer.objects.get()
    assert (answer.text, answer.revision) == ("From the laptop", 1)


def test_two_saves_from_the_same_revision_the_second_is_refused(talk, employee):
    save(talk, employee, "tasks", "Start")
    save(talk, employee, "tasks", "Tab one", revision=1)
    with pytest.raises(EditConflict) as conflict:
        save(talk, employee, "tasks", "Tab two", revision=1)
    assert getattr(conflict.value.current, "text", None) == "Tab one"
    answer = Answer.objects.get()
    assert (answer.text, answer.revision) == ("Tab one", 2)


def test_a_revision_from_the_future_is_a_conflict_too(talk, employee):
    with pytest.raises(EditConflict) as conflict:
        save(talk, employee, "tasks", "x", revision=3)
    assert conflict.value.current is None
    assert not Answer.objects.exists()


# --- when preparation and evaluation are open ----------------------------------------------


@pytest.mark.parametrize("status", [TalkStatus.OFFERED, TalkStatus.BOOKED, TalkStatus.HELD])
def test_preparation_is_open_until_the_record_is_agreed(employee, manager, status):
    extra = {"starts_at": timezone.now()} if status != TalkStatus.OFFERED else {}
    talk = TalkFactory(employee=employee, status=status, **extra)
    assert save(talk, employee, "tasks", "mine").text == "mine"
    assert save(talk, manager, "view", "mine too").text == "mine too"


@pytest.mark.parametrize("status", [TalkStatus.AGREED, TalkStatus.CANCELLED, TalkStatus.DECLINED])
def test_preparation_is_closed_after_agreed_cancelled_declined(employee, manager, status):
    talk = TalkFactory(employee=employee, status=status, starts_at=timezone.now())
    for who, key in ((employee, "tasks"), (manager, "view")):
        with pytest.raises(TransitionRefused, match="Preparation is closed"):
            save(talk, who, key, "too late")
    assert not Answer.objects.exists()


def test_preparation_closes_with_an_existing_answer_unchanged(talk, employee, manager):
    save(talk, employee, "tasks", "before")
    services.talk_cancel(talk=talk, actor=manager.user, revision=talk.revision, reason="Left")
    talk.refresh_from_db()
    with pytest.raises(TransitionRefused):
        save(talk, employee, "tasks", "after")
    assert Answer.objects.get().text == "before"


@pytest.mark.parametrize(
    "status", [TalkStatus.OFFERED, TalkStatus.BOOKED, TalkStatus.CANCELLED, TalkStatus.DECLINED]
)
def test_evaluation_opens_only_when_the_talk_is_held(employee, status):
    talk = TalkFactory(employee=employee, status=status, starts_at=timezone.now())
    with pytest.raises(TransitionRefused, match="opens when the talk has been held"):
        save(talk, employee, "how", value=True)
    assert not Answer.objects.exists()


@pytest.mark.parametrize("status", [TalkStatus.HELD, TalkStatus.AGREED])
def test_both_parties_evaluate_a_held_or_agreed_talk(employee, manager, status):
    talk = TalkFactory(employee=employee, status=status, starts_at=timezone.now())
    assert save(talk, employee, "how", "It went well", value=True).value is True
    assert save(talk, manager, "how", value=False).value is False


def _round_talk(employee: Any, *, deadline_days: int) -> Talk:
    today = timezone.localdate()
    round_ = RoundFactory(
        start_date=today - dt.timedelta(days=60),
        deadline=today + dt.timedelta(days=deadline_days),
    )
    return TalkFactory(
        employee=employee,
        kind=Talk.Kind.ROUND,
        round=round_,
        template_version=round_.template_version,
        status=TalkStatus.HELD,
        starts_at=timezone.now() - dt.timedelta(days=70),
    )


def test_evaluation_is_open_on_the_round_deadline(employee):
    talk = _round_talk(employee, deadline_days=0)
    assert save(talk, employee, "how", value=True).value is True


def test_evaluation_closes_after_the_round_deadline(employee):
    talk = _round_talk(employee, deadline_days=-1)
    with pytest.raises(TransitionRefused, match="evaluation closed"):
        save(talk, employee, "how", value=True)
    assert not Answer.objects.exists()


def test_an_existing_evaluation_cannot_change_after_the_deadline(employee):
    talk = _round_talk(employee, deadline_days=0)
    save(talk, employee, "how", value=True)
    # The round's deadline passes.
    Round.objects.filter(talks=talk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    talk = Talk.objects.get(pk=talk.pk)
    with pytest.raises(TransitionRefused):
        save(talk, employee, "how", value=False)
    assert Answer.objects.get().value is True


# --- who answers what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "key"),
    [
        ("employee", "view"),  # the manager's preparation question
        ("manager", "tasks"),  # the employee's preparation question
        ("employee", "workload"),  # a question of the shared record
        ("manager", "workload"),
        ("employee", "development"),
        ("manager", "development"),
    ],
)
def test_a_party_answers_only_their_own_questions(held_talk, who, key, request):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        save(held_talk, person, key, "not mine")
    assert not Answer.objects.exists()


def test_a_question_of_another_template_is_refused(talk, employee):
    other = published_version()
    question = Question.objects.get(section__version=other, key="tasks")
    with pytest.raises(PermissionDenied):
        answer_save(
            talk=talk, actor=employee.user, question=question, text="x", value=None, revision=0
        )
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    "who", ["colleague", "other_manager", "other_employee", "hr", "safety_rep", "admin_user"]
)
def test_nobody_but_the_parties_answers(held_talk, who, request):
    actor = request.getfixturevalue(who)
    for key in ("tasks", "view", "how"):
        with pytest.raises(PermissionDenied):
            save(held_talk, actor, key, "intruder")
    assert not Answer.objects.exists()


# --- sharing ------------------------------------------------------------------------------


def test_sharing_one_answer(talk, employee):
    tasks = save(talk, employee, "tasks", "Tasks")
    scale = save(talk, employee, "p_scale", value=4)
    assert answers_share(talk=talk, actor=employee.user, question=q(talk, "tasks")) == 1
    tasks.refresh_from_db()
    scale.refresh_from_db()
    assert tasks.shared_at is not None
    assert scale.shared_at is None
    # Sharing again changes nothing (and keeps the first time).
    first = tasks.shared_at
    assert answers_share(talk=talk, actor=employee.user, question=q(talk, "tasks")) == 0
    tasks.refresh_from_db()
    assert tasks.shared_at == first


def test_sharing_all_shares_only_own_preparation_answers(held_talk, employee, manager):
    save(held_talk, employee, "tasks", "Tasks")
    save(held_talk, employee, "how", "Went fine", value=True)
    save(held_talk, manager, "view", "My view")
    assert answers_share(talk=held_talk, actor=employee.user) == 1
    shared = {
        (a.author_id, a.question.key): a.shared_at is not None
        for a in Answer.objects.select_related("question")
    }
    assert shared == {
        (employee.pk, "tasks"): True,
        (employee.pk, "how"): False,  # a self-evaluation is never shared
        (manager.pk, "view"): False,  # the other party's answer stays theirs
    }


def test_a_self_evaluation_answer_cannot_be_shared(held_talk, employee):
    save(held_talk, employee, "how", value=True)
    with pytest.raises(PermissionDenied):
        answers_share(talk=held_talk, actor=employee.user, question=q(held_talk, "how"))
    assert Answer.objects.get().shared_at is None


def test_sharing_the_other_partys_answer_is_impossible(talk, employee, manager):
    save(talk, manager, "view", "The manager's view")
    with pytest.raises(PermissionDenied):
        answers_share(talk=talk, actor=employee.user, question=q(talk, "view"))
    assert answers_share(talk=talk, actor=employee.user) == 0
    assert Answer.objects.get().shared_at is None


@pytest.mark.parametrize("who", ["colleague", "hr", "admin_user", "other_manager"])
def test_a_non_party_cannot_share_or_unshare(talk, employee, who, request):
    save(talk, employee, "tasks", "Tasks")
    actor = getattr(request.getfixturevalue(who), "user", request.getfixturevalue(who))
    with pytest.raises(PermissionDenied):
        answers_share(talk=talk, actor=actor)
    with pytest.raises(PermissionDenied):
        answers_share(talk=talk, actor=actor, question=q(talk, "tasks"))
    with pytest.raises(PermissionDenied):
        answer_unshare(talk=talk, actor=actor, question=q(talk, "tasks"))
    assert Answer.objects.get().shared_at is None


def test_unsharing_before_the_talk_is_held(talk, employee):
    save(talk, employee, "tasks", "Tasks")
    answers_share(talk=talk, actor=employee.user)
    assert answer_unshare(talk=talk, actor=employee.user, question=q(talk, "tasks")) == 1
    assert Answer.objects.get().shared_at is None


def test_unsharing_after_the_talk_is_held_is_refused(employee, manager):
    talk = booked_talk(employee, days_ahead=-1)
    save(talk, employee, "tasks", "Tasks")
    answers_share(talk=talk, actor=employee.user)
    talk = held(talk, manager)
    with pytest.raises(TransitionRefused, match="stays shared"):
        answer_unshare(talk=talk, actor=employee.user, question=q(talk, "tasks"))
    assert Answer.objects.get().shared_at is not None


def test_unsharing_the_other_partys_answer_changes_nothing(talk, employee, manager):
    save(talk, manager, "view", "View")
    answers_share(talk=talk, actor=manager.user)
    assert answer_unshare(talk=talk, actor=employee.user, question=q(talk, "view")) == 0
    assert Answer.objects.get().shared_at is not None


# --- bad text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [("before\x00after", "NUL"), ("x" * 10001, "10001 characters")],
)
def test_bad_text_is_refused_and_nothing_changes(talk, employee, text, message):
    save(talk, employee, "tasks", "Kept")
    with pytest.raises(ValidationError, match=message):
        save(talk, employee, "tasks", text)
    answer = Answer.objects.get()
    assert (answer.text, answer.revision) == ("Kept", 1)


def test_bad_text_in_a_first_answer_stores_nothing(talk, employee):
    with pytest.raises(ValidationError):
        save(talk, employee, "tasks", "\x00")
    assert not Answer.objects.exists()


def test_ten_thousand_characters_are_allowed(talk, employee):
    assert len(save(talk, employee, "tasks", "x" * 10000).text) == 10000


# --- private notes --------------------------------------------------------------------------


def test_private_notes_are_saved_per_author(held_talk, employee, manager):
    mine = private_note_save(
        talk=held_talk, actor=employee.user, text="Ask about courses", revision=0
    )
    theirs = private_note_save(talk=held_talk, actor=manager.user, text="Follow up", revision=0)
    assert (mine.author, mine.text, mine.revision) == (employee, "Ask about courses", 1)
    assert theirs.author == manager
    updated = private_note_save(
        talk=held_talk, actor=employee.user, text="Ask about courses and a mentor", revision=1
    )
    assert (updated.pk, updated.revision) == (mine.pk, 2)
    theirs.refresh_from_db()
    assert (theirs.text, theirs.revision) == ("Follow up", 1)


def test_private_note_conflict_keeps_the_first_text(held_talk, employee):
    private_note_save(talk=held_talk, actor=employee.user, text="First", revision=0)
    private_note_save(talk=held_talk, actor=employee.user, text="Tab one", revision=1)
    with pytest.raises(EditConflict) as conflict:
        private_note_save(talk=held_talk, actor=employee.user, text="Tab two", revision=1)
    assert getattr(conflict.value.current, "text", None) == "Tab one"
    note = PrivateNote.objects.get()
    assert (note.text, note.revision) == ("Tab one", 2)


def test_two_first_private_notes_from_the_same_form(held_talk, employee):
    private_note_save(talk=held_talk, actor=employee.user, text="One", revision=0)
    with pytest.raises(EditConflict) as conflict:
        private_note_save(talk=held_talk, actor=employee.user, text="Two", revision=0)
    assert getattr(conflict.value.current, "text", None) == "One"
    assert PrivateNote.objects.get().text == "One"


@pytest.mark.parametrize("text", ["a\x00b", "x" * 20001])
def test_bad_private_note_text_is_refused(held_talk, employee, text):
    private_note_save(talk=held_talk, actor=employee.user, text="Kept", revision=0)
    with pytest.raises(ValidationError):
        private_note_save(talk=held_talk, actor=employee.user, text=text, revision=1)
    note = PrivateNote.objects.get()
    assert (note.text, note.revision) == ("Kept", 1)


@pytest.mark.parametrize("who", ["colleague", "hr", "admin_user", "other_manager", "safety_rep"])
def test_only_a_party_writes_private_notes(held_talk, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        private_note_save(
            talk=held_talk, actor=getattr(actor, "user", actor), text="mine?", revision=0
        )
    assert not PrivateNote.objects.exists()
