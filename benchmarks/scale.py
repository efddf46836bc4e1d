"""Generate a large organisation with five years of development talks, on PostgreSQL.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/samtal \
        .venv/bin/python benchmarks/scale.py [--people 100000] [--years 5] [--keep-db]

The organisation is the one `import_people.py` generates (a unit tree of people/10 units,
about ten reports per manager; staff, teachers, researchers, doctoral students), imported
through the real people import. On it, for each of the last `--years` years, a round over the
whole organisation with a talk for every employee who has a manager, in the state such a round
is in at that time of the year (past rounds: most records agreed, some talks declined or
never held; this year's round: talks offered, booked, held and agreed), with:

- the employee's and the manager's preparation answers (most shared), private notes,
- the shared record of every held talk: its entries, and for an agreed record the frozen
  version both agreed to (with the two agreements),
- the history of every talk (offered, booked, held, agreed) and the offer emails (sent),
- a development plan per person with a goal, activities and checkpoints from each year's talk,
- work-environment observations from about a third of the talks, most assessed, with actions.

The rows are written with PostgreSQL's COPY, with ids chosen here so that rows can refer to
each other without reading them back; the sequences are moved past them at the end. Used by
`bench.py` (`make bench`); run alone, it builds the data, prints the row counts and drops
the database unless `--keep-db`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import import_people as org  # noqa: E402  (after the path set-up)
from rounds import build, hr_user  # noqa: E402

SCALE_DB = os.environ.get("SAMTAL_SCALE_DB", "samtal_scale")
LOREM = (
    "Vi gick igenom året som gått, arbetsbelastningen och vad som behövs framåt. "
    "We went through the past year, the workload and what is needed ahead."
)


class Loader:
    """Writes model rows straight into PostgreSQL with COPY.

    Each row is a dict of attribute names (`unit_id`, not `unit`); a field left out gets the
    field's default (auto timestamps get `now`). Ids are handed out here (`ids`), so that rows
    written later can refer to rows written earlier.
    """

    def __init__(self, now: dt.datetime) -> None:
        from django.db import connection

        self.connection = connection
        self.now = now
        self.written: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._next: dict[type, int] = {}

    def ids(self, model: type, count: int) -> range:
        if model not in self._next:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # type: ignore[attr-defined]
                self._next[model] = cursor.fetchone()[0] + 1
        start = self._next[model]
        self._next[model] = start + count
        return range(start, start + count)

    def copy(self, model: Any, rows: Iterable[dict[str, Any]]) -> int:
        from django.db import models

        started = time.perf_counter()
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return 0
        # Without ids given, the database numbers the rows. Auto timestamps default to `now`.
        fields = [f for f in model._meta.concrete_fields if not f.primary_key or "id" in first]
        defaults = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults.append(self.now)
            else:  # the field's default, or "" for a text field that is not nullable
                defaults.append(f.get_default())
        pairs = [(f.attname, default) for f, default in zip(fields, defaults, strict=True)]
        json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        count = 0
        with self.connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the psycopg cursor
            with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for row in itertools.chain([first], rows):
                    values = [row.get(name, default) for name, default in pairs]
                    for i in json_columns:
                        value = values[i]
                        if value is not None:
                            values[i] = json.dumps(value, ensure_ascii=False)
                    write(values)
                    count += 1
        self._count(model, count, started)
        return count

    def execute(self, model: Any, sql: str, params: dict[str, Any]) -> int:
        """Run an INSERT … SELECT that writes rows of `model` in the database itself."""
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        self._count(model, count, started)
        return count

    def _count(self, model: Any, rows: int, started: float) -> None:
        label = model._meta.label
        self.written[label] = self.written.get(label, 0) + rows
        self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started

    @contextmanager
    def indexes_deferred(self, models: list[Any]) -> Iterator[None]:
        """Drop the tables' secondary indexes and unique constraints, and build them again
        afterwards: one sorted build is much faster than keeping them up to date row by row."""
        again: list[str] = []
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for model in models:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'u'",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                    "WHERE conrelid = %s::regclass)",
                    [table, table],
                )
                for name, definition in cursor.fetchall():
                    again.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')
        yield
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            for sql in again:
                cursor.execute(sql)
        self.seconds["(indexes built again)"] = time.perf_counter() - started

    def reset_sequences(self, models: Iterable[Any]) -> None:
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)


@dataclass
class Sample:
    """The people and objects whose pages the benchmark opens."""

    hr_user_id: int
    employee_user_id: int
    manager_user_id: int
    talk_id: int  # the employee's talk of this year's round, with an agreed record
    round_id: int  # this year's round
    faculty_id: int
    year: int
    counts: dict[str, int] = field(default_factory=dict)
    table_seconds: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Questions:
    employee_prep: list[Any]
    manager_prep: list[Any]
    record: list[Any]
    sections: list[dict[str, Any]]  # the record content's sections, with answers filled in


def _value(question: Any, rng: random.Random) -> Any:
    from samtal.talk_templates.models import QuestionType

    kind = question.question_type
    if kind == QuestionType.SCALE:
        return rng.randint(1, 5)
    if kind == QuestionType.YES_NO:
        return rng.random() < 0.7
    if kind == QuestionType.SINGLE_CHOICE and question.choices:
        return [rng.randrange(len(question.choices))]
    if kind == QuestionType.MULTIPLE_CHOICE and question.choices:
        return sorted(rng.sample(range(len(question.choices)), min(2, len(question.choices))))
    return None


def _questions(version: Any) -> Questions:
    from samtal.talk_templates.models import AnsweredBy, Audience, Phase, QuestionType
    from samtal.talk_templates.selectors import version_sections

    rng = random.Random(1)
    employee_prep, manager_prep, record, sections = [], [], [], []
    for section in version_sections(version=version):
        if section.audience != Audience.ALL or section.career_stages:
            continue
        questions = [
            q for q in section.questions.all() if q.question_type != QuestionType.PLAN_ITEM
        ]
        employee_prep += [q for q in questions if q.answered_by == AnsweredBy.EMPLOYEE_PREP]
        manager_prep += [q for q in questions if q.answered_by == AnsweredBy.MANAGER_PREP]
        shared = [q for q in questions if q.answered_by == AnsweredBy.RECORD]
        record += shared
        if section.phase == Phase.TALK and shared:
            sections.append(
                {
                    "key": section.key,
                    "title_sv": section.title_sv,
                    "title_en": section.title_en,
                    "questions": [
                        {
                            "key": q.key,
                            "text_sv": q.text_sv,
                            "text_en": q.text_en,
                            "type": q.question_type,
                            "choices": q.choices or [],
                            "scale_low_sv": q.scale_low_sv,
                            "scale_low_en": q.scale_low_en,
                            "scale_high_sv": q.scale_high_sv,
                            "scale_high_en": q.scale_high_en,
                            "salary_basis": q.salary_basis,
                            "answer": LOREM,
                            "value": _value(q, rng),
                        }
                        for q in shared
                    ],
                }
            )
    return Questions(employee_prep, manager_prep, record, sections)


# Status shares of a round: (status, share). Past rounds are over; this year's is under way.
PAST_ROUND = [("agreed", 0.82), ("held", 0.05), ("declined", 0.05), ("cancelled", 0.02)]
THIS_ROUND = [
    ("agreed", 0.35),
    ("held", 0.15),
    ("booked", 0.2),
    ("declined", 0.04),
    ("cancelled", 0.01),
]


def _status(rng: random.Random, shares: list[tuple[str, float]]) -> str:
    draw = rng.random()
    for status, share in shares:
        if draw < share:
            return status
        draw -= share
    return "offered"


def _aware(day: dt.date, hour: int) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def generate(people: int, years: int, tmp: Path, *, seed: int = 8) -> Sample:
    """Import the organisation and write `years` years of talks on it (PostgreSQL only)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from samtal.core.models import HistoryEntry, OutgoingEmail
    from samtal.organisation.models import Person
    from samtal.plans.models import (
        ActivityStatus,
        ActivityType,
        Checkpoint,
        CheckpointStatus,
        DevelopmentPlan,
        GoalStatus,
        PlanActivity,
        PlanGoal,
    )
    from samtal.talk_templates.builtin import default_template_install
    from samtal.talks.models import (
        Agreement,
        Answer,
        PrivateNote,
        Record,
        RecordEntry,
        RecordVersion,
        Round,
        Talk,
    )
    from samtal.workenv.models import (
        DEFAULT_RISK_MATRIX,
        ROUTINE_CATEGORIES,
        Action,
        ActionStatus,
        Category,
        Observation,
        Severity,
    )

    if connection.vendor != "postgresql":
        sys.exit("The scale data is written with PostgreSQL's COPY: set DATABASE_URL.")
    rng = random.Random(seed)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    seconds_import, root = build(people, tmp)
    seconds["import of the organisation"] = seconds_import
    version = default_template_install(actor=None)
    questions = _questions(version)
    hr_user(f"scale-{people}")  # HR for the whole organisation (sample_find finds them)

    today = timezone.localdate()
    now = timezone.now()
    loader = Loader(now)
    staff = list(
        Person.objects.filter(is_active=True, manager__isnull=False)
        .order_by("pk")
        .values_list("pk", "unit_id", "manager_id", "user_id")
    )
    user_of = dict(Person.objects.values_list("pk", "user_id"))
    talk_ct = ContentType.objects.get_for_model(Talk).pk
    categories = list(Category.values)
    severities = list(Severity.values)
    activity_types = list(ActivityType.values)
    first_year = today.year - years + 1

    generated = [
        Talk,
        Answer,
        PrivateNote,
        Record,
        RecordEntry,
        RecordVersion,
        Agreement,
        HistoryEntry,
        OutgoingEmail,
        DevelopmentPlan,
        PlanGoal,
        PlanActivity,
        Checkpoint,
        Observation,
        Action,
    ]
    data_started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The rows refer to each other by construction: skip the foreign-key triggers
            # for this transaction (needs a superuser, as creating the database did).
            cursor.execute("SET LOCAL session_replication_role = replica")
        with loader.indexes_deferred(generated):
            plan_ids = dict(
                zip((pk for pk, *_ in staff), loader.ids(DevelopmentPlan, len(staff)), strict=True)
            )
            loader.copy(
                DevelopmentPlan,
                ({"id": plan_ids[pk], "person_id": pk} for pk, *_ in staff),
            )
            for year in range(first_year, today.year + 1):
                current = year == today.year
                start = dt.date(year, 10, 1) if current else dt.date(year, 9, 15)
                deadline = dt.date(year, 12, 18) if current else dt.date(year, 11, 30)
                launched = _aware(start, 8)
                round_ = Round.objects.create(
                    name=f"Utvecklingssamtal {year}",
                    year=year,
                    template_version=version,
                    start_date=start,
                    deadline=deadline,
                    status=Round.Status.LAUNCHED if current else Round.Status.CLOSED,
                    launch_count=1,
                    launched_at=launched,
                    last_launched_at=launched,
                    launch_requested_at=launched,
                    last_launch_created=len(staff),
                )
                round_.units.set([root])
                shares = THIS_ROUND if current else PAST_ROUND
                talk_ids = loader.ids(Talk, len(staff))
                talks: list[tuple[Any, ...]] = []  # (talk, employee, unit, manager, status, time)
                for talk_id, (pk, unit_id, manager_id, _user_id) in zip(
                    talk_ids, staff, strict=True
                ):
                    status = _status(rng, shares)
                    if status in ("booked", "held", "agreed"):
                        if status == "booked" and current:
                            day = today + dt.timedelta(days=rng.randint(1, (deadline - today).days))
                        else:
                            last = min(deadline, today - dt.timedelta(days=1))
                            day = start + dt.timedelta(days=rng.randint(7, (last - start).days))
                        starts_at = _aware(day, rng.choice([9, 10, 13, 14, 15]))
                    else:
                        starts_at = None
                    talks.append((talk_id, pk, unit_id, manager_id, status, starts_at))
                loader.copy(
                    Talk,
                    (
                        {
                            "id": talk_id,
                            "round_id": round_.pk,
                            "kind": "round",
                            "template_version_id": version.pk,
                            "employee_id": pk,
                            "manager_id": manager_id,
                            "unit_id": unit_id,
                            "status": status,
                            "deadline": deadline,
                            "starts_at": starts_at,
                            "place": "Rum A 204" if starts_at else "",
                            "response": "accepted" if starts_at else "",
                            "held_at": starts_at + dt.timedelta(hours=1)
                            if status in ("held", "agreed")
                            else None,
                            "launch_batch": 1,
                            "created_at": launched,
                            "updated_at": starts_at or launched,
                            "revision": 4 if starts_at else 1,
                        }
                        for talk_id, pk, unit_id, manager_id, status, starts_at in talks
                    ),
                )
                prepared = [t for t in talks if t[4] in ("booked", "held", "agreed")]
                held = [t for t in talks if t[4] in ("held", "agreed")]
                _answers(loader, questions, round_.pk, rng, prepared, Answer, PrivateNote)
                _records(
                    loader,
                    questions,
                    held,
                    round_.pk,
                    rng,
                    (Record, RecordEntry, RecordVersion, Agreement),
                )
                _history(loader, HistoryEntry, talk_ct, round_.pk)
                loader.execute(
                    OutgoingEmail,
                    f"""
                    INSERT INTO {OutgoingEmail._meta.db_table}
                        (key, kind, recipient_id, params, status, attempts, error, created_at,
                         sent_at)
                    SELECT 'talk:' || t.id || ':offered', 'talk_offered', p.user_id,
                           jsonb_build_object('talk', t.id), 'sent', 1, '', t.created_at,
                           t.created_at
                    FROM talks_talk t JOIN organisation_person p ON p.id = t.employee_id
                    WHERE t.round_id = %(round)s
                    """,
                    {"round": round_.pk},
                )
                # The plan: a goal, one to three activities and one or two checkpoints from each
                # year's agreed talk.
                agreed = [t for t in held if t[4] == "agreed"]
                agreed_at = {t[0]: t[5] + dt.timedelta(days=7) for t in agreed}
                loader.copy(
                    PlanGoal,
                    (
                        {
                            "plan_id": plan_ids[pk],
                            "origin_talk_id": talk_id,
                            "agreed_at": agreed_at[talk_id],
                            "created_by_id": user_of[manager_id],
                            "text": "Fördjupa mig i mitt område / Deepen my field",
                            "horizon": rng.choice(["short", "long"]),
                            "status": GoalStatus.OPEN
                            if current
                            else rng.choice(list(GoalStatus.values)),
                            "created_at": agreed_at[talk_id],
                        }
                        for talk_id, pk, _unit, manager_id, *_rest in agreed
                    ),
                )
                activities = []
                checkpoints = []
                for talk_id, pk, _unit, manager_id, _st, starts_at in agreed:
                    base = {
                        "plan_id": plan_ids[pk],
                        "origin_talk_id": talk_id,
                        "agreed_at": agreed_at[talk_id],
                        "created_by_id": user_of[manager_id],
                        "created_at": agreed_at[talk_id],
                    }
                    for _ in range(rng.randint(1, 3)):
                        begins = dt.date(year + 1, rng.randint(1, 11), 1)
                        status = (
                            rng.choice([ActivityStatus.PLANNED, ActivityStatus.ONGOING])
                            if begins > today
                            else rng.choice(
                                [ActivityStatus.DONE, ActivityStatus.DONE, ActivityStatus.DROPPED]
                            )
                        )
                        activities.append(
                            base
                            | {
                                "activity_type": rng.choice(activity_types),
                                "description": "Kurs i projektledning / Project management course",
                                "starts_on": begins,
                                "ends_on": begins + dt.timedelta(days=rng.randint(1, 60)),
                                "hours": Decimal(rng.randint(4, 120)),
                                "cost": Decimal(rng.choice([0, 2000, 8000, 15000])),
                                "status": status,
                                "drop_reason": "Prioriterades bort"
                                if status == ActivityStatus.DROPPED
                                else "",
                            }
                        )
                    for _ in range(rng.randint(1, 2)):
                        due = starts_at.date() + dt.timedelta(days=rng.randint(60, 300))
                        done = due < today and rng.random() < 0.8
                        checkpoints.append(
                            base
                            | {
                                "due_on": due,
                                "topic": "Hur går det med planen?",
                                "status": CheckpointStatus.DONE
                                if done
                                else CheckpointStatus.PLANNED,
                                "completed_at": _aware(due, 11) if done else None,
                                "outcome": "Enligt plan" if done else "",
                            }
                        )
                loader.copy(PlanActivity, activities)
                loader.copy(Checkpoint, checkpoints)
                _workenv(
                    loader,
                    held,
                    rng,
                    categories,
                    severities,
                    year,
                    today,
                    (Observation, Action, ActionStatus, ROUTINE_CATEGORIES, DEFAULT_RISK_MATRIX),
                )
        loader.reset_sequences(generated)
    seconds["talks, records, plans, observations"] = time.perf_counter() - data_started
    analyze_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds["ANALYZE"] = time.perf_counter() - analyze_started

    seconds["total"] = time.perf_counter() - started
    # What was written stays with the data, for a later `bench.py --measure-only`.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_scale_run (info jsonb)")
        cursor.execute(
            "INSERT INTO bench_scale_run VALUES (%s::jsonb)",
            [
                json.dumps(
                    {
                        "people": people,
                        "counts": loader.written,
                        "table_seconds": loader.seconds,
                        "seconds": seconds,
                    }
                )
            ],
        )
    sample = sample_find()
    sample_version(Talk.objects.select_related("employee", "manager").get(pk=sample.talk_id))
    return sample


