"""Reads of what is written in a talk, each filtered by who may read it (DESIGN.md's privacy
table). Nothing here returns another person's private item: unshared answers, private notes
and self-evaluations are read only with the reader's own person id.

Reads of content by someone who is not a party (HR under an org policy that allows it, the
employee's next manager) are written to the audit log.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from samtal.accounts.permissions import Roles, path_in_scope
from samtal.core.anonymity import suppress, threshold, total_may_show
from samtal.core.models import OrgPolicy
from samtal.core.services import audit_read
from samtal.talk_templates.models import AnsweredBy, Question, QuestionType
from samtal.talks.models import (
    Answer,
    Party,
    PrivateNote,
    Record,
    RecordComment,
    RecordVersion,
    Round,
    Talk,
    TalkStatus,
)


def own_answers(*, talk: Talk, person_id: int) -> dict[int, Answer]:
    """The reader's own answers (preparation and self-evaluation), by question id."""
    return {a.question_id: a for a in Answer.objects.filter(talk=talk, author_id=person_id)}


def shared_answers_for(*, talk: Talk, person_id: int) -> dict[int, Answer]:
    """The other party's preparation answers that they have shared with the reader."""
    if person_id not in (talk.employee_id, talk.manager_id):
        return {}
    other = talk.manager_id if person_id == talk.employee_id else talk.employee_id
    return {
        a.question_id: a
        for a in Answer.objects.filter(
            talk=talk,
            author_id=other,
            shared_at__isnull=False,
            question__answered_by__in=(AnsweredBy.EMPLOYEE_PREP, AnsweredBy.MANAGER_PREP),
        )
    }


def private_note_of(*, talk: Talk, person_id: int) -> PrivateNote | None:
    return PrivateNote.objects.filter(talk=talk, author_id=person_id).first()


# --- the record -----------------------------------------------------------------------------


def content_answer(question: dict[str, Any], language: str) -> str:
    """A question's answer in a frozen version: generated parts carry one per language."""
    suffix = "en" if language.startswith("en") else "sv"
    return str(question.get(f"answer_{suffix}", question.get("answer", "")))


@dataclass
class RecordAccess:
    """How the reader may see a talk's record."""

    can_read: bool
    party: str = ""  # "employee" / "manager" for the two parties, "" for others
    agreed_only: bool = False  # others see only the last version both agreed to
    reason: str = ""  # audit reason for a reader who is not a party


def record_access(*, roles: Roles, talk: Talk) -> RecordAccess:
    if roles.person_id is not None and roles.person_id == talk.employee_id:
        return RecordAccess(True, Party.EMPLOYEE)
    if roles.person_id is not None and roles.person_id == talk.manager_id:
        return RecordAccess(True, Party.MANAGER)
    # The employee's current manager reads earlier agreed records (the plan and the record
    # follow the employee to a new manager).
    current_manager = getattr(talk.employee, "manager_id", None)
    if roles.person_id is not None and roles.person_id == current_manager:
        return RecordAccess(True, "", agreed_only=True, reason="next_manager")
    if path_in_scope(talk.unit.path, roles.hr_paths) and OrgPolicy.current().hr_may_read_records:
        return RecordAccess(True, "", agreed_only=True, reason="hr")
    return RecordAccess(False)


def record_of(talk: Talk) -> Record | None:
    return (
        Record.objects.filter(talk=talk).select_related("current_version", "agreed_version").first()
    )


def agreed_content_for(
    *, reader: Any, roles: Roles, talk: Talk, path: str = ""
) -> RecordVersion | None:
    """The last agreed version of the talk's record, if the reader may see it (a read by a
    non-party is audit-logged)."""
    access = record_access(roles=roles, talk=talk)
    record = record_of(talk)
    if not access.can_read or record is None or record.agreed_version is None:
        return None
    if access.reason:
        audit_read(
            actor=reader, subject=talk.employee, what="talk_record", reason=access.reason, path=path
        )
    return record.agreed_version


def record_comments(*, record: Record) -> list[RecordComment]:
    return list(record.comments.select_related("author", "question"))


