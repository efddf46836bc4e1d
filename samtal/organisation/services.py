"""Writes for the organisation: units, people, manager relations, imports, unit roles."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar, cast

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from samtal.accounts.models import Role, RoleAssignment, User
from samtal.core.selectors import in_chunks
from samtal.core.services import history_record, history_record_many
from samtal.organisation.importer import (
    FileFormatError,
    ImportPlan,
    PersonRow,
    RowError,
    UnitRow,
    parse_people_file,
    validate_rows,
)
from samtal.organisation.models import ImportRun, ManagerRelation, Person, Unit

T = TypeVar("T")
BATCH = 2000
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "unit_id",
    "employment_category",
    "career_stage",
    "gender",
    "employment_start",
    "employment_end",
    "is_active",
)
USER_FIELDS = ("email", "preferred_language", "is_active")


def unit_paths_rebuild() -> int:
    """Recompute `path` and `depth` of every unit from the parent links; returns how many changed.

    Units are few even in a large organisation (about one per ten people), so this reads them
    all once and writes back only the changed rows.
    """
    units = list(Unit.objects.only("id", "parent_id", "path", "depth"))
    by_id = {u.id: u for u in units}
    computed: dict[int, tuple[str, int]] = {}

    def compute(unit: Unit) -> tuple[str, int]:
        chain = []
        current: Unit | None = unit
        while current is not None and current.id not in computed:
            chain.append(current)
            current = by_id.get(current.parent_id) if current.parent_id else None
        base, depth = computed[current.id] if current is not None else ("/", -1)
        for node in reversed(chain):
            depth += 1
            base = f"{base}{node.id}/"
            computed[node.id] = (base, depth)
        return computed[unit.id]

    changed = []
    for unit in units:
        path, depth = compute(unit)
        if unit.path != path or unit.depth != depth:
            unit.path, unit.depth = path, depth
            changed.append(unit)
    _update_rows(changed, ["path", "depth"])
    return len(changed)


def person_set_manager(
    *, person: Person, manager: Person | None, actor: Any | None, on: dt.date | None = None
) -> None:
    """Make `manager` the person's current manager from `on` (today), closing the previous
    relation so the history shows who was manager when."""
    if manager is not None and manager.pk == person.pk:
        raise ValidationError(_("A person cannot be their own manager."))
    if manager is not None:
        ancestor: Person | None = manager
        seen = set()
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == person.pk:
                raise ValidationError(_("That would make a cycle of managers."))
            seen.add(ancestor.pk)
            ancestor = ancestor.manager
    if person.manager_id == (manager.pk if manager else None):
        return
    on = on or timezone.localdate()
    with transaction.atomic():
        old = person.manager_id
        ManagerRelation.objects.filter(employee=person, valid_to__isnull=True).update(valid_to=on)
        if manager is not None:
            ManagerRelation.objects.create(employee=person, manager=manager, valid_from=on)
        person.manager = manager
        person.save(update_fields=["manager", "updated_at"])
        history_record(
            obj=person,
            actor=actor,
            action="manager_changed",
            changes={"manager": [old, manager.pk if manager else None]},
        )


@dataclass
class ImportResult:
    ok: bool
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    units_created: int = 0
    run: ImportRun | None = None


def people_import(
    *,
    stream: IO[bytes],
    file_name: str,
    actor: Any | None,
    full_sync: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Import people and units from an HR-system file (CSV or XLSX), all or nothing.

    Every row is validated against the file and the database before anything is written; on
    any error nothing changes and the result lists each error with its line and column.
    People are matched by employee number, units by code. With `full_sync`, active people
    absent from the file are deactivated. A dry run validates and counts exactly what would
    be created, updated and deactivated, without writing. Every import attempt that is not a
    dry run, applied or rejected, is kept as an ImportRun.
    """
    try:
        plan = validate_rows(parse_people_file(stream, file_name=file_name), full_sync=full_sync)
    except FileFormatError as exc:
        plan = ImportPlan(errors=exc.errors)
    result = ImportResult(ok=not plan.errors, errors=plan.errors, rows=len(plan.people))
    if plan.errors:
        if not dry_run:
            result.run = ImportRun.objects.create(
                actor=actor,
                file_name=file_name[:255],
                full_sync=full_sync,
                status=ImportRun.Status.REJECTED,
                rows=result.rows,
                error_count=len(plan.errors),
            )
        return result
    if dry_run:
        _count(plan, _changes_find(plan), result)
        return result
    with transaction.atomic():
        changes = _changes_find(plan)
        _count(plan, changes, result)
        _changes_apply(plan, changes, actor=actor)
        result.run = ImportRun.objects.create(
            actor=actor,
            file_name=file_name[:255],
            full_sync=full_sync,
            status=ImportRun.Status.APPLIED,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            deactivated=result.deactivated,
            units_created=result.units_created,
        )
    return result