def sample_find() -> Sample:
    """The sample people and objects of the generated data in the current database."""
    from django.db import connection
    from django.db.models import Exists, OuterRef

    from samtal.accounts.models import User
    from samtal.organisation.models import Unit
    from samtal.talks.models import Round, Talk
    from samtal.workenv.models import Observation

    with connection.cursor() as cursor:
        cursor.execute("SELECT info FROM bench_scale_run")
        row = cursor.fetchone()
    info = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    round_ = Round.objects.order_by("-year").first()
    assert round_ is not None
    # The last agreed talk of this year's round that raised an observation, so that every
    # size measures a talk with the same parts (a page skips a prefetch that has no rows).
    agreed = Talk.objects.select_related("employee", "manager").filter(
        round=round_, status="agreed"
    )
    raised = Observation.objects.filter(talk=OuterRef("pk"))
    talk = agreed.filter(Exists(raised)).order_by("-pk").first() or agreed.order_by("-pk").first()
    assert talk is not None
    faculty = Unit.objects.filter(parent__code="UNI").order_by("pk").first()
    assert faculty is not None
    hr = User.objects.get(email=f"bench-hr-scale-{info['people']}@example.se")
    return Sample(
        hr_user_id=hr.pk,
        employee_user_id=talk.employee.user_id,
        manager_user_id=talk.manager.user_id,
        talk_id=talk.pk,
        round_id=round_.pk,
        faculty_id=faculty.pk,
        year=round_.year,
        counts=info["counts"],
        table_seconds=info["table_seconds"],
        seconds=info["seconds"],
    )


