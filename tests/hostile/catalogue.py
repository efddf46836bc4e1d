"""Every URL of the project, found by walking the resolver, and how to fill its kwargs.

`TARGETS` says, for every URL name, which objects of the world its kwargs point at: "mine"
(side A, the actors' own) and "theirs" (side B). A URL the resolver knows and `TARGETS` does
not makes test_catalogue fail, so nobody can add a URL this suite does not attack.

Each entry is a function (world, side, role) -> list of kwargs dicts (several when the URL
acts on objects in different states, e.g. a preparation question and a self-evaluation one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, StringConverter
from django.urls.resolvers import RoutePattern

from tests.hostile.world import ORG_WIDE_ROLES, ROLES, Side, World

Kwargs = dict[str, Any]
Fill = Callable[[World, Side, str], list[Kwargs]]

# Apps whose URLs the suite covers (Django's own contrib views are reached through accounts).
PROJECT_NAMESPACES = (
    "core",
    "accounts",
    "organisation",
    "talk_templates",
    "talks",
    "plans",
    "workenv",
)


@dataclass(frozen=True)
class Url:
    name: str  # "namespace:name"
    route: str
    converters: dict[str, str]  # kwarg -> "int" | "str" | "regex:<pattern>"
    view: Callable[..., Any]


def _converter_kind(converter: Any) -> str:
    if isinstance(converter, IntConverter):
        return "int"
    if isinstance(converter, StringConverter):
        return "str"
    return f"regex:{converter.regex}"


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, dict[str, str], Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            pattern = entry.pattern
            if isinstance(pattern, RoutePattern):
                converters = {k: _converter_kind(c) for k, c in pattern.converters.items()}
            else:
                regex = re.compile(str(pattern))
                converters = {
                    name: f"regex:{_group_regex(str(pattern), name)}" for name in regex.groupindex
                }
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield name, prefix + str(pattern), converters, entry.callback


def _group_regex(pattern: str, name: str) -> str:
    match = re.search(rf"\(\?P<{name}>([^)]*)\)", pattern)
    return match.group(1) if match else ".*"


def project_urls() -> list[Url]:
    urls = [
        Url(name=name, route=route, converters=converters, view=view)
        for name, route, converters, view in _walk(get_resolver().url_patterns)
        if name.split(":")[0] in PROJECT_NAMESPACES
    ]
    return sorted(urls, key=lambda u: u.name)


def all_url_names() -> list[str]:
    """Every named URL of the resolver, project or not (the catalogue test checks them all)."""
    return sorted(name for name, *_rest in _walk(get_resolver().url_patterns))


# --- how to fill the kwargs --------------------------------------------------------------------


def _none(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{}]


def _talk(attr: str) -> Fill:
    return lambda world, side, role: [{"pk": getattr(side, attr).pk}]


TALK_STATES = ("talk_offered", "talk_booked", "talk_past", "talk_declined", "talk_moved")
RECORD_STATES = ("record_writing", "record_sent", "record_agreed")


def _every_talk(world: World, side: Side, role: str) -> list[Kwargs]:
    """A page that shows different forms in each state: one variant per state."""
    talks = [getattr(side, a).pk for a in TALK_STATES]
    talks += [getattr(side, a).talk_id for a in RECORD_STATES]
    return [{"pk": pk} for pk in talks]


def _record_talk(*attrs: str, key: str = "pk") -> Fill:
    return lambda world, side, role: [{key: getattr(side, a).talk_id} for a in attrs]


def _obj(attr: str, key: str = "pk") -> Fill:
    return lambda world, side, role: [{key: getattr(side, attr).pk}]


def _person(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"person": side.employee.pk}]


def _round(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"pk": side.round.pk}]


def _rounds(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"pk": side.round.pk}, {"pk": side.round_launched.pk}]


def _prep_question(world: World, side: Side, role: str) -> str:
    return "view" if role == "manager" else "goals_text"


def _answer_save(world: World, side: Side, role: str) -> list[Kwargs]:
    # A preparation question before the talk, a self-evaluation question after it.
    return [
        {
            "pk": side.talk_booked.pk,
            "question": world.questions[_prep_question(world, side, role)].pk,
        },
        {"pk": side.record_writing.talk_id, "question": world.questions["feedback_text"].pk},
    ]


def _answer_unshare(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"pk": side.talk_booked.pk, "question": world.questions["tasks"].pk}]


def _record_entry(world: World, side: Side, role: str) -> list[Kwargs]:
    talk = side.record_writing.talk_id
    return [
        {"pk": talk, "question": world.questions[key].pk}
        for key in ("notes", "workload", "development")
    ]


def _record_export(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"pk": side.record_agreed.talk_id, "number": 1, "fmt": fmt} for fmt in ("pdf", "docx")]


def _record_item_remove(world: World, side: Side, role: str) -> list[Kwargs]:
    talk = side.record_writing.talk_id
    return [{"talk": talk, "kind": kind, "pk": item.pk} for kind, item in side.proposed.items()]


def _plan_export(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"person": side.employee.pk, "fmt": fmt} for fmt in ("pdf", "docx")]


def _formats(*formats: str) -> Fill:
    return lambda world, side, role: [{"fmt": fmt} for fmt in formats]


def _round_export(world: World, side: Side, role: str) -> list[Kwargs]:
    return [
        {"pk": side.round_launched.pk, "what": what, "fmt": fmt}
        for what in ("units", "managers", "talks")
        for fmt in ("csv", "xlsx")
    ]


def _unit_code(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"code": side.unit.code}]


def _safety_rep_remove(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"code": side.unit.code, "assignment_id": side.safety_assignment.pk}]


def _employee_number(world: World, side: Side, role: str) -> list[Kwargs]:
    return [{"employee_number": side.employee.employee_number}]


def _reset_confirm(world: World, side: Side, role: str) -> list[Kwargs]:
    # Mine: a valid link for the actor (the employee for nobody logged in). Theirs: side B's
    # user with a token made for someone else, which must not work.
    user = world.users.get(role) or world.a.employee.user
    uid, token = world.reset_token(user)
    if side is world.b:
        uid = world.reset_token(side.employee.user)[0]
    return [{"uidb64": uid, "token": token}]


def _annual(*formats: str) -> Fill:
    def fill(world: World, side: Side, role: str) -> list[Kwargs]:
        base = {"unit": side.unit.pk, "year": side.year}
        return [{**base, "fmt": fmt} for fmt in formats] if formats else [base]

    return fill


# Templates, rooms and support contacts belong to the whole organisation: "theirs" is the
# same kind of object in a place it does not belong (a published version's section under the
# draft), which must be refused for every role.
def _version(which: str) -> Fill:
    def fill(world: World, side: Side, role: str) -> list[Kwargs]:
        if side is world.b:
            return [{"pk": 10**9}]
        return [{"pk": (world.draft if which == "draft" else world.version).pk}]

    return fill


def _versions_both(world: World, side: Side, role: str) -> list[Kwargs]:
    if side is world.b:
        return [{"pk": 10**9}, {"pk": 10**9 + 1}]
    return [{"pk": world.draft.pk}, {"pk": world.version.pk}]


def _version_export(world: World, side: Side, role: str) -> list[Kwargs]:
    pk = world.version.pk if side is world.a else 10**9
    return [{"pk": pk, "fmt": fmt} for fmt in ("pdf", "docx")]


def _section(world: World, side: Side, role: str) -> list[Kwargs]:
    version = world.draft if side is world.a else world.version
    section = version.sections.order_by("position").first()
    assert section is not None
    return [{"pk": world.draft.pk, "section_id": section.pk}]


def _question(world: World, side: Side, role: str) -> list[Kwargs]:
    version = world.draft if side is world.a else world.version
    section = version.sections.order_by("position").first()
    assert section is not None
    question = section.questions.order_by("position").first()
    assert question is not None
    # Theirs: a published version's question under its section (mixed with the draft's pk and
    # section one kwarg at a time by the suite).
    return [{"pk": world.draft.pk, "section_id": section.pk, "question_id": question.pk}]


def _global(attr: str) -> Fill:
    def fill(world: World, side: Side, role: str) -> list[Kwargs]:
        return [{"pk": getattr(world, attr).pk if side is world.a else 10**9}]

    return fill


@dataclass(frozen=True)
class Target:
    fill: Fill
    # Roles that may act on side B's objects through this URL by design.
    theirs_allowed: frozenset[str] = ORG_WIDE_ROLES
    # A file (PDF, Word, CSV, Excel, calendar): rendered by test_exports, not crawled.
    document: bool = False
    # The fields of a form no page shows directly (for the rare form behind a redirect).
    fields: tuple[str, ...] = ()


GLOBAL: frozenset[str] = frozenset()  # mismatched ids: refused for everyone

TARGETS: dict[str, Target] = {
    # accounts and core
    "accounts:login": Target(_none),
    "accounts:logout": Target(_none),
    "accounts:set_language": Target(_none),
    "accounts:password_reset": Target(_none),
    "accounts:password_reset_done": Target(_none),
    # The form is on the page the link redirects to (Django keeps the token in the session);
    # test_accounts walks that flow, here its fields are posted to the link itself.
    "accounts:password_reset_confirm": Target(
        _reset_confirm,
        # A link that does not match its user answers 200 with "invalid link", not 404:
        # test_accounts checks that, and that the password stays.
        theirs_allowed=frozenset(ROLES),
        fields=("new_password1", "new_password2"),
    ),
    "accounts:password_reset_complete": Target(_none),
    "core:home": Target(_none),
    "core:audit_log": Target(_none),
    # organisation
    "organisation:unit_list": Target(_none),
    "organisation:unit_detail": Target(_unit_code),
    "organisation:unit_safety_rep_add": Target(_unit_code),
    "organisation:unit_safety_rep_remove": Target(_safety_rep_remove),
    "organisation:person_list": Target(_none),
    "organisation:person_detail": Target(_employee_number),
    "organisation:import": Target(_none),
    "organisation:import_example": Target(_none, document=True),
    # plans
    "plans:my_plan": Target(_none),
    "plans:team_follow_up": Target(_none),
    "plans:plan_detail": Target(_person),
    "plans:goal_add": Target(_person),
    "plans:activity_add": Target(_person),
    "plans:checkpoint_add": Target(_person),
    "plans:goal_edit": Target(_obj("goal")),
    "plans:goal_follow_up": Target(_obj("goal")),
    "plans:activity_edit": Target(_obj("activity")),
    "plans:activity_status": Target(_obj("activity")),
    "plans:checkpoint_edit": Target(_obj("checkpoint")),
    "plans:checkpoint_complete": Target(_obj("checkpoint")),
    "plans:checkpoint_cancel": Target(_obj("checkpoint")),
    "plans:checkpoint_meeting": Target(_obj("checkpoint")),
    "plans:checkpoint_ics": Target(_obj("checkpoint"), document=True),
    "plans:plan_export": Target(_plan_export, document=True),
    "plans:record_goal_add": Target(_record_talk("record_writing", key="talk")),
    "plans:record_activity_add": Target(_record_talk("record_writing", key="talk")),
    "plans:record_checkpoint_add": Target(_record_talk("record_writing", key="talk")),
    "plans:record_item_remove": Target(_record_item_remove),
    "plans:unit_goals": Target(_none),
    "plans:unit_goal_edit": Target(_obj("unit_goal_draft")),
    "plans:unit_goal_publish": Target(_obj("unit_goal_draft")),
    "plans:unit_goal_withdraw": Target(_obj("unit_goal_published")),
    "plans:competence": Target(_none),
    "plans:competence_export": Target(_formats("csv", "xlsx"), document=True),
    # talk templates (organisation-wide)
    "talk_templates:template_list": Target(_none),
    "talk_templates:template_create": Target(_none),
    "talk_templates:version_detail": Target(_versions_both, theirs_allowed=GLOBAL),
    "talk_templates:template_update": Target(_version("draft"), theirs_allowed=GLOBAL),
    "talk_templates:version_publish": Target(_version("draft"), theirs_allowed=GLOBAL),
    "talk_templates:version_retire": Target(_version("published"), theirs_allowed=GLOBAL),
    "talk_templates:version_new_draft": Target(_version("published"), theirs_allowed=GLOBAL),
    "talk_templates:version_discard": Target(_version("draft"), theirs_allowed=GLOBAL),
    "talk_templates:version_preview": Target(_versions_both, theirs_allowed=GLOBAL),
    "talk_templates:version_export": Target(_version_export, theirs_allowed=GLOBAL, document=True),
    "talk_templates:section_add": Target(_version("draft"), theirs_allowed=GLOBAL),
    "talk_templates:section_edit": Target(_section, theirs_allowed=GLOBAL),
    "talk_templates:section_delete": Target(_section, theirs_allowed=GLOBAL),
    "talk_templates:section_move": Target(_section, theirs_allowed=GLOBAL),
    "talk_templates:question_add": Target(_section, theirs_allowed=GLOBAL),
    "talk_templates:question_edit": Target(_question, theirs_allowed=GLOBAL),
    "talk_templates:question_delete": Target(_question, theirs_allowed=GLOBAL),
    "talk_templates:question_move": Target(_question, theirs_allowed=GLOBAL),
    # talks
    "talks:my_talks": Target(_none),
    "talks:team": Target(_none),
    "talks:extra_start": Target(_none),
    "talks:extra_request": Target(_none),
    "talks:talk_detail": Target(_every_talk),
    "talks:talk_book": Target(_talk("talk_offered")),
    "talks:talk_accept": Target(_talk("talk_booked")),
    "talks:talk_request_change": Target(_talk("talk_booked")),
    "talks:talk_decline": Target(_talk("talk_booked")),
    "talks:talk_reopen": Target(_talk("talk_declined")),
    "talks:talk_held": Target(_talk("talk_past")),
    "talks:talk_cancel": Target(_talk("talk_offered")),
    "talks:talk_reassign": Target(_talk("talk_moved")),
    "talks:talk_ics": Target(_talk("talk_booked"), document=True),
    "talks:talk_prepare": Target(
        lambda world, side, role: [
            {"pk": side.talk_booked.pk},
            {"pk": side.record_writing.talk_id},
        ]
    ),
    "talks:answer_save": Target(_answer_save),
    "talks:answers_share": Target(_talk("talk_booked")),
    "talks:answer_unshare": Target(_answer_unshare),
    "talks:talk_afterwards": Target(_record_talk("record_writing", "record_agreed")),
    "talks:private_note_save": Target(_record_talk("record_writing")),
    "talks:talk_record": Target(_record_talk(*RECORD_STATES)),
    "talks:record_entry_save": Target(_record_entry),
    "talks:record_passed_on": Target(_record_talk("record_writing")),
    "talks:record_comment": Target(_record_talk("record_writing")),
    "talks:record_note_taker": Target(_record_talk("record_writing")),
    "talks:record_send": Target(_record_talk("record_writing")),
    "talks:record_agree": Target(_record_talk("record_sent")),
    "talks:record_correct": Target(_record_talk("record_agreed")),
    "talks:record_versions": Target(_record_talk("record_agreed")),
    "talks:record_export": Target(_record_export, document=True),
    "talks:salary_basis_pdf": Target(_record_talk("record_agreed"), document=True),
    "talks:manager_feedback": Target(_none),
    "talks:round_feedback": Target(_rounds),
    "talks:round_list": Target(_none),
    "talks:round_create": Target(_none),
    "talks:round_detail": Target(_rounds),
    "talks:round_edit": Target(_round),
    "talks:round_launch": Target(_round),
    "talks:round_talks": Target(_rounds),
    "talks:round_without_manager": Target(_rounds),
    "talks:round_export": Target(_round_export, document=True),
    "talks:room_list": Target(_none),
    "talks:room_edit": Target(_global("room"), theirs_allowed=GLOBAL),
    # work environment
    "workenv:observation_add": Target(_record_talk("record_writing", key="talk")),
    "workenv:observation_edit": Target(_obj("observation")),
    "workenv:observation_consent": Target(_obj("observation")),
    "workenv:observation_withdraw": Target(_obj("observation")),
    "workenv:routine": Target(_none),
    "workenv:register": Target(_none),
    "workenv:risk_add": Target(lambda world, side, role: [{"unit": side.unit.pk}]),
    "workenv:risk_detail": Target(
        lambda world, side, role: [{"pk": side.risk.pk}, {"pk": side.action.observation_id}]
    ),
    "workenv:risk_assess": Target(_obj("risk")),
    "workenv:action_add": Target(_obj("risk")),
    "workenv:action_edit": Target(_obj("action")),
    "workenv:action_start": Target(_obj("action")),
    "workenv:action_follow_up": Target(_obj("action")),
    "workenv:overview": Target(_none),
    "workenv:annual_index": Target(_none),
    "workenv:annual_detail": Target(_annual()),
    "workenv:annual_summary": Target(_annual()),
    "workenv:annual_export": Target(_annual("csv", "pdf"), document=True),
    "workenv:my_actions": Target(_none),
    "workenv:settings": Target(_none),
    "workenv:contact_add": Target(_none),
    "workenv:contact_edit": Target(_global("contact"), theirs_allowed=GLOBAL),
    "workenv:contact_delete": Target(_global("contact"), theirs_allowed=GLOBAL),
}


# --- junk for every kwarg the converter lets through ------------------------------------------

JUNK_INT = (0, 2**63)
JUNK_STR = ("a\x00b", "<img src=x onerror=alert(1)>' OR 1=1 --", "２")


def junk_values(kind: str) -> tuple[Any, ...]:
    if kind == "int":
        return JUNK_INT
    if kind == "str":
        return JUNK_STR
    regex = re.compile(kind.removeprefix("regex:"))
    return tuple(v for v in ("", "exe", "PDF", "pdf\x00") if regex.fullmatch(v))


def allowed_methods(view: Callable[..., Any]) -> frozenset[str] | None:
    """The methods a require_http_methods/require_POST/require_GET view accepts (read from
    the decorator's closure), or None for a view that takes any method."""
    current: Any = view
    for _depth in range(10):
        closure = getattr(current, "__closure__", None)
        if not closure:
            return None
        names = current.__code__.co_freevars
        cells = dict(zip(names, (c.cell_contents for c in closure), strict=True))
        methods = cells.get("request_method_list")
        if methods is not None:
            return frozenset(m.upper() for m in methods)
        current = cells.get("func") or cells.get("view_func")
        if current is None:
            return None
    return None
