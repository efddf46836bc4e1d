"""The demo's rooms and its prepared (not yet launched) round, added by `manage.py load_demo`.

Safe to run again: rooms and the round are matched by name and left as they are if present,
so a round HR has launched in the demo stays launched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from samtal.organisation.models import Unit
from samtal.talk_templates.default_template import DEFAULT_TEMPLATE
from samtal.talk_templates.models import TemplateVersion, VersionStatus
from samtal.talks.models import Room, Round

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
    return TalksDemoResult(
        rooms_created=rooms_created, round_name=name, round_created=round_created
    )