def _question_rows(questions: list[Any]) -> str:
    """The questions as a VALUES list (id, type, number of options) for the SQL below."""
    return ", ".join(
        f"({q.pk}, '{q.question_type}', {max(1, len(q.choices or []))})" for q in questions
    )


# A question's answer in SQL, from the row's and the question's ids (deterministic, varied).
ANSWER_SQL = """
    CASE q.kind WHEN 'text' THEN %(text)s ELSE '' END,
    CASE q.kind
        WHEN 'scale' THEN to_jsonb(1 + ({row} + q.id) %% 5)
        WHEN 'yes_no' THEN to_jsonb(({row} + q.id) %% 3 > 0)
        WHEN 'single_choice' THEN jsonb_build_array(({row} + q.id) %% q.n)
        WHEN 'multiple_choice' THEN jsonb_build_array(0, 1 %% q.n)
    END
"""


def sample_version(talk: Any) -> None:
    """Give the sample talk's agreed version its own content, as record_send freezes it."""
    from samtal.talks.models import Agreement, RecordVersion
    from samtal.talks.record import content_hash, record_content

    record = talk.record
    content = record_content(record)
    digest = content_hash(content)
    RecordVersion.objects.filter(pk=record.agreed_version_id).update(
        content=content, content_hash=digest
    )
    Agreement.objects.filter(version_id=record.agreed_version_id).update(content_hash=digest)


