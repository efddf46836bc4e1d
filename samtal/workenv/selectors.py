"""Reads for the work environment. Access is in the query: a party gets the observations of
their talk, a manager the de-identified register of their units.

The register is handed to templates as `RegisterRow`s, never as observations: a row has no
talk, no author and no date finer than the month, and its description only when the employee
allowed it to leave the talk (or when the manager wrote it for a risk found outside the talks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from samtal.accounts.permissions import Roles
from samtal.organisation.models import Unit
from samtal.talks.models import Talk
from samtal.workenv.models import (
    OPEN_ACTION_STATUSES,
    Action,
    ActionStatus,
    Observation,
    Party,
    SupportContact,
)
from samtal.workenv.permissions import register_unit_ids, talk_party

# What of an observation the register may load at all.
REGISTER_FIELDS = (
    "id",
    "unit_id",
    "raised_by",
    "category",
    "description",
    "severity",
    "description_may_leave",
    "handed_on",
    "observed_on",
    "likelihood",
    "consequence",
    "risk_level",
    "no_action_reason",
    "assessed_at",
    "revision",
)


def talk_observations(*, roles: Roles, talk: Talk) -> list[Observation]:
    """The observations of `talk` for one of its parties (empty for anyone else), with their
    actions: the parties follow what became of what they raised."""
    if not talk_party(roles, talk):
        return []
    return list(
        Observation.objects.filter(talk=talk, withdrawn_at__isnull=True)
        .select_related("question")
        .prefetch_related(Prefetch("actions", queryset=Action.objects.order_by("due_on", "id")))
        .order_by("created_at", "id")
    )


def talk_observation(*, roles: Roles, pk: int) -> Observation:
    """One observation for a party of its talk; 404 for anyone else."""
    observation = (
        Observation.objects.select_related("talk", "unit")
        .filter(pk=pk, talk__isnull=False, withdrawn_at__isnull=True)
        .first()
    )
    if observation is None or not talk_party(roles, observation.talk):  # type: ignore[arg-type]
        raise Http404
    return observation


@dataclass
class RegisterAction:
    id: int
    what: str
    responsible: str
    due_on: date
    cost: Any
    follow_up_on: date | None
    status: str
    status_label: str
    outcome: str
    overdue: bool
    closed: bool
    replaced: bool
    revision: int


@dataclass
class RegisterRow:
    """One risk of the unit register, de-identified."""

    id: int
    unit_id: int
    from_talk: bool
    category: str
    category_label: str
    severity_label: str
    month: date  # the first of the month it was registered
    description: str | None  # None: stays in the talk
    handed_on: bool
    assessed: bool
    likelihood: int | None
    consequence: int | None
    risk_level: str
    risk_level_label: str
    no_action_reason: str
    revision: int
    actions: list[RegisterAction] = field(default_factory=list)

    @property
    def open_actions(self) -> int:
        return sum(1 for action in self.actions if not action.closed)

    @property
    def overdue_actions(self) -> int:
        return sum(1 for action in self.actions if action.overdue)

    @property
    def needs_decision(self) -> bool:
        """Assessed, but neither an action that is open or done nor a reason for none: no
        action yet, or only actions that were not effective and are not replaced."""
        if not self.assessed or self.no_action_reason or self.open_actions:
            return False
        return not self.actions or any(
            action.status == ActionStatus.NOT_EFFECTIVE and not action.replaced
            for action in self.actions
        )


def register_observations_q(*, roles: Roles, unit: Unit) -> QuerySet[Observation]:
    if unit.pk not in register_unit_ids(roles):
        raise Http404
    return Observation.objects.filter(unit=unit, withdrawn_at__isnull=True)


def _register_row(observation: Observation, actions: list[Action], today: date) -> RegisterRow:
    shows = observation.raised_by == Party.UNIT or observation.description_may_leave
    return RegisterRow(
        id=observation.pk,
        unit_id=observation.unit_id,
        from_talk=observation.raised_by != Party.UNIT,
        category=observation.category,
        category_label=observation.get_category_display(),
        severity_label=observation.get_severity_display() if observation.severity else "",
        month=observation.observed_on.replace(day=1),
        description=observation.description if shows else None,
        handed_on=observation.handed_on,
        assessed=observation.assessed_at is not None,
        likelihood=observation.likelihood,
        consequence=observation.consequence,
        risk_level=observation.risk_level,
        risk_level_label=observation.get_risk_level_display() if observation.risk_level else "",
        no_action_reason=observation.no_action_reason,
        revision=observation.revision,
        actions=[
            RegisterAction(
                id=action.pk,
                what=action.what,
                responsible=action.responsible_label,
                due_on=action.due_on,
                cost=action.cost,
                follow_up_on=action.follow_up_on,
                status=action.status,
                status_label=action.get_status_display(),
                outcome=action.outcome,
                overdue=action.is_overdue(today),
                closed=action.is_closed,
                replaced=action.pk in _replaced_ids(actions),
                revision=action.revision,
            )
            for action in actions
        ],
    )


def _replaced_ids(actions: list[Action]) -> set[int]:
    return {action.replaces_id for action in actions if action.replaces_id}


def unit_register(
    *, roles: Roles, unit: Unit, year: int | None = None, open_only: bool = False
) -> list[RegisterRow]:
    """The unit's risks and actions, de-identified, newest month first and the highest risk
    first within it. Two queries whatever the size of the unit."""
    today = timezone.localdate()
    observations = register_observations_q(roles=roles, unit=unit)
    if year is not None:
        observations = observations.filter(observed_on__year=year)
    rows = list(observations.only(*REGISTER_FIELDS).order_by("-observed_on", "id"))
    actions: dict[int, list[Action]] = {}
    for action in (
        Action.objects.filter(observation__in=[row.pk for row in rows])
        .select_related("responsible")
        .order_by("due_on", "id")
    ):
        actions.setdefault(action.observation_id, []).append(action)
    result = [_register_row(row, actions.get(row.pk, []), today) for row in rows]
    if open_only:
        result = [
            row for row in result if not row.assessed or row.open_actions or row.needs_decision
        ]
    level_order = {"high": 0, "medium": 1, "low": 2, "": 3}
    result.sort(key=lambda row: (-row.month.toordinal(), level_order[row.risk_level], row.id))
    return result


def register_observation(*, roles: Roles, pk: int) -> Observation:
    """One observation for the manager keeping its unit's register (404 otherwise), loaded
    with the register's fields only."""
    observation = (
        Observation.objects.filter(
            pk=pk, withdrawn_at__isnull=True, unit_id__in=register_unit_ids(roles)
        )
        .select_related("unit")
        .only(*REGISTER_FIELDS, "unit__path", "unit__name_sv", "unit__name_en", "unit__code")
        .first()
    )
    if observation is None:
        raise Http404
    return observation


