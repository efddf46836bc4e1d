"""Writes shared by every app: the change history and the read audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from samtal.core.models import AuditLogEntry, HistoryEntry


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return _jsonable(value.pk)
    return str(value)


def history_record(
    *,
    obj: models.Model,
    actor: Any | None,
    action: str,
    changes: Mapping[str, Any] | None = None,
) -> HistoryEntry:
    """Record that `actor` did `action` on `obj`; `changes` maps field -> [old, new] or a value."""
    return HistoryEntry.objects.create(**_history_fields(obj, actor, action, changes))


def history_record_many(
    *, entries: Iterable[tuple[models.Model, str, Mapping[str, Any] | None]], actor: Any | None
) -> int:
    """Bulk form of history_record for imports: one INSERT per 1000 entries."""
    rows = [HistoryEntry(**_history_fields(obj, actor, action, ch)) for obj, action, ch in entries]
    HistoryEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _history_fields(
    obj: models.Model, actor: Any | None, action: str, changes: Mapping[str, Any] | None
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in (changes or {}).items():
        if isinstance(value, list | tuple):
            clean[key] = [_jsonable(v) for v in value]
        else:
            clean[key] = _jsonable(value)
    return {
        "content_type": ContentType.objects.get_for_model(obj),
        "object_id": str(obj.pk),
        "actor": actor if actor is not None and getattr(actor, "pk", None) else None,
        "action": action,
        "changes": clean,
    }


def audit_read(
    *, actor: Any, subject: Any | None, what: str, reason: str = "", path: str = ""
) -> AuditLogEntry:
    """Log that `actor` read content belonging to `subject` (a Person) without being its owner."""
    return AuditLogEntry.objects.create(
        actor=actor, subject=subject, what=what[:200], reason=reason[:200], path=path[:500]
    )
