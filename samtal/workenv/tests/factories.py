"""Work-environment data for tests, made through the services (so permissions, history and
revisions behave as in the product)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from samtal.organisation.models import Person, Unit
from samtal.plans.tests.factories import held_record
from samtal.talks.models import Talk
from samtal.workenv import services
from samtal.workenv.models import Action, Observation
from samtal.workenv.services import ActionData, ObservationData


def held_talk(employee: Person) -> Talk:
    """A talk of `employee` with their manager, held yesterday."""
    return held_record(employee).talk


def observation(
    talk: Talk,
    *,
    by: str = "employee",
    category: str = "workload",
    description: str = "Too many courses this term.",
    severity: str = "high",
    may_leave: bool = False,
    question_id: int | None = None,
) -> Observation:
    """An observation raised in `talk` by its employee (or its manager, `by="manager"`)."""
    actor = (talk.employee if by == "employee" else talk.manager).user
    routine = category in ("victimisation", "discrimination")
    return services.observation_raise(
        actor=actor,
        talk=talk,
        data=ObservationData(
            category=category,
            description="" if routine else description,
            severity="" if routine else severity,
            description_may_leave=may_leave,
            question_id=question_id,
        ),
    )


def outside_risk(
    unit: Unit, manager: Person, *, category: str = "physical", severity: str = "medium"
) -> Observation:
    """A risk the unit's manager found outside the talks."""
    return services.risk_add(
        actor=manager.user,
        unit=unit,
        data=ObservationData(
            category=category, description="Poor lighting in the lab.", severity=severity
        ),
    )


def assess(
    item: Observation, manager: Person, *, likelihood: int = 3, consequence: int = 3
) -> Observation:
    item.refresh_from_db()
    return services.risk_assess(
        actor=manager.user,
        observation=item,
        likelihood=likelihood,
        consequence=consequence,
        no_action_reason="",
        revision=item.revision,
    )


def action(
    item: Observation,
    manager: Person,
    *,
    due_in_days: int = 30,
    responsible: Person | None = None,
    what: str = "Review the course allocation.",
    **extra: Any,
) -> Action:
    """An action for an assessed risk (assessed here first if it is not yet)."""
    item.refresh_from_db()
    if item.assessed_at is None:
        item = assess(item, manager)
    return services.action_add(
        actor=manager.user,
        observation=item,
        data=ActionData(
            what=what,
            due_on=timezone.localdate() + dt.timedelta(days=due_in_days),
            responsible_id=(responsible or manager).pk,
            cost=extra.pop("cost", Decimal(5000)),
            **extra,
        ),
    )
