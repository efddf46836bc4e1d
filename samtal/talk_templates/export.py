"""The blank template as the organisation's printable "mall": Word (.docx) and PDF, in Swedish
or English. Headings, guidance, every question with room to write, scales drawn as boxes."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from samtal.talk_templates.models import (
    CHOICE_TYPES,
    Audience,
    Phase,
    Question,
    QuestionType,
    Section,
    TemplateVersion,
)
from samtal.talk_templates.selectors import version_sections

BOX = "☐"


@dataclass
class ExportSection:
    section: Section
    audience_note: str
    questions: list[Question]


@dataclass
class ExportPhase:
    label: str
    sections: list[ExportSection]


def _audience_note(section: Section) -> str:
    if section.audience == Audience.RESEARCHERS:
        if section.career_stages:
            return _("For researchers at career stage %(stages)s") % {
                "stages": ", ".join(section.career_stages)
            }
        return _("For researchers")
    if section.audience == Audience.MANAGERS:
        return _("For employees who are managers themselves")
    return ""


def export_structure(version: TemplateVersion) -> list[ExportPhase]:
    """The version's content grouped by phase, in the active language."""
    phases: dict[str, ExportPhase] = {p.value: ExportPhase(str(p.label), []) for p in Phase}
    for section in version_sections(version=version):
        phases[section.phase].sections.append(
            ExportSection(section, _audience_note(section), list(section.questions.all()))
        )
    return [p for p in phases.values() if p.sections]


def file_name(version: TemplateVersion, language: str, extension: str) -> str:
    return f"{version.template.key}-v{version.number}-{language}.{extension}"


def version_docx(version: TemplateVersion, *, language: str) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Pt

    with translation.override(language):
        document = Document()
        document.core_properties.title = version.template.name
        document.core_properties.language = language
        style = document.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(11)
        document.add_heading(version.template.name, level=0)
        if version.template.description:
            document.add_paragraph(version.template.description)
        facts = document.add_table(rows=3, cols=2)
        facts.style = "Table Grid"
        for row, label in zip(
            facts.rows, (_("Employee"), _("Manager"), _("Date of the talk")), strict=True
        ):
            row.cells[0].text = label
        document.add_paragraph(
            _("Version %(number)s of the template.") % {"number": version.number}
        ).runs[0].italic = True
        for phase in export_structure(version):
            document.add_heading(phase.label, level=1)
            for part in phase.sections:
                document.add_heading(part.section.title, level=2)
                if part.audience_note:
                    document.add_paragraph(part.audience_note).runs[0].bold = True
                if part.section.guidance:
                    document.add_paragraph(part.section.guidance).runs[0].italic = True
                for number, question in enumerate(part.questions, start=1):
                    paragraph = document.add_paragraph()
                    paragraph.add_run(f"{number}. {question.text}").bold = True
                    paragraph.add_run(f"  ({question.get_answered_by_display()})").italic = True
                    if question.help:
                        document.add_paragraph(question.help).runs[0].italic = True
                    _docx_answer_space(document, question, WD_TABLE_ALIGNMENT)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


def _docx_answer_space(document, question: Question, alignment) -> None:  # type: ignore[no-untyped-def]
    kind = question.question_type
    if kind == QuestionType.SCALE:
        table = document.add_table(rows=2, cols=7)
        table.alignment = alignment.CENTER
        cells = table.rows[0].cells
        cells[0].text = question.scale_low
        for value in range(1, 6):
            cells[value].text = f"{BOX} {value}"
        cells[6].text = question.scale_high
    elif kind == QuestionType.YES_NO:
        document.add_paragraph(f"{BOX} {_('Yes')}    {BOX} {_('No')}")
    elif kind in CHOICE_TYPES:
        for label in question.choice_labels():
            document.add_paragraph(f"{BOX} {label}")
        if kind == QuestionType.MULTIPLE_CHOICE:
            document.add_paragraph(_("(Tick all that apply.)")).runs[0].italic = True
    elif kind == QuestionType.PLAN_ITEM:
        headers = (_("Goal or activity"), _("Who"), _("When"), _("Time and cost"), _("Follow-up"))
        table = document.add_table(rows=4, cols=len(headers))
        table.style = "Table Grid"
        for cell, header in zip(table.rows[0].cells, headers, strict=True):
            cell.text = header
    else:
        table = document.add_table(rows=1, cols=1)
        table.style = "Table Grid"
        table.rows[0].cells[0].text = "\n\n\n\n"


def version_pdf(version: TemplateVersion, *, language: str) -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(
            "talk_templates/export_pdf.html",
            {"version": version, "phases": export_structure(version), "language": language},
        )
        return HTML(string=html).write_pdf()
