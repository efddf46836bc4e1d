"""Rows for the annual follow-up's tests, made directly (the services are tested elsewhere):
many people, talks, observations and actions at chosen dates and states."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from samtal.organisation.models import Person, Unit
from samtal.organisation.tests.factories import PersonFactory
from samtal.talk_templates.models import TemplateVersion
from samtal.talks.models import Round, Talk, TalkStatus
from samtal.talks.tests.factories import RoundFactory, published_version
from samtal.workenv.models import ROUTINE_CATEGORIES, Action, ActionStatus, Observation

TODAY = timezone.localdate()
YEAR = TODAY.year
SECRET = "Secret detail only the talk may know"


def moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def staff(unit: Unit, manager: Person, n: int, **extra: object) -> list[Person]:
    return [PersonFactory(unit=unit, manager=manager, **extra) for _ in range(n)]


def round_of(year: int, units: list[Unit]) -> Round:
    return RoundFactory(year=year, units=units)


def talk(
    employee: Person,
    *,
    round_: Round | None = None,
    version: TemplateVersion | None = None,
    status: str = TalkStatus.HELD,
    held_on: dt.date | None = None,
) -> Talk:
    """A talk of `employee` with their manager: in `round_`, else an extra talk."""
    held = status in (TalkStatus.HELD, TalkStatus.AGREED)
    return Talk.objects.create(
        kind=Talk.Kind.ROUND if round_ else Talk.Kind.EXTRA,
        round=round_,
        template_version=round_.template_version if round_ else (version or published_version()),
        employee=employee,
        manager=employee.manager,  # type: ignore[misc]  # the tests' people have one
        unit=employee.unit,
        status=status,
        held_at=moment(held_on or TODAY) if held else None,
    )


def observed(
    where: Talk | Unit,
    *,
    category: str = "workload",
    severity: str = "high",
    on: dt.date | None = None,
    withdrawn: bool = False,
    assessed: str = "",
) -> Observation:
    """An observation raised by the employee in a talk, or a risk found outside the talks
    when `where` is a unit. `assessed` is a risk level."""
    routine = category in ROUTINE_CATEGORIES
    in_talk = where if isinstance(where, Talk) else None
    return Observation.objects.create(
        unit_id=in_talk.unit_id if in_talk else where.pk,
        talk=in_talk,
        raised_by="employee" if in_talk else "unit",
        category=category,
        description="" if routine else SECRET,
        severity="" if routine else severity,
        handed_on=routine,
        observed_on=on or TODAY,
        withdrawn_at=timezone.now() if withdrawn else None,
        risk_level=assessed,
        likelihood=2 if assessed else None,
        consequence=2 if assessed else None,
        assessed_at=timezone.now() if assessed else None,
    )


def acted(
    observation: Observation,
    *,
    status: str = ActionStatus.OPEN,
    due_on: dt.date | None = None,
    created_on: dt.date | None = None,
    followed_up_on: dt.date | None = None,
) -> Action:
    """An action on `observation`; a done or not effective one is followed up today unless
    `followed_up_on` says when."""
    closed = status in (ActionStatus.DONE, ActionStatus.NOT_EFFECTIVE)
    action = Action.objects.create(
        observation=observation,
        unit_id=observation.unit_id,
        what="Hire a named consultant",
        responsible_other="The head of department",
        due_on=due_on or TODAY + dt.timedelta(days=30),
        status=status,
        outcome="Went well" if closed else "",
        followed_up_at=moment(followed_up_on or TODAY) if closed else None,
    )
    if created_on is not None:
        Action.objects.filter(pk=action.pk).update(created_at=moment(created_on))
    return action