def _answers(
    loader: Loader,
    questions: Questions,
    round_id: int,
    rng: random.Random,
    prepared: list[tuple],
    answer_model: Any,
    note_model: Any,
) -> None:
    """Preparation answers of the talks booked or later: the employee answers about seven
    in ten questions (shared in seven talks of ten), the manager prepares half the talks."""
    talk = "talks_talk"
    for questions_, author, condition in (
        (questions.employee_prep, "t.employee_id", "(t.id * 31 + q.id * 17) %% 10 < 7"),
        (questions.manager_prep, "t.manager_id", "t.id %% 2 = 0"),
    ):
        loader.execute(
            answer_model,
            f"""
            INSERT INTO {answer_model._meta.db_table}
                (created_at, updated_at, talk_id, question_id, author_id, text, value,
                 shared_at, revision)
            SELECT t.starts_at - interval '3 days', t.starts_at - interval '3 days', t.id, q.id,
                   {author}, {ANSWER_SQL.format(row="t.id")},
                   CASE WHEN t.id %% 10 < 7 THEN t.starts_at - interval '2 days' END, 1
            FROM {talk} t CROSS JOIN (VALUES {_question_rows(questions_)}) AS q(id, kind, n)
            WHERE t.round_id = %(round)s AND t.status IN ('booked', 'held', 'agreed')
              AND {condition}
            """,
            {"round": round_id, "text": LOREM},
        )
    loader.copy(
        note_model,
        (
            {"talk_id": t[0], "author_id": t[3], "text": "Egna anteckningar inför samtalet."}
            for t in prepared
            if rng.random() < 0.3
        ),
    )


