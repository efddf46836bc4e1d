"""Time the development-plan pages on a large organisation.

    DEBUG=true .venv/bin/python benchmarks/plans.py [--people 100000] [--repeat 20]

Builds the organisation of import_people.py on a throw-away database (as rounds.py), gives
about 70 % of the people an agreed plan (one to three activities of random types and
statuses this year, one or two checkpoints, some done on time, some late, some overdue), in
bulk, then measures with Django's test client (p50/p95 server time over `--repeat`
requests, and the SQL queries of one request):

- HR's competence needs for the whole organisation and for one faculty (aggregates only),
- one employee's plan page, and a manager's plan follow-up of their team.

A ten times smaller organisation is measured first to show that the query counts do not grow
with the organisation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import import_people as org  # noqa: E402  (after the path set-up)
from rounds import build, hr_user, time_page  # noqa: E402


def make_plans(*, seed: int = 6) -> tuple[int, float]:
    """Agreed plans for ~70 % of the active people; returns (plans, seconds)."""
    from django.db import transaction
    from django.utils import timezone

    from samtal.organisation.models import Person
    from samtal.plans.models import (
        ActivityStatus,
        ActivityType,
        Checkpoint,
        CheckpointStatus,
        DevelopmentPlan,
        PlanActivity,
    )

    rng = random.Random(seed)
    started = time.perf_counter()
    today = timezone.localdate()
    agreed = timezone.now() - dt.timedelta(days=200)
    people = list(Person.objects.filter(is_active=True).values_list("pk", flat=True))
    chosen = [pk for pk in people if rng.random() < 0.7]
    types = list(ActivityType.values)
    statuses = [ActivityStatus.PLANNED, ActivityStatus.ONGOING, ActivityStatus.DONE]
    with transaction.atomic():
        DevelopmentPlan.objects.bulk_create(
            [DevelopmentPlan(person_id=pk) for pk in chosen], batch_size=5000
        )
        # The database holds only this organisation's plans.
        plans = dict(DevelopmentPlan.objects.values_list("person_id", "pk"))
        activities = []
        checkpoints = []
        for person_id in chosen:
            plan_id = plans[person_id]
            for _ in range(rng.randint(1, 3)):
                status = rng.choice(statuses)
                start = dt.date(today.year, rng.randint(1, 11), 1)
                activities.append(
                    PlanActivity(
                        plan_id=plan_id,
                        agreed_at=agreed,
                        activity_type=rng.choice(types),
                        description="Bench activity",
                        starts_on=start,
                        ends_on=start + dt.timedelta(days=rng.randint(1, 60)),
                        hours=Decimal(rng.randint(4, 120)),
                        cost=Decimal(rng.choice([0, 2000, 8000, 15000])),
                        status=status,
                        status_changed_at=agreed if status != ActivityStatus.PLANNED else None,
                    )
                )
            for _ in range(rng.randint(1, 2)):
                due = today + dt.timedelta(days=rng.randint(-200, 120))
                done = due < today and rng.random() < 0.7
                completed = due + dt.timedelta(days=rng.randint(-5, 20))
                checkpoints.append(
                    Checkpoint(
                        plan_id=plan_id,
                        agreed_at=agreed,
                        due_on=due,
                        topic="Bench checkpoint",
                        status=CheckpointStatus.DONE if done else CheckpointStatus.PLANNED,
                        completed_at=timezone.make_aware(
                            dt.datetime.combine(completed, dt.time(12))
                        )
                        if done
                        else None,
                        outcome="Done" if done else "",
                    )
                )
        PlanActivity.objects.bulk_create(activities, batch_size=5000)
        Checkpoint.objects.bulk_create(checkpoints, batch_size=5000)
    return len(chosen), time.perf_counter() - started


def measure(people: int, repeat: int, tmp: Path) -> list[str]:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from samtal.organisation.models import Person

    seconds_import, root = build(people, tmp)
    plans, seconds_plans = make_plans()
    user = hr_user(f"plans-{people}")
    client = Client()
    client.force_login(user)
    competence = reverse("plans:competence")
    year = timezone.localdate().year
    faculty = root.children.order_by("pk").first()
    pages = [
        time_page(client, "competence needs (organisation)", f"{competence}?year={year}", repeat),
        time_page(
            client,
            "competence needs, one faculty",
            f"{competence}?year={year}&unit={faculty.pk}",
            repeat,
        ),
    ]
    manager = (
        Person.objects.filter(reports__plan__isnull=False, is_active=True).order_by("pk").last()
    )
    assert manager is not None
    client.force_login(manager.user)
    pages.append(
        time_page(client, "plan follow-up (team)", reverse("plans:team_follow_up"), repeat)
    )
    employee = Person.objects.filter(plan__isnull=False).order_by("pk").last()
    assert employee is not None
    client.force_login(employee.user)
    pages.append(
        time_page(client, "plan page", reverse("plans:plan_detail", args=[employee.pk]), repeat)
    )
    lines = [
        f"### {people} people",
        "",
        f"- import of the organisation: {seconds_import:.1f} s",
        f"- {plans} agreed plans with activities and checkpoints: {seconds_plans:.1f} s",
        "",
        "| page | SQL queries | p50 ms | p95 ms |",
        "|---|---|---|---|",
    ]
    lines += [f"| {p.name} | {p.queries} | {p.p50_ms:.0f} | {p.p95_ms:.0f} |" for p in pages]
    return [*lines, ""]


def empty_database() -> None:
    """Remove the organisation and its plans so the next size starts from nothing."""
    from django.db import connection

    from samtal.accounts.models import User
    from samtal.core.models import HistoryEntry
    from samtal.organisation.models import ImportRun, ManagerRelation, Person, Unit
    from samtal.plans.models import Checkpoint, DevelopmentPlan, PlanActivity, PlanGoal

    Checkpoint.objects.all().delete()
    PlanActivity.objects.all().delete()
    PlanGoal.objects.all().delete()
    DevelopmentPlan.objects.all().delete()
    HistoryEntry.objects.all().delete()
    ManagerRelation.objects.all().delete()
    ImportRun.objects.all().delete()
    Person.objects.update(manager=None)
    Person.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    User.objects.filter(is_superuser=False).delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")


def run_sizes(
    args: argparse.Namespace,
    measure: Callable[[int, int, Path], list[str]],
    empty: Callable[[], None],
) -> None:
    """Measure a ten times smaller organisation, empty the database, measure the full size,
    and print both tables (the throw-away database is dropped unless --keep-db)."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        label, admin_url = org.prepare_database(tmp)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.DEBUG = False  # do not keep every query in memory
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("migrate", verbosity=0)
        print(f"Database: {label}")
        try:
            small = measure(max(100, args.people // 10), args.repeat, tmp)
            empty()
            large = measure(args.people, args.repeat, tmp)
            print("\n".join(small + large))
        finally:
            if admin_url and not args.keep_db:
                from django.db import connections

                connections.close_all()
                org.drop_database(admin_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep-db", action="store_true")
    run_sizes(parser.parse_args(), measure, empty_database)


if __name__ == "__main__":
    main()
