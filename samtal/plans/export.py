"""The development plan as PDF and Word in Swedish or English, and its outcomes as lines for
the basis of the salary talk.

Only the agreed plan is exported: items proposed in a talk's record that both parties have not
agreed to yet are left out, like everything private (notes, unshared preparation). The caller
has checked that the reader may see the plan (plans.selectors.plan_for_reader).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samtal.organisation.models import Person
from samtal.plans.models import (
    ActivityStatus,
    Checkpoint,
    CheckpointStatus,
    PlanActivity,
    PlanGoal,
)
from samtal.plans.selectors import plan_outcomes

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LANGUAGES = ("sv", "en")


# --- the plan in one language ---------------------------------------------------------------


@dataclass
class ExportField:
    label: str
    value: str


@dataclass
class ExportItem:
    title: str
    fields: list[ExportField]


@dataclass
class ExportCheckpoint:
    date: str
    topic: str
    status: str
    outcome: str


@dataclass
class ExportPlan:
    organisation: str
    language: str
    title: str
    employee: str
    unit: str
    manager: str
    exported_on: str
    goals: list[ExportItem] = field(default_factory=list)
    activities: list[ExportItem] = field(default_factory=list)
    checkpoints: list[ExportCheckpoint] = field(default_factory=list)
    notice: str = ""

    @property
    def facts(self) -> list[ExportField]:
        return [
            ExportField(_("Employee"), self.employee),
            ExportField(_("Unit"), self.unit),
            ExportField(_("Manager"), self.manager),
            ExportField(_("Exported"), self.exported_on),
        ]


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value, STOCKHOLM).date().isoformat()
    return value.isoformat()


def _fields(*pairs: tuple[Any, str]) -> list[ExportField]:
    """The non-empty fields, in order."""
    return [ExportField(str(label), value) for label, value in pairs if value]


def _period(activity: PlanActivity) -> str:
    if not (activity.starts_on or activity.ends_on):
        return ""
    return f"{_day(activity.starts_on)}–{_day(activity.ends_on)}"


def number_text(value: Decimal, *, grouping: bool = False) -> str:
    """A number as the active language writes it: "24", "24,5" in Swedish, "24.5" in English;
    with `grouping`, thousands apart ("9 500", "9,500")."""
    decimals = 0 if value == value.to_integral_value() else 1
    return number_format(value, decimals, use_l10n=True, force_grouping=grouping)


def _hours(value: Decimal | None) -> str:
    if value is None:
        return ""
    return _("%(hours)s hours") % {"hours": number_text(value)}


def _cost(value: Decimal | None) -> str:
    if value is None:
        return ""
    return _("%(cost)s SEK") % {"cost": number_text(value, grouping=True)}


def _status(label: str, changed: datetime | None) -> str:
    return f"{label} ({_day(changed)})" if changed else label


def _goal(goal: PlanGoal) -> ExportItem:
    unit_goal = ""
    if goal.unit_goal is not None:
        unit_goal = f"{goal.unit_goal.title} ({goal.unit_goal.unit.name}, {goal.unit_goal.year})"
    return ExportItem(
        goal.text,
        _fields(
            (_("Horizon"), str(goal.get_horizon_display())),
            (_("Linked to the unit's goal"), unit_goal),
            (_("Status"), _status(str(goal.get_status_display()), goal.status_changed_at)),
            (_("Outcome"), goal.outcome),
        ),
    )


def _activity(activity: PlanActivity) -> ExportItem:
    return ExportItem(
        f"{activity.get_activity_type_display()}: {activity.description}",
        _fields(
            (_("For the goal"), activity.goal.text if activity.goal is not None else ""),
            (_("Responsible"), activity.responsible_label),
            (_("Planned period"), _period(activity)),
            (_("Estimated time"), _hours(activity.hours)),
            (_("Estimated cost"), _cost(activity.cost)),
            (
                _("Status"),
                _status(str(activity.get_status_display()), activity.status_changed_at),
            ),
            (
                _("Reason for dropping"),
                activity.drop_reason if activity.status == ActivityStatus.DROPPED else "",
            ),
            (_("Outcome"), activity.outcome),
        ),
    )


def _checkpoint(checkpoint: Checkpoint) -> ExportCheckpoint:
    status = str(checkpoint.get_status_display())
    if checkpoint.status == CheckpointStatus.DONE:
        status = _status(status, checkpoint.completed_at)
    elif checkpoint.status == CheckpointStatus.PLANNED and checkpoint.due_on < timezone.localdate():
        status = _("Planned, date passed")
    topic = checkpoint.topic
    if checkpoint.activity is not None:
        topic = _("%(topic)s (activity: %(activity)s)") % {
            "topic": topic,
            "activity": checkpoint.activity.description,
        }
    return ExportCheckpoint(_day(checkpoint.due_on), topic, status, checkpoint.outcome)


def export_plan(person: Person, *, language: str) -> ExportPlan:
    """The agreed plan of `person` in the active language (call inside translation.override)."""
    notice = ""
    if settings.SAMTAL_PUBLIC_RECORDS_NOTICE:
        notice = _(
            "This document may become a public record (allmän handling) and may then be "
            "disclosed to anyone who asks for it, unless secrecy applies."
        )
    agreed = {"plan__person": person, "agreed_at__isnull": False}
    goals = PlanGoal.objects.filter(**agreed).select_related("unit_goal__unit")
    activities = PlanActivity.objects.filter(**agreed).select_related("goal")
    checkpoints = Checkpoint.objects.filter(**agreed).select_related("activity")
    return ExportPlan(
        organisation=settings.SAMTAL_ORGANISATION_NAME,
        language=language,
        title=_("Individual development plan"),
        employee=person.full_name,
        unit=person.unit.name,
        manager=person.manager.full_name if person.manager is not None else _("No manager"),
        exported_on=timezone.localdate().isoformat(),
        goals=[_goal(goal) for goal in goals],
        activities=[_activity(activity) for activity in activities],
        checkpoints=[_checkpoint(checkpoint) for checkpoint in checkpoints],
        notice=notice,
    )


# --- documents --------------------------------------------------------------------------------


def file_name(person: Person, *, language: str, fmt: str) -> str:
    stem = slugify(person.full_name) or "person"
    return f"development-plan-{stem}-{timezone.localdate().isoformat()}-{language}.{fmt}"


def plan_pdf(person: Person, *, language: str) -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        plan = export_plan(person, language=language)
        html = render_to_string("plans/export/plan_pdf.html", {"plan": plan})
        return bytes(HTML(string=html).write_pdf())


def plan_docx(person: Person, *, language: str) -> bytes:
    from docx import Document
    from docx.shared import Pt

    with translation.override(language):
        plan = export_plan(person, language=language)
        document = Document()
        document.core_properties.title = f"{plan.title}: {plan.employee}"
        document.core_properties.language = language
        style = document.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(11)
        document.add_paragraph(plan.organisation).runs[0].bold = True
        document.add_heading(plan.title, level=0)
        _docx_table(document, plan.facts)
        document.add_paragraph(
            _(
                "The plan as agreed between the employee and the manager. Items proposed in a "
                "talk are included once both have agreed to the record."
            )
        )
        for heading, items, empty in (
            (_("Goals"), plan.goals, _("No goals in the plan.")),
            (_("Activities"), plan.activities, _("No activities in the plan.")),
        ):
            document.add_heading(heading, level=1)
            if not items:
                document.add_paragraph(empty).runs[0].italic = True
            for item in items:
                document.add_heading(item.title, level=2)
                _docx_table(document, item.fields)
        document.add_heading(_("Checkpoints"), level=1)
        if plan.checkpoints:
            table = document.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            headers = (_("Date"), _("What to check"), _("Status"), _("Outcome"))
            for cell, header in zip(table.rows[0].cells, headers, strict=True):
                cell.text = header
            for checkpoint in plan.checkpoints:
                cells = table.add_row().cells
                cells[0].text = checkpoint.date
                cells[1].text = checkpoint.topic
                cells[2].text = checkpoint.status
                cells[3].text = checkpoint.outcome
        else:
            document.add_paragraph(_("No checkpoints in the plan.")).runs[0].italic = True
        if plan.notice:
            document.sections[0].footer.paragraphs[0].text = plan.notice
            document.add_paragraph(plan.notice).runs[0].italic = True
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


def _docx_table(document: Any, fields: list[ExportField]) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for item in fields:
        cells = table.add_row().cells
        cells[0].text = item.label
        cells[1].text = item.value


# --- outcomes for the salary talk -----------------------------------------------------------


def plan_outcome_lines(
    person: Person, *, language: str, since: datetime | None, until: datetime | None
) -> list[str]:
    """What the plan produced in the period, one line per goal reached or not and activity
    done or dropped, in `language`: "Course or training: R — Done. Outcome: …". Outcomes
    only; open goals, planned or ongoing activities and proposals never appear."""
    with translation.override(language):
        lines = []
        for outcome in plan_outcomes(person=person, since=since, until=until):
            text = (
                outcome.text
                if outcome.kind == "activity"
                else _("Goal: %(text)s") % {"text": outcome.text}
            )
            line = f"{text} — {outcome.status}."
            if outcome.reason:
                line += " " + _("Reason: %(text)s") % {"text": outcome.reason}
            if outcome.outcome:
                line += " " + _("Outcome: %(text)s") % {"text": outcome.outcome}
            lines.append(line)
        return lines
