"""The agreed record as PDF and Word, and the basis for the salary talk as PDF, in Swedish or
English. Only a version that both parties agreed to (and that was not voided) can be exported:
anything else raises ValueError, so a document never shows text that was not agreed.

Everything comes from the frozen version (`RecordVersion.content`), never from the working
copy, so the export is exactly what both agreed to. Private notes, preparation answers and
self-evaluations are never part of an export.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samtal.talk_templates.models import Question, QuestionType
from samtal.talks.content_selectors import content_answer, salary_basis
from samtal.talks.models import Agreement, Party, RecordVersion

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HASH_SHOWN = 12


# --- what may be exported -------------------------------------------------------------------


def agreements_of(version: RecordVersion) -> list[Agreement]:
    """The version's standing (not voided) agreements, employee first."""
    agreements = [
        a for a in version.agreements.select_related("person").all() if a.voided_at is None
    ]
    return sorted(agreements, key=lambda a: a.party != Party.EMPLOYEE)


def is_agreed_by_both(version: RecordVersion) -> bool:
    """Both parties agreed to this exact version (its hash) and it was never voided."""
    if version.voided_at is not None:
        return False
    agreements = agreements_of(version)
    return {a.party for a in agreements} == {Party.EMPLOYEE, Party.MANAGER} and all(
        a.content_hash == version.content_hash for a in agreements
    )


def _require_agreed(version: RecordVersion) -> list[Agreement]:
    if not is_agreed_by_both(version):
        raise ValueError("Only a version agreed by both parties can be exported.")
    return agreements_of(version)


# --- the content in one language ------------------------------------------------------------


@dataclass
class ExportQuestion:
    text: str
    answer: str
    value: str


@dataclass
class ExportSection:
    title: str
    questions: list[ExportQuestion]


@dataclass
class ExportAgreement:
    party: str
    name: str
    agreed_at: str
    hash_start: str


@dataclass
class ExportRecord:
    organisation: str
    language: str
    employee: str
    manager: str
    held_on: str
    note_taker: str
    number: int
    sections: list[ExportSection]
    passed_on: str
    agreements: list[ExportAgreement]
    agreed_on: str
    notice: str
    basis: list[ExportSection] = field(default_factory=list)
    plan_outcomes: list[str] = field(default_factory=list)


def _suffix(language: str) -> str:
    return "en" if language == "en" else "sv"


def _scale_labels(version: RecordVersion, language: str) -> dict[tuple[str, str], tuple[str, str]]:
    """The labels of steps 1 and 5 of the scale questions, by (section key, question key).
    Taken from the frozen content when it holds them, else from the talk's template version
    (published versions never change, so the labels are those the parties saw)."""
    suffix = _suffix(language)
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    missing = False
    for section in version.content.get("sections", []):
        for question in section.get("questions", []):
            if question.get("type") != QuestionType.SCALE:
                continue
            if f"scale_low_{suffix}" in question or f"scale_high_{suffix}" in question:
                labels[(section["key"], question["key"])] = (
                    question.get(f"scale_low_{suffix}", ""),
                    question.get(f"scale_high_{suffix}", ""),
                )
            else:
                missing = True
    if missing:
        rows = Question.objects.filter(
            section__version_id=version.record.talk.template_version_id,
            question_type=QuestionType.SCALE,
        ).values_list("section__key", "key", f"scale_low_{suffix}", f"scale_high_{suffix}")
        for section_key, key, low, high in rows:
            labels.setdefault((section_key, key), (low, high))
    return labels


def value_text(question: dict[str, Any], language: str, scale: tuple[str, str] = ("", "")) -> str:
    """A chosen value as words: "4 of 5", "1 of 5 (Too high)", Yes/No, the option labels."""
    value = question.get("value")
    if value in (None, "", []):
        return ""
    kind = question.get("type")
    suffix = _suffix(language)
    if kind == QuestionType.SCALE and isinstance(value, int) and not isinstance(value, bool):
        text = _("%(step)s of 5") % {"step": value}
        low, high = scale
        if value in (1, 5):
            label = low if value == 1 else high
        else:
            # A middle step has no label of its own: say which way the scale runs.
            label = (
                _("1 = %(low)s, 5 = %(high)s") % {"low": low, "high": high} if low and high else ""
            )
        return f"{text} ({label})" if label else text
    if kind == QuestionType.YES_NO and isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = question.get("choices") or []
    indexes = value if isinstance(value, list) else [value]
    labels = [
        str(choices[i].get(suffix, ""))
        for i in indexes
        if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(choices)
    ]
    return ", ".join(labels)


def _sections(
    sections: list[dict[str, Any]], language: str, scales: dict[tuple[str, str], tuple[str, str]]
) -> list[ExportSection]:
    suffix = _suffix(language)
    result = []
    for section in sections:
        questions = [
            ExportQuestion(
                question.get(f"text_{suffix}", ""),
                content_answer(question, suffix),
                value_text(
                    question,
                    language,
                    scales.get((section.get("key", ""), question.get("key", "")), ("", "")),
                ),
            )
            for question in section.get("questions", [])
        ]
        result.append(ExportSection(section.get(f"title_{suffix}", ""), questions))
    return result


