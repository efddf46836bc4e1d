"""Writes for the shared record: the note-taker writes, both agree to one exact version.

States (Record.State): writing -> sent -> agreed. `record_send` freezes the working copy as a
numbered RecordVersion with a SHA-256 of its content; each party agrees to that number and
hash. Any change while sent voids the version's agreements (both are told) and returns to
writing. An agreed record is locked; `record_correct` reopens it for a correction that
becomes a new version needing both agreements again. Versions and agreements are never
deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from samtal.core.emails import email_queue
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.services import history_record
from samtal.core.text import clean_text
from samtal.talk_templates.models import AnsweredBy, Phase, Question
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
from samtal.talks.preparation import clean_value, party_of, party_person
from samtal.talks.services import talk_move

MAX_ENTRY = 10000
MAX_PASSED_ON = 4000
MAX_COMMENT = 4000

# Other apps add to the record: each function in RECORD_SECTION_PARTS returns extra sections
# for the frozen content (the development plan's items proposed in the talk), in the shape
# of `record_content`'s sections, with `answer_sv`/`answer_en` where the answer is generated
# text; each function in RECORD_AGREED_HOOKS runs in the transaction that locks the record
# when both parties have agreed.
RECORD_SECTION_PARTS: list[Callable[[Record], list[dict[str, Any]]]] = []
RECORD_AGREED_HOOKS: list[Callable[[Record, Any], None]] = []


def record_start(*, talk: Talk, actor: Any, note_taker: str) -> Record:
    """Open the record of a held talk with the chosen note-taker (talk_mark_held calls it
    and records the note-taker in the talk's history)."""
    if note_taker not in Party.values:
        raise ValidationError({"note_taker": [_("Choose who takes notes.")]})
    record, _created = Record.objects.get_or_create(talk=talk, defaults={"note_taker": note_taker})
    return record


def record_set_note_taker(*, record: Record, actor: Any, note_taker: str, revision: int) -> Record:
    """Either party changes who takes notes, while the record is being written."""
    party_of(talk=record.talk, actor=actor)
    if note_taker not in Party.values:
        raise ValidationError({"note_taker": [_("Choose who takes notes.")]})
    with transaction.atomic():
        current = _lock(record, revision)
        if current.state != Record.State.WRITING:
            raise TransitionRefused(
                [_("The note-taker can change only while the record is being written.")]
            )
        if current.note_taker != note_taker:
            old = current.note_taker
            current.note_taker = note_taker
            _bump(current)
            history_record(
                obj=current.talk,
                actor=actor,
                action="record_note_taker",
                changes={"note_taker": [old, note_taker]},
            )
    return current


def record_entry_save(
    *, record: Record, actor: Any, question: Question, text: str, value: Any, revision: int
) -> RecordEntry:
    """The note-taker writes one question of the record. `revision` is the entry's revision
    when the form was opened (0 for a new one): a different current revision is a concurrent
    edit and raises EditConflict with the other text. A change while sent voids the
    agreements; an agreed record is locked."""
    _require_note_taker(record, actor)
    if question.section.version_id != record.talk.template_version_id or (
        question.answered_by != AnsweredBy.RECORD
    ):
        raise PermissionDenied
    text = clean_text(text, limit=MAX_ENTRY)
    value = clean_value(question, value)
    with transaction.atomic():
        locked = _lock(record, None)
        # Again under the lock: the note-taker may have changed since `record` was loaded.
        _require_note_taker(locked, actor)
        _require_editable(locked)
        entry = (
            RecordEntry.objects.select_for_update().filter(record=locked, question=question).first()
        )
        if (entry.revision if entry else 0) != revision:
            raise EditConflict(entry)
        if entry is not None and entry.text == text and entry.value == value:
            return entry
        person_id = party_person(locked.talk, actor)
        if entry is None:
            entry = RecordEntry.objects.create(
                record=locked, question=question, text=text, value=value, updated_by_id=person_id
            )
        else:
            entry.text, entry.value, entry.updated_by_id = text, value, person_id
            entry.revision += 1
            entry.save(update_fields=["text", "value", "updated_by", "revision", "updated_at"])
        _changed(locked, actor)
    return entry


def record_passed_on_save(*, record: Record, actor: Any, text: str, revision: int) -> Record:
    """The note-taker writes what may be passed on to others (same rules as an entry;
    `revision` is the record's `passed_on_revision` when the form was opened)."""
    _require_note_taker(record, actor)
    text = clean_text(text, limit=MAX_PASSED_ON, field="passed_on")
    with transaction.atomic():
        current = _lock(record, None)
        _require_note_taker(current, actor)
        if current.passed_on_revision != revision:
            raise EditConflict(current)
        _require_editable(current)
        if current.passed_on != text:
            current.passed_on = text
            current.passed_on_revision += 1
            _changed(current, actor)
    return current


def record_comment_add(
    *, record: Record, actor: Any, text: str, question: Question | None = None
) -> RecordComment:
    """Either party adds a comment to the record (or to one of its questions)."""
    person_id = party_person(record.talk, actor)
    text = clean_text(text, limit=MAX_COMMENT).strip()
    if not text:
        raise ValidationError({"text": [_("Write the comment first.")]})
    if question is not None and question.section.version_id != record.talk.template_version_id:
        raise PermissionDenied
    comment = RecordComment.objects.create(
        record=record, question=question, author_id=person_id, text=text
    )
    return comment


def record_send(*, record: Record, actor: Any, revision: int) -> RecordVersion:
    """The note-taker sends the record for agreement: it is frozen as the next version and
    both parties are asked to agree to it."""
    _require_note_taker(record, actor)
    with transaction.atomic():
        current = _lock(record, revision)
        if current.state != Record.State.WRITING:
            raise TransitionRefused([_("Only a record being written can be sent for agreement.")])
        content = record_content(current)
        number = (current.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = RecordVersion.objects.create(
            record=current,
            number=number,
            content=content,
            content_hash=content_hash(content),
            created_by_id=party_person(current.talk, actor),
            is_correction=current.agreed_version_id is not None,
        )
        current.state = Record.State.SENT
        current.current_version = version
        _bump(current)
        history_record(
            obj=current.talk, actor=actor, action="record_sent", changes={"version": number}
        )
        _tell_both(current, "record_sent", f"sent:{number}", {"version": number})
    return version


def record_agree(*, record: Record, actor: Any, version_number: int, hash_: str) -> Agreement:
    """A party agrees to the exact version they read (its number and hash). Refuses a stale
    version, a voided one, a second agreement, and anyone but the two parties. When both have
    agreed the record is locked and the talk is agreed."""
    party = party_of(talk=record.talk, actor=actor)
    with transaction.atomic():
        current = _lock(record, None)
        version = current.current_version
        if current.state != Record.State.SENT or version is None:
            raise TransitionRefused([_("There is no version of the record waiting to be agreed.")])
        if version.number != version_number or version.content_hash != hash_:
            raise TransitionRefused(
                [
                    _(
                        "The record has changed since you read it (now version %(number)d). "
                        "Read the current version and agree to it."
                    )
                    % {"number": version.number}
                ]
            )
        if version.agreements.filter(party=party, voided_at__isnull=True).exists():
            raise TransitionRefused([_("You have already agreed to this version.")])
        agreement = Agreement.objects.create(
            version=version,
            party=party,
            person_id=party_person(current.talk, actor),
            content_hash=version.content_hash,
        )
        history_record(
            obj=current.talk,
            actor=actor,
            action="record_agreed_by",
            changes={"version": version.number, "party": party},
        )
        parties = set(
            version.agreements.filter(voided_at__isnull=True).values_list("party", flat=True)
        )
        if parties == {Party.EMPLOYEE, Party.MANAGER}:
            current.state = Record.State.AGREED
            current.agreed_version = version
            _bump(current)
            talk = Talk.objects.select_for_update().get(pk=current.talk_id)
            if talk.status == TalkStatus.HELD:
                talk_move(talk, TalkStatus.AGREED, actor=actor, action="talk_agreed")
            for hook in RECORD_AGREED_HOOKS:
                hook(current, actor)
            _tell_both(
                current, "record_agreed", f"agreed:{version.number}", {"version": version.number}
            )
    return agreement


def record_correct(*, record: Record, actor: Any, revision: int) -> Record:
    """Either party reopens an agreed record for a correction. The agreed version stays
    valid (and exportable) until both agree to the corrected one."""
    party_of(talk=record.talk, actor=actor)
    with transaction.atomic():
        current = _lock(record, revision)
        if current.state != Record.State.AGREED:
            raise TransitionRefused([_("Only an agreed record can be corrected.")])
        current.state = Record.State.WRITING
        _bump(current)
        history_record(obj=current.talk, actor=actor, action="record_correction_started")
    return current


# --- content ------------------------------------------------------------------------------


def record_questions(talk: Talk) -> list[tuple[Any, list[Question]]]:
    """The shared sections of the talk's template with their questions, in order."""
    from samtal.talk_templates.selectors import version_sections

    sections = []
    for section in version_sections(version=talk.template_version):
        if section.phase != Phase.TALK:
            continue
        questions = [q for q in section.questions.all() if q.answered_by == AnsweredBy.RECORD]
        if questions:
            sections.append((section, questions))
    return sections


def record_content(record: Record) -> dict[str, Any]:
    """The record as it stands, in both languages, as frozen into a version."""
    talk = record.talk
    entries = {e.question_id: e for e in record.entries.all()}
    sections = []
    for section, questions in record_questions(talk):
        items = []
        for question in questions:
            entry = entries.get(question.pk)
            items.append(
                {
                    "key": question.key,
                    "text_sv": question.text_sv,
                    "text_en": question.text_en,
                    "type": question.question_type,
                    "choices": question.choices or [],
                    "scale_low_sv": question.scale_low_sv,
                    "scale_low_en": question.scale_low_en,
                    "scale_high_sv": question.scale_high_sv,
                    "scale_high_en": question.scale_high_en,
                    "salary_basis": question.salary_basis,
                    "answer": entry.text if entry else "",
                    "value": entry.value if entry else None,
                }
            )
        sections.append(
            {
                "key": section.key,
                "title_sv": section.title_sv,
                "title_en": section.title_en,
                "questions": items,
            }
        )
    for part in RECORD_SECTION_PARTS:
        sections.extend(part(record))
    note_taker = talk.employee if record.note_taker == Party.EMPLOYEE else talk.manager
    return {
        "talk": talk.pk,
        "employee": talk.employee.full_name,
        "manager": talk.manager.full_name,
        "held_on": (
            timezone.localtime(talk.starts_at).date().isoformat() if talk.starts_at else ""
        ),
        "note_taker": record.note_taker,
        "note_taker_name": note_taker.full_name,
        "passed_on": record.passed_on,
        "sections": sections,
    }


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- for other apps that write into the record ---------------------------------------------


def record_lock_for_writing(*, record: Record, actor: Any) -> Record:
    """Lock the record for a change by the note-taker (call inside a transaction): refuses
    anyone else and an agreed record, like an entry."""
    _require_note_taker(record, actor)
    locked = _lock(record, None)
    _require_note_taker(locked, actor)
    _require_editable(locked)
    return locked


def record_content_changed(*, record: Record, actor: Any) -> None:
    """Content of a locked record changed: a version waiting for agreement is voided."""
    _changed(record, actor)


# --- helpers ------------------------------------------------------------------------------


def _require_note_taker(record: Record, actor: Any) -> None:
    if party_of(talk=record.talk, actor=actor) != record.note_taker:
        raise PermissionDenied(_("Only the note-taker writes the record; you can comment."))


def _require_editable(record: Record) -> None:
    if record.state == Record.State.AGREED:
        raise TransitionRefused(
            [_("The record is agreed and locked. Start a correction to change it.")]
        )


def _lock(record: Record, revision: int | None) -> Record:
    current = (
        Record.objects.select_for_update(of=("self",))
        .select_related("talk__employee", "talk__manager", "talk__template_version")
        .get(pk=record.pk)
    )
    if revision is not None and current.revision != revision:
        raise EditConflict(current)
    return current


def _bump(record: Record) -> None:
    record.revision += 1
    record.save()


def _changed(record: Record, actor: Any) -> None:
    """A change to the content: void a version waiting for agreement and tell both. The
    record's own revision moves only with its state, so autosaving one question does not
    make the other forms on the page stale."""
    if record.state == Record.State.SENT and record.current_version is not None:
        now = timezone.now()
        version = record.current_version
        agreed = version.agreements.filter(voided_at__isnull=True).update(voided_at=now)
        RecordVersion.objects.filter(pk=version.pk).update(voided_at=now)
        record.state = Record.State.WRITING
        history_record(
            obj=record.talk,
            actor=actor,
            action="record_agreements_voided",
            changes={"version": version.number, "agreements": agreed},
        )
        if agreed:  # someone had agreed: both are told their agreement no longer holds
            _tell_both(
                record, "record_voided", f"voided:{version.number}", {"version": version.number}
            )
        _bump(record)
    else:
        record.save()


def _tell_both(record: Record, kind: str, key: str, params: dict[str, Any]) -> None:
    talk = record.talk
    for person in (talk.employee, talk.manager):
        email_queue(
            key=f"talk:{talk.pk}:{key}:{person.user_id}",
            kind=kind,
            recipient_id=person.user_id,
            params={"talk": talk.pk, **params},
        )
