"""“My actions”: the work-environment actions a person is named responsible for.

Only the action itself is shown (what, unit, dates, status): never the risk behind it, its
description, its talk or who raised it. Everyone logged in may open the page; someone
responsible for nothing sees an empty list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from samtal.accounts.permissions import get_roles
from samtal.workenv.models import OPEN_ACTION_STATUSES, Action

# Followed-up actions stay on the list this long, so the person sees what came of them.
CLOSED_SHOWN_DAYS = 365


@dataclass
class MyAction:
    id: int
    what: str
    unit: str
    due_on: date
    follow_up_on: date | None
    status: str
    status_label: str
    overdue: bool


def _my_actions(person_id: int | None) -> tuple[list[MyAction], list[MyAction]]:
    """(open, followed up) actions the person is responsible for; one query. Only the
    action's own fields are loaded: nothing of the observation behind it."""
    if person_id is None:
        return [], []
    today = timezone.localdate()
    since = timezone.now() - timedelta(days=CLOSED_SHOWN_DAYS)
    rows = (
        Action.objects.filter(responsible_id=person_id)
        .exclude(Q(followed_up_at__lt=since) & ~Q(status__in=OPEN_ACTION_STATUSES))
        .select_related("unit")
        .only(
            "id",
            "what",
            "due_on",
            "follow_up_on",
            "status",
            "followed_up_at",
            "unit__name_sv",
            "unit__name_en",
        )
        .order_by("due_on", "id")
    )
    open_rows: list[MyAction] = []
    closed_rows: list[MyAction] = []
    for action in rows:
        item = MyAction(
            id=action.pk,
            what=action.what,
            unit=action.unit.name,
            due_on=action.due_on,
            follow_up_on=action.follow_up_on,
            status=action.status,
            status_label=action.get_status_display(),
            overdue=action.is_overdue(today),
        )
        (open_rows if action.status in OPEN_ACTION_STATUSES else closed_rows).append(item)
    closed_rows.reverse()  # the latest due first
    return open_rows, closed_rows


@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    open_rows, closed_rows = _my_actions(get_roles(request.user).person_id)
    return render(
        request,
        "workenv/my_actions.html",
        {
            "open_actions": open_rows,
            "closed_actions": closed_rows,
            "overdue_count": sum(1 for row in open_rows if row.overdue),
        },
    )