def _timestamp(moment: Any) -> str:
    return timezone.localtime(moment, STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _party_label(party: str) -> str:
    return str(Party(party).label) if party in Party.values else party


def export_record(version: RecordVersion, *, language: str) -> ExportRecord:
    """The agreed version in the active language (call inside translation.override)."""
    agreements = _require_agreed(version)
    content = version.content
    scales = _scale_labels(version, language)
    note_taker = _("Notes taken by %(name)s (%(party)s).") % {
        "name": content.get("note_taker_name", ""),
        "party": _party_label(content.get("note_taker", "")).lower(),
    }
    notice = ""
    if settings.SAMTAL_PUBLIC_RECORDS_NOTICE:
        notice = _(
            "This document may become a public record (allmän handling) and may then be "
            "disclosed to anyone who asks for it, unless secrecy applies."
        )
    last = max(a.agreed_at for a in agreements)
    return ExportRecord(
        organisation=settings.SAMTAL_ORGANISATION_NAME,
        language=language,
        employee=content.get("employee", ""),
        manager=content.get("manager", ""),
        held_on=content.get("held_on", "") or _("not recorded"),
        note_taker=note_taker,
        number=version.number,
        sections=_sections(content.get("sections", []), language, scales),
        passed_on=content.get("passed_on", ""),
        agreements=[
            ExportAgreement(
                _party_label(a.party),
                a.person.full_name,
                _timestamp(a.agreed_at),
                a.content_hash[:HASH_SHOWN],
            )
            for a in agreements
        ],
        agreed_on=timezone.localtime(last, STOCKHOLM).date().isoformat(),
        notice=notice,
    )


def export_salary_basis(
    version: RecordVersion, *, language: str, plan_outcomes: Sequence[str] | None = None
) -> ExportRecord:
    record = export_record(version, language=language)
    scales = _scale_labels(version, language)
    suffix = _suffix(language)
    # The flagged answers (from the selector), grouped under their sections in order.
    section_keys = {
        (section.get("title_sv", ""), section.get("title_en", "")): section.get("key", "")
        for section in version.content.get("sections", [])
    }
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for item in salary_basis(version=version):
        titles = (item.get("section_title_sv", ""), item.get("section_title_en", ""))
        section = grouped.setdefault(
            titles,
            {
                "key": section_keys.get(titles, ""),
                f"title_{suffix}": titles[1] if suffix == "en" else titles[0],
            },
        )
        section.setdefault("questions", []).append(item)
    record.basis = _sections(list(grouped.values()), language, scales)
    record.plan_outcomes = [str(outcome) for outcome in plan_outcomes or []]
    return record


# --- documents --------------------------------------------------------------------------------


def file_stem(version: RecordVersion) -> str:
    """The part of a download's file name that says whose record it is."""
    from django.utils.text import slugify

    held_on = version.content.get("held_on", "") or date.today().isoformat()
    return f"{slugify(version.content.get('employee', '')) or 'talk'}-{held_on}-v{version.number}"


def record_pdf(version: RecordVersion, *, language: str) -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        record = export_record(version, language=language)
        html = render_to_string("talks/export/record_pdf.html", {"record": record})
        return HTML(string=html).write_pdf()


def salary_basis_pdf(
    version: RecordVersion, *, language: str, plan_outcomes: Sequence[str] | None = None
) -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        record = export_salary_basis(version, language=language, plan_outcomes=plan_outcomes)
        html = render_to_string("talks/export/salary_basis_pdf.html", {"record": record})
        return HTML(string=html).write_pdf()


def record_docx(version: RecordVersion, *, language: str) -> bytes:
    from docx import Document
    from docx.shared import Pt

    with translation.override(language):
        record = export_record(version, language=language)
        title = _("Development talk – agreed record")
        document = Document()
        document.core_properties.title = title
        document.core_properties.language = language
        style = document.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(11)
        document.add_paragraph(record.organisation).runs[0].bold = True
        document.add_heading(title, level=0)
        facts = document.add_table(rows=0, cols=2)
        facts.style = "Table Grid"
        for label, text in (
            (_("Employee"), record.employee),
            (_("Manager"), record.manager),
            (_("Date held"), record.held_on),
            (_("Version"), str(record.number)),
        ):
            cells = facts.add_row().cells
            cells[0].text = label
            cells[1].text = text
        document.add_paragraph(record.note_taker)
        for section in record.sections:
            document.add_heading(section.title, level=1)
            for question in section.questions:
                document.add_paragraph().add_run(question.text).bold = True
                if question.value:
                    document.add_paragraph(question.value)
                if question.answer:
                    document.add_paragraph(question.answer)
                if not question.value and not question.answer:
                    document.add_paragraph(_("No answer recorded.")).runs[0].italic = True
        document.add_heading(_("What may be passed on to others"), level=1)
        if record.passed_on:
            document.add_paragraph(record.passed_on)
        else:
            document.add_paragraph(_("Nothing written.")).runs[0].italic = True
        document.add_heading(_("Agreement"), level=1)
        document.add_paragraph(
            _("Both parties agreed to version %(number)s of the record.")
            % {"number": record.number}
        )
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, header in zip(
            table.rows[0].cells,
            (_("Party"), _("Name"), _("Agreed (Swedish time)"), _("Content hash")),
            strict=True,
        ):
            cell.text = header
        for agreement in record.agreements:
            cells = table.add_row().cells
            cells[0].text = agreement.party
            cells[1].text = agreement.name
            cells[2].text = agreement.agreed_at
            cells[3].text = agreement.hash_start
        if record.notice:
            footer = document.sections[0].footer
            footer.paragraphs[0].text = record.notice
            document.add_paragraph(record.notice).runs[0].italic = True
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()
