"""Plans for tests: a held talk with its record, unit goals, and plan items made through the
services (so history, revisions and agreement behave as in the product)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from samtal.organisation.models import Person, Unit
from samtal.plans import services
from samtal.plans.models import Checkpoint, PlanActivity, PlanGoal, UnitGoal
from samtal.plans.selectors import default_goal_year
from samtal.talks import record as rec
from samtal.talks import services as talk_services
from samtal.talks.models import Record
from samtal.talks.tests.factories import booked_talk


def held_record(employee: Person, *, note_taker: str = "manager", **extra: Any) -> Record:
    """A talk of `employee` with their manager, held yesterday, with its record open."""
    talk = booked_talk(employee, days_ahead=-1, **extra)
    talk = talk_services.talk_mark_held(
        talk=talk, actor=talk.manager.user, revision=talk.revision, note_taker=note_taker
    )
    return Record.objects.get(talk=talk)


def agree_record(record: Record) -> Record:
    """The note-taker sends the record and both parties agree to it."""
    talk = record.talk
    writer = talk.manager if record.note_taker == "manager" else talk.employee
    current = Record.objects.get(pk=record.pk)
    version = rec.record_send(record=current, actor=writer.user, revision=current.revision)
    for person in (talk.employee, talk.manager):
        rec.record_agree(
            record=Record.objects.get(pk=record.pk),
            actor=person.user,
            version_number=version.number,
            hash_=version.content_hash,
        )
    return Record.objects.get(pk=record.pk)


def unit_goal(
    unit: Unit, *, year: int | None = None, published: bool = True, **extra: Any
) -> UnitGoal:
    goal = UnitGoal.objects.create(
        unit=unit,
        year=year or default_goal_year(),
        title_sv=extra.pop("title_sv", "Fler publicerade artiklar"),
        title_en=extra.pop("title_en", "More published articles"),
        status=UnitGoal.Status.PUBLISHED if published else UnitGoal.Status.DRAFT,
        published_at=timezone.now() if published else None,
        **extra,
    )
    return goal


def add_goal(person: Person, actor: Any, text: str = "Lead a project", **kw: Any) -> PlanGoal:
    return services.goal_add(
        actor=actor, person=person, data=services.GoalData(text=text, **kw.pop("data", {})), **kw
    )


def add_activity(
    person: Person, actor: Any, description: str = "Project management course", **kw: Any
) -> PlanActivity:
    fields = {"activity_type": "course", "description": description, **kw.pop("data", {})}
    return services.activity_add(
        actor=actor, person=person, data=services.ActivityData(**fields), **kw
    )


def add_checkpoint(
    person: Person,
    actor: Any,
    *,
    days_ahead: int = 30,
    topic: str = "How is the course going?",
    **kw: Any,
) -> Checkpoint:
    due = timezone.localdate() + dt.timedelta(days=days_ahead)
    return services.checkpoint_add(
        actor=actor,
        person=person,
        data=services.CheckpointData(due_on=due, topic=topic, **kw.pop("data", {})),
        **kw,
    )