def _records(
    loader: Loader,
    questions: Questions,
    held: list[tuple],
    round_id: int,
    rng: random.Random,
    models_: tuple[Any, Any, Any, Any],
) -> None:
    record_model, entry_model, version_model, agreement_model = models_
    record_ids = loader.ids(record_model, len(held))
    # An agreed record's one version has the record's id (the database is fresh).
    version_ids = {r: r for r, t in zip(record_ids, held, strict=True) if t[4] == "agreed"}
    loader.copy(
        record_model,
        (
            {
                "id": record_id,
                "talk_id": talk[0],
                "state": "agreed" if record_id in version_ids else "writing",
                "current_version_id": version_ids.get(record_id),
                "agreed_version_id": version_ids.get(record_id),
                "passed_on": "Behov av kompetensutveckling i projektledning."
                if rng.random() < 0.2
                else "",
                "created_at": talk[5],
                "updated_at": talk[5],
                "revision": 3,
            }
            for record_id, talk in zip(record_ids, held, strict=True)
        ),
    )
    # The note-taker writes about four questions in ten (entries exist only once written).
    loader.execute(
        entry_model,
        f"""
        INSERT INTO {entry_model._meta.db_table}
            (created_at, updated_at, record_id, question_id, text, value, updated_by_id, revision)
        SELECT r.created_at, r.created_at, r.id, q.id, {ANSWER_SQL.format(row="r.id")},
               t.manager_id, 1
        FROM {record_model._meta.db_table} r
        JOIN talks_talk t ON t.id = r.talk_id
        CROSS JOIN (VALUES {_question_rows(questions.record)}) AS q(id, kind, n)
        WHERE t.round_id = %(round)s AND (r.id * 7 + q.id * 13) %% 10 < 4
        """,
        {"round": round_id, "text": LOREM},
    )
    # The frozen version of an agreed record. Its 18 kB of JSON (every shared question in both
    # languages) cost about a millisecond a row to parse into jsonb, an hour at full size, so
    # the generated versions of a round share one content, parsed once, with the names left
    # out; `sample_version` writes the sample talk's own. The size on disk is the same.
    from samtal.talks.record import content_hash

    content = {
        "talk": None,
        "employee": "",
        "manager": "",
        "held_on": "",
        "note_taker": "manager",
        "note_taker_name": "",
        "passed_on": "",
        "sections": questions.sections,
    }
    with loader.connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS scale_content (j jsonb, h text) ON COMMIT DROP;"
            "TRUNCATE scale_content"
        )
        cursor.execute(
            "INSERT INTO scale_content VALUES (%s::jsonb, %s)",
            [json.dumps(content, ensure_ascii=False), content_hash(content)],
        )
    params = {"round": round_id}
    loader.execute(
        version_model,
        f"""
        INSERT INTO {version_model._meta.db_table}
            (id, record_id, number, content, content_hash, created_by_id, created_at,
             voided_at, is_correction)
        SELECT r.id, r.id, 1, c.j, c.h, t.manager_id, t.starts_at + interval '2 days', NULL,
               false
        FROM {record_model._meta.db_table} r JOIN talks_talk t ON t.id = r.talk_id
        CROSS JOIN scale_content c
        WHERE t.round_id = %(round)s AND r.state = 'agreed'
        """,
        params,
    )
    loader.execute(
        agreement_model,
        f"""
        INSERT INTO {agreement_model._meta.db_table}
            (version_id, party, person_id, content_hash, agreed_at, voided_at)
        SELECT v.id, p.party, CASE p.party WHEN 'manager' THEN t.manager_id
                                          ELSE t.employee_id END,
               v.content_hash, v.created_at + interval '1 day', NULL
        FROM {version_model._meta.db_table} v
        JOIN {record_model._meta.db_table} r ON r.id = v.record_id
        JOIN talks_talk t ON t.id = r.talk_id
        CROSS JOIN (VALUES ('manager'), ('employee')) AS p(party)
        WHERE t.round_id = %(round)s
        """,
        params,
    )


