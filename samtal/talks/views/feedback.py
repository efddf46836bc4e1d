"""Upward feedback: what employees answered about how the talk went and about leadership,
shown only as aggregates over at least K respondents (DESIGN.md's privacy table).

The manager sees their own feedback per round; HR sees, for a round in their scope, how many
answered per manager (cells under K and their complements hidden) and the distribution over
the whole scope when that total may be shown. Nothing is shown before the round's evaluation
closes, so a figure never changes after it was shown (a change would tell who answered late).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from samtal.accounts.permissions import get_roles
from samtal.core.anonymity import threshold
from samtal.talks import selectors
from samtal.talks.content_selectors import (
    rounds_with_feedback_for_manager,
    upward_feedback_for_hr,
    upward_feedback_for_manager,
)
from samtal.talks.permissions import can_manage_rounds


@require_GET
def manager_feedback(request: HttpRequest) -> HttpResponse:
    roles = get_roles(request.user)
    if roles.person_id is None:
        raise PermissionDenied
    rounds = list(rounds_with_feedback_for_manager(manager_id=roles.person_id))
    # A former manager still sees the rounds in which they held talks.
    if not roles.is_manager and not rounds:
        raise PermissionDenied
    selected = rounds[0] if rounds else None
    if "round" in request.GET:
        selected = next((r for r in rounds if str(r.pk) == request.GET["round"]), None)
        if selected is None:
            raise Http404
    report = (
        upward_feedback_for_manager(manager_id=roles.person_id, round_=selected)
        if selected is not None
        else None
    )
    return render(
        request,
        "talks/manager_feedback.html",
        {"rounds": rounds, "selected": selected, "report": report, "k": threshold()},
    )


@require_GET
def round_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    roles = get_roles(request.user)
    if not can_manage_rounds(roles):
        raise PermissionDenied
    round_ = selectors.round_get(roles=roles, pk=pk)
    if round_ is None:
        raise Http404
    scope = upward_feedback_for_hr(roles=roles, round_=round_)
    return render(
        request,
        "talks/round_feedback.html",
        {
            "round": round_,
            "report": scope.report,
            "managers": scope.managers,
            "any_hidden": any(row.suppressed for row in scope.managers),
            "k": scope.report.k,
        },
    )
