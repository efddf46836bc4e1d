"""Preparation and afterwards: what each party of a talk writes alone.

Only the two parties reach these pages; everyone else (HR, admin, other managers) gets 404,
so no unshared answer, self-evaluation or private note is ever rendered for them. Saves work
without JavaScript (a POST, then a redirect back to the question); with htmx the form
autosaves and gets back only its saved state and new revision. A save over a newer version
(another tab) is refused and shows the saved text beside the unsaved one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from samtal.accounts.permissions import Roles, get_roles
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.params import int_param
from samtal.organisation.models import Person
from samtal.plans import selectors as plan_selectors
from samtal.plans.permissions import plan_access
from samtal.talk_templates.models import AnsweredBy, Phase, Question, Section
from samtal.talk_templates.selectors import Perspective, version_as_seen
from samtal.talks import content_selectors, permissions, preparation, selectors
from samtal.talks.forms.preparation import (
    AnswerForm,
    PrivateNoteForm,
    question_value_label,
    value_label,
)
from samtal.talks.forms.talk import add_service_errors
from samtal.talks.models import Answer, Party, PrivateNote, Talk, TalkStatus

UNSHARE_OPEN = (TalkStatus.OFFERED, TalkStatus.BOOKED)


@dataclass
class Side:
    """The reader's side of the talk."""

    roles: Roles
    talk: Talk
    party: str
    person_id: int
    other: Person


@dataclass
class AnswerItem:
    question: Question
    answer: Answer | None
    form: AnswerForm
    value_text: str = ""
    conflict: bool = False
    conflict_text: str = ""


def _side(request: HttpRequest, pk: int) -> Side:
    """The talk and the reader's party in it; 404 for anyone who is not a party."""
    roles = get_roles(request.user)
    talk = selectors.talk_get(roles=roles, pk=pk)
    if talk is None or not permissions.is_party(roles, talk) or roles.person_id is None:
        raise Http404
    if permissions.is_talk_employee(roles, talk):
        return Side(roles, talk, Party.EMPLOYEE, roles.person_id, talk.manager)
    return Side(roles, talk, Party.MANAGER, roles.person_id, talk.employee)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _sections(side: Side, party: str, phase: str) -> list[tuple[Section, list[Question]]]:
    """The sections of one phase as `party` sees them (audience by the employee)."""
    employee = side.talk.employee
    perspective = Perspective(
        party=party,
        career_stage=employee.career_stage,
        employee_is_manager=Person.objects.filter(manager=employee, is_active=True).exists(),
    )
    for view in version_as_seen(version=side.talk.template_version, perspective=perspective):
        if view.phase == phase:
            return view.sections
    return []


def _items(
    side: Side,
    sections: list[tuple[Section, list[Question]]],
    bound: AnswerForm | None,
    conflict: EditConflict | None,
) -> list[tuple[Section, list[AnswerItem]]]:
    answers = content_selectors.own_answers(talk=side.talk, person_id=side.person_id)
    result = []
    for section, questions in sections:
        items = []
        for question in questions:
            answer = answers.get(question.pk)
            is_bound = bound is not None and bound.question.pk == question.pk
            item = AnswerItem(
                question,
                answer,
                bound
                if bound is not None and is_bound
                else AnswerForm.for_answer(question, answer),
                question_value_label(question, answer.value) if answer else "",
            )
            if is_bound and conflict is not None:
                item.conflict = True
                item.conflict_text = _conflict_text(question, conflict.current)
            items.append(item)
        result.append((section, items))
    return result


def _conflict_text(question: Question, current: Model | None) -> str:
    if not isinstance(current, Answer):
        return ""
    shown = question_value_label(question, current.value)
    return "\n".join(part for part in (shown, current.text) if part)


def _language_suffix() -> str:
    return "en" if (get_language() or "sv")[:2] == "en" else "sv"