# The history rows of a talk in each status: (action, status it is written for, days before
# the talk, who acted).
HISTORY_STEPS = [
    ("talk_offered", ("offered", "declined", "cancelled", "booked", "held", "agreed"), None, None),
    ("talk_declined", ("declined",), None, "employee"),
    ("talk_cancelled", ("cancelled",), None, "manager"),
    ("talk_booked", ("booked", "held", "agreed"), 14, "manager"),
    ("talk_accepted", ("booked", "held", "agreed"), 12, "employee"),
    ("talk_held", ("held", "agreed"), 0, "manager"),
    ("record_agreed", ("agreed",), -3, "employee"),
]


def _history(loader: Loader, model: Any, content_type_id: int, round_id: int) -> None:
    for action, statuses, days_before, actor in HISTORY_STEPS:
        when = (
            "t.created_at + interval '10 days'"
            if days_before is None
            else f"t.starts_at - interval '{days_before} days'"
        )
        if action == "talk_offered":
            when = "t.created_at"
        actor_sql = {
            None: "NULL",
            "employee": "(SELECT user_id FROM organisation_person WHERE id = t.employee_id)",
            "manager": "(SELECT user_id FROM organisation_person WHERE id = t.manager_id)",
        }[actor]
        loader.execute(
            model,
            f"""
            INSERT INTO {model._meta.db_table}
                (content_type_id, object_id, actor_id, action, changes, created_at)
            SELECT %(ct)s, t.id::text, {actor_sql}, %(action)s, '{{}}'::jsonb, {when}
            FROM talks_talk t
            WHERE t.round_id = %(round)s AND t.status = ANY(%(statuses)s)
            """,
            {
                "ct": content_type_id,
                "action": action,
                "statuses": list(statuses),
                "round": round_id,
            },
        )


