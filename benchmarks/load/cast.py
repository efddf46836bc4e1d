"""The organisation the load test runs against, and its cast: who the locust users are.

`build` (Django set up, an empty migrated database) imports the organisation that
benchmarks/import_people.py generates, launches a round over all of it this autumn with the
functions of benchmarks/rounds.py, and then puts the round where it is in the busy weeks, in
bulk: most talks booked at a time in the coming weeks, the cast's talks booked earlier today
(so they can be marked as held now), every email of the launch already sent, and every user
given one known password (hashed once with the production hasher).

The cast pairs real managers with `reports` of their real reports who manage nobody, so each
locust user is a distinct person and the employee who agrees a record is the one its manager
wrote it with.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import rounds  # noqa: E402  (benchmarks/rounds.py, after the path set-up)


@dataclass
class CastEmployee:
    email: str
    person: int
    talk: int


@dataclass
class CastManager:
    email: str
    person: int
    reports: list[CastEmployee]


@dataclass
class Cast:
    password: str
    round: int
    people: int
    talks: int
    booked: int
    hr: list[str] = field(default_factory=list)
    managers: list[CastManager] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Cast:
        data = json.loads(path.read_text(encoding="utf-8"))
        managers = [
            CastManager(m["email"], m["person"], [CastEmployee(**r) for r in m.get("reports", [])])
            for m in data.pop("managers")
        ]
        return cls(**data, managers=managers)

    @property
    def talk_ids(self) -> list[int]:
        return [r.talk for m in self.managers for r in m.reports]


# --- the database ------------------------------------------------------------------------------


def database_urls(server_url: str, name: str) -> tuple[str, str]:
    """The URL of database `name` on the server of `server_url`, and of its `postgres`
    database (to create and drop it). PostgreSQL only: the load test measures production."""
    parts = urlsplit(server_url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(
            f"The load test runs on PostgreSQL; DATABASE_URL is {parts.scheme or 'not set'}."
        )
    return (
        urlunsplit(parts._replace(path=f"/{name}")),
        urlunsplit(parts._replace(scheme="postgresql", path="/postgres")),
    )


def database_create(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the organisation -------------------------------------------------------------------------


def build(
    *,
    people: int,
    tmp: Path,
    managers: int,
    reports: int,
    hr_users: int,
    password: str,
    seed: int = 2027,
) -> Cast:
    """The organisation, its launched and partly booked round, and the cast."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from samtal.accounts.models import User
    from samtal.core.models import OutgoingEmail
    from samtal.talk_templates.builtin import default_template_install
    from samtal.talks.models import Talk
    from samtal.talks.services import round_launch

    version = default_template_install(actor=None)
    _seconds, root = rounds.build(people, tmp)
    hr = [rounds.hr_user(f"load-{i}") for i in range(1, hr_users + 1)]
    round_ = rounds.make_round(
        f"Utvecklingssamtal hösten {timezone.localdate().year}", root, version
    )
    round_launch(round_=round_, actor=hr[0])

    cast = _choose_cast(round_, managers=managers, reports=reports, seed=seed)
    cast_talks = [r.talk for m in cast for r in m.reports]
    with connection.cursor() as cursor:
        # The weeks before: six talks in ten booked at a time in the coming weeks (working
        # hours, Stockholm), half of those accepted; the rest still waiting to be booked.
        cursor.execute(
            """
            UPDATE talks_talk SET
              status = 'booked',
              starts_at = (date_trunc('day', now() AT TIME ZONE 'Europe/Stockholm')
                           + (1 + id %% 40) * interval '1 day'
                           + (8 + id %% 8) * interval '1 hour') AT TIME ZONE 'Europe/Stockholm',
              place = 'Rum ' || (1 + id %% 30)::text,
              response = CASE WHEN id %% 2 = 0 THEN 'accepted' ELSE 'pending' END,
              revision = revision + 1
            WHERE round_id = %s AND id %% 10 < 6 AND NOT (id = ANY(%s))
            """,
            [round_.pk, cast_talks],
        )
        # The cast's talks were booked for earlier today: the manager can mark them held.
        # Half the employees have not answered the invitation yet.
        cursor.execute(
            """
            UPDATE talks_talk SET
              status = 'booked',
              starts_at = now() - interval '2 hours',
              place = 'Samtalsrummet',
              response = CASE WHEN id %% 2 = 0 THEN 'accepted' ELSE 'pending' END,
              revision = revision + 1
            WHERE id = ANY(%s)
            """,
            [cast_talks],
        )
    # The offers went out when the round was launched, weeks ago.
    OutgoingEmail.objects.update(status=OutgoingEmail.Status.SENT, sent_at=timezone.now())
    # One hash for everyone, with the production hasher: logging in costs what it costs.
    User.objects.update(password=make_password(password))
    talks = Talk.objects.filter(round=round_)
    return Cast(
        password=password,
        round=round_.pk,
        people=people,
        talks=talks.count(),
        booked=talks.filter(status="booked").count(),
        hr=[u.email for u in hr],
        managers=cast,
    )


def _choose_cast(round_: Any, *, managers: int, reports: int, seed: int) -> list[CastManager]:
    """`managers` managers, each with `reports` of their reports who manage nobody and have a
    talk with them in the round; chosen at random (seeded) across the organisation."""
    from samtal.organisation.models import Person
    from samtal.talks.models import Talk

    manager_ids = set(
        Person.objects.filter(manager__isnull=False).values_list("manager_id", flat=True)
    )
    by_manager: dict[int, list[tuple[int, int, str]]] = {}
    rows = (
        Talk.objects.filter(round=round_, employee__is_active=True)
        .order_by("manager_id", "employee_id")
        .values_list("manager_id", "employee_id", "pk", "employee__user__email")
    )
    for manager_id, employee_id, talk_id, email in rows:
        if employee_id not in manager_ids:
            by_manager.setdefault(manager_id, []).append((employee_id, talk_id, email))
    eligible = sorted(m for m, talks in by_manager.items() if len(talks) >= reports)
    rng = random.Random(seed)
    chosen = rng.sample(eligible, min(managers, len(eligible)))
    emails = dict(Person.objects.filter(pk__in=chosen).values_list("pk", "user__email"))
    return [
        CastManager(
            emails[m],
            m,
            [CastEmployee(email, person, talk) for person, talk, email in by_manager[m][:reports]],
        )
        for m in chosen
    ]
