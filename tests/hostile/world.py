"""The fixture world of the hostile-input suite: two sides, "mine" (A) and "someone else's" (B),
each with a unit, its people in every role, and talks, records, plans and work-environment
items in every state a POST URL acts on; plus the organisation-wide things (templates, rooms,
support contacts) that belong to no side.

root (ROOT)
├── unit A (HA)   manager_a ── employee_a, colleague_a; hr_a (HR for HA), safety_a, old_manager_a
└── unit B (HB)   the same for B
hr_org: HR for the whole organisation; admin: the system admin (no person record).

Everything is made through the factories and services the app's own tests use, so states,
history and revisions are what the product makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.test import override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from samtal.accounts.models import Role, RoleAssignment, User
from samtal.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from samtal.core.models import OrgPolicy
from samtal.organisation.models import ImportRun, Person, Unit
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.plans import services as plan_services
from samtal.plans.models import UnitGoal
from samtal.plans.tests.factories import (
    add_activity,
    add_checkpoint,
    add_goal,
    agree_record,
    held_record,
    unit_goal,
)
from samtal.talk_templates.models import Question, Section, TemplateVersion, VersionStatus
from samtal.talk_templates.tests.factories import make_draft, make_question
from samtal.talks import preparation
from samtal.talks import record as rec
from samtal.talks.models import Record, Room, Round, Talk, TalkStatus
from samtal.talks.tests.factories import RoomFactory, RoundFactory, TalkFactory, booked_talk
from samtal.workenv import services as workenv_services
from samtal.workenv.models import SupportContact, WorkenvPolicy
from samtal.workenv.tests.factories import action, assess, observation, outside_risk

# The roles the suite acts as. "anonymous" is nobody logged in.
ROLES = ("anonymous", "employee", "manager", "hr", "hr_org", "safety_rep", "admin")
# Roles whose scope reaches side B by design: side B's objects are theirs to act on.
ORG_WIDE_ROLES = frozenset({"hr_org", "admin"})

FAST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
}


@dataclass
class Side:
    """One unit with its people and everything a POST URL can act on."""

    name: str
    unit: Unit
    manager: Person
    employee: Person
    colleague: Person
    old_manager: Person
    hr: Person
    safety_rep: Person
    safety_assignment: RoleAssignment
    talk_offered: Talk
    talk_booked: Talk
    talk_past: Talk
    talk_declined: Talk
    talk_moved: Talk
    record_writing: Record
    record_sent: Record
    record_agreed: Record
    goal: Any
    activity: Any
    checkpoint: Any
    proposed: dict[str, Any]
    unit_goal_draft: UnitGoal
    unit_goal_published: UnitGoal
    observation: Any
    risk: Any
    action: Any
    round: Round  # a draft
    round_launched: Round  # launched: the employee's and the colleague's talks are in it
    year: int


@dataclass
class World:
    root: Unit
    version: TemplateVersion  # published: every talk uses it
    draft: TemplateVersion  # a draft template being edited
    questions: dict[str, Question]  # the published version's questions by key
    room: Room
    contact: SupportContact
    hr_org: Person
    admin: User
    a: Side
    b: Side
    users: dict[str, User | None] = field(default_factory=dict)
    # The seeded text columns by the tag number in their payload.
    hostile_columns: dict[int, str] = field(default_factory=dict)
    # (table, pk) of every row made for side B: no request by a role scoped to side A may
    # change them or make a row that points at them.
    b_rows: set[tuple[str, Any]] = field(default_factory=set)

    def reset_token(self, user: User) -> tuple[str, str]:
        return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def private_mark(name: str, author: str) -> str:
    """A word in what only its author may ever read (a private note, an unshared answer, a
    self-evaluation): no other role, admin included, may see it on any page."""
    return f"{author}-{name}-eyes-only"


def side_mark(name: str) -> str:
    """A word in every name and text of one side: a page showing side B's mark to someone
    scoped to side A shows them someone else's data."""
    return f"side-{name}-only"


def _published_version() -> TemplateVersion:
    """The small test template, with free-text questions in every phase so that hostile text
    can be stored wherever a party writes."""
    version = make_draft("hostile")
    sections = {s.key: s for s in Section.objects.filter(version=version)}
    make_question(sections["prep"], "goals_text")
    make_question(sections["work_environment"], "notes")
    make_question(sections["afterwards"], "feedback_text")
    TemplateVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


