"""The demo's development plans, added by `manage.py load_demo` after the talks demo.

- The faculty and the demo manager's department publish their goals for this year and next.
- Each talk of last year's round (the demo manager's team) agreed a plan: a goal linked to a
  unit goal, activities and checkpoints, frozen into the agreed record as the services do.
  The year has followed them up: activities done, ongoing or dropped with a reason,
  checkpoints done with outcomes, one overdue and one coming up for the demo employee, so
  the next talk's preparation opens with the outcomes and reminders have something to send.
- Everyone else in the faculty has a plan added during the year, so that HR's competence
  needs have enough people per cell to show figures (and some cells small enough to hide).

Safe to run again: nothing is added for a person who already has a plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from samtal.organisation.models import Person, Unit
from samtal.plans.models import (
    ActivityStatus,
    ActivityType,
    Checkpoint,
    CheckpointStatus,
    DevelopmentPlan,
    GoalStatus,
    Horizon,
    PlanActivity,
    PlanGoal,
    Responsible,
    UnitGoal,
)
from samtal.talks.models import Agreement, Record, Talk
from samtal.talks.record import content_hash, record_content

FACULTY = "TNF"
DEMO_MANAGER = "mats.engstrom@demo.samtal.se"
DEMO_EMPLOYEE = "anna.lindqvist@demo.samtal.se"

UNIT_GOALS = {
    FACULTY: [
        (
            "Fler externt finansierade forskningsprojekt",
            "More externally funded research projects",
        ),
        (
            "Pedagogisk utveckling i grundutbildningen",
            "Teaching development in undergraduate education",
        ),
    ],
    "TNF-DV": [
        ("Stärkt handledning av doktorander", "Stronger supervision of doctoral students"),
        ("Gemensam kursutveckling inom AI", "Joint course development in AI"),
    ],
}

# (type, description sv, hours, cost) – the activities the demo draws from.
ACTIVITIES = [
    (ActivityType.COURSE, "Kurs i forskningsledning", Decimal("40"), Decimal("12000")),
    (ActivityType.COURSE, "Högskolepedagogisk kurs, 5 hp", Decimal("120"), Decimal("0")),
    (
        ActivityType.CONFERENCE,
        "Presentera vid en internationell konferens",
        Decimal("32"),
        Decimal("18000"),
    ),
    (ActivityType.MENTORING, "Mentorskap med en erfaren handledare", Decimal("20"), None),
    (
        ActivityType.STUDY_VISIT,
        "Studiebesök vid en samarbetande institution",
        Decimal("16"),
        Decimal("9000"),
    ),
    (ActivityType.METHOD, "Införa gemensam kodgranskning i gruppen", Decimal("24"), None),
    (ActivityType.ON_THE_JOB, "Leda ett delprojekt i ansökan till VR", Decimal("60"), None),
]


@dataclass
class PlansDemoResult:
    unit_goals_created: int
    plans_created: int


def plans_demo_load(*, today: dt.date | None = None) -> PlansDemoResult:
    today = today or timezone.localdate()
    with transaction.atomic():
        goals = _unit_goals(today)
        plans = _plans_from_last_years_talks(today)
        plans += _plans_during_the_year(today)
    return PlansDemoResult(unit_goals_created=goals, plans_created=plans)


def _unit_goals(today: dt.date) -> int:
    created = 0
    for code, titles in UNIT_GOALS.items():
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            continue
        for year in (today.year, today.year + 1):
            for title_sv, title_en in titles:
                _goal, made = UnitGoal.objects.get_or_create(
                    unit=unit,
                    year=year,
                    title_sv=title_sv,
                    defaults={
                        "title_en": title_en,
                        "status": UnitGoal.Status.PUBLISHED,
                        "published_at": timezone.now(),
                    },
                )
                created += made
    return created


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _plans_from_last_years_talks(today: dt.date) -> int:
    """The plan each of last year's agreed talks made, and the year's follow-up of it."""
    talks = list(
        Talk.objects.filter(
            manager__user__email=DEMO_MANAGER,
            round__isnull=False,
            record__agreed_version__isnull=False,
        )
        .select_related("employee__unit", "record__agreed_version", "round")
        .order_by("pk")
    )
    created = 0
    for index, talk in enumerate(talks):
        if DevelopmentPlan.objects.filter(person=talk.employee).exists():
            continue
        record = talk.record
        version = record.agreed_version
        assert version is not None
        held = timezone.localtime(talk.starts_at).date() if talk.starts_at else today
        # Both agreed to the record (and so to the plan) two days after the talk.
        agreed_at = _at(held + dt.timedelta(days=2))
        year = talk.round.year if talk.round else today.year
        plan = DevelopmentPlan.objects.create(person=talk.employee)
        DevelopmentPlan.objects.filter(pk=plan.pk).update(created_at=agreed_at)
        unit_goal = UnitGoal.objects.filter(unit__code="TNF-DV", year=year).order_by("pk").first()
        common = {"plan": plan, "origin_talk": talk, "agreed_at": agreed_at}
        goal = PlanGoal.objects.create(
            **common,
            text="Bli trygg som huvudhandledare för doktorander",
            unit_goal=unit_goal,
            horizon=Horizon.LONG,
        )
        first = ACTIVITIES[index % len(ACTIVITIES)]
        second = ACTIVITIES[(index + 3) % len(ACTIVITIES)]
        done = PlanActivity.objects.create(
            **common,
            goal=goal,
            activity_type=first[0],
            description=first[1],
            responsible=Responsible.EMPLOYEE,
            starts_on=dt.date(year, 2, 1),
            ends_on=dt.date(year, 5, 31),
            hours=first[2],
            cost=first[3],
        )
        other = PlanActivity.objects.create(
            **common,
            goal=goal,
            activity_type=second[0],
            description=second[1],
            responsible=Responsible.BOTH,
            starts_on=dt.date(year, 9, 1),
            ends_on=dt.date(year, 12, 15),
            hours=second[2],
            cost=second[3],
        )
        spring = Checkpoint.objects.create(
            **common,
            activity=done,
            due_on=held + dt.timedelta(days=150),
            topic="Hur gick kursen, och hur använder du det du lärt dig?",
        )
        autumn = Checkpoint.objects.create(
            **common,
            due_on=held + dt.timedelta(days=300),
            topic="Avstämning av planen inför nästa utvecklingssamtal",
        )
        # The year's follow-up, as the two parties recorded it.
        _follow_up(
            done,
            ActivityStatus.DONE,
            _at(dt.date(year, 6, 3)),
            outcome="Genomförd. Har börjat använda modellen för projektplanering i gruppen.",
        )
        if index % 3 == 0:
            _follow_up(
                other,
                ActivityStatus.DROPPED,
                _at(dt.date(year, 9, 20)),
                reason="Konferensen ställdes in; vi tar upp det igen i nästa samtal.",
            )
        else:
            _follow_up(other, ActivityStatus.ONGOING, _at(dt.date(year, 9, 10)))
        Checkpoint.objects.filter(pk=spring.pk).update(
            status=CheckpointStatus.DONE,
            completed_at=_at(spring.due_on - dt.timedelta(days=2)),
            outcome="Kursen är klar; nästa steg är att handleda en masteruppsats.",
        )
        if index % 2 == 0 and autumn.due_on < today:
            Checkpoint.objects.filter(pk=autumn.pk).update(
                status=CheckpointStatus.DONE,
                completed_at=_at(autumn.due_on + dt.timedelta(days=9)),
                outcome="Planen följer tidsplanen; handledningen tas upp i nästa samtal.",
            )
        if index % 2 == 0:
            PlanGoal.objects.filter(pk=goal.pk).update(
                status=GoalStatus.REACHED,
                status_changed_at=_at(dt.date(year, 10, 1)),
                outcome="Är nu biträdande handledare för två doktorander.",
            )
        if talk.employee.user.email == DEMO_EMPLOYEE:
            # One checkpoint overdue and one coming up, for the demo employee's start page.
            Checkpoint.objects.create(
                **common,
                due_on=today - dt.timedelta(days=4),
                topic="Har du fått tid att skriva konferensbidraget?",
            )
            Checkpoint.objects.create(
                **common,
                due_on=today + dt.timedelta(days=5),
                topic="Uppföljning: handledning av masterstudent",
            )
        _refreeze(record)
        created += 1
    return created


def _follow_up(
    activity: PlanActivity, status: str, when: dt.datetime, *, outcome: str = "", reason: str = ""
) -> None:
    PlanActivity.objects.filter(pk=activity.pk).update(
        status=status, status_changed_at=when, outcome=outcome, drop_reason=reason
    )


def _refreeze(record: Record) -> None:
    """The plan items were part of what both agreed: freeze the agreed version again with
    them (as record_send and record_agree would have), so its hash covers them."""
    version = record.agreed_version
    assert version is not None
    content = record_content(Record.objects.select_related("talk").get(pk=record.pk))
    digest = content_hash(content)
    type(version).objects.filter(pk=version.pk).update(content=content, content_hash=digest)
    Agreement.objects.filter(version=version).update(content_hash=digest)


def _plans_during_the_year(today: dt.date) -> int:
    """Plans for the rest of the faculty, added on the plan page during the year."""
    faculty = Unit.objects.filter(code=FACULTY).first()
    if faculty is None:
        return 0
    people = list(
        Person.objects.filter(unit__path__startswith=faculty.path, is_active=True)
        .select_related("plan")
        .order_by("pk")
    )
    created = 0
    start = _at(dt.date(today.year, 1, 20))
    for index, person in enumerate(people):
        if index % 7 == 6 or hasattr(person, "plan"):
            continue  # some have no plan: the equal-conditions share is not 100 %
        plan = DevelopmentPlan.objects.create(person=person)
        DevelopmentPlan.objects.filter(pk=plan.pk).update(created_at=start)
        common = {"plan": plan, "agreed_at": start}
        kind, text, hours, cost = ACTIVITIES[(index * 5) % len(ACTIVITIES)]
        status = [
            ActivityStatus.DONE,
            ActivityStatus.ONGOING,
            ActivityStatus.PLANNED,
            ActivityStatus.DONE,
        ][index % 4]
        PlanActivity.objects.create(
            **common,
            activity_type=kind,
            description=text,
            responsible=Responsible.EMPLOYEE,
            starts_on=dt.date(today.year, 3, 1),
            ends_on=dt.date(today.year, 11, 30),
            hours=hours,
            cost=cost,
            status=status,
            status_changed_at=start if status != ActivityStatus.PLANNED else None,
            outcome="Genomförd enligt plan." if status == ActivityStatus.DONE else "",
        )
        if index % 2 == 0:
            PlanActivity.objects.create(
                **common,
                activity_type=ActivityType.COURSE,
                description="Kurs i arbetsmiljö och systematiskt arbetsmiljöarbete",
                responsible=Responsible.EMPLOYEE,
                starts_on=dt.date(today.year, 4, 1),
                ends_on=dt.date(today.year, 4, 30),
                hours=Decimal("16"),
                cost=Decimal("4500"),
            )
        due = dt.date(today.year, 6, 15)
        Checkpoint.objects.create(
            **common,
            due_on=due,
            topic="Halvårsavstämning av planen",
            status=CheckpointStatus.DONE,
            completed_at=_at(due + dt.timedelta(days=index % 3 * 10)),
            outcome="Går enligt plan.",
        )
        created += 1
    return created
