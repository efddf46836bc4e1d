"""Which form fields carry ids, and the other side's id to put in each.

A field is id-like when its options or its hidden value are numbers (a select of people, a
hidden question id). Every id-like field the suite finds must be named here, either with the
other side's object to send or as a number that is not an id; an unknown one fails the suite
(test_requests), so a new id field cannot go unattacked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from samtal.talk_templates.models import Question
from tests.hostile.forms import FieldSpec, FormSpec
from tests.hostile.world import World

# Numbers that are not ids: versions of what the page showed, counts, scale steps, years.
NOT_IDS = frozenset(
    {
        "revision",
        "take_over",
        "version",  # the record version number agreed to (with its hash)
        "value",  # a scale step, yes/no or an option's index
        "year",
        "position",
        "duration_minutes",
        "meeting_minutes",
        "likelihood",
        "consequence",
        "effective",
        "confirm",
        "direction",
        "include_subunits",
    }
)

# The other side's object for each id field (or, for organisation-wide objects, one the
# form does not offer: a draft template version, a question of another template).
OTHER_SIDE: dict[str, Callable[[World], Any]] = {
    "employee": lambda w: w.b.employee.pk,
    "responsible": lambda w: w.b.employee.pk,
    "manager": lambda w: w.b.manager.pk,
    "unit_goal": lambda w: w.b.unit_goal_published.pk,
    "goal": lambda w: w.b.goal.pk,
    "activity": lambda w: w.b.activity.pk,
    "units": lambda w: w.b.unit.pk,
    "unit": lambda w: w.b.unit.pk,
    "question": lambda w: Question.objects.filter(section__version=w.draft).values_list(
        "pk", flat=True
    )[0],
    "template_version": lambda w: w.draft.pk,
    "room": lambda w: 10**9,
    "replaces": lambda w: w.b.action.pk,
    "person": lambda w: w.b.employee.employee_number,
    "copy": lambda w: 10**9,
}


def _numeric(values: list[str]) -> bool:
    values = [v for v in values if v != ""]
    return bool(values) and all(v.isascii() and v.isdigit() for v in values)


def is_id_like(spec: FieldSpec) -> bool:
    if spec.name in NOT_IDS or spec.kind in ("submit", "file"):
        return False
    if spec.is_choice:
        return _numeric(spec.options)
    if spec.kind == "hidden":
        return _numeric(spec.default)
    return False


def id_fields(form: FormSpec) -> list[FieldSpec]:
    return [spec for spec in form.fields.values() if is_id_like(spec)]


def other_side_data(form: FormSpec, world: World) -> tuple[dict[str, Any], list[str]]:
    """The form as the browser sends it, with the other side's id in every id field; and the
    id fields this module does not know."""
    data: dict[str, Any] = form.defaults()
    unknown = [spec.name for spec in id_fields(form) if spec.name not in OTHER_SIDE]
    for name in form.fields:
        make = OTHER_SIDE.get(name)
        if make is not None:
            data[name] = str(make(world))
    return data, unknown