def _agreed_record(request: HttpRequest, side: Side) -> dict[str, Any] | None:
    """The employee's last agreed record, read-only, in the reader's language."""
    previous = content_selectors.previous_agreed_talk(talk=side.talk)
    if previous is None:
        return None
    version = content_selectors.agreed_content_for(
        reader=request.user, roles=side.roles, talk=previous, path=request.path
    )
    if version is None:
        return None
    lang = _language_suffix()
    content = version.content
    sections = []
    for section in content.get("sections", []):
        rows = []
        for question in section.get("questions", []):
            choices = [str(c.get(lang, "")) for c in question.get("choices", [])]
            rows.append(
                {
                    "text": question.get(f"text_{lang}", "") or question.get("key", ""),
                    "answer": content_selectors.content_answer(question, lang),
                    "value": value_label(
                        kind=question.get("type", ""),
                        value=question.get("value"),
                        choices=choices,
                    ),
                }
            )
        sections.append({"title": section.get(f"title_{lang}", ""), "rows": rows})
    return {
        "talk": previous,
        "version": version,
        "held_on": content.get("held_on", ""),
        "manager": content.get("manager", ""),
        "note_taker": content.get("note_taker_name", ""),
        "passed_on": content.get("passed_on", ""),
        "sections": sections,
    }


def _plan(side: Side) -> dict[str, Any]:
    """The preparation opens with the employee's development plan and what came of it, and
    the unit's goals for the talk's year."""
    talk = side.talk
    year = plan_selectors.talk_goal_year(talk)
    # A party who is no longer the employee's manager does not see how the plan goes on.
    visible = plan_access(roles=side.roles, person=talk.employee).can_read
    return {
        "visible": visible,
        "plan": plan_selectors.plan_of(person=talk.employee) if visible else None,
        "unit_goals": plan_selectors.unit_goals_for(person=talk.employee, years=[year]),
        "year": year,
    }


def _shared_with_me(side: Side) -> list[tuple[Section, list[tuple[Question, Answer, str]]]]:
    """The other party's preparation answers that they have shared with the reader."""
    shared = content_selectors.shared_answers_for(talk=side.talk, person_id=side.person_id)
    if not shared:
        return []
    other_party = Party.MANAGER if side.party == Party.EMPLOYEE else Party.EMPLOYEE
    result = []
    for section, questions in _sections(side, other_party, Phase.PREPARATION):
        rows = [
            (q, shared[q.pk], question_value_label(q, shared[q.pk].value))
            for q in questions
            if q.pk in shared and not shared[q.pk].is_empty
        ]
        if rows:
            result.append((section, rows))
    return result