def record_versions(*, record: Record) -> list[RecordVersion]:
    return list(record.versions.prefetch_related("agreements__person").order_by("-number"))


def previous_agreed_talk(*, talk: Talk) -> Talk | None:
    """The employee's latest earlier talk with an agreed record (shown while preparing)."""
    return (
        Talk.objects.filter(
            employee_id=talk.employee_id,
            record__agreed_version__isnull=False,
            created_at__lt=talk.created_at,
        )
        .exclude(pk=talk.pk)
        .select_related("record__agreed_version", "manager", "round")
        .order_by("-created_at")
        .first()
    )


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


@dataclass
class QuestionDiff:
    section: str
    question: str
    lines: list[DiffLine]


def version_diff(
    *, old: RecordVersion, new: RecordVersion, language: str = "sv"
) -> list[QuestionDiff]:
    """What changed between two versions, question by question (unchanged ones left out)."""
    suffix = "en" if language == "en" else "sv"

    def flatten(content: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str, str]]:
        rows = {}
        for section in content.get("sections", []):
            for question in section.get("questions", []):
                text = content_answer(question, language)
                if question.get("value") not in (None, [], ""):
                    text = f"{text}\n[{question['value']}]".strip()
                rows[(section["key"], question["key"])] = (
                    section.get(f"title_{suffix}", ""),
                    question.get(f"text_{suffix}", ""),
                    text,
                )
        rows[("", "passed_on")] = (
            "",
            _("What may be passed on to others"),
            content.get("passed_on", ""),
        )
        return rows

    before, after = flatten(old.content), flatten(new.content)
    diffs = []
    for key in [*after, *(k for k in before if k not in after)]:
        section, question, _text = after.get(key) or before[key]
        old_text = before[key][2] if key in before else ""
        new_text = after[key][2] if key in after else ""
        if old_text == new_text:
            continue
        lines = []
        for line in difflib.ndiff(old_text.splitlines(), new_text.splitlines()):
            if line.startswith("? "):
                continue
            kind = {"+ ": "added", "- ": "removed"}.get(line[:2], "same")
            lines.append(DiffLine(kind, line[2:]))
        diffs.append(QuestionDiff(section, question, lines))
    return diffs


# --- salary talk basis ------------------------------------------------------------------------


def salary_basis(*, version: RecordVersion) -> list[dict[str, Any]]:
    """The agreed answers flagged as input to the separate salary talk (from the frozen
    version, so it is exactly what both agreed to)."""
    items = []
    for section in version.content.get("sections", []):
        for question in section.get("questions", []):
            if question.get("salary_basis"):
                items.append(
                    {
                        **question,
                        "section_title_sv": section.get("title_sv", ""),
                        "section_title_en": section.get("title_en", ""),
                    }
                )
    return items


# --- upward feedback (the employee's evaluation of the talk and of leadership) ------------


@dataclass
class QuestionStats:
    question: Question
    distribution: list[tuple[str, int]] = field(default_factory=list)
    answered: int = 0
    mean: float | None = None
    too_few: bool = False  # fewer than K answered this question: nothing of it is shown


@dataclass
class FeedbackReport:
    round: Round
    respondents: int
    published: bool  # the round's evaluation has closed
    enough: bool  # at least K respondents
    k: int
    questions: list[QuestionStats] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.published and self.enough


def _upward_answers(round_: Round) -> Any:
    return Answer.objects.filter(
        talk__round=round_,
        talk__status__in=(TalkStatus.HELD, TalkStatus.AGREED),
        author_id=F("talk__employee_id"),
        question__upward_feedback=True,
        question__answered_by=AnsweredBy.SELF_EVALUATION,
        value__isnull=False,
    ).exclude(question__question_type=QuestionType.TEXT)


