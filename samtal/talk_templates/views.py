from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samtal.accounts.permissions import get_roles
from samtal.core.selectors import history_for
from samtal.organisation.models import CareerStage
from samtal.talk_templates import export, selectors, services
from samtal.talk_templates.forms import (
    QuestionForm,
    SectionForm,
    TemplateEditForm,
    TemplateForm,
)
from samtal.talk_templates.models import Question, Section, TemplateVersion
from samtal.talk_templates.permissions import can_edit_templates, can_view_version
from samtal.talk_templates.validation import publish_problems

LANGUAGE_CODES = ("sv", "en")
CAREER_STAGES = tuple(stage.value for stage in CareerStage if stage.value)


def _require_editor(request: HttpRequest) -> None:
    if not can_edit_templates(get_roles(request.user)):
        raise PermissionDenied


def _version_or_404(request: HttpRequest, pk: int) -> TemplateVersion:
    version = selectors.version_get(roles=get_roles(request.user), pk=pk)
    if version is None:
        raise Http404
    return version


def _draft_or_403(request: HttpRequest, pk: int) -> TemplateVersion:
    _require_editor(request)
    version = _version_or_404(request, pk)
    if not version.is_draft:
        raise PermissionDenied(_("Only a draft version can be changed."))
    return version


def _section_of(version: TemplateVersion, section_id: int) -> Section:
    section = version.sections.filter(pk=section_id).first()
    if section is None:
        raise Http404
    return section


def _question_of(section: Section, question_id: int) -> Question:
    question = section.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404
    return question


