"""The development plan inside a talk's record.

What the note-taker proposes in the record is part of what both parties agree to: the items
are frozen into each version as one more section ("the development plan: goals, activities
and checkpoints"), written out in Swedish and English, so the version's hash covers them, the
version diff shows them and the exports print them. When both agree, the items join the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samtal.plans.export import number_text
from samtal.plans.models import Checkpoint, PlanActivity, PlanGoal
from samtal.plans.selectors import proposed_in
from samtal.plans.services import plan_items_agree
from samtal.talks.models import Record
from samtal.talks.record import RECORD_AGREED_HOOKS, RECORD_SECTION_PARTS

SECTION_KEY = "plan_items"
SECTION_TITLE = gettext_lazy("The development plan: goals, activities and checkpoints")


def goal_line(goal: PlanGoal) -> str:
    parts = [goal.get_horizon_display()]
    if goal.unit_goal_id and goal.unit_goal:
        parts.append(_("linked to the unit's goal “%(goal)s”") % {"goal": goal.unit_goal.title})
    return f"{goal.text} ({'; '.join(str(p) for p in parts)})"


def activity_line(activity: PlanActivity) -> str:
    text = f"{activity.get_activity_type_display()}: {activity.description}"
    details = [_("responsible: %(who)s") % {"who": activity.responsible_label}]
    if activity.starts_on or activity.ends_on:
        start = date_format(activity.starts_on, "SHORT_DATE_FORMAT") if activity.starts_on else ""
        end = date_format(activity.ends_on, "SHORT_DATE_FORMAT") if activity.ends_on else ""
        details.append(f"{start}–{end}")
    if activity.hours is not None:
        details.append(_("about %(hours)s hours") % {"hours": number_text(activity.hours)})
    if activity.cost is not None:
        details.append(
            _("about %(cost)s SEK") % {"cost": number_text(activity.cost, grouping=True)}
        )
    if activity.goal_id and activity.goal:
        details.append(_("for the goal “%(goal)s”") % {"goal": activity.goal.text[:80]})
    return f"{text} ({'; '.join(str(d) for d in details)})"


def checkpoint_line(checkpoint: Checkpoint) -> str:
    return f"{date_format(checkpoint.due_on, 'SHORT_DATE_FORMAT')}: {checkpoint.topic}"


def _lines(items: Iterable[Any], line: Callable[[Any], str], language: str) -> str:
    with translation.override(language):
        return "\n".join(f"– {line(item)}" for item in items)


def plan_section(record: Record) -> list[dict[str, Any]]:
    """The section the record's plan items add to a frozen version (none without items)."""
    goals, activities, checkpoints = proposed_in(talk=record.talk)
    if not (goals or activities or checkpoints):
        return []
    questions = []
    for key, items, line, label in (
        ("plan_goals", goals, goal_line, gettext_lazy("Goals")),
        ("plan_activities", activities, activity_line, gettext_lazy("Activities")),
        ("plan_checkpoints", checkpoints, checkpoint_line, gettext_lazy("Checkpoints")),
    ):
        if not items:
            continue
        questions.append(
            {
                "key": key,
                "text_sv": _in(label, "sv"),
                "text_en": _in(label, "en"),
                "type": "text",
                "choices": [],
                "salary_basis": False,
                "answer": "",
                "answer_sv": _lines(items, line, "sv"),
                "answer_en": _lines(items, line, "en"),
                "value": None,
            }
        )
    return [
        {
            "key": SECTION_KEY,
            "title_sv": _in(SECTION_TITLE, "sv"),
            "title_en": _in(SECTION_TITLE, "en"),
            "questions": questions,
        }
    ]


def _in(text: Any, language: str) -> str:
    with translation.override(language):
        return str(text)


RECORD_SECTION_PARTS.append(plan_section)
RECORD_AGREED_HOOKS.append(plan_items_agree)