def _stats(answers: Any) -> list[QuestionStats]:
    """Counts per question and answer value: one GROUP BY in the database."""
    rows = answers.values("question_id", "value").annotate(n=Count("id")).order_by()
    grouped: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for row in rows:
        grouped[row["question_id"]].append((row["value"], row["n"]))
    questions = Question.objects.in_bulk(list(grouped))
    result = []
    for question_id in sorted(
        grouped, key=lambda q: (questions[q].section.position, questions[q].position)
    ):
        question = questions[question_id]
        stats = QuestionStats(question)
        counts: dict[Any, int] = defaultdict(int)
        total = weighted = 0
        for value, n in grouped[question_id]:
            stats.answered += n
            for item in value if isinstance(value, list) else [value]:
                counts[item] += n
            if question.question_type == QuestionType.SCALE and isinstance(value, int):
                total += n
                weighted += value * n
        if stats.answered < threshold():
            stats.too_few = True
        else:
            stats.distribution = _labelled(question, counts)
            stats.mean = round(weighted / total, 1) if total else None
        result.append(stats)
    return result


def _labelled(question: Question, counts: dict[Any, int]) -> list[tuple[str, int]]:
    kind = question.question_type
    if kind == QuestionType.SCALE:
        return [(str(step), counts.get(step, 0)) for step in range(1, 6)]
    if kind == QuestionType.YES_NO:
        return [(_("Yes"), counts.get(True, 0)), (_("No"), counts.get(False, 0))]
    labels = question.choice_labels()
    return [(label, counts.get(i, 0)) for i, label in enumerate(labels)]


def upward_feedback_for_manager(
    *, manager_id: int, round_: Round, today: date | None = None
) -> FeedbackReport:
    """The manager's own upward feedback for one round: only after the round's evaluation
    has closed (so it never changes once shown) and only with at least K respondents."""
    today = today or timezone.localdate()
    answers = _upward_answers(round_).filter(talk__manager_id=manager_id)
    respondents = answers.values("author_id").distinct().count()
    k = threshold()
    report = FeedbackReport(round_, respondents, round_.deadline < today, respondents >= k, k)
    if report.shown:
        report.questions = _stats(answers)
    return report


@dataclass
class ManagerFeedbackRow:
    manager_id: int
    name: str
    respondents: int | None  # None when the cell is suppressed: the number is never shown
    suppressed: bool


@dataclass
class ScopeFeedback:
    report: FeedbackReport
    managers: list[ManagerFeedbackRow]


def upward_feedback_for_hr(
    *, roles: Roles, round_: Round, today: date | None = None
) -> ScopeFeedback:
    """HR's view: respondents per manager with every cell under K suppressed (and enough
    other cells hidden that no total reveals one), and the distribution over the whole scope
    only when that total may be shown."""
    from samtal.accounts.permissions import scope_q

    today = today or timezone.localdate()
    answers = _upward_answers(round_).filter(scope_q(roles.hr_paths, field="talk__unit__path"))
    per_manager = list(
        answers.values("talk__manager_id", "talk__manager__first_name", "talk__manager__last_name")
        .annotate(n=Count("author_id", distinct=True))
        .order_by("talk__manager__last_name", "talk__manager__first_name")
    )
    counts = {row["talk__manager_id"]: row["n"] for row in per_manager}
    hidden = suppress(counts)
    k = threshold()
    respondents = answers.values("author_id").distinct().count()
    published = round_.deadline < today
    # A manager with K or more answers sees their own distribution; the scope's distribution
    # minus those would give away the managers below K unless together they are 0 or >= K.
    below_k = sum(n for n in counts.values() if n < k)
    total_safe = total_may_show(counts) and (below_k == 0 or below_k >= k)
    report = FeedbackReport(round_, respondents, published, published and total_safe, k)
    if report.shown:
        report.questions = _stats(answers)
    managers = [
        ManagerFeedbackRow(
            row["talk__manager_id"],
            f"{row['talk__manager__first_name']} {row['talk__manager__last_name']}",
            None if row["talk__manager_id"] in hidden else row["n"],
            row["talk__manager_id"] in hidden,
        )
        for row in per_manager
    ]
    return ScopeFeedback(report, managers)


def rounds_with_feedback_for_manager(*, manager_id: int) -> Any:
    return Round.objects.filter(talks__manager_id=manager_id).distinct().order_by("-deadline")