def _prepare_page(
    request: HttpRequest,
    side: Side,
    *,
    bound: AnswerForm | None = None,
    conflict: EditConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    sections = _sections(side, side.party, Phase.PREPARATION)
    return render(
        request,
        "talks/prepare.html",
        {
            "talk": side.talk,
            "other": side.other,
            "is_employee": side.party == Party.EMPLOYEE,
            "sections": _items(side, sections, bound, conflict),
            "can_edit": side.talk.status in preparation.PREPARATION_OPEN,
            "can_unshare": side.talk.status in UNSHARE_OPEN,
            "shared_with_me": _shared_with_me(side),
            "agreed_record": _agreed_record(request, side),
            "prep_plan": _plan(side),
        },
        status=status,
    )


def _evaluation_state(talk: Talk) -> tuple[bool, str]:
    """Whether the self-evaluation may be written now, and if not, why."""
    if talk.status not in preparation.EVALUATION_OPEN:
        return False, _("The evaluation of the talk opens when the talk has been held.")
    closes = preparation.evaluation_closes(talk)
    if closes is not None and timezone.localdate() > closes:
        return False, _(
            "The evaluation has closed: the answers were counted for the round's statistics."
        )
    return True, ""


def _contacts() -> list[str]:
    text = (
        settings.SAMTAL_TALK_CONTACTS_EN
        if _language_suffix() == "en"
        else settings.SAMTAL_TALK_CONTACTS_SV
    )
    return [line.strip() for line in text.splitlines() if line.strip()]


def _afterwards_page(
    request: HttpRequest,
    side: Side,
    *,
    bound: AnswerForm | None = None,
    conflict: EditConflict | None = None,
    note_form: PrivateNoteForm | None = None,
    note_conflict: EditConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    note = content_selectors.private_note_of(talk=side.talk, person_id=side.person_id)
    open_, closed_reason = _evaluation_state(side.talk)
    sections = _sections(side, side.party, Phase.AFTERWARDS)
    current_note = note_conflict.current if note_conflict is not None else None
    return render(
        request,
        "talks/afterwards.html",
        {
            "talk": side.talk,
            "other": side.other,
            "is_employee": side.party == Party.EMPLOYEE,
            "sections": _items(side, sections, bound, conflict),
            "can_edit": open_,
            "closed_reason": closed_reason,
            "note": note,
            "note_form": note_form or PrivateNoteForm.for_note(note),
            "note_conflict": note_conflict is not None,
            "note_conflict_text": (
                current_note.text if isinstance(current_note, PrivateNote) else ""
            ),
            "k": settings.SAMTAL_ANONYMITY_K,
            "contacts": _contacts(),
        },
        status=status,
    )


# --- pages ------------------------------------------------------------------------------------


@require_GET
def prepare(request: HttpRequest, pk: int) -> HttpResponse:
    """The reader's preparation questions, what the other party shared, last agreed record."""
    return _prepare_page(request, _side(request, pk))


@require_GET
def afterwards(request: HttpRequest, pk: int) -> HttpResponse:
    """The reader's self-evaluation of the talk and their private notes."""
    return _afterwards_page(request, _side(request, pk))


# --- saving -----------------------------------------------------------------------------------


def _revision(request: HttpRequest, form_revision: int) -> int:
    """The revision to save over: the form's, or the newer one the user chose to replace
    after being shown it (the "Save my text instead" button of a conflict)."""
    take_over = int_param(request.POST.get("take_over"))
    return take_over if take_over is not None else form_revision


def _state(
    request: HttpRequest,
    *,
    state: str,
    revision_id: str,
    revision: int | None = None,
    saved_at: Any = None,
    problems: list[str] | None = None,
    current_text: str = "",
    current_revision: int = 0,
) -> HttpResponse:
    """The small htmx answer: goes into the form's status element (always 200, so htmx
    swaps it; the state says whether it was saved)."""
    return render(
        request,
        "talks/partials/saved_state.html",
        {
            "state": state,
            "revision_id": revision_id,
            "revision": revision,
            "saved_at": saved_at,
            "problems": problems or [],
            "current_text": current_text,
            "current_revision": current_revision,
        },
    )


def _answer_page(question: Question) -> str:
    return "afterwards" if question.answered_by == AnsweredBy.SELF_EVALUATION else "prepare"


def _answer_url(talk: Talk, question: Question) -> str:
    name = (
        "talks:talk_afterwards" if _answer_page(question) == "afterwards" else "talks:talk_prepare"
    )
    return f"{reverse(name, args=[talk.pk])}#q{question.pk}"


def _error_texts(form: Any) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


@require_POST
def answer_save(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    side = _side(request, pk)
    asked = get_object_or_404(Question.objects.select_related("section"), pk=question)
    # Only the reader's own questions of this talk: never the other party's, never the record.
    if asked.section.version_id != side.talk.template_version_id or asked.answered_by not in (
        f"{side.party}_prep",
        AnsweredBy.SELF_EVALUATION,
    ):
        raise PermissionDenied
    form = AnswerForm(request.POST, question=asked)
    page = _prepare_page if _answer_page(asked) == "prepare" else _afterwards_page
    revision_id = f"q{asked.pk}_revision"
    htmx = _is_htmx(request)
    if form.is_valid():
        text, value = form.answer()
        try:
            answer = preparation.answer_save(
                talk=side.talk,
                actor=request.user,
                question=asked,
                text=text,
                value=value,
                revision=_revision(request, form.cleaned_data["revision"]),
            )
        except EditConflict as conflict:
            current = conflict.current
            current_revision = current.revision if isinstance(current, Answer) else 0
            if htmx:
                return _state(
                    request,
                    state="conflict",
                    revision_id=revision_id,
                    current_text=_conflict_text(asked, current),
                    current_revision=current_revision,
                )
            # The form keeps the unsaved text and takes the saved revision: saving again
            # (after reading what is saved now) replaces it deliberately.
            data = request.POST.copy()
            data["revision"] = str(current_revision)
            again = AnswerForm(data, question=asked)
            again.is_valid()
            return page(request, side, bound=again, conflict=conflict, status=409)
        except TransitionRefused as refused:
            if htmx:
                return _state(
                    request, state="refused", revision_id=revision_id, problems=refused.problems
                )
            for problem in refused.problems:
                messages.error(request, problem)
            return redirect(_answer_url(side.talk, asked))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if htmx:
                return _state(
                    request,
                    state="saved",
                    revision_id=revision_id,
                    revision=answer.revision,
                    saved_at=answer.updated_at,
                )
            messages.success(request, _("Your answer was saved."))
            return redirect(_answer_url(side.talk, asked))
    if htmx:
        return _state(
            request, state="invalid", revision_id=revision_id, problems=_error_texts(form)
        )
    return page(request, side, bound=form, status=400)


@require_POST
def answers_share(request: HttpRequest, pk: int) -> HttpResponse:
    """Share one of the reader's preparation answers (`question` in the form) or all."""
    side = _side(request, pk)
    asked = None
    question_id = request.POST.get("question", "")
    if question_id:
        number = int_param(question_id)
        if number is None:
            raise Http404
        asked = get_object_or_404(Question, pk=number)
    count = preparation.answers_share(talk=side.talk, actor=request.user, question=asked)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d answer is now shared with %(name)s.",
                "%(count)d answers are now shared with %(name)s.",
                count,
            )
            % {"count": count, "name": side.other.full_name},
        )
    else:
        messages.info(
            request,
            _("Nothing was shared: only saved answers that are not shared yet can be shared."),
        )
    url = reverse("talks:talk_prepare", args=[side.talk.pk])
    return redirect(f"{url}#q{asked.pk}" if asked is not None else url)


@require_POST
def answer_unshare(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    """Take a shared preparation answer back (private again), while the talk is not held."""
    side = _side(request, pk)
    asked = get_object_or_404(Question, pk=question)
    url = f"{reverse('talks:talk_prepare', args=[side.talk.pk])}#q{asked.pk}"
    try:
        count = preparation.answer_unshare(talk=side.talk, actor=request.user, question=asked)
    except TransitionRefused as refused:
        for problem in refused.problems:
            messages.error(request, problem)
        return redirect(url)
    if count:
        messages.success(request, _("The answer is private again: only you can read it."))
    else:
        messages.info(request, _("That answer was not shared, so nothing changed."))
    return redirect(url)


@require_POST
def private_note_save(request: HttpRequest, pk: int) -> HttpResponse:
    side = _side(request, pk)
    form = PrivateNoteForm(request.POST)
    htmx = _is_htmx(request)
    url = f"{reverse('talks:talk_afterwards', args=[side.talk.pk])}#private-notes"
    if form.is_valid():
        try:
            note = preparation.private_note_save(
                talk=side.talk,
                actor=request.user,
                text=form.cleaned_data["text"],
                revision=_revision(request, form.cleaned_data["revision"]),
            )
        except EditConflict as conflict:
            current = conflict.current
            current_revision = current.revision if isinstance(current, PrivateNote) else 0
            if htmx:
                return _state(
                    request,
                    state="conflict",
                    revision_id="note_revision",
                    current_text=current.text if isinstance(current, PrivateNote) else "",
                    current_revision=current_revision,
                )
            data = request.POST.copy()
            data["revision"] = str(current_revision)
            again = PrivateNoteForm(data)
            again.is_valid()
            return _afterwards_page(
                request, side, note_form=again, note_conflict=conflict, status=409
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if htmx:
                return _state(
                    request,
                    state="saved",
                    revision_id="note_revision",
                    revision=note.revision,
                    saved_at=note.updated_at,
                )
            messages.success(request, _("Your private notes were saved."))
            return redirect(url)
    if htmx:
        return _state(
            request, state="invalid", revision_id="note_revision", problems=_error_texts(form)
        )
    return _afterwards_page(request, side, note_form=form, status=400)
