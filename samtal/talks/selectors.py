"""Reads for rounds and talks. Every function returns only what the user may see, and the
page-sized ones run a fixed number of queries whatever the size of the organisation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samtal.accounts.permissions import Roles, path_in_scope, scope_q
from samtal.organisation.models import Person, Unit
from samtal.talk_templates.models import TemplateVersion, VersionStatus
from samtal.talks import permissions
from samtal.talks.models import OPEN_STATUSES, Response, Room, Round, Talk, TalkStatus

TALK_RELATED = ("employee__user", "manager__user", "unit", "room", "round", "template_version")


def talk_get(*, roles: Roles, pk: int) -> Talk | None:
    return (
        Talk.objects.filter(permissions.talks_visible_q(roles), pk=pk)
        .select_related(*TALK_RELATED, "template_version__template", "employee__manager")
        .first()
    )


def talks_of_employee(*, person_id: int) -> list[Talk]:
    """The employee's own talks, newest first ("Mina samtal")."""
    return list(
        Talk.objects.filter(employee_id=person_id)
        .select_related(*TALK_RELATED)
        .order_by("-created_at", "-id")
    )


def published_versions() -> QuerySet[TemplateVersion]:
    return (
        TemplateVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("template")
        .order_by("template__name_sv", "-number")
    )


def rooms_active() -> QuerySet[Room]:
    return Room.objects.filter(is_active=True)


