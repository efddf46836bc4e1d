"""What stops a version from being published. Reads only; each problem is a sentence that
names the section or question and exactly what is missing."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from samtal.core.models import OrgPolicy
from samtal.talk_templates.models import (
    ANSWERERS_BY_PHASE,
    CHOICE_TYPES,
    Audience,
    Question,
    QuestionType,
    Section,
    TemplateVersion,
)


def _language_name(code: str) -> str:
    # Lower case: it stands inside a sentence ("the title in English is missing").
    return (
        pgettext("in a sentence", "Swedish")
        if code == "sv"
        else pgettext("in a sentence", "English")
    )


def _where_section(section: Section) -> str:
    return _("Section “%(title)s” (%(key)s)") % {
        "title": section.title_sv or section.title_en or section.key,
        "key": section.key,
    }


def _where_question(section: Section, question: Question) -> str:
    return _("Question “%(text)s” in section “%(section)s”") % {
        "text": question.text_sv or question.text_en or question.key,
        "section": section.title_sv or section.title_en or section.key,
    }


def _both_or_neither(
    problems: list[str], where: str, label: str, sv: str, en: str, *, required: bool
) -> None:
    for code, value, other in (("sv", sv, en), ("en", en, sv)):
        if not value.strip() and (required or other.strip()):
            problems.append(
                _("%(where)s: the %(label)s in %(language)s is missing.")
                % {"where": where, "language": _language_name(code), "label": label}
            )


def publish_problems(version: TemplateVersion) -> list[str]:
    """Everything that must be fixed before `version` can be published; empty when it can."""
    problems: list[str] = []
    sections = list(version.sections.prefetch_related("questions").order_by("position"))
    keys = {s.key for s in sections}
    for key in OrgPolicy.current().mandatory_section_keys:
        if key not in keys:
            problems.append(
                _(
                    "The organisation requires a section with the key “%(key)s” in every "
                    "template; this version has none."
                )
                % {"key": key}
            )
    if not sections:
        problems.append(_("The version has no sections."))
    _both_or_neither(
        problems,
        _("The template"),
        _("name"),
        version.template.name_sv,
        version.template.name_en,
        required=True,
    )
    for section in sections:
        where = _where_section(section)
        _both_or_neither(
            problems, where, _("title"), section.title_sv, section.title_en, required=True
        )
        _both_or_neither(
            problems, where, _("guidance"), section.guidance_sv, section.guidance_en, required=False
        )
        if section.career_stages and section.audience != Audience.RESEARCHERS:
            problems.append(
                _("%(where)s: career stages apply only to a section for researchers.")
                % {"where": where}
            )
        questions = list(section.questions.all())
        if not questions:
            problems.append(_("%(where)s: the section has no questions.") % {"where": where})
        for question in questions:
            problems.extend(_question_problems(section, question))
    return problems


def _question_problems(section: Section, question: Question) -> list[str]:
    problems: list[str] = []
    where = _where_question(section, question)
    _both_or_neither(
        problems, where, _("question text"), question.text_sv, question.text_en, required=True
    )
    _both_or_neither(
        problems, where, _("help text"), question.help_sv, question.help_en, required=False
    )
    if question.answered_by not in ANSWERERS_BY_PHASE.get(section.phase, ()):
        problems.append(
            _("%(where)s: “%(answerer)s” does not fit a section in the phase “%(phase)s”.")
            % {
                "where": where,
                "answerer": question.get_answered_by_display(),
                "phase": section.get_phase_display(),
            }
        )
    if question.question_type == QuestionType.SCALE:
        _both_or_neither(
            problems,
            where,
            _("label of 1"),
            question.scale_low_sv,
            question.scale_low_en,
            required=True,
        )
        _both_or_neither(
            problems,
            where,
            _("label of 5"),
            question.scale_high_sv,
            question.scale_high_en,
            required=True,
        )
    if question.question_type in CHOICE_TYPES:
        if len(question.choices) < 2:
            problems.append(
                _("%(where)s: a choice question needs at least two options.") % {"where": where}
            )
        for number, choice in enumerate(question.choices, start=1):
            for code in ("sv", "en"):
                if not str(choice.get(code, "")).strip():
                    problems.append(
                        _("%(where)s: option %(number)s has no text in %(language)s.")
                        % {"where": where, "number": number, "language": _language_name(code)}
                    )
    elif question.choices:
        problems.append(_("%(where)s: only choice questions can have options.") % {"where": where})
    return problems
