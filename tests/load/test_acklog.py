"""The lost-write check: an acknowledged write missing, changed or silently overwritten in the
database is reported as lost; a half-done write is reported; what is there is verified."""

from __future__ import annotations

from typing import Any

import pytest
from acklog import AckLog, half_done_writes, read_log, verify
from django.utils import timezone

from samtal.talk_templates.models import Question
from samtal.talks import preparation, services
from samtal.talks import record as rec
from samtal.talks.models import Answer, Record, RecordVersion, Talk
from samtal.talks.tests.factories import booked_talk

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(employee) -> Talk:
    return booked_talk(employee, days_ahead=-1)


def own_question(talk: Talk) -> Question:
    return Question.objects.get(section__version=talk.template_version, key="tasks")


def save(talk: Talk, employee: Any, text: str, revision: int) -> Answer:
    return preparation.answer_save(
        talk=talk,
        actor=employee.user,
        question=own_question(talk),
        text=text,
        value=None,
        revision=revision,
    )


def answer_ack(talk: Talk, employee: Any, text: str, revision: int, seq: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": "answer",
        "ack": True,
        "talk": talk.pk,
        "question": own_question(talk).pk,
        "author": employee.pk,
        "text": text,
        "value": None,
        "revision": revision,
    }


def test_the_log_is_one_json_line_per_write(tmp_path):
    log = AckLog(tmp_path / "acks.jsonl")
    log.write("comment", talk=1, author=2, text="Läst och godkänt")
    log.write("agree", ack=False, talk=1, version=1, party="employee")
    log.close()
    first, second = read_log(tmp_path / "acks.jsonl")
    assert (first["seq"], first["kind"], first["ack"], first["text"]) == (
        1,
        "comment",
        True,
        "Läst och godkänt",
    )
    assert (second["seq"], second["ack"]) == (2, False)
    with pytest.raises(ValueError, match="unknown write kind"):
        AckLog(tmp_path / "other.jsonl").write("delete", talk=1)


def test_acknowledged_answers_found_in_the_database_are_verified(talk, employee):
    save(talk, employee, "Första", 0)
    save(talk, employee, "Andra", 1)
    result = verify(
        [
            answer_ack(talk, employee, "Första", 1, seq=1),
            answer_ack(talk, employee, "Andra", 2, seq=2),
        ]
    )
    assert (result.acknowledged, result.verified, result.lost) == (2, 2, 0)
    assert result.ok


def test_an_acknowledged_answer_the_database_does_not_hold_is_lost(talk, employee):
    save(talk, employee, "Det som sparades", 0)
    result = verify([answer_ack(talk, employee, "Det som bekräftades", 1, seq=1)])
    assert result.lost == 1
    assert not result.ok
    assert "Det som bekräftades" in result.problems[0]


def test_two_acknowledgements_of_the_same_revision_are_a_silent_overwrite(talk, employee):
    save(talk, employee, "Andra", 0)
    result = verify(
        [
            answer_ack(talk, employee, "Första", 1, seq=1),
            answer_ack(talk, employee, "Andra", 1, seq=2),
        ]
    )
    assert (result.verified, result.lost) == (1, 1)


def test_saving_the_same_content_again_keeps_the_revision_and_is_no_loss(talk, employee):
    save(talk, employee, "Samma", 0)
    save(talk, employee, "Samma", 1)
    result = verify(
        [
            answer_ack(talk, employee, "Samma", 1, seq=1),
            answer_ack(talk, employee, "Samma", 1, seq=2),
        ]
    )
    assert (result.verified, result.lost) == (2, 0)


def test_a_write_after_the_last_acknowledged_one_is_counted_not_lost(talk, employee):
    save(talk, employee, "Första", 0)
    save(talk, employee, "Utan kvitto", 1)
    result = verify([answer_ack(talk, employee, "Första", 1, seq=1)])
    assert (result.verified, result.lost, result.applied_unacknowledged) == (1, 0, 1)


def test_unacknowledged_writes_are_counted_apart(talk, employee):
    result = verify([{**answer_ack(talk, employee, "x", 1, seq=1), "ack": False}])
    assert (result.acknowledged, result.lost, result.kinds["answer"].unacknowledged) == (0, 0, 1)