def is_overdue(talk: Talk, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return talk.status in OPEN_STATUSES and talk.deadline is not None and talk.deadline < today


# The next step, from the point of view of who is looking. Returned as (text, is_own_step).
def next_step(talk: Talk, *, as_manager: bool) -> tuple[Any, bool]:
    status, response = talk.status, talk.response
    if status == TalkStatus.OFFERED:
        if as_manager:
            return _("Propose a time and place"), True
        return _("Wait for your manager to propose a time"), False
    if status == TalkStatus.BOOKED:
        if response == Response.CHANGE_REQUESTED:
            if as_manager:
                return _("Another time is asked for: propose a new time"), True
            return _("Wait for your manager's new time"), False
        if response == Response.PENDING:
            if as_manager:
                return _("Wait for the employee to accept the time"), False
            return _("Accept the time or ask for another"), True
        return _("Prepare for the talk"), True
    if status == TalkStatus.HELD:
        return _("Write and agree the record"), True
    if status == TalkStatus.AGREED:
        return _("Record agreed: follow up the plan"), False
    if status == TalkStatus.DECLINED:
        return _("Declined by the employee"), False
    return _("Cancelled"), False


@dataclass
class TeamRow:
    person: Person
    talk: Talk | None
    overdue: bool
    step: Any
    own_step: bool


def team_overview(*, person_id: int, today: date | None = None) -> list[TeamRow]:
    """Every active report with their latest talk with this manager (three queries)."""
    today = today or timezone.localdate()
    latest = (
        Talk.objects.filter(employee_id=OuterRef("pk"), manager_id=person_id)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    reports = list(
        Person.objects.filter(manager_id=person_id, is_active=True)
        .select_related("unit")
        .annotate(latest_talk=Subquery(latest))
        .order_by("last_name", "first_name")
    )
    talks = {
        talk.pk: talk
        for talk in Talk.objects.filter(
            pk__in=[r.latest_talk for r in reports if r.latest_talk]
        ).select_related("room", "round")
    }
    rows = []
    for person in reports:
        talk = talks.get(person.latest_talk) if person.latest_talk else None
        if talk is None:
            rows.append(TeamRow(person, None, False, _("No talk offered yet"), False))
            continue
        step, own = next_step(talk, as_manager=True)
        rows.append(TeamRow(person, talk, is_overdue(talk, today), step, own))
    rows.sort(key=lambda r: (not r.overdue, not r.own_step, r.person.last_name))
    return rows


def other_open_talks(*, person_id: int) -> QuerySet[Talk]:
    """Open talks this manager holds with people who are no longer their reports."""
    return (
        Talk.objects.filter(manager_id=person_id, status__in=OPEN_STATUSES)
        .exclude(employee__manager_id=person_id)
        .select_related("employee", "round")
    )


# --- rounds and coverage --------------------------------------------------------------------


def rounds_visible(*, roles: Roles) -> QuerySet[Round]:
    """Rounds with at least one unit in the HR scope."""
    if not roles.is_hr:
        return Round.objects.none()
    return (
        Round.objects.filter(scope_q(roles.hr_paths, field="units__path"))
        .distinct()
        .select_related("template_version__template")
    )


def round_get(*, roles: Roles, pk: int) -> Round | None:
    return rounds_visible(roles=roles).filter(pk=pk).first()


def round_talks(*, round_: Round, roles: Roles) -> QuerySet[Talk]:
    """The round's talks within the HR scope."""
    return Talk.objects.filter(scope_q(roles.hr_paths), round=round_)


COUNT_NAMES = ("offered", "booked", "held", "declined", "cancelled", "overdue")


def _counts(today: date) -> dict[str, Any]:
    return {
        # Declined counts as offered; a cancelled talk (e.g. the employee left) does not.
        "offered": Count("id", filter=~Q(status=TalkStatus.CANCELLED)),
        "booked": Count("id", filter=Q(status=TalkStatus.BOOKED)),
        # Held includes the talks whose record both have agreed since.
        "held": Count("id", filter=Q(status__in=(TalkStatus.HELD, TalkStatus.AGREED))),
        "declined": Count("id", filter=Q(status=TalkStatus.DECLINED)),
        "cancelled": Count("id", filter=Q(status=TalkStatus.CANCELLED)),
        "overdue": Count("id", filter=Q(status__in=OPEN_STATUSES, deadline__lt=today)),
    }


@dataclass
class CoverageRow:
    label: str
    unit: Unit | None = None
    manager_id: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    has_children: bool = False

    @property
    def waiting(self) -> int:
        """Offered and neither booked, held nor declined."""
        c = self.counts
        return c["offered"] - c["booked"] - c["held"] - c["declined"]

    @property
    def held_percent(self) -> int:
        return (
            round(100 * self.counts["held"] / self.counts["offered"])
            if self.counts["offered"]
            else 0
        )

    def add(self, counts: dict[str, int]) -> None:
        for name in COUNT_NAMES:
            self.counts[name] += counts[name]


@dataclass
class UnitCoverage:
    parent: Unit | None
    rows: list[CoverageRow]
    total: CoverageRow
    breadcrumbs: list[Unit]


def round_unit_coverage(
    *, round_: Round, roles: Roles, parent: Unit | None = None, today: date | None = None
) -> UnitCoverage:
    """Coverage rolled up to the units one level below `parent` (or the top units in scope).

    One GROUP BY in the database gives the counts per unit; the roll-up to the shown level
    walks the unit paths in memory (one row per unit with talks, never per talk).
    """
    today = today or timezone.localdate()
    per_unit = list(
        round_talks(round_=round_, roles=roles)
        .values("unit_id", "unit__path")
        .annotate(**_counts(today))
        .order_by()
    )
    prefix = parent.path if parent else ""
    buckets: dict[int, CoverageRow] = {}
    total = CoverageRow(label=str(_("Total")))
    for row in cast(list[dict[str, Any]], per_unit):
        path = row["unit__path"]
        if not path.startswith(prefix):
            continue
        counts = {name: row[name] for name in COUNT_NAMES}
        total.add(counts)
        rest = path[len(prefix) :].strip("/").split("/") if parent else path.strip("/").split("/")
        if parent:
            if path == prefix:
                key, deeper = parent.pk, False
            else:
                key, deeper = int(rest[0]), len(rest) > 1
        else:
            key, deeper = _top_in_scope(path, roles, round_)
        bucket = buckets.setdefault(key, CoverageRow(label=""))
        bucket.add(counts)
        bucket.has_children = bucket.has_children or deeper
    units = Unit.objects.in_bulk(list(buckets))
    rows = []
    for key, bucket in buckets.items():
        bucket.unit = units.get(key)
        bucket.label = bucket.unit.name if bucket.unit else "?"
        if parent and key == parent.pk:
            bucket.label = str(_("%(unit)s (directly)") % {"unit": bucket.label})
            bucket.has_children = False
        rows.append(bucket)
    rows.sort(key=lambda r: r.label)
    crumbs = (
        list(Unit.objects.filter(pk__in=_path_ids(parent.path)).order_by("depth")) if parent else []
    )
    return UnitCoverage(parent=parent, rows=rows, total=total, breadcrumbs=crumbs)


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _top_in_scope(path: str, roles: Roles, round_: Round) -> tuple[int, bool]:
    """The first unit on `path` inside the viewer's scope: the unit shown at the top level."""
    ids = _path_ids(path)
    for depth, unit_id in enumerate(ids):
        prefix = "/" + "/".join(str(i) for i in ids[: depth + 1]) + "/"
        if path_in_scope(prefix, roles.hr_paths) and depth >= _min_depth(roles):
            return unit_id, depth < len(ids) - 1
    return ids[-1], False


def _min_depth(roles: Roles) -> int:
    """Org-wide HR starts at the root units; unit HR at their own units."""
    if "/" in roles.hr_paths:
        return 0
    return min(len(_path_ids(path)) for path in roles.hr_paths) - 1


def round_manager_coverage(
    *, round_: Round, roles: Roles, today: date | None = None
) -> QuerySet[Any]:
    """Counts per manager, those with most overdue talks first (paginate it)."""
    today = today or timezone.localdate()
    return (
        round_talks(round_=round_, roles=roles)
        .values("manager_id", "manager__first_name", "manager__last_name")
        .annotate(**_counts(today))
        .order_by(  # type: ignore[misc]  # django-stubs does not see the annotation
            "-overdue", "manager__last_name", "manager__first_name", "manager_id"
        )
    )


def round_totals(*, round_: Round, roles: Roles, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    return round_talks(round_=round_, roles=roles).aggregate(**_counts(today))


@dataclass
class TalkFilter:
    unit: Unit | None = None
    manager_id: int | None = None
    status: str = ""
    overdue: bool = False
    manager_changed: bool = False


def round_talk_list(
    *, round_: Round, roles: Roles, filters: TalkFilter, today: date | None = None
) -> QuerySet[Talk]:
    """The drill-down list behind a coverage cell (paginate it, or stream it to an export)."""
    today = today or timezone.localdate()
    talks = round_talks(round_=round_, roles=roles)
    if filters.unit is not None:
        talks = talks.filter(unit__path__startswith=filters.unit.path)
    if filters.manager_id is not None:
        talks = talks.filter(manager_id=filters.manager_id)
    if filters.status == TalkStatus.HELD:  # as counted: agreed talks were held too
        talks = talks.filter(status__in=(TalkStatus.HELD, TalkStatus.AGREED))
    elif filters.status:
        talks = talks.filter(status=filters.status)
    if filters.overdue:
        talks = talks.filter(status__in=OPEN_STATUSES, deadline__lt=today)
    if filters.manager_changed:
        talks = talks.filter(status__in=OPEN_STATUSES).exclude(employee__manager_id=F("manager_id"))
    return talks.select_related("employee__user", "manager", "unit", "room").order_by(
        "employee__last_name", "employee__first_name", "id"
    )


def round_without_manager(*, round_: Round, roles: Roles) -> QuerySet[Person]:
    """People in the round's scope who cannot be offered a talk (for HR to resolve)."""
    from samtal.talks.services import round_scope_people, without_manager_q

    return (
        round_scope_people(round_)
        .filter(without_manager_q())
        .filter(scope_q(roles.hr_paths))
        .select_related("unit", "manager")
    )


def round_manager_changed_count(*, round_: Round, roles: Roles) -> int:
    return (
        round_talks(round_=round_, roles=roles)
        .filter(status__in=OPEN_STATUSES)
        .exclude(employee__manager_id=F("manager_id"))
        .count()
    )


def units_for_round_form(*, roles: Roles) -> Iterable[Unit]:
    return Unit.objects.filter(scope_q(roles.hr_paths, field="path")).order_by("path")
