"""Reads for the organisation. Each returns only what the user may see, filtered in the query."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from samtal.accounts.models import Role, RoleAssignment
from samtal.accounts.permissions import Roles, scope_q
from samtal.organisation.models import ImportRun, ManagerRelation, Person, Unit
from samtal.organisation.permissions import people_visible_q, units_visible_q


@dataclass
class UnitNode:
    unit: Unit
    children: list[UnitNode] = field(default_factory=list)


def unit_tree(*, roles: Roles) -> list[UnitNode]:
    """The visible units as a forest, each annotated with its active headcount. One query."""
    units = (
        Unit.objects.filter(units_visible_q(roles))
        .annotate(headcount=Count("people", filter=Q(people__is_active=True)))
        .order_by("path")
    )
    nodes: dict[int, UnitNode] = {}
    roots: list[UnitNode] = []
    for unit in units:
        node = UnitNode(unit)
        nodes[unit.pk] = node
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.unit.name)
    roots.sort(key=lambda n: n.unit.name)
    return roots


def unit_get(*, roles: Roles, code: str) -> Unit | None:
    if "\x00" in code:
        return None  # no code holds one, and PostgreSQL refuses to compare text with it
    return Unit.objects.filter(units_visible_q(roles), code=code).select_related("parent").first()


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def unit_children(*, unit: Unit) -> QuerySet[Unit]:
    return unit.children.annotate(
        headcount=Count("people", filter=Q(people__is_active=True))
    ).order_by("code")


def unit_safety_reps(*, unit: Unit) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(unit=unit, role=Role.SAFETY_REP).select_related(
        "user__person"
    )


def people_list(
    *,
    roles: Roles,
    query: str = "",
    unit: Unit | None = None,
    include_subunits: bool = True,
    category: str = "",
    status: str = "active",
) -> QuerySet[Person]:
    people = Person.objects.filter(people_visible_q(roles)).select_related(
        "unit", "manager", "user"
    )
    if query:
        terms = query.split()
        for term in terms:
            people = people.filter(
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(employee_number__iexact=term)
                | Q(user__email__icontains=term)
            )
    if unit is not None:
        people = (
            people.filter(unit__path__startswith=unit.path)
            if include_subunits
            else people.filter(unit=unit)
        )
    if category:
        people = people.filter(employment_category=category)
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "inactive":
        people = people.filter(is_active=False)
    elif status == "no_manager":
        people = people.filter(is_active=True, manager__isnull=True)
    return people.order_by("last_name", "first_name", "employee_number")


def people_visible(*, roles: Roles) -> QuerySet[Person]:
    """Everyone the user may see, active or not, unordered: for looking one person up."""
    return Person.objects.filter(people_visible_q(roles))


def person_get(*, roles: Roles, employee_number: str) -> Person | None:
    if "\x00" in employee_number:
        return None  # as in unit_get
    return (
        Person.objects.filter(people_visible_q(roles), employee_number=employee_number)
        .select_related("unit", "manager", "user")
        .first()
    )


def person_manager_history(*, person: Person) -> QuerySet[ManagerRelation]:
    return person.manager_history.select_related("manager").order_by("-valid_from", "-id")


def reports_of(*, person_id: int) -> QuerySet[Person]:
    return (
        Person.objects.filter(manager_id=person_id, is_active=True)
        .select_related("unit")
        .order_by("last_name", "first_name")
    )


@dataclass(frozen=True)
class OrganisationFigures:
    active_people: int
    units: int
    without_manager: int
    managers: int


def organisation_figures(*, roles: Roles) -> OrganisationFigures:
    """Headline counts for HR's start page, computed in the database."""
    people = Person.objects.filter(people_visible_q(roles), is_active=True)
    figures = people.aggregate(
        active=Count("id"),
        without_manager=Count("id", filter=Q(manager__isnull=True)),
    )
    managers = people.filter(reports__is_active=True).distinct().count()
    return OrganisationFigures(
        active_people=figures["active"],
        units=Unit.objects.filter(units_visible_q(roles)).count(),
        without_manager=figures["without_manager"],
        managers=managers,
    )


def recent_imports(*, limit: int = 10) -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("actor__person")[:limit]


def safety_rep_units(*, roles: Roles) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(scope_q(roles.safety_rep_paths, field="path"))
        .annotate(headcount=Count("people", filter=Q(people__is_active=True)))
        .order_by("path")
    )
