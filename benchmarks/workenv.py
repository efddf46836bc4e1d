"""Time the work-environment (SAM) pages on a large organisation.

    DEBUG=true .venv/bin/python benchmarks/workenv.py [--people 100000] [--repeat 20]

Builds the organisation of import_people.py on a throw-away database (as rounds.py), gives
every active person a held talk this year, and about a third of them one or two observations
over the last twelve months (random categories and severities, a few routine matters handed
on, some with the description allowed to leave the talk), plus a risk found outside the talks
in every tenth unit. About two thirds of the risks are assessed, most of those with an action
(open, in progress, done, not effective; some overdue). All in bulk. Then it measures with
Django's test client (p50/p95 server time over `--repeat` requests, and the SQL queries of one
request):

- the SAM overview for the whole organisation and for one faculty (HR, aggregates only),
- the annual follow-up of one faculty (page, CSV and PDF),
- a manager's unit register.

A ten times smaller organisation is measured first to show that the query counts do not grow
with the organisation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from plans import empty_database, run_sizes  # noqa: E402  (after the path set-up)
from rounds import build, hr_user, time_page  # noqa: E402


def make_observations(*, seed: int = 7) -> tuple[int, int, float]:
    """A held talk for every active person and observations for about a third; returns
    (observations, actions, seconds)."""
    from django.db import transaction
    from django.utils import timezone

    from samtal.organisation.models import Person, Unit
    from samtal.talk_templates.builtin import default_template_install
    from samtal.talks.models import Talk, TalkStatus
    from samtal.workenv.models import (
        DEFAULT_RISK_MATRIX,
        ROUTINE_CATEGORIES,
        Action,
        ActionStatus,
        Category,
        Observation,
        Party,
        Severity,
    )

    rng = random.Random(seed)
    started = time.perf_counter()
    today = timezone.localdate()
    version = default_template_install(actor=None)
    people = list(
        Person.objects.filter(is_active=True, manager__isnull=False).values_list(
            "pk", "unit_id", "manager_id"
        )
    )
    categories = list(Category.values)
    severities = list(Severity.values)
    statuses = list(ActionStatus.values)
    held = timezone.now() - dt.timedelta(days=60)
    with transaction.atomic():
        Talk.objects.bulk_create(
            [
                Talk(
                    kind=Talk.Kind.EXTRA,
                    template_version=version,
                    employee_id=pk,
                    manager_id=manager_id,
                    unit_id=unit_id,
                    status=TalkStatus.HELD,
                    starts_at=held,
                    held_at=held,
                )
                for pk, unit_id, manager_id in people
            ],
            batch_size=5000,
        )
        talks = dict(Talk.objects.values_list("employee_id", "pk"))
        observations = []
        for pk, unit_id, _manager_id in people:
            if rng.random() >= 0.33:
                continue
            for category in rng.sample(categories, rng.randint(1, 2)):
                routine = category in ROUTINE_CATEGORIES
                observations.append(
                    Observation(
                        unit_id=unit_id,
                        talk_id=talks[pk],
                        raised_by=rng.choice([Party.EMPLOYEE, Party.MANAGER]),
                        category=category,
                        description="" if routine else "Bench observation",
                        severity="" if routine else rng.choice(severities),
                        description_may_leave=not routine and rng.random() < 0.3,
                        handed_on=routine,
                        observed_on=today - dt.timedelta(days=rng.randint(0, 360)),
                    )
                )
        units = list(Unit.objects.values_list("pk", flat=True))
        for unit_id in units[::10]:
            observations.append(
                Observation(
                    unit_id=unit_id,
                    raised_by=Party.UNIT,
                    category=Category.PHYSICAL,
                    description="Bench risk from a safety round",
                    severity=rng.choice(severities),
                    observed_on=today - dt.timedelta(days=rng.randint(0, 360)),
                )
            )
        assessed_at = timezone.now() - dt.timedelta(days=30)
        for observation in observations:
            if rng.random() < 0.66:
                observation.likelihood = rng.randint(1, 4)
                observation.consequence = rng.randint(1, 4)
                observation.risk_level = DEFAULT_RISK_MATRIX[observation.likelihood - 1][
                    observation.consequence - 1
                ]
                observation.assessed_at = assessed_at
        Observation.objects.bulk_create(observations, batch_size=5000)
        managers = dict(Person.objects.filter(is_active=True).values_list("unit_id", "pk"))
        actions = []
        for observation_id, unit_id in Observation.objects.filter(
            assessed_at__isnull=False
        ).values_list("pk", "unit_id"):
            if rng.random() < 0.2:
                continue
            status = rng.choice(statuses)
            actions.append(
                Action(
                    observation_id=observation_id,
                    unit_id=unit_id,
                    what="Bench action",
                    responsible_id=managers.get(unit_id),
                    responsible_other="" if unit_id in managers else "Facilities",
                    due_on=today + dt.timedelta(days=rng.randint(-120, 120)),
                    cost=Decimal(rng.choice([0, 5000, 20000])),
                    status=status,
                    outcome="Followed up"
                    if status in (ActionStatus.DONE, ActionStatus.NOT_EFFECTIVE)
                    else "",
                )
            )
        Action.objects.bulk_create(actions, batch_size=5000)
    return len(observations), len(actions), time.perf_counter() - started


def measure(people: int, repeat: int, tmp: Path) -> list[str]:
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from samtal.organisation.models import Person
    from samtal.workenv.models import Observation

    seconds_import, root = build(people, tmp)
    observations, actions, seconds_data = make_observations()
    year = timezone.localdate().year
    client = Client()
    client.force_login(hr_user(f"workenv-{people}"))
    overview = reverse("workenv:overview")
    faculty = root.children.order_by("pk").first()
    assert faculty is not None
    pages = [
        time_page(client, "SAM overview (organisation)", overview, repeat),
        time_page(client, "SAM overview, one faculty", f"{overview}?unit={faculty.pk}", repeat),
    ]
    for fmt_name, url in (
        (
            "annual follow-up, one faculty",
            reverse("workenv:annual_detail", args=[faculty.pk, year]),
        ),
        (
            "annual follow-up CSV, one faculty",
            reverse("workenv:annual_export", args=[faculty.pk, year, "csv"]),
        ),
        (
            "annual follow-up PDF, one faculty",
            reverse("workenv:annual_export", args=[faculty.pk, year, "pdf"]),
        ),
    ):
        pages.append(time_page(client, fmt_name, url, repeat))
    # The manager of the unit with the most observations.
    busiest = Observation.objects.values("unit_id").annotate(n=Count("id")).order_by("-n").first()
    assert busiest is not None
    manager = (
        Person.objects.filter(reports__unit_id=busiest["unit_id"], reports__is_active=True)
        .order_by("pk")
        .first()
    )
    assert manager is not None
    client.force_login(manager.user)
    pages.append(
        time_page(
            client,
            f"unit register ({busiest['n']} risks)",
            f"{reverse('workenv:register')}?unit={busiest['unit_id']}&year=all",
            repeat,
        )
    )
    lines = [
        f"### {people} people",
        "",
        f"- import of the organisation: {seconds_import:.1f} s",
        f"- a held talk each, {observations} observations and risks, {actions} actions: "
        f"{seconds_data:.1f} s",
        "",
        "| page | SQL queries | p50 ms | p95 ms |",
        "|---|---|---|---|",
    ]
    lines += [f"| {p.name} | {p.queries} | {p.p50_ms:.0f} | {p.p95_ms:.0f} |" for p in pages]
    return [*lines, ""]


def empty_workenv() -> None:
    from samtal.talks.models import Talk
    from samtal.workenv.models import Action, AnnualFollowUp, Observation

    Action.objects.all().delete()
    Observation.objects.all().delete()
    AnnualFollowUp.objects.all().delete()
    Talk.objects.all().delete()
    empty_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep-db", action="store_true")
    run_sizes(parser.parse_args(), measure, empty_workenv)


if __name__ == "__main__":
    main()