@dataclass
class _PersonChange:
    person: Person  # with its user
    row: PersonRow
    fields: list[str]  # of PERSON_FIELDS and "manager_id" that differ from the row
    user_fields: list[str]  # of USER_FIELDS


@dataclass
class _Changes:
    """What applying a valid plan writes, found by reading only (so a dry run counts exactly).

    New units and new people come in levels, parents and managers before their children and
    reports, so every row is inserted with its parent or manager already set.
    """

    unit_ids: dict[str, int]
    new_units: list[list[UnitRow]]
    unit_updates: list[tuple[Unit, UnitRow, list[str]]]
    new_people: list[list[PersonRow]]
    people_updates: list[_PersonChange]
    taken_over_users: list[tuple[User, PersonRow]]
    unchanged: int


def _count(plan: ImportPlan, changes: _Changes, result: ImportResult) -> None:
    result.created = sum(len(level) for level in changes.new_people)
    result.updated = len(changes.people_updates)
    result.unchanged = changes.unchanged
    result.deactivated = len(plan.to_deactivate)
    result.units_created = sum(len(level) for level in changes.new_units)


def _changes_find(plan: ImportPlan) -> _Changes:
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    unit_updates = []
    for unit in in_chunks(
        Unit.objects.all(), field="code", values=[c for c in plan.units if c in unit_ids]
    ):
        unit_row = plan.units[unit.code]
        fields = [
            name
            for name in ("name_sv", "name_en")
            if getattr(unit_row, name) not in ("", getattr(unit, name))
        ]
        parent = unit_row.parent_code
        if parent is not None and (parent not in unit_ids or unit_ids[parent] != unit.parent_id):
            fields.append("parent_id")
        if fields:
            unit_updates.append((unit, unit_row, fields))
    new_units = _levels(
        [u for u in plan.units.values() if u.code not in unit_ids],
        key=lambda u: u.code,
        parent=lambda u: u.parent_code,
    )

    person_ids = {number: ids[0] for number, ids in plan.existing.items()}
    people = {
        p.employee_number: p
        for p in in_chunks(
            Person.objects.order_by()
            .select_related("user")
            .only(
                "employee_number",
                "manager_id",
                "user_id",
                *PERSON_FIELDS,
                *(f"user__{name}" for name in USER_FIELDS),
            ),
            field="id",
            values=[
                person_ids[r.employee_number]
                for r in plan.people
                if r.employee_number in person_ids
            ],
        )
    }
    people_updates = []
    new_rows = []
    for row in plan.people:
        person = people.get(row.employee_number)
        if person is None:
            new_rows.append(row)
            continue
        values = _person_values(row, unit_ids)
        fields = [name for name in PERSON_FIELDS if getattr(person, name) != values[name]]
        # -1: a manager who is new in this file has no id yet, so it differs from any.
        wanted = person_ids.get(row.manager_number, -1) if row.manager_number else None
        if wanted != person.manager_id:
            fields.append("manager_id")
        user_fields = [
            name for name, value in _user_values(row).items() if getattr(person.user, name) != value
        ]
        if fields or user_fields:
            people_updates.append(_PersonChange(person, row, fields, user_fields))
    taken_over = in_chunks(User.objects.all(), field="id", values=list(plan.orphan_users.values()))
    rows_by_email = {row.email: row for row in new_rows}
    return _Changes(
        unit_ids=unit_ids,
        new_units=new_units,
        unit_updates=unit_updates,
        new_people=_levels(
            new_rows, key=lambda r: r.employee_number, parent=lambda r: r.manager_number
        ),
        people_updates=people_updates,
        taken_over_users=[(user, rows_by_email[user.email.lower()]) for user in taken_over],
        unchanged=len(plan.people) - len(new_rows) - len(people_updates),
    )