def _written(record: Record, questions: dict[str, Question]) -> Record:
    """The note-taker (the manager) has written the record's free-text question."""
    rec.record_entry_save(
        record=record,
        actor=record.talk.manager.user,
        question=questions["notes"],
        text=f"Notes of talk {record.talk_id}",
        value=None,
        revision=0,
    )
    return Record.objects.get(pk=record.pk)


def _sent(record: Record) -> Record:
    talk = record.talk
    writer = talk.manager if record.note_taker == "manager" else talk.employee
    current = Record.objects.get(pk=record.pk)
    rec.record_send(record=current, actor=writer.user, revision=current.revision)
    return Record.objects.get(pk=record.pk)


def _side(name: str, root: Unit, version: TemplateVersion, questions: dict[str, Question]) -> Side:
    code = f"H{name.upper()}"
    mark = side_mark(name)
    unit = UnitFactory(code=code, name_sv=f"Enhet {mark}", name_en=f"Unit {mark}", parent=root)
    manager = PersonFactory(unit=unit, first_name="Maja", last_name=f"Chef {mark}")
    employee = PersonFactory(
        unit=unit, manager=manager, first_name="Erik", last_name=f"Medarbetare {mark}"
    )
    colleague = PersonFactory(unit=unit, manager=manager, last_name=f"Kollega {mark}")
    old_manager = PersonFactory(unit=unit, last_name=f"Förre chefen {mark}")
    hr = PersonFactory(unit=unit, first_name="Hanna", last_name=f"Personal {mark}")
    RoleAssignmentFactory(user=hr.user, role=Role.HR, unit=unit)
    safety_rep = PersonFactory(unit=unit, first_name="Sara", last_name=f"Skydd {mark}")
    safety_assignment = RoleAssignmentFactory(user=safety_rep.user, role=Role.SAFETY_REP, unit=unit)

    talk_offered = TalkFactory(employee=employee, template_version=version)
    talk_booked = booked_talk(employee, days_ahead=7, template_version=version)
    talk_past = booked_talk(employee, days_ahead=-1, template_version=version)
    talk_declined = TalkFactory(
        employee=employee, template_version=version, status=TalkStatus.DECLINED
    )
    # A talk still with the employee's former manager: HR moves it to the current one.
    talk_moved = TalkFactory(employee=employee, manager=old_manager, template_version=version)

    # Both prepared the booked talk; the employee shared one answer. What is not shared, the
    # private notes and the self-evaluation carry their author's private mark.
    employee_only, manager_only = private_mark(name, "employee"), private_mark(name, "manager")
    preparation.answer_save(
        talk=talk_booked,
        actor=employee.user,
        question=questions["tasks"],
        text=f"Prepared and shared {mark}",
        value=None,
        revision=0,
    )
    preparation.answers_share(talk=talk_booked, actor=employee.user, question=questions["tasks"])
    for author, key, text in (
        (employee, "goals_text", f"Not shared {mark} {employee_only}"),
        (manager, "view", f"Not shared {mark} {manager_only}"),
    ):
        preparation.answer_save(
            talk=talk_booked,
            actor=author.user,
            question=questions[key],
            text=text,
            value=None,
            revision=0,
        )

    record_writing = _written(held_record(employee, template_version=version), questions)
    writing_talk = record_writing.talk
    rec.record_comment_add(
        record=record_writing,
        actor=employee.user,
        text=f"A comment {mark}",
        question=questions["notes"],
    )
    for author, only in ((employee, employee_only), (manager, manager_only)):
        preparation.private_note_save(
            talk=writing_talk, actor=author.user, text=f"Private note {mark} {only}", revision=0
        )
    preparation.answer_save(
        talk=writing_talk,
        actor=employee.user,
        question=questions["feedback_text"],
        text=f"Self-evaluation {mark} {employee_only}",
        value=None,
        revision=0,
    )
    record_sent = _sent(_written(held_record(employee, template_version=version), questions))
    record_agreed = agree_record(
        _written(held_record(employee, template_version=version), questions)
    )

    goal = add_goal(employee, manager.user, text=f"Lead a project {mark}")
    activity = add_activity(employee, manager.user, description=f"A course {mark}")
    checkpoint = add_checkpoint(employee, manager.user, topic=f"How is it going {mark}?")
    checkpoint = plan_services.checkpoint_book_meeting(
        actor=manager.user,
        checkpoint=checkpoint,
        meeting_at=timezone.make_aware(dt.datetime.combine(days_from_today(20), dt.time(9))),
        minutes=30,
        place="Room Tallen",
        revision=checkpoint.revision,
    )
    proposed = {
        "goal": add_goal(employee, manager.user, text=f"Proposed goal {mark}", talk=writing_talk),
        "activity": add_activity(
            employee, manager.user, description=f"Proposed course {mark}", talk=writing_talk
        ),
        "checkpoint": add_checkpoint(
            employee, manager.user, topic=f"Proposed checkpoint {mark}", talk=writing_talk
        ),
    }
    goal_draft = unit_goal(unit, published=False, title_en=f"Draft goal {mark}")
    goal_published = unit_goal(unit, title_en=f"Published goal {mark}")

    observed = observation(writing_talk, description=f"Too much work {mark}")
    risk = assess(outside_risk(unit, manager), manager)
    act = action(outside_risk(unit, manager), manager, what=f"Fix the light {mark}")
    year = timezone.localdate().year
    workenv_services.annual_follow_up_save(
        actor=manager.user, unit=unit, year=year, summary=f"A good year {mark}", revision=0
    )
    round_ = RoundFactory(
        units=[unit], template_version=version, name=f"Utvecklingssamtal {mark}", year=year
    )
    launched = RoundFactory(
        units=[unit],
        template_version=version,
        name=f"Utvecklingssamtal {mark} {year - 1}",
        year=year - 1,
        status=Round.Status.LAUNCHED,
        launched_at=timezone.now(),
        last_launched_at=timezone.now(),
        launch_count=1,
    )
    for person in (employee, colleague):
        TalkFactory(employee=person, template_version=version, kind=Talk.Kind.ROUND, round=launched)
    return Side(
        name=name,
        unit=unit,
        manager=manager,
        employee=employee,
        colleague=colleague,
        old_manager=old_manager,
        hr=hr,
        safety_rep=safety_rep,
        safety_assignment=safety_assignment,
        talk_offered=talk_offered,
        talk_booked=talk_booked,
        talk_past=talk_past,
        talk_declined=talk_declined,
        talk_moved=talk_moved,
        record_writing=record_writing,
        record_sent=record_sent,
        record_agreed=record_agreed,
        goal=goal,
        activity=activity,
        checkpoint=checkpoint,
        proposed=proposed,
        unit_goal_draft=goal_draft,
        unit_goal_published=goal_published,
        observation=observed,
        risk=risk,
        action=act,
        round=round_,
        round_launched=launched,
        year=year,
    )


