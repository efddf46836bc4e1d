"""The shared record of a held talk: writing it, commenting, sending it for agreement,
agreeing to one exact version, correcting it, and its version history.

Who sees what (content_selectors.record_access): the two parties see the working copy; the
employee's current manager and HR (only when the org policy allows it) see the last agreed
version read-only, and each such read is audit-logged; everyone else gets 404. Every change
is a POST to its own URL: a non-party who may read gets 403, the rules of who may write what
are the services' (the other party writing gets 403 from there too).

Autosave: each question's form posts with HTMX after a pause in typing and gets back only its
save state (the hidden revision and "Saved 10:42"); without JavaScript the Save button posts
the same form and the page comes back. A save against a stale revision (someone else saved
meanwhile) saves nothing and shows their text beside the unsaved one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from samtal.accounts.permissions import Roles, get_roles
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.plans.views.record import record_plan_context
from samtal.talk_templates.models import AnsweredBy, Question, QuestionType
from samtal.talks import record as services
from samtal.talks.content_selectors import (
    RecordAccess,
    agreed_content_for,
    content_answer,
    record_access,
    record_comments,
    record_of,
    record_versions,
    version_diff,
)
from samtal.talks.forms.record import (
    AgreeForm,
    NoteTakerForm,
    PassedOnForm,
    RecordCommentForm,
    RecordEntryForm,
    RecordStepForm,
    value_label,
)
from samtal.talks.forms.talk import add_service_errors
from samtal.talks.models import (
    Party,
    Record,
    RecordComment,
    RecordEntry,
    RecordVersion,
    Talk,
)
from samtal.workenv.talk_context import talk_observation_context

# --- what the page shows --------------------------------------------------------------------


@dataclass
class Conflict:
    """Someone else saved the same text after the form was opened: both texts, side by side."""

    their_text: str
    their_value: str
    their_name: str
    their_time: str
    your_text: str
    your_value: str
    revision: int  # theirs: posting it as `take_over` replaces their text with yours


@dataclass
class SaveState:
    """What the area under a form says after a save (kept in the page between saves)."""

    revision: int
    saved_at: str = ""
    conflict: Conflict | None = None
    errors: list[str] = field(default_factory=list)
    voided: int | None = None  # the version whose agreements the save voided


@dataclass
class Item:
    question: Question
    entry: RecordEntry | None
    answer: str
    value: str
    comments: list[RecordComment]
    form: RecordEntryForm | None = None
    state: SaveState | None = None
    comment_form: RecordCommentForm | None = None


@dataclass
class Context:
    roles: Roles
    talk: Talk
    access: RecordAccess
    record: Record


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _language() -> str:
    return "en" if (get_language() or "sv").startswith("en") else "sv"


def _load(request: HttpRequest, pk: int) -> Context:
    """The talk and its record for a reader record_access allows; 404 for everyone else."""
    roles = get_roles(request.user)
    talk = (
        Talk.objects.select_related(
            "employee__manager",
            "employee__user",
            "employee__unit",
            "manager__user",
            "unit",
            "round",
            "template_version__template",
        )
        .filter(pk=pk)
        .first()
    )
    if talk is None:
        raise Http404
    access = record_access(roles=roles, talk=talk)
    record = record_of(talk) if access.can_read else None
    if record is None:
        raise Http404
    record.talk = talk
    return Context(roles, talk, access, record)


def _load_for_change(request: HttpRequest, pk: int) -> Context:
    """Only the two parties change anything: a reader who sees only the agreed version gets
    403, one who sees nothing 404."""
    ctx = _load(request, pk)
    if not ctx.access.party:
        if ctx.record.agreed_version_id is None:
            raise Http404
        raise PermissionDenied
    return ctx


def _record_url(talk: Talk, anchor: str = "") -> str:
    url = reverse("talks:talk_record", args=[talk.pk])
    return f"{url}#{anchor}" if anchor else url


def _saved_at(when: Any) -> str:
    return _("Saved %(time)s") % {"time": time_format(timezone.localtime(when), "H:i")}


def _refused(request: HttpRequest, refused: TransitionRefused) -> None:
    for problem in refused.problems:
        messages.error(request, problem)


def _stale(request: HttpRequest) -> None:
    messages.error(
        request, _("The record changed meanwhile (see its current state below); try again.")
    )


def _note_taker_name(ctx: Context) -> str:
    talk = ctx.talk
    person = talk.employee if ctx.record.note_taker == Party.EMPLOYEE else talk.manager
    return person.full_name


def _person_name(ctx: Context, person_id: int | None) -> str:
    talk = ctx.talk
    if person_id == talk.employee_id:
        return talk.employee.full_name
    if person_id == talk.manager_id:
        return talk.manager.full_name
    return ""


def _state_context(ctx: Context) -> dict[str, Any]:
    """The state banner and the steps this party may take now."""
    record, party = ctx.record, ctx.access.party
    is_note_taker = party == record.note_taker
    version = record.current_version
    agreements = []
    if record.state == Record.State.SENT and version is not None:
        agreements = list(
            version.agreements.filter(voided_at__isnull=True).select_related("person")
        )
    agreed_parties = {a.party for a in agreements}
    names = {Party.EMPLOYEE: ctx.talk.employee.full_name, Party.MANAGER: ctx.talk.manager.full_name}
    step = {"revision": record.revision}
    context: dict[str, Any] = {
        "record": record,
        "talk": ctx.talk,
        "version": version,
        "agreements": agreements,
        "waiting_for": [name for party_, name in names.items() if party_ not in agreed_parties],
        "public_notice": settings.SAMTAL_PUBLIC_RECORDS_NOTICE,
        "correcting": record.state == Record.State.WRITING and record.agreed_version_id,
        "send_form": None,
        "agree_form": None,
        "correct_form": None,
        "note_taker_form": None,
    }
    if record.state == Record.State.WRITING:
        if is_note_taker:
            context["send_form"] = RecordStepForm(initial=step, auto_id="send_%s")
        context["note_taker_form"] = NoteTakerForm(
            initial={"revision": record.revision, "note_taker": record.note_taker}
        )
    elif record.state == Record.State.SENT and version is not None and party not in agreed_parties:
        context["agree_form"] = AgreeForm(
            initial={"version": version.number, "content_hash": version.content_hash}
        )
    elif record.state == Record.State.AGREED:
        context["correct_form"] = RecordStepForm(initial=step, auto_id="correct_%s")
    return context


def _party_page(
    request: HttpRequest,
    ctx: Context,
    *,
    entry_forms: dict[int, tuple[RecordEntryForm, SaveState]] | None = None,
    passed_on: tuple[PassedOnForm, SaveState] | None = None,
    comment: tuple[int | None, RecordCommentForm] | None = None,
    note_taker_form: NoteTakerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The working copy for the two parties: forms for the note-taker, the text with comment
    forms for the other party, the state and the steps allowed now."""
    talk, record = ctx.talk, ctx.record
    is_note_taker = ctx.access.party == record.note_taker
    editable = is_note_taker and record.state != Record.State.AGREED
    entries = {e.question_id: e for e in record.entries.all()}
    comments: dict[int | None, list[RecordComment]] = {}
    for c in record_comments(record=record):
        comments.setdefault(c.question_id, []).append(c)
    bound_comment_question, bound_comment = comment or (0, None)
    sections = []
    # The development plan's section follows the template's plan questions (or, without
    # any, comes before what may be passed on).
    plan_after = None
    for section, questions in services.record_questions(talk):
        if any(q.question_type == QuestionType.PLAN_ITEM for q in questions):
            plan_after = section.pk
        items = []
        for question in questions:
            entry = entries.get(question.pk)
            item = Item(
                question=question,
                entry=entry,
                answer=entry.text if entry else "",
                value=value_label(
                    question.question_type,
                    entry.value if entry else None,
                    question.choice_labels(),
                ),
                comments=comments.get(question.pk, []),
            )
            if editable:
                bound = (entry_forms or {}).get(question.pk)
                if bound is not None:
                    item.form, item.state = bound
                else:
                    item.form = RecordEntryForm(
                        initial=RecordEntryForm.initial_for(entry), question=question
                    )
                    item.state = SaveState(revision=entry.revision if entry else 0)
            else:
                item.comment_form = (
                    bound_comment
                    if bound_comment is not None and bound_comment_question == question.pk
                    else RecordCommentForm(
                        initial={"question": question.pk}, auto_id=f"comment_q{question.pk}_%s"
                    )
                )
            items.append(item)
        sections.append({"section": section, "items": items})
    passed_on_form, passed_on_state = passed_on or (None, None)
    if editable and passed_on_form is None:
        passed_on_form = PassedOnForm(
            initial={"revision": record.passed_on_revision, "text": record.passed_on}
        )
        passed_on_state = SaveState(revision=record.passed_on_revision)
    state = _state_context(ctx)
    if note_taker_form is not None:
        state["note_taker_form"] = note_taker_form
    context = {
        **state,
        "access": ctx.access,
        "is_note_taker": is_note_taker,
        "editable": editable,
        "sections": sections,
        "passed_on_form": passed_on_form,
        "passed_on_state": passed_on_state,
        "general_comments": comments.get(None, []),
        "comment_form": (
            bound_comment
            if bound_comment is not None and bound_comment_question is None
            else RecordCommentForm(auto_id="comment_%s")
        ),
        "note_taker_name": _note_taker_name(ctx),
        "public_notice": settings.SAMTAL_PUBLIC_RECORDS_NOTICE,
        "has_versions": record.current_version_id is not None,
        "plan_after": plan_after,
        **record_plan_context(roles=ctx.roles, talk=talk, editable=editable),
        **talk_observation_context(roles=ctx.roles, talk=talk),
    }
    return render(request, "talks/record.html", context, status=status)


