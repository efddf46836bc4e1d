"""Writes for what each party writes alone: preparation answers (private until shared),
self-evaluation answers (never shared) and private notes (author only, ever).

Every function takes the acting user, works only on the actor's own rows, and refuses
anything else with PermissionDenied (views answer 403/404); stale forms raise EditConflict.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from samtal.accounts.permissions import get_roles
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.text import clean_text
from samtal.talk_templates.models import AnsweredBy, Question, QuestionType
from samtal.talks.models import Answer, Party, PrivateNote, Talk, TalkStatus

MAX_ANSWER = 10000
MAX_NOTE = 20000
PREPARATION_OPEN = (TalkStatus.OFFERED, TalkStatus.BOOKED, TalkStatus.HELD)
EVALUATION_OPEN = (TalkStatus.HELD, TalkStatus.AGREED)


def party_of(*, talk: Talk, actor: Any) -> str:
    """The actor's side in the talk; PermissionDenied for anyone else (HR and admin too)."""
    person_id = get_roles(actor).person_id
    if person_id is not None and person_id == talk.employee_id:
        return Party.EMPLOYEE
    if person_id is not None and person_id == talk.manager_id:
        return Party.MANAGER
    raise PermissionDenied


def party_person(talk: Talk, actor: Any) -> int:
    """The actor's own person id in the talk (refuses non-parties)."""
    party = party_of(talk=talk, actor=actor)
    return talk.employee_id if party == Party.EMPLOYEE else talk.manager_id


def clean_value(question: Question, value: Any) -> Any:
    """Check a scale step, yes/no or the chosen options against the question; None clears."""
    if value in (None, "", []):
        return None
    kind = question.question_type
    problem = _("That is not a valid answer to this question.")
    if kind == QuestionType.SCALE:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError({"value": [_("Choose a step from 1 to 5.")]})
        return value
    if kind == QuestionType.YES_NO:
        if not isinstance(value, bool):
            raise ValidationError({"value": [problem]})
        return value
    options = len(question.choices or [])
    if kind == QuestionType.SINGLE_CHOICE:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < options:
            raise ValidationError({"value": [problem]})
        return value
    if kind == QuestionType.MULTIPLE_CHOICE:
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < options for v in value
        ):
            raise ValidationError({"value": [problem]})
        return sorted(set(value))
    raise ValidationError({"value": [problem]})


def _check_question(talk: Talk, question: Question, party: str) -> str:
    """Which kind of own answer this is ("preparation" or "evaluation"), or refuse."""
    if question.section.version_id != talk.template_version_id:
        raise PermissionDenied
    if question.answered_by == f"{party}_prep":
        if talk.status not in PREPARATION_OPEN:
            raise TransitionRefused(
                [
                    _("Preparation is closed: the talk is “%(status)s”.")
                    % {"status": talk.get_status_display()}
                ]
            )
        return "preparation"
    if question.answered_by == AnsweredBy.SELF_EVALUATION:
        if talk.status not in EVALUATION_OPEN:
            raise TransitionRefused(
                [_("The evaluation of the talk opens when the talk has been held.")]
            )
        closes = evaluation_closes(talk)
        if closes is not None and timezone.localdate() > closes:
            raise TransitionRefused(
                [
                    _(
                        "The evaluation closed on %(date)s, when the answers were counted "
                        "for the round's statistics."
                    )
                    % {"date": date_format(closes, "SHORT_DATE_FORMAT")}
                ]
            )
        return "evaluation"
    # Someone else's preparation question, or a question of the shared record.
    raise PermissionDenied


def evaluation_closes(talk: Talk) -> Any:
    """Self-evaluations of a round talk close at the round's deadline, so the statistics
    published afterwards never change (a change would reveal who answered late)."""
    return talk.round.deadline if talk.round_id and talk.round else None


def answer_save(
    *, talk: Talk, actor: Any, question: Question, text: str, value: Any, revision: int
) -> Answer:
    """Save the actor's own answer to a preparation or self-evaluation question.
    `revision` is what the form was opened with (0 for a first answer); a different current
    revision means the answer changed elsewhere (another tab): EditConflict, nothing saved."""
    party = party_of(talk=talk, actor=actor)
    _check_question(talk, question, party)
    text = clean_text(text, limit=MAX_ANSWER)
    value = clean_value(question, value)
    person_id = party_person(talk, actor)
    with transaction.atomic():
        answer = (
            Answer.objects.select_for_update()
            .filter(talk=talk, question=question, author_id=person_id)
            .first()
        )
        current = answer.revision if answer else 0
        if current != revision:
            raise EditConflict(answer)
        if answer is None:
            return Answer.objects.create(
                talk=talk, question=question, author_id=person_id, text=text, value=value
            )
        if answer.text == text and answer.value == value:
            return answer
        answer.text, answer.value = text, value
        answer.revision += 1
        answer.save(update_fields=["text", "value", "revision", "updated_at"])
    return answer


def answers_share(*, talk: Talk, actor: Any, question: Question | None = None) -> int:
    """Share the actor's own preparation answers with the other party: one (`question`) or
    all at once. Self-evaluation answers are never shared. Returns how many became shared."""
    party = party_of(talk=talk, actor=actor)
    person_id = get_roles(actor).person_id
    own = Answer.objects.filter(
        talk=talk, author_id=person_id, question__answered_by=f"{party}_prep"
    )
    if question is not None:
        if question.answered_by != f"{party}_prep":
            raise PermissionDenied
        own = own.filter(question=question)
    return own.filter(shared_at__isnull=True).update(shared_at=timezone.now())


def answer_unshare(*, talk: Talk, actor: Any, question: Question) -> int:
    """Take an answer back before the talk is held (it becomes private again)."""
    party = party_of(talk=talk, actor=actor)
    if talk.status not in (TalkStatus.OFFERED, TalkStatus.BOOKED):
        raise TransitionRefused([_("Once the talk has been held, a shared answer stays shared.")])
    return Answer.objects.filter(
        talk=talk,
        author_id=get_roles(actor).person_id,
        question=question,
        question__answered_by=f"{party}_prep",
    ).update(shared_at=None)


def private_note_save(*, talk: Talk, actor: Any, text: str, revision: int) -> PrivateNote:
    """Save the actor's own private notes on the talk (nobody else ever reads them)."""
    party_of(talk=talk, actor=actor)
    text = clean_text(text, limit=MAX_NOTE)
    person_id = party_person(talk, actor)
    with transaction.atomic():
        note = (
            PrivateNote.objects.select_for_update().filter(talk=talk, author_id=person_id).first()
        )
        if (note.revision if note else 0) != revision:
            raise EditConflict(note)
        if note is None:
            return PrivateNote.objects.create(talk=talk, author_id=person_id, text=text)
        if note.text != text:
            note.text = text
            note.revision += 1
            note.save(update_fields=["text", "revision", "updated_at"])
    return note
