"""Rounds, talks and rooms for tests. `published_version()` is a small publishable template."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from samtal.talk_templates.models import TemplateVersion, VersionStatus
from samtal.talk_templates.tests.factories import make_draft
from samtal.talks.models import Room, Round, Talk, TalkStatus


def published_version(key: str | None = None) -> TemplateVersion:
    version = make_draft(key)
    TemplateVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Room {n}")
    location = "House A, floor 2"


class RoundFactory(factory.django.DjangoModelFactory):
    """A draft round over `units` (pass units=[...]); launch it with services.round_launch."""

    class Meta:
        model = Round
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Utvecklingssamtal {n}")
    year = 2027
    template_version = factory.LazyFunction(published_version)
    start_date = factory.LazyFunction(lambda: timezone.localdate())
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))

    @factory.post_generation
    def units(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.units.set(extracted)


class TalkFactory(factory.django.DjangoModelFactory):
    """An extra talk (no round) between `employee` and their manager, offered."""

    class Meta:
        model = Talk

    kind = Talk.Kind.EXTRA
    template_version = factory.LazyFunction(published_version)
    employee = None
    manager = factory.LazyAttribute(lambda o: o.employee.manager)
    unit = factory.LazyAttribute(lambda o: o.employee.unit)
    status = TalkStatus.OFFERED
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


def booked_talk(employee: Any, *, days_ahead: int = 7, **extra: Any) -> Talk:
    """A talk booked `days_ahead` days from now at 10:00 local time, waiting for an answer."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    return TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=starts,
        place=extra.pop("place", "Room Tallen"),
        response="pending",
        **extra,
    )