def _version_sections(content: dict[str, Any], language: str) -> list[dict[str, Any]]:
    """A frozen version's sections and answers in the reader's language."""
    sections = []
    for section in content.get("sections", []):
        questions = []
        for q in section.get("questions", []):
            labels = [str(c.get(language, "")) for c in q.get("choices", [])]
            questions.append(
                {
                    "text": q.get(f"text_{language}", ""),
                    "answer": content_answer(q, language),
                    "value": value_label(q.get("type", ""), q.get("value"), labels),
                }
            )
        sections.append({"title": section.get(f"title_{language}", ""), "questions": questions})
    return sections


# --- the page ---------------------------------------------------------------------------------


@require_GET
def record_page(request: HttpRequest, pk: int) -> HttpResponse:
    ctx = _load(request, pk)
    if ctx.access.party:
        return _party_page(request, ctx)
    # Not a party: the last version both agreed to, read-only; the read is audit-logged.
    version = agreed_content_for(
        reader=request.user, roles=ctx.roles, talk=ctx.talk, path=request.path
    )
    if version is None:
        raise Http404
    return render(
        request,
        "talks/record.html",
        {
            "talk": ctx.talk,
            "record": ctx.record,
            "access": ctx.access,
            "agreed_only": True,
            "agreed": version,
            "agreed_sections": _version_sections(version.content, _language()),
            "agreed_agreements": list(
                version.agreements.filter(voided_at__isnull=True).select_related("person")
            ),
            "public_notice": settings.SAMTAL_PUBLIC_RECORDS_NOTICE,
        },
    )


