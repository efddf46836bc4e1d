"""What "nothing changed" means: every row of every table the app writes, compared with the
state before the request.

A request runs inside a savepoint that is rolled back afterwards, so the world is the same
before every request and its snapshot is taken once. While the request runs, the SQL it sends
is watched: a request that sends no INSERT, UPDATE or DELETE changed nothing; for one that did,
the tables it wrote are compared row by row with the snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models

# Tables a refused request may still write: sessions (the test client's login, messages that
# overflow the cookie), the audit log of reads and the count of failed logins, which record
# attempts by design. Queued background tasks run only after a commit, which never happens here.
IGNORED_TABLES = frozenset(
    {
        "django_session",
        "core_auditlogentry",
        "accounts_loginthrottle",
        "django_tasks_database_dbtaskresult",
        "django_tasks_db_dbtaskresult",
    }
)
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"\[]?(\w+)', re.IGNORECASE | re.MULTILINE
)

Row = tuple[Any, ...]
Snapshot = dict[str, dict[Any, Row]]


def tracked_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table not in IGNORED_TABLES and model._meta.managed
    ]


def _rows(model: type[models.Model]) -> dict[Any, Row]:
    names = [f.attname for f in model._meta.concrete_fields]
    pk_index = names.index(model._meta.pk.attname)
    return {row[pk_index]: row for row in model._base_manager.order_by().values_list(*names)}


def snapshot(tables: set[str] | None = None) -> Snapshot:
    return {
        model._meta.db_table: _rows(model)
        for model in tracked_models()
        if tables is None or model._meta.db_table in tables
    }


def row_keys() -> set[tuple[str, Any]]:
    return {(table, pk) for table, rows in snapshot().items() for pk in rows}


@dataclass
class Writes:
    """The tables the request sent a write to (a write may still change nothing)."""

    tables: set[str] = field(default_factory=set)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        for match in _WRITE.finditer(sql):
            table = match.group(1).lower()
            if table not in IGNORED_TABLES:
                self.tables.add(table)
        return execute(sql, params, many, context)


@contextmanager
def watch_writes() -> Iterator[Writes]:
    writes = Writes()
    with connection.execute_wrapper(writes):
        yield writes


@dataclass
class Change:
    table: str
    added: dict[Any, Row]
    removed: dict[Any, Row]
    changed: dict[Any, tuple[Row, Row]]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def describe(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} added")
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        if self.changed:
            parts.append(f"{len(self.changed)} changed")
        return f"{self.table}: {', '.join(parts)}"


def changes(baseline: Snapshot, writes: Writes) -> list[Change]:
    """The real changes in the tables the request wrote to."""
    if not writes.tables:
        return []
    now = snapshot(writes.tables)
    found = []
    for table, rows in now.items():
        before = baseline.get(table, {})
        change = Change(
            table=table,
            added={pk: row for pk, row in rows.items() if pk not in before},
            removed={pk: row for pk, row in before.items() if pk not in rows},
            changed={
                pk: (before[pk], row)
                for pk, row in rows.items()
                if pk in before and before[pk] != row
            },
        )
        if change:
            found.append(change)
    return found


def _fk_targets() -> dict[str, list[tuple[int, str]]]:
    """table -> [(column index, target table)] for every foreign key."""
    targets: dict[str, list[tuple[int, str]]] = {}
    for model in tracked_models():
        fields = list(model._meta.concrete_fields)
        targets[model._meta.db_table] = [
            (index, f.related_model._meta.db_table)
            for index, f in enumerate(fields)
            if f.is_relation and f.related_model is not None
        ]
    return targets


def touches(found: list[Change], rows: set[tuple[str, Any]]) -> list[str]:
    """What in `found` changes, removes or points a new row at one of `rows`."""
    targets = _fk_targets()
    problems = []
    for change in found:
        for pk in [*change.removed, *change.changed]:
            if (change.table, pk) in rows:
                problems.append(f"{change.table} #{pk} of the other side was changed or removed")
        new_rows = {**change.added, **{pk: after for pk, (_b, after) in change.changed.items()}}
        for pk, row in new_rows.items():
            for index, target in targets.get(change.table, []):
                if (target, row[index]) in rows:
                    problems.append(
                        f"{change.table} #{pk} now points at {target} #{row[index]} "
                        "of the other side"
                    )
    return problems