def _workenv(
    loader: Loader,
    held: list[tuple],
    rng: random.Random,
    categories: list[str],
    severities: list[str],
    year: int,
    today: dt.date,
    models_: tuple[Any, Any, Any, Any, Any],
) -> None:
    observation_model, action_model, action_status, routine_categories, matrix = models_
    raised = [t for t in held if rng.random() < 0.33]
    rows = []
    for talk_id, _employee, unit_id, _manager, _status, starts_at in raised:
        for category in rng.sample(categories, rng.randint(1, 2)):
            routine = category in routine_categories
            row = {
                "unit_id": unit_id,
                "talk_id": talk_id,
                "raised_by": rng.choice(["employee", "manager"]),
                "category": category,
                "description": "" if routine else "Hög arbetsbelastning under terminsstart.",
                "severity": "" if routine else rng.choice(severities),
                "description_may_leave": not routine and rng.random() < 0.3,
                "handed_on": routine,
                "observed_on": starts_at.date(),
                "created_at": starts_at,
                "updated_at": starts_at,
            }
            if not routine and rng.random() < 0.7:
                likelihood, consequence = rng.randint(1, 4), rng.randint(1, 4)
                row |= {
                    "likelihood": likelihood,
                    "consequence": consequence,
                    "risk_level": matrix[likelihood - 1][consequence - 1],
                    "assessed_at": starts_at + dt.timedelta(days=10),
                }
            rows.append(row)
    ids = loader.ids(observation_model, len(rows))
    for observation_id, row in zip(ids, rows, strict=True):
        row["id"] = observation_id
    loader.copy(observation_model, rows)
    statuses = list(action_status.values)
    actions = []
    for row in rows:
        if "assessed_at" not in row or rng.random() < 0.2:
            continue
        due = row["observed_on"] + dt.timedelta(days=rng.randint(30, 200))
        status = rng.choice(statuses) if due >= today or year == today.year else "done"
        actions.append(
            {
                "observation_id": row["id"],
                "unit_id": row["unit_id"],
                "what": "Se över bemanningen under terminsstart",
                "responsible_other": "Prefekten",
                "due_on": due,
                "cost": Decimal(rng.choice([0, 5000, 20000])),
                "status": status,
                "outcome": "Följt upp" if status in ("done", "not_effective") else "",
                "created_at": row["assessed_at"],
                "updated_at": row["assessed_at"],
            }
        )
    loader.copy(action_model, actions)