# --- writing ----------------------------------------------------------------------------------


def _save_response(
    request: HttpRequest,
    ctx: Context,
    *,
    target: str,
    state: SaveState,
    revision_before: int,
) -> HttpResponse:
    """HTMX: the save state of one form, and the record's state section again when the save
    changed it (a change while sent voids the agreements)."""
    html = render_to_string(
        "talks/partials/record_save_state.html",
        {"state": state, "target": target, "talk": ctx.talk},
        request,
    )
    if ctx.record.revision != revision_before:
        html += render_to_string(
            "talks/partials/record_state.html",
            {**_state_context(ctx), "oob": True},
            request,
        )
    return HttpResponse(html)


def _conflict(
    ctx: Context,
    question: Question | None,
    current: Any,
    *,
    text: str,
    value: Any,
    current_text: str,
    current_value: Any,
    current_revision: int,
) -> Conflict:
    labels = question.choice_labels() if question else []
    kind = question.question_type if question else ""
    updated_by = getattr(current, "updated_by_id", None)
    updated_at = getattr(current, "updated_at", None)
    return Conflict(
        their_text=current_text,
        their_value=value_label(kind, current_value, labels),
        their_name=_person_name(ctx, updated_by) if updated_by else "",
        their_time=(
            time_format(timezone.localtime(updated_at), "H:i") if updated_at is not None else ""
        ),
        your_text=text,
        your_value=value_label(kind, value, labels),
        revision=current_revision,
    )