def register_row(*, roles: Roles, pk: int) -> RegisterRow:
    observation = register_observation(roles=roles, pk=pk)
    actions = list(
        Action.objects.filter(observation=observation)
        .select_related("responsible")
        .order_by("due_on", "id")
    )
    return _register_row(observation, actions, timezone.localdate())


def register_action(*, roles: Roles, pk: int) -> Action:
    """One action for the manager keeping its unit's register; 404 otherwise."""
    action = (
        Action.objects.filter(pk=pk, unit_id__in=register_unit_ids(roles))
        .select_related("unit", "responsible")
        .first()
    )
    if action is None:
        raise Http404
    return action


def register_units(*, roles: Roles) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=register_unit_ids(roles)).order_by("path"))


def support_contacts() -> list[SupportContact]:
    return list(SupportContact.objects.all())


@dataclass
class RegisterSummary:
    """What waits for a manager in their units' registers, for the start page."""

    unassessed: int
    open_actions: int
    overdue_actions: int


def register_summary(*, roles: Roles) -> RegisterSummary | None:
    unit_ids = register_unit_ids(roles)
    if not unit_ids:
        return None
    today = timezone.localdate()
    unassessed = Observation.objects.filter(
        unit_id__in=unit_ids, withdrawn_at__isnull=True, assessed_at__isnull=True
    ).count()
    actions = Action.objects.filter(
        unit_id__in=unit_ids, status__in=OPEN_ACTION_STATUSES
    ).aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    return RegisterSummary(unassessed, actions["open"], actions["overdue"])


def responsible_open_actions(*, person_id: int | None) -> int:
    """Open actions the person is named responsible for."""
    if person_id is None:
        return 0
    return Action.objects.filter(responsible_id=person_id, status__in=OPEN_ACTION_STATUSES).count()
