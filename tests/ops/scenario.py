"""What the operations tests prepare and check through the ORM and the services (this process
shares the database with the app processes it starts)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from samtal.accounts.models import User
from samtal.core.models import OutgoingEmail
from samtal.organisation.demo import DEMO_DOMAIN
from samtal.organisation.models import Unit
from samtal.talk_templates.default_template import DEFAULT_TEMPLATE
from samtal.talk_templates.models import TemplateVersion, VersionStatus
from samtal.talks import services
from samtal.talks.models import Round, Talk
from samtal.talks.services import RoundData

HR_EMAIL = f"helena.berglund@{DEMO_DOMAIN}"
_names = itertools.count(1)


def user(email: str) -> User:
    return User.objects.get(email=email)


def published_version() -> TemplateVersion:
    version = (
        TemplateVersion.objects.filter(
            template__key=DEFAULT_TEMPLATE["key"], status=VersionStatus.PUBLISHED
        )
        .order_by("-number")
        .first()
    )
    assert version is not None, "load_demo publishes the default template"
    return version


def generated_root() -> Unit:
    return Unit.objects.get(code="UNI")


def generated_subtrees() -> list[Unit]:
    """The generated organisation's top units below its root: disjoint groups of people."""
    return list(Unit.objects.filter(parent__code="UNI").order_by("code"))


def round_create(*, label: str, units: list[Unit], deadline: dt.date) -> Round:
    today = timezone.localdate()
    return services.round_create(
        actor=user(HR_EMAIL),
        data=RoundData(
            name=f"Ops {label} {next(_names)}",
            year=deadline.year,
            template_version=published_version(),
            units=units,
            include_subunits=True,
            employment_categories=[],
            start_date=today,
            deadline=deadline,
        ),
    )


def round_launched(*, label: str, units: list[Unit], deadline: dt.date) -> Round:
    """A round launched by HR through the service, as the launch task does it; its emails are
    queued and drains enqueued for the workers."""
    round_ = round_create(label=label, units=units, deadline=deadline)
    services.round_launch(round_=round_, actor=user(HR_EMAIL))
    round_.refresh_from_db()
    return round_


def round_email_ids(round_: Round) -> list[int]:
    """The offer to each employee and the summary to each manager."""
    talk_ids = list(Talk.objects.filter(round=round_).values_list("id", flat=True))
    offers = [f"talk:{talk_id}:offered" for talk_id in talk_ids]
    return list(
        OutgoingEmail.objects.filter(
            Q(key__in=offers) | Q(key__startswith=f"round:{round_.pk}:launch:")
        ).values_list("id", flat=True)
    )


def statuses(ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in OutgoingEmail.objects.filter(pk__in=ids).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def all_finished(ids: list[int]) -> bool:
    return not OutgoingEmail.objects.filter(
        pk__in=ids, status__in=[OutgoingEmail.Status.PENDING, OutgoingEmail.Status.SENDING]
    ).exists()


def race(*calls: Callable[[], Any]) -> tuple[list[Any], float]:
    """Run the calls in threads released together by a barrier; their results and how long
    they all were in flight together (seconds, 0 if they did not overlap)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=60)
            started = time.monotonic()
            results[index] = call()
            spans[index] = (started, time.monotonic())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]
    overlap = min(end for _s, end in spans) - max(start for start, _e in spans)
    return results, max(0.0, overlap)