def setup_django(tmp: Path, *, create: bool = True) -> tuple[str, str | None]:
    """Point Django at the throw-away database SCALE_DB (created afresh and migrated unless
    `create` is false, to measure data generated before)."""
    if create:
        label, admin_url = org.prepare_database(tmp, SCALE_DB)
    else:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(os.environ.get("DATABASE_URL", ""))
        if not parts.scheme.startswith("postgres"):
            sys.exit("The scale data is on PostgreSQL: set DATABASE_URL.")
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{SCALE_DB}"))
        admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        label = f"PostgreSQL ({parts.hostname}, database {SCALE_DB})"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # do not keep every query in memory
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if create:
        call_command("migrate", verbosity=0)
    return label, admin_url


def use_database(name: str) -> None:
    """Switch Django's connection to the database `name` on the same server."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, connections

    connections.close_all()
    connection.settings_dict["NAME"] = name
    ContentType.objects.clear_cache()


def fresh_database(admin_url: str | None, name: str) -> None:
    """Create the database `name` afresh, switch to it and migrate it."""
    import psycopg
    from django.core.management import call_command

    assert admin_url is not None
    use_database(name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def drop(admin_url: str | None, name: str = SCALE_DB) -> None:
    if admin_url:
        from django.db import connections

        connections.close_all()
        org.drop_database(admin_url, name)


def report(sample: Sample) -> list[str]:
    lines = ["| step | seconds |", "|---|---|"]
    lines += [f"| {name} | {value:.1f} |" for name, value in sample.seconds.items()]
    lines += ["", "| table | rows written | seconds |", "|---|---|---|"]
    lines += [
        f"| {name} | {count:,} | {sample.table_seconds.get(name, 0):.1f} |"
        for name, count in sorted(sample.counts.items())
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        label, admin_url = setup_django(Path(folder))
        print(f"Database: {label}")
        try:
            sample = generate(args.people, args.years, Path(folder))
            print("\n".join(report(sample)))
        finally:
            if not args.keep_db:
                drop(admin_url)


if __name__ == "__main__":
    main()