def _levels(
    items: list[T], *, key: Callable[[T], str], parent: Callable[[T], str | None]
) -> list[list[T]]:
    """Group items so that an item whose parent is also among them comes a level after it."""
    by_key = {key(item): item for item in items}
    depth: dict[str, int] = {}
    for item in items:
        chain: list[str] = []
        current = key(item)
        while current not in depth:
            if current in chain:
                raise ValueError(f"cycle through {current}")  # validation lets none through
            chain.append(current)
            above = parent(by_key[current])
            if not above or above not in by_key:
                break
            current = above
        level = depth.get(current, -1)
        for name in reversed(chain):
            level += 1
            depth[name] = level
    levels: list[list[T]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for item in items:
        levels[depth[key(item)]].append(item)
    return levels


def _changes_apply(plan: ImportPlan, changes: _Changes, *, actor: Any | None) -> None:
    today = timezone.localdate()
    now = timezone.now()
    history: list[tuple[Any, str, dict[str, Any] | None]] = []
    unit_ids = _units_write(changes, history=history, now=now)

    # Logins: new people get a user without a usable password (they set one by password reset
    # or log in by SSO later); a user without a person and with the same email is taken over.
    unusable = make_password(None)
    new_users = [
        User(password=unusable, **_user_values(row))
        for level in changes.new_people
        for row in level
        if row.email not in plan.orphan_users
    ]
    User.objects.bulk_create(new_users, batch_size=BATCH)
    user_ids = {u.email: u.id for u in new_users}
    user_ids.update(plan.orphan_users)
    taken_over = []
    for user, row in changes.taken_over_users:
        for name, value in _user_values(row).items():
            setattr(user, name, value)
        taken_over.append(user)
    _update_rows(taken_over, USER_FIELDS)

    person_ids = {number: ids[0] for number, ids in plan.existing.items()}
    relations: list[ManagerRelation] = []
    for level in changes.new_people:
        people = [
            Person(
                employee_number=row.employee_number,
                user_id=user_ids[row.email],
                manager_id=person_ids[row.manager_number] if row.manager_number else None,
                **_person_values(row, unit_ids),
            )
            for row in level
        ]
        Person.objects.bulk_create(people, batch_size=BATCH)
        for person in people:
            person_ids[person.employee_number] = person.id
            history.append((person, "imported_create", None))
            if person.manager_id is not None:
                relations.append(
                    ManagerRelation(
                        employee_id=person.id, manager_id=person.manager_id, valid_from=today
                    )
                )

    by_fields: dict[tuple[str, ...], list[Person]] = defaultdict(list)
    users_by_fields: dict[tuple[str, ...], list[User]] = defaultdict(list)
    new_manager: list[Person] = []
    for change in changes.people_updates:
        person, row = change.person, change.row
        values = {
            **_person_values(row, unit_ids),
            "manager_id": person_ids[row.manager_number] if row.manager_number else None,
        }
        diff = {name: [getattr(person, name), values[name]] for name in change.fields}
        user_values = _user_values(row)
        diff.update(
            (name, [getattr(person.user, name), user_values[name]]) for name in change.user_fields
        )
        for name in change.fields:
            setattr(person, name, values[name])
        for name in change.user_fields:
            setattr(person.user, name, user_values[name])
        if change.fields:
            person.updated_at = now
            by_fields[(*change.fields, "updated_at")].append(person)
        if change.user_fields:
            users_by_fields[tuple(change.user_fields)].append(person.user)
        manager = diff.pop("manager_id", None)
        if diff:
            history.append((person, "imported_update", diff))
        if manager is not None:
            history.append((person, "manager_changed", {"manager": manager}))
            new_manager.append(person)
    for names, people in by_fields.items():
        _update_rows(people, names)
    for names, users in users_by_fields.items():
        _update_rows(users, names)

    ids = [p.id for p in new_manager]
    for start in range(0, len(ids), BATCH):
        ManagerRelation.objects.filter(
            employee_id__in=ids[start : start + BATCH], valid_to__isnull=True
        ).update(valid_to=today)
    relations += [
        ManagerRelation(employee_id=p.id, manager_id=p.manager_id, valid_from=today)
        for p in new_manager
        if p.manager_id is not None
    ]
    ManagerRelation.objects.bulk_create(relations, batch_size=BATCH)
    if plan.to_deactivate:
        _deactivate(plan.to_deactivate, today=today, history=history)
    history_record_many(entries=history, actor=actor)


def _person_values(row: PersonRow, unit_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "unit_id": unit_ids.get(row.unit_code),
        "employment_category": row.employment_category,
        "career_stage": row.career_stage,
        "gender": row.gender,
        "employment_start": row.employment_start,
        "employment_end": row.employment_end,
        "is_active": row.is_active,
    }


def _user_values(row: PersonRow) -> dict[str, Any]:
    return {"email": row.email, "preferred_language": row.language, "is_active": row.is_active}


def _units_write(
    changes: _Changes, *, history: list[tuple[Any, str, dict[str, Any] | None]], now: dt.datetime
) -> dict[str, int]:
    unit_ids = dict(changes.unit_ids)
    for level in changes.new_units:
        units = [
            Unit(
                code=row.code,
                name_sv=row.name_sv,
                name_en=row.name_en,
                parent_id=unit_ids[row.parent_code] if row.parent_code else None,
            )
            for row in level
        ]
        Unit.objects.bulk_create(units, batch_size=BATCH)
        for unit in units:
            unit_ids[unit.code] = unit.id
            history.append((unit, "imported_create", None))
    updated = []
    for unit, row, fields in changes.unit_updates:
        values = {
            "name_sv": row.name_sv,
            "name_en": row.name_en,
            "parent_id": unit_ids[row.parent_code] if row.parent_code else None,
        }
        diff = {name: [getattr(unit, name), values[name]] for name in fields}
        for name in fields:
            setattr(unit, name, values[name])
        unit.updated_at = now
        updated.append(unit)
        history.append((unit, "imported_update", diff))
    _update_rows(updated, ["name_sv", "name_en", "parent_id", "updated_at"])
    if changes.new_units or any("parent_id" in fields for _u, _r, fields in changes.unit_updates):
        unit_paths_rebuild()
    return unit_ids


def _deactivate(
    numbers: list[str], *, today: dt.date, history: list[tuple[Any, str, dict[str, Any] | None]]
) -> int:
    count = 0
    for start in range(0, len(numbers), BATCH):
        chunk = numbers[start : start + BATCH]
        people = list(
            Person.objects.filter(employee_number__in=chunk, is_active=True).only(
                "id", "employment_end"
            )
        )
        ids = [p.id for p in people]
        Person.objects.filter(id__in=ids).update(
            is_active=False,
            # Someone who has not started yet ends on their first day, not before it.
            employment_end=Case(
                When(employment_end__isnull=False, then=F("employment_end")),
                When(employment_start__gt=today, then=F("employment_start")),
                default=Value(today),
            ),
            updated_at=timezone.now(),
        )
        User.objects.filter(person__id__in=ids).update(is_active=False)
        ManagerRelation.objects.filter(employee_id__in=ids, valid_to__isnull=True).update(
            valid_to=today
        )
        history.extend((p, "deactivated_by_sync", {"is_active": [True, False]}) for p in people)
        count += len(people)
    return count


def _update_rows(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write `fields` of each object back by primary key, BATCH rows per executemany.

    The same as `bulk_update`, which builds a CASE expression per row and field and so takes
    minutes for the tens of thousands of rows a large import changes.
    """
    if not objs:
        return
    meta = objs[0]._meta
    columns = [f for f in map(meta.get_field, fields) if isinstance(f, models.Field)]
    pk = meta.pk
    assert pk is not None
    assert len(columns) == len(fields)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(cast(str, f.column))} = %s" for f in columns)
    # Table and column names come from the model, values are parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(cast(str, pk.column))} = %s"  # noqa: S608
    )
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start : start + BATCH])


def safety_rep_add(*, actor: Any, unit: Unit, person: Person) -> RoleAssignment:
    """Make `person` a safety representative for `unit` and its sub-units."""
    if not person.is_active:
        raise ValidationError(_("%(name)s is not active.") % {"name": person.full_name})
    assignment, created = RoleAssignment.objects.get_or_create(
        user=person.user, role=Role.SAFETY_REP, unit=unit
    )
    if created:
        history_record(obj=unit, actor=actor, action="safety_rep_added", changes={"person": person})
    return assignment


def safety_rep_remove(*, actor: Any, unit: Unit, assignment: RoleAssignment) -> None:
    if assignment.unit_id != unit.pk or assignment.role != Role.SAFETY_REP:
        raise PermissionDenied
    person = Person.objects.filter(user_id=assignment.user_id).first()
    assignment.delete()
    history_record(
        obj=unit,
        actor=actor,
        action="safety_rep_removed",
        changes={"person": person.pk if person else assignment.user_id},
    )