def _back_to(version: TemplateVersion, anchor: str = "") -> HttpResponse:
    response = redirect("talk_templates:version_detail", pk=version.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    roles = get_roles(request.user)
    return render(
        request,
        "talk_templates/template_list.html",
        {
            "templates": selectors.templates_with_versions(roles=roles),
            "can_edit": can_edit_templates(roles),
        },
    )


@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    """A new template: empty, or a copy of a version (?copy=<version id>)."""
    _require_editor(request)
    source = None
    if request.GET.get("copy") or request.POST.get("copy"):
        try:
            source = _version_or_404(request, int(request.GET.get("copy") or request.POST["copy"]))
        except ValueError:
            raise Http404 from None
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if source is None:
            version = services.template_create(actor=request.user, key=data["key"], data=data)
        else:
            version = services.template_copy(
                actor=request.user, source=source, key=data["key"], data=data
            )
        messages.success(request, _("The template was created as a draft."))
        return _back_to(version)
    return render(
        request,
        "talk_templates/template_form.html",
        {"form": form, "source": source},
        status=400 if form.is_bound else 200,
    )


@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roles = get_roles(request.user)
    version = _version_or_404(request, pk)
    editable = version.is_draft and can_edit_templates(roles)
    context: dict[str, Any] = {
        "version": version,
        "sections": selectors.version_sections(version=version),
        "can_edit": can_edit_templates(roles),
        "editable": editable,
        "versions": version.template.versions.order_by("-number")
        if can_edit_templates(roles)
        else None,
        "languages": LANGUAGE_CODES,
    }
    if editable:
        context["problems"] = publish_problems(version)
        context["template_form"] = TemplateEditForm(
            instance=version.template, initial={"revision": version.template.revision}
        )
        context["new_section_form"] = SectionForm(version=version)
    if can_edit_templates(roles):
        context["history"] = history_for(obj=version)[:30]
    return render(request, "talk_templates/version_detail.html", context)


@require_POST
def template_update(request: HttpRequest, pk: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    form = TemplateEditForm(request.POST, instance=version.template)
    if form.is_valid():
        try:
            services.template_update(
                actor=request.user,
                template=version.template,
                revision=form.cleaned_data["revision"],
                data=form.cleaned_data,
            )
        except services.EditConflict as conflict:
            return _conflict(request, version, form, conflict, "talk_templates/template_edit.html")
        messages.success(request, _("The template's name and description were saved."))
        return _back_to(version)
    return render(
        request, "talk_templates/template_edit.html", {"version": version, "form": form}, status=400
    )


def _conflict(
    request: HttpRequest,
    version: TemplateVersion,
    form: Any,
    conflict: services.EditConflict,
    template_name: str,
    **context: Any,
) -> HttpResponse:
    """Show the user's unsaved text beside what the other person saved; nothing is lost."""
    if conflict.current is None:
        messages.error(request, _("Someone else deleted this while you were editing it."))
        return _back_to(version)
    current = conflict.current
    form.data = form.data.copy()
    form.data["revision"] = current.revision  # type: ignore[attr-defined]
    values = [(field.label, _saved_value(current, field.name)) for field in form.visible_fields()]
    return render(
        request,
        template_name,
        {
            "version": version,
            "form": form,
            "conflict": current,
            "conflict_values": values,
            **context,
        },
        status=409,
    )


def _saved_value(current: Any, name: str) -> str:
    """A saved field as a person reads it: labels for choices, yes/no, options one per line."""
    if name.startswith("choices_") and isinstance(current, Question):
        return "\n".join(current.choice_labels(name[-2:]))
    display = getattr(current, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    value = getattr(current, name, "")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _item_form_page(
    request: HttpRequest,
    *,
    version: TemplateVersion,
    form: Any,
    save: Any,
    template_name: str,
    saved_message: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The add/edit page of a section or question: bind, call `save(cleaned_data)` (a service
    returning the saved item), and on success go back to the item in the draft."""
    if request.method == "POST" and form.is_valid():
        try:
            item = save(form.cleaned_data)
        except services.EditConflict as conflict:
            return _conflict(request, version, form, conflict, template_name, **context)
        except (ValidationError, IntegrityError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, saved_message)
            anchor = "question" if isinstance(item, Question) else "section"
            return _back_to(version, f"{anchor}-{item.pk}")
    return render(
        request,
        template_name,
        {"version": version, "form": form, **context},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    return _item_form_page(
        request,
        version=version,
        form=SectionForm(request.POST or None, version=version),
        save=lambda data: services.section_add(actor=request.user, version=version, data=data),
        template_name="talk_templates/section_form.html",
        saved_message=_("The section was added."),
        context={},
    )


@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, pk: int, section_id: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    section = _section_of(version, section_id)
    return _item_form_page(
        request,
        version=version,
        form=SectionForm(
            request.POST or None,
            instance=section,
            version=version,
            initial={"revision": section.revision},
        ),
        save=lambda data: services.section_update(
            actor=request.user, section=section, revision=data.get("revision") or 0, data=data
        ),
        template_name="talk_templates/section_form.html",
        saved_message=_("The section was saved."),
        context={"section": section},
    )


@require_POST
def section_delete(request: HttpRequest, pk: int, section_id: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    section = _section_of(version, section_id)
    services.section_delete(actor=request.user, section=section)
    messages.success(request, _("The section “%(title)s” was deleted.") % {"title": section.title})
    return _back_to(version)


@require_POST
def section_move(request: HttpRequest, pk: int, section_id: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    section = _section_of(version, section_id)
    direction = request.POST.get("direction", "")
    if direction not in {"up", "down"}:
        return HttpResponse(status=400)
    services.section_move(actor=request.user, section=section, direction=direction)
    return _back_to(version, f"section-{section.pk}")


@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest, pk: int, section_id: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    section = _section_of(version, section_id)
    return _item_form_page(
        request,
        version=version,
        form=QuestionForm(request.POST or None, section=section),
        save=lambda data: services.question_add(actor=request.user, section=section, data=data),
        template_name="talk_templates/question_form.html",
        saved_message=_("The question was added."),
        context={"section": section},
    )


@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int, section_id: int, question_id: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    section = _section_of(version, section_id)
    question = _question_of(section, question_id)
    return _item_form_page(
        request,
        version=version,
        form=QuestionForm(
            request.POST or None,
            instance=question,
            section=section,
            initial={"revision": question.revision},
        ),
        save=lambda data: services.question_update(
            actor=request.user, question=question, revision=data.get("revision") or 0, data=data
        ),
        template_name="talk_templates/question_form.html",
        saved_message=_("The question was saved."),
        context={"section": section, "question": question},
    )


@require_POST
def question_delete(
    request: HttpRequest, pk: int, section_id: int, question_id: int
) -> HttpResponse:
    version = _draft_or_403(request, pk)
    question = _question_of(_section_of(version, section_id), question_id)
    services.question_delete(actor=request.user, question=question)
    messages.success(request, _("The question was deleted."))
    return _back_to(version, f"section-{section_id}")


@require_POST
def question_move(request: HttpRequest, pk: int, section_id: int, question_id: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    question = _question_of(_section_of(version, section_id), question_id)
    direction = request.POST.get("direction", "")
    if direction not in {"up", "down"}:
        return HttpResponse(status=400)
    services.question_move(actor=request.user, question=question, direction=direction)
    return _back_to(version, f"question-{question.pk}")


@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(request, pk)
    try:
        services.version_publish(actor=request.user, version=version)
    except services.TransitionRefused as refused:
        messages.error(
            request,
            _("The version was not published: %(problems)s")
            % {"problems": " ".join(refused.problems[:10])},
        )
    else:
        messages.success(request, _("Version %(n)s is published.") % {"n": version.number})
    return _back_to(version)


@require_POST
def version_retire(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(request, pk)
    try:
        services.version_retire(actor=request.user, version=version)
    except services.TransitionRefused as refused:
        messages.error(request, " ".join(refused.problems))
    else:
        messages.success(request, _("Version %(n)s is retired.") % {"n": version.number})
    return _back_to(version)


@require_POST
def version_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(request, pk)
    draft = services.version_new_draft(actor=request.user, version=version)
    messages.success(request, _("You are editing draft version %(n)s.") % {"n": draft.number})
    return _back_to(draft)


@require_POST
def version_discard(request: HttpRequest, pk: int) -> HttpResponse:
    version = _draft_or_403(request, pk)
    try:
        services.version_discard_draft(actor=request.user, version=version)
    except services.TransitionRefused as refused:
        messages.error(request, " ".join(refused.problems))
        return _back_to(version)
    messages.success(request, _("The draft was discarded."))
    return redirect("talk_templates:template_list")


@require_GET
def version_preview(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_or_404(request, pk)
    if not can_view_version(get_roles(request.user), version):
        raise Http404
    party = request.GET.get("as", "employee")
    language = request.GET.get("lang", "")
    stage = request.GET.get("stage", "")
    is_manager = request.GET.get("manager", "")
    if (
        party not in {"employee", "manager"}
        or language not in {"", *LANGUAGE_CODES}
        or stage not in {"", *CAREER_STAGES}
        or is_manager not in {"", "0", "1"}
    ):
        return HttpResponse(_("Unknown preview option."), status=400)
    perspective = selectors.Perspective(
        party=party, career_stage=stage, employee_is_manager=is_manager == "1"
    )
    content_language = language or translation.get_language() or "sv"
    with translation.override(content_language):
        phases = selectors.version_as_seen(version=version, perspective=perspective)
        body = render_to_string(
            "talk_templates/partials/preview_body.html",
            {"phases": phases, "version": version},
            request=request,
        )
    return render(
        request,
        "talk_templates/version_preview.html",
        {
            "version": version,
            "perspective": perspective,
            "preview_body": body,
            "content_language": content_language,
            "languages": LANGUAGE_CODES,
            "stages": CAREER_STAGES,
        },
    )


@require_GET
def version_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    version = _version_or_404(request, pk)
    if not can_view_version(get_roles(request.user), version):
        raise Http404
    language = request.GET.get("lang", "sv")
    if language not in LANGUAGE_CODES:
        return HttpResponse(_("Unknown language."), status=400)
    if fmt == "docx":
        content = export.version_docx(version, language=language)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        content = export.version_pdf(version, language=language)
        content_type = "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{export.file_name(version, language, fmt)}"'
    )
    return response


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return _("The change could not be saved because it conflicts with another item.")