@require_POST
def entry_save(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    """The note-taker saves one question (autosave or the Save button)."""
    ctx = _load_for_change(request, pk)
    found = (
        Question.objects.select_related("section")
        .filter(
            pk=question,
            section__version_id=ctx.talk.template_version_id,
            answered_by=AnsweredBy.RECORD,
        )
        .first()
    )
    if found is None:
        raise Http404
    form = RecordEntryForm(request.POST, question=found)
    target = f"q{found.pk}-state"
    posted_revision = _int(request.POST.get("revision"))
    state = SaveState(revision=posted_revision)
    revision_before = ctx.record.revision
    if form.is_valid():
        try:
            entry = services.record_entry_save(
                record=ctx.record,
                actor=request.user,
                question=found,
                text=form.cleaned_data["text"],
                value=form.value(),
                revision=form.saved_revision(),
            )
        except EditConflict as conflict:
            current = conflict.current
            state.conflict = _conflict(
                ctx,
                found,
                current,
                text=form.cleaned_data["text"],
                value=form.value(),
                current_text=getattr(current, "text", ""),
                current_value=getattr(current, "value", None),
                current_revision=getattr(current, "revision", 0),
            )
        except TransitionRefused as refused:
            if not _is_htmx(request):
                _refused(request, refused)
                return redirect(_record_url(ctx.talk))
            state.errors = list(refused.problems)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            ctx.record.refresh_from_db()
            state = SaveState(revision=entry.revision, saved_at=_saved_at(entry.updated_at))
            if ctx.record.revision != revision_before and ctx.record.current_version:
                state.voided = ctx.record.current_version.number
            if not _is_htmx(request):
                messages.success(request, state.saved_at)
                return redirect(_record_url(ctx.talk, f"q{found.pk}"))
            return _save_response(
                request, ctx, target=target, state=state, revision_before=revision_before
            )
    if form.errors:
        state.errors = [str(e) for errors in form.errors.values() for e in errors]
    if _is_htmx(request):
        # htmx swaps only successful responses: the refusal is shown in the save state.
        return _save_response(
            request, ctx, target=target, state=state, revision_before=revision_before
        )
    return _party_page(
        request,
        ctx,
        entry_forms={found.pk: (form, state)},
        status=409 if state.conflict else 400,
    )


def _int(raw: Any) -> int:
    try:
        return max(0, int(raw))
    except (TypeError, ValueError):
        return 0


@require_POST
def passed_on_save(request: HttpRequest, pk: int) -> HttpResponse:
    """The note-taker saves what may be passed on to others (autosave or Save)."""
    ctx = _load_for_change(request, pk)
    form = PassedOnForm(request.POST)
    target = "passed-on-state"
    state = SaveState(revision=_int(request.POST.get("revision")))
    revision_before = ctx.record.revision
    if form.is_valid():
        try:
            record = services.record_passed_on_save(
                record=ctx.record,
                actor=request.user,
                text=form.cleaned_data["text"],
                revision=form.saved_revision(),
            )
        except EditConflict as conflict:
            current = conflict.current
            state.conflict = _conflict(
                ctx,
                None,
                None,
                text=form.cleaned_data["text"],
                value=None,
                current_text=getattr(current, "passed_on", ""),
                current_value=None,
                current_revision=getattr(current, "passed_on_revision", 0),
            )
        except TransitionRefused as refused:
            if not _is_htmx(request):
                _refused(request, refused)
                return redirect(_record_url(ctx.talk))
            state.errors = list(refused.problems)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            ctx.record = record
            record.talk = ctx.talk
            state = SaveState(
                revision=record.passed_on_revision, saved_at=_saved_at(record.updated_at)
            )
            if record.revision != revision_before and record.current_version:
                state.voided = record.current_version.number
            if not _is_htmx(request):
                messages.success(request, state.saved_at)
                return redirect(_record_url(ctx.talk, "passed-on"))
            return _save_response(
                request, ctx, target=target, state=state, revision_before=revision_before
            )
    if form.errors:
        state.errors = [str(e) for errors in form.errors.values() for e in errors]
    if _is_htmx(request):
        return _save_response(
            request, ctx, target=target, state=state, revision_before=revision_before
        )
    return _party_page(request, ctx, passed_on=(form, state), status=409 if state.conflict else 400)


@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Either party comments on the record or on one of its questions."""
    ctx = _load_for_change(request, pk)
    raw_question = request.POST.get("question") or None
    form = RecordCommentForm(
        request.POST,
        auto_id=f"comment_q{raw_question}_%s" if raw_question else "comment_%s",
    )
    question = None
    if form.is_valid():
        question_id = form.cleaned_data["question"]
        if question_id is not None:
            question = (
                Question.objects.select_related("section")
                .filter(
                    pk=question_id,
                    section__version_id=ctx.talk.template_version_id,
                    answered_by=AnsweredBy.RECORD,
                )
                .first()
            )
            if question is None:
                raise Http404
        try:
            services.record_comment_add(
                record=ctx.record,
                actor=request.user,
                text=form.cleaned_data["text"],
                question=question,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your comment is added to the record."))
            anchor = f"q{question.pk}" if question else "comments"
            return redirect(_record_url(ctx.talk, anchor))
    question_key = _int(raw_question) or None
    return _party_page(request, ctx, comment=(question_key, form), status=400)


# --- the steps --------------------------------------------------------------------------------


@require_POST
def note_taker_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Either party changes who takes notes while the record is being written."""
    ctx = _load_for_change(request, pk)
    form = NoteTakerForm(request.POST)
    if not form.is_valid():
        return _party_page(request, ctx, note_taker_form=form, status=400)
    try:
        record = services.record_set_note_taker(
            record=ctx.record,
            actor=request.user,
            note_taker=form.cleaned_data["note_taker"],
            revision=form.cleaned_data["revision"],
        )
    except EditConflict:
        _stale(request)
    except TransitionRefused as refused:
        _refused(request, refused)
    except ValidationError as error:
        add_service_errors(form, error)
        return _party_page(request, ctx, note_taker_form=form, status=400)
    else:
        ctx.record = record
        messages.success(request, _("%(name)s takes notes now.") % {"name": _note_taker_name(ctx)})
    return redirect(_record_url(ctx.talk))


def _step_form_invalid(request: HttpRequest, ctx: Context) -> HttpResponse:
    messages.error(request, _("The form was incomplete. Reload the page and try again."))
    return _party_page(request, ctx, status=400)


@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    """The note-taker freezes the record as a version for both to agree to."""
    ctx = _load_for_change(request, pk)
    form = RecordStepForm(request.POST)
    if not form.is_valid():
        return _step_form_invalid(request, ctx)
    try:
        version = services.record_send(
            record=ctx.record, actor=request.user, revision=form.cleaned_data["revision"]
        )
    except EditConflict:
        _stale(request)
    except TransitionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(
            request,
            _(
                "Version %(number)d is sent for agreement. You have both been told by email; "
                "each of you agrees to it on this page."
            )
            % {"number": version.number},
        )
    return redirect(_record_url(ctx.talk))


@require_POST
def agree(request: HttpRequest, pk: int) -> HttpResponse:
    """A party agrees to the version they read: the form carries its number and hash."""
    ctx = _load_for_change(request, pk)
    form = AgreeForm(request.POST)
    if not form.is_valid():
        return _step_form_invalid(request, ctx)
    try:
        services.record_agree(
            record=ctx.record,
            actor=request.user,
            version_number=form.cleaned_data["version"],
            hash_=form.cleaned_data["content_hash"],
        )
    except TransitionRefused as refused:
        _refused(request, refused)
    else:
        ctx.record.refresh_from_db()
        if ctx.record.state == Record.State.AGREED:
            messages.success(
                request,
                _("You have both agreed to version %(number)d. The record is locked.")
                % {"number": form.cleaned_data["version"]},
            )
        else:
            messages.success(
                request,
                _("You agreed to version %(number)d. The other party has not agreed yet.")
                % {"number": form.cleaned_data["version"]},
            )
    return redirect(_record_url(ctx.talk))


@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Either party reopens the agreed record for a correction (a new version)."""
    ctx = _load_for_change(request, pk)
    form = RecordStepForm(request.POST)
    if not form.is_valid():
        return _step_form_invalid(request, ctx)
    try:
        services.record_correct(
            record=ctx.record, actor=request.user, revision=form.cleaned_data["revision"]
        )
    except EditConflict:
        _stale(request)
    except TransitionRefused as refused:
        _refused(request, refused)
    else:
        messages.success(
            request,
            _(
                "The record is open for a correction. The agreed version stays valid until "
                "you both agree to the corrected one."
            ),
        )
    return redirect(_record_url(ctx.talk))


# --- the history --------------------------------------------------------------------------------


@require_GET
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version sent for agreement, its agreements, and what changed from the one
    before. Only the two parties see the history (others see only the agreed version)."""
    ctx = _load(request, pk)
    if not ctx.access.party:
        raise Http404
    language = _language()
    all_versions = record_versions(record=ctx.record)  # newest first
    by_number: dict[int, RecordVersion] = {v.number: v for v in all_versions}
    rows = []
    for version in all_versions:
        previous = by_number.get(version.number - 1)
        rows.append(
            {
                "version": version,
                "agreements": list(version.agreements.all()),
                "previous": previous,
                "diff": (
                    version_diff(old=previous, new=version, language=language)
                    if previous is not None
                    else None
                ),
                "is_current": version.pk == ctx.record.current_version_id,
                "is_agreed": version.pk == ctx.record.agreed_version_id,
                "sent_by": _person_name(ctx, version.created_by_id),
            }
        )
    return render(
        request,
        "talks/record_versions.html",
        {"talk": ctx.talk, "record": ctx.record, "rows": rows},
    )