def build_world() -> World:
    """Makes the world in the current transaction (the caller rolls it back)."""
    from tests.hostile.db_state import row_keys

    with override_settings(**FAST_SETTINGS):
        # Made up front: pages read them with get_or_create, which must not count as a change.
        policy = OrgPolicy.current()
        policy.hr_may_read_records = True  # more pages show talk content, to more roles
        policy.save()
        WorkenvPolicy.current()
        root = UnitFactory(code="ROOT", name_sv="Organisationen", name_en="The organisation")
        version = _published_version()
        questions = {q.key: q for q in Question.objects.filter(section__version=version)}
        draft = make_draft("hostile-draft")
        room = RoomFactory(name="Tallen")
        contact = SupportContact.objects.create(
            name_sv="Företagshälsan", name_en="Occupational health", details_sv="Ring 123"
        )
        ImportRun.objects.create(
            file_name="people.csv", status=ImportRun.Status.APPLIED, rows=1, created=1
        )
        hr_org = PersonFactory(unit=root, first_name="Hugo", last_name="Personalchef")
        RoleAssignmentFactory(user=hr_org.user, role=Role.HR, unit=None)
        admin = UserFactory(email="admin@hostile.example")
        RoleAssignmentFactory(user=admin, role=Role.ADMIN, unit=None)
        a = _side("a", root, version, questions)
        before_b = row_keys()
        b = _side("b", root, version, questions)
        b_rows = row_keys() - before_b
        hostile_columns = seed_hostile_text()
    world = World(
        root=root,
        version=version,
        draft=draft,
        questions=questions,
        room=room,
        contact=contact,
        hr_org=hr_org,
        admin=admin,
        a=a,
        b=b,
        b_rows=b_rows,
        hostile_columns=hostile_columns,
    )
    world.users = {
        "anonymous": None,
        "employee": a.employee.user,
        "manager": a.manager.user,
        "hr": a.hr.user,
        "hr_org": hr_org.user,
        "safety_rep": a.safety_rep.user,
        "admin": admin,
    }
    return world