def test_a_share_that_did_not_stick_is_lost(talk, employee):
    save(talk, employee, "Svar", 0)
    share = {
        "seq": 1,
        "kind": "share",
        "talk": talk.pk,
        "question": own_question(talk).pk,
        "author": employee.pk,
    }
    assert verify([share]).lost == 1
    preparation.answers_share(talk=talk, actor=employee.user)
    assert verify([share]).verified == 1


def held_and_sent(talk: Talk, manager: Any, text: str) -> tuple[Record, Question]:
    services.talk_mark_held(talk=talk, actor=manager.user, revision=talk.revision)
    record = Record.objects.get(talk=talk)
    record.talk = Talk.objects.get(pk=talk.pk)
    question = Question.objects.get(section__version=talk.template_version, key="workload")
    rec.record_entry_save(
        record=record, actor=manager.user, question=question, text=text, value=3, revision=0
    )
    rec.record_send(record=record, actor=manager.user, revision=record.revision)
    return record, question


def test_a_sent_version_must_hold_the_entries_written_before_it(talk, manager):
    _record, question = held_and_sent(talk, manager, "Hög belastning")
    sent = {"seq": 3, "kind": "send", "talk": talk.pk, "version": 1, "passed_on": ""}
    ok = verify([{**sent, "entries": {str(question.pk): "Hög belastning"}}])
    assert (ok.verified, ok.lost) == (1, 0)
    lost = verify([{**sent, "entries": {str(question.pk): "Något annat"}}])
    assert lost.lost == 1
    missing = verify([{**sent, "version": 2, "entries": {}}])
    assert missing.lost == 1


def test_an_acknowledged_agreement_must_be_there(talk, employee, manager):
    record, _question = held_and_sent(talk, manager, "Text")
    agree = {"seq": 5, "kind": "agree", "talk": talk.pk, "version": 1, "party": "employee"}
    assert verify([agree]).lost == 1
    version = RecordVersion.objects.get(record=record, number=1)
    rec.record_agree(
        record=record, actor=employee.user, version_number=1, hash_=version.content_hash
    )
    result = verify([agree])
    assert (result.verified, result.lost) == (1, 0)


def test_half_done_writes_are_found(talk, manager):
    record, _question = held_and_sent(talk, manager, "Text")
    assert half_done_writes([talk.pk]) == []
    # Agreed without anyone agreeing, and a version whose content no longer matches its hash.
    Record.objects.filter(pk=record.pk).update(
        state="agreed", agreed_version=record.current_version
    )
    RecordVersion.objects.filter(record=record).update(content={"changed": True})
    problems = half_done_writes([talk.pk])
    assert any("without both agreements" in p for p in problems)
    assert any("does not match its hash" in p for p in problems)
    Talk.objects.filter(pk=talk.pk).update(status="held")
    Record.objects.filter(pk=record.pk).delete()
    assert any("without a record" in p for p in half_done_writes([talk.pk]))


def test_a_checkpoint_and_a_comment_are_looked_up_by_their_text(talk, employee, manager):
    from samtal.plans.services import CheckpointData, checkpoint_add

    record, _question = held_and_sent(talk, manager, "Text")
    due = timezone.localdate().replace(year=timezone.localdate().year + 1)
    checkpoint_add(
        actor=employee.user, person=employee, data=CheckpointData(due_on=due, topic="Avstämning")
    )
    rec.record_comment_add(record=record, actor=employee.user, text="Bra skrivet")
    found = verify(
        [
            {
                "seq": 1,
                "kind": "checkpoint",
                "person": employee.pk,
                "topic": "Avstämning",
                "due_on": due.isoformat(),
            },
            {
                "seq": 2,
                "kind": "comment",
                "talk": talk.pk,
                "author": employee.pk,
                "text": "Bra skrivet",
            },
        ]
    )
    assert (found.verified, found.lost) == (2, 0)
    missing = verify(
        [{"seq": 1, "kind": "comment", "talk": talk.pk, "author": employee.pk, "text": "Annat"}]
    )
    assert missing.lost == 1
