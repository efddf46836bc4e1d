"""The demo's work environment, added by `manage.py load_demo` after the plans demo.

- The employer's contacts for victimisation, harassment and discrimination.
- Last year's talks in the demo manager's team raised observations: workload for most of the
  department (so the safety representative's overview has cells of at least K people),
  clarity of priorities, working hours, leadership, a physical matter and one matter of
  victimisation handed on according to the routine. Some employees let the description
  leave the talk. They were registered over the last months, so that the overview's default
  period (the last twelve months) holds them.
- The manager has assessed most of them: an action done, one in progress, one overdue, a
  documented reason for no action; a risk found at a safety round outside the talks has an
  action that was not effective and a new one replacing it. One observation waits for its
  assessment.

Safe to run again: nothing is added once the team's talks have observations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from samtal.organisation.models import Person, Unit
from samtal.talks.models import Talk, TalkStatus
from samtal.workenv.models import (
    Action,
    ActionStatus,
    Observation,
    Party,
    SupportContact,
    WorkenvPolicy,
)

DEMO_MANAGER = "mats.engstrom@demo.samtal.se"

CONTACTS = [
    (
        "HR-avdelningen",
        "The HR office",
        "hr@demo.samtal.se, 090-786 50 00. Tar emot anmälningar och utreder enligt rutinen.",
        "hr@demo.samtal.se, +46 90 786 50 00. Receives reports and investigates under the routine.",
        "mailto:hr@demo.samtal.se",
    ),
    (
        "Företagshälsovården",
        "Occupational health service",
        "Stöd och samtal, även anonymt: 090-786 60 00.",
        "Support and counselling, also anonymously: +46 90 786 60 00.",
        "tel:+46907866000",
    ),
    (
        "Huvudskyddsombudet",
        "The chief safety representative",
        "Kan följa med dig och bevaka att ärendet utreds.",
        "Can go with you and see to it that the matter is investigated.",
        "",
    ),
]

# Per talk of last year's round (the department's own people first): (category, severity,
# description, may leave the talk). Routine categories keep no description or severity.
# Workload and clarity are each raised by at least K people with the same severity, so the
# annual follow-up shows those figures; the rest stay hidden, as in any small unit.
OBSERVATIONS: list[list[tuple[str, str, str, bool]]] = [
    [
        ("workload", "medium", "Undervisningen har ökat utan att forskningstiden minskat.", True),
        ("clarity", "medium", "Oklart vad som ska prioriteras mellan kurserna.", False),
    ],
    [("workload", "medium", "Många parallella projekt under hösten.", False)],
    [
        ("workload", "medium", "Handledning av tre doktorander utöver full undervisning.", True),
        ("hours", "medium", "Arbetar ofta kvällar inför kursstarter.", False),
    ],
    [
        ("workload", "medium", "Ansökningsperioden tar mycket tid.", False),
        ("clarity", "medium", "Vill veta vem som beslutar om kursansvar.", False),
    ],
    [
        ("workload", "medium", "Hög belastning i perioder, men hanterbar.", False),
        ("clarity", "medium", "Prioriteringarna ändras under terminen.", True),
        ("physical", "medium", "Dålig arbetsbelysning i kontorsrummet.", True),
    ],
    [
        ("workload", "medium", "Administrationen kring kurserna har ökat.", False),
        ("victimisation", "", "", False),
    ],
    [
        ("clarity", "medium", "Otydligt uppdrag i det nya projektet.", False),
        ("hours", "low", "Svårt att ta ut kompledighet.", False),
    ],
    [("workload", "medium", "Ensam kursansvarig för två stora kurser.", False)],
    [
        ("clarity", "medium", "Beslut om gruppens inriktning dröjer.", False),
        ("leadership", "low", "Önskar fler gemensamma möten i gruppen.", True),
    ],
]


@dataclass
class WorkenvDemoResult:
    contacts_created: int
    observations_created: int


def workenv_demo_load(*, today: dt.date | None = None) -> WorkenvDemoResult:
    today = today or timezone.localdate()
    with transaction.atomic():
        WorkenvPolicy.current()
        contacts = _contacts()
        observations = _observations(today)
    return WorkenvDemoResult(contacts_created=contacts, observations_created=observations)


def _contacts() -> int:
    created = 0
    for position, (name_sv, name_en, details_sv, details_en, url) in enumerate(CONTACTS):
        _contact, made = SupportContact.objects.get_or_create(
            name_sv=name_sv,
            defaults={
                "name_en": name_en,
                "details_sv": details_sv,
                "details_en": details_en,
                "url": url,
                "position": position,
            },
        )
        created += made
    return created


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _observations(today: dt.date) -> int:
    manager = Person.objects.filter(user__email=DEMO_MANAGER).select_related("user").first()
    if manager is None:
        return 0
    # The department's own people first: its register gets the assessed risks.
    talks = sorted(
        Talk.objects.filter(manager=manager, round__isnull=False, status=TalkStatus.AGREED)
        .select_related("employee")
        .order_by("employee_id"),
        key=lambda talk: talk.unit_id != manager.unit_id,
    )
    if not talks or Observation.objects.filter(talk__in=talks).exists():
        return 0
    user = manager.user
    made: dict[tuple[int, str], Observation] = {}
    created = 0
    for index, talk in enumerate(talks):
        for number, (category, severity, text, may_leave) in enumerate(
            OBSERVATIONS[index % len(OBSERVATIONS)]
        ):
            observed = today - dt.timedelta(days=150 - 12 * index - number)
            made[(index, category)] = Observation.objects.create(
                unit_id=talk.unit_id,
                talk=talk,
                raised_by=Party.EMPLOYEE if number % 2 == 0 else Party.MANAGER,
                category=category,
                description=text,
                severity=severity,
                description_may_leave=may_leave,
                handed_on=not severity,
                observed_on=observed,
                created_by=talk.employee.user if number % 2 == 0 else user,
            )
            created += 1

    def assessed(observation: Observation, likelihood: int, consequence: int, **extra: str) -> None:
        observation.likelihood, observation.consequence = likelihood, consequence
        observation.risk_level = WorkenvPolicy.current().risk_level(likelihood, consequence)
        observation.assessed_at = _at(observation.observed_on + dt.timedelta(days=7))
        observation.assessed_by = user
        observation.no_action_reason = extra.get("reason", "")
        observation.save()

    def action(
        observation: Observation,
        what: str,
        due: dt.date,
        *,
        responsible: Person | None = manager,
        other: str = "",
        cost: Decimal | None = None,
        status: str = ActionStatus.OPEN,
        outcome: str = "",
        replaces: Action | None = None,
    ) -> Action:
        closed = status in (ActionStatus.DONE, ActionStatus.NOT_EFFECTIVE)
        return Action.objects.create(
            observation=observation,
            unit_id=observation.unit_id,
            what=what,
            responsible=responsible,
            responsible_other=other,
            due_on=due,
            cost=cost,
            follow_up_on=due + dt.timedelta(days=30),
            status=status,
            outcome=outcome,
            followed_up_at=_at(due + dt.timedelta(days=30)) if closed else None,
            followed_up_by=user if closed else None,
            replaces=replaces,
            created_by=user,
        )

    workload = made.get((0, "workload"))
    if workload is not None:
        assessed(workload, 3, 3)
        action(
            workload,
            "Se över fördelningen av undervisning och forskningstid inför nästa termin.",
            today - dt.timedelta(days=75),
            status=ActionStatus.DONE,
            outcome="Undervisningen omfördelad; uppföljning i gruppen visar lägre belastning.",
        )
    clarity = made.get((0, "clarity"))
    if clarity is not None:
        assessed(clarity, 3, 2)
        action(
            clarity,
            "Månatligt prioriteringsmöte för kurserna i institutionens ledningsgrupp.",
            today + dt.timedelta(days=12),
            status=ActionStatus.IN_PROGRESS,
        )
    hours = made.get((2, "hours"))
    if hours is not None:
        assessed(
            hours,
            2,
            2,
            reason="Tillfällig topp inför kursstarten; följs upp vid nästa avstämning.",
        )
    physical = made.get((4, "physical"))
    if physical is not None:
        assessed(physical, 3, 2)
        action(
            physical,
            "Ergonomigenomgång av arbetsplatserna med företagshälsovården.",
            today - dt.timedelta(days=18),
            other="Företagshälsovården",
            responsible=None,
            cost=Decimal(8000),
        )
    # A risk found at the spring safety round, outside the talks.
    department = Unit.objects.filter(pk=manager.unit_id).first()
    if department is not None:
        ventilation = Observation.objects.create(
            unit=department,
            raised_by=Party.UNIT,
            category="physical",
            description=(
                "Skyddsronden: dålig ventilation i datorsalen, för varmt på eftermiddagarna."
            ),
            severity="high",
            observed_on=today - dt.timedelta(days=140),
            created_by=user,
        )
        created += 1
        assessed(ventilation, 4, 2)
        first = action(
            ventilation,
            "Justera ventilationens inställningar i datorsalen.",
            today - dt.timedelta(days=110),
            other="Lokalförsörjningen",
            responsible=None,
            cost=Decimal(5000),
            status=ActionStatus.NOT_EFFECTIVE,
            outcome="Fortfarande över 27 °C vid mätning i augusti.",
        )
        action(
            ventilation,
            "Installera kylaggregat i datorsalen.",
            today + dt.timedelta(days=40),
            other="Lokalförsörjningen",
            responsible=None,
            cost=Decimal(120000),
            replaces=first,
        )
    return created