def days_from_today(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


# --- hostile text in every stored text ---------------------------------------------------------

# Text columns that are identifiers: they go into URLs and lookups, not onto pages as prose.
IDENTIFIER_COLUMNS = frozenset(
    {"code", "employee_number", "content_hash", "object_id", "path", "password"}
)


def payload(tag: int) -> str:
    """The stored-XSS payload of one column: its number in alert() says which column leaked."""
    return f'"><img src=x onerror=alert({tag})> <script>alert({tag})</script>'


def short_payload(tag: int) -> str:
    return f"<script>alert({tag})</script>"


def _text_columns() -> Iterator[tuple[type[models.Model], models.Field]]:
    for model in apps.get_models():
        if not model.__module__.startswith("samtal."):
            continue
        for column in model._meta.concrete_fields:
            if (
                isinstance(column, models.CharField | models.TextField)
                and not isinstance(column, models.SlugField | models.EmailField | models.URLField)
                and not column.choices
                and not column.primary_key
                and column.editable
                and column.name not in IDENTIFIER_COLUMNS
            ):
                yield model, column


def _with_payload(value: str, text: str, max_length: int | None) -> str:
    if max_length is None:
        return f"{value} {text}"
    return f"{value[: max(0, max_length - len(text) - 1)]} {text}"[-max_length:]


def _json_with_payload(value: Any, text: str) -> Any:
    if isinstance(value, str):
        return f"{value} {text}"
    if isinstance(value, list):
        return [_json_with_payload(v, text) for v in value]
    if isinstance(value, dict):
        return {k: _json_with_payload(v, text) for k, v in value.items()}
    return value


def seed_hostile_text() -> dict[int, str]:
    """Appends a numbered script tag and attribute breakout to every stored text of the app
    (names, answers, records, plans, observations, templates, history...), so that crawling
    every page as every role shows whether any of it is rendered unescaped. Returns the
    columns by tag number ("table.column")."""
    from samtal.core.models import HistoryEntry
    from samtal.talks.models import Agreement, RecordVersion

    columns: dict[int, str] = {}
    by_model: dict[type[models.Model], list[tuple[models.Field, str]]] = {}
    for tag, (model, column) in enumerate(_text_columns(), start=1):
        text = payload(tag)
        if column.max_length is not None and len(text) + 10 > column.max_length:
            text = short_payload(tag)
        columns[tag] = f"{model._meta.db_table}.{column.name}"
        by_model.setdefault(model, []).append((column, text))
    for model, fields in by_model.items():
        rows = list(model._base_manager.all())
        for row in rows:
            for column, text in fields:
                current = getattr(row, column.attname) or ""
                setattr(row, column.attname, _with_payload(current, text, column.max_length))
        if rows:
            model._base_manager.bulk_update(rows, [c.name for c, _t in fields])
    # Text kept as JSON: the options of questions, the changes shown in history.
    tag = len(columns) + 1
    columns[tag] = "talk_templates_question.choices"
    for question in Question.objects.exclude(choices=[]):
        # update(): a published version's questions refuse save() (they are immutable).
        Question.objects.filter(pk=question.pk).update(
            choices=_json_with_payload(question.choices, short_payload(tag))
        )
    tag += 1
    columns[tag] = "core_historyentry.changes"
    for entry in HistoryEntry.objects.all():
        entry.changes = _json_with_payload(entry.changes, short_payload(tag))
        entry.save(update_fields=["changes"])
    # A sent version is a frozen copy of its record: freeze the hostile record again, with its
    # hash (and the agreements to it), as if it had been sent like that.
    for version in RecordVersion.objects.select_related("record"):
        version.content = rec.record_content(version.record)
        version.content_hash = rec.content_hash(version.content)
        version.save(update_fields=["content", "content_hash"])
        Agreement.objects.filter(version=version).update(content_hash=version.content_hash)
    return columns
