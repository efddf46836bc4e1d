"""The demo's rooms and its prepared (not yet launched) round, added by `manage.py load_demo`.

Safe to run again: rooms and the round are matched by name and left as they are if present,
so a round HR has launched in the demo stays launched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from samtal.organisation.models import Person, Unit
from samtal.talk_templates.default_template import DEFAULT_TEMPLATE
from samtal.talk_templates.models import (
    AnsweredBy,
    Phase,
    Question,
    TemplateVersion,
    VersionStatus,
)
from samtal.talks.models import (
    Agreement,
    Answer,
    Party,
    Record,
    RecordEntry,
    RecordVersion,
    Room,
    Round,
    Talk,
    TalkStatus,
)
from samtal.talks.record import content_hash, record_content

DEMO_ROOMS = (
    ("Tallen", "Naturvetarhuset, plan 3"),
    ("Granen", "Naturvetarhuset, plan 4"),
    ("Björken", "MIT-huset, plan 2"),
)
DEMO_ROUND_UNIT = "TNF"


@dataclass
class TalksDemoResult:
    rooms_created: int
    round_name: str
    round_created: bool
    last_year_created: bool = False
    talk_today_created: bool = False


def talks_demo_load(*, today: dt.date | None = None) -> TalksDemoResult:
    today = today or timezone.localdate()
    with transaction.atomic():
        rooms_created = 0
        for name, location in DEMO_ROOMS:
            _room, created = Room.objects.get_or_create(name=name, defaults={"location": location})
            rooms_created += created
        year = today.year + 1 if today.month >= 9 else today.year
        name = f"Utvecklingssamtal {year}"
        version = (
            TemplateVersion.objects.filter(
                template__key=DEFAULT_TEMPLATE["key"], status=VersionStatus.PUBLISHED
            )
            .order_by("-number")
            .first()
        )
        round_created = False
        if version is not None and not Round.objects.filter(name=name).exists():
            round_ = Round.objects.create(
                name=name,
                year=year,
                template_version=version,
                include_subunits=True,
                start_date=today,
                deadline=today + dt.timedelta(days=75),
            )
            round_.units.set(Unit.objects.filter(code=DEMO_ROUND_UNIT))
            round_created = True
        last_year = _last_years_round(version, today) if version is not None else False
        talk_today = _talk_held_today(version) if version is not None else False
    return TalksDemoResult(
        rooms_created=rooms_created,
        round_name=name,
        round_created=round_created,
        last_year_created=last_year,
        talk_today_created=talk_today,
    )


DEMO_MANAGER = "mats.engstrom@demo.samtal.se"
DEMO_EMPLOYEE = "anna.lindqvist@demo.samtal.se"


def _last_years_round(version: TemplateVersion, today: dt.date) -> bool:
    """Last year's round for the demo manager's team: every talk held and its record agreed,
    and the team's evaluations of the talks, so that the manager's upward feedback (shown from
    K answers) and the employee's previous record have something to show."""

    manager = Person.objects.filter(user__email=DEMO_MANAGER).first()
    year = today.year if today.month >= 9 else today.year - 1
    name = f"Utvecklingssamtal {year}"
    if manager is None or Round.objects.filter(name=name).exists():
        return False
    start = dt.date(year - 1, 10, 1)
    round_ = Round.objects.create(
        name=name,
        year=year,
        template_version=version,
        start_date=start,
        deadline=dt.date(year, 1, 31),
        status=Round.Status.LAUNCHED,
        launch_count=1,
    )
    round_.units.set([manager.unit])
    listened = Question.objects.get(section__version=version, key="listened_to")
    enough_time = Question.objects.get(section__version=version, key="enough_time")
    reports = list(Person.objects.filter(manager=manager, is_active=True).order_by("pk"))
    for index, person in enumerate(reports):
        held = timezone.make_aware(
            dt.datetime.combine(start + dt.timedelta(days=14 + 3 * index), dt.time(10, 0))
        )
        talk = Talk.objects.create(
            round=round_,
            kind=Talk.Kind.ROUND,
            template_version=version,
            employee=person,
            manager=manager,
            unit=person.unit,
            deadline=round_.deadline,
            starts_at=held,
            place=DEMO_ROOMS[index % len(DEMO_ROOMS)][0],
            status=TalkStatus.HELD,
            response="accepted",
            held_at=held,
        )
        _agree_record(talk, index)
        Answer.objects.create(talk=talk, question=listened, author=person, value=3 + index % 3)
        Answer.objects.create(talk=talk, question=enough_time, author=person, value=index % 4 != 0)
    return True


def _agree_record(talk: Talk, index: int) -> None:
    """A short agreed record written by the manager, frozen and agreed by both as the
    services do it."""

    record = Record.objects.create(talk=talk, note_taker=Party.MANAGER)
    texts = [
        "Arbetsbelastningen har varit hög under våren men är nu rimlig.",
        "Vill gå en kurs i forskningsledning och handleda en doktorand.",
        "Trivs i gruppen; önskar tydligare prioriteringar mellan undervisning och forskning.",
    ]
    questions = Question.objects.filter(
        section__version=talk.template_version,
        section__phase=Phase.TALK,
        answered_by=AnsweredBy.RECORD,
        question_type="text",
    ).order_by("section__position", "position")[:3]
    for offset, question in enumerate(questions):
        RecordEntry.objects.create(
            record=record,
            question=question,
            text=texts[(index + offset) % len(texts)],
            updated_by=talk.manager,
        )
    record.passed_on = "Kursönskemålet kan lämnas vidare till fakultetens kompetensgrupp."
    content = record_content(record)
    version = RecordVersion.objects.create(
        record=record,
        number=1,
        content=content,
        content_hash=content_hash(content),
        created_by=talk.manager,
    )
    for party, person in ((Party.EMPLOYEE, talk.employee), (Party.MANAGER, talk.manager)):
        Agreement.objects.create(
            version=version, party=party, person=person, content_hash=version.content_hash
        )
    record.state = Record.State.AGREED
    record.current_version = record.agreed_version = version
    record.save()
    Talk.objects.filter(pk=talk.pk).update(status=TalkStatus.AGREED)


def _talk_held_today(version: TemplateVersion) -> bool:
    """An extra talk between the demo employee and manager that began an hour ago, so the
    demo can go from preparation to an agreed record at once (booking refuses past times)."""

    employee = Person.objects.filter(user__email=DEMO_EMPLOYEE).select_related("manager").first()
    if employee is None or employee.manager is None:
        return False
    if Talk.objects.filter(employee=employee, kind=Talk.Kind.EXTRA).exists():
        return False
    starts = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    Talk.objects.create(
        kind=Talk.Kind.EXTRA,
        template_version=version,
        employee=employee,
        manager=employee.manager,
        unit=employee.unit,
        request_message="Demo: ett samtal som redan har börjat, för att visa dokumentationen.",
        starts_at=starts,
        place=DEMO_ROOMS[0][0],
        status=TalkStatus.BOOKED,
        response="accepted",
    )
    return True
