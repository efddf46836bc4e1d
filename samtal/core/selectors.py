from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from samtal.core.models import AuditLogEntry, HistoryEntry


def history_for(*, obj: models.Model) -> QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor__person")


def audit_log(*, query: str = "") -> QuerySet[AuditLogEntry]:
    entries = AuditLogEntry.objects.select_related("actor__person", "subject")
    if query:
        entries = entries.filter(
            models.Q(actor__email__icontains=query)
            | models.Q(subject__last_name__icontains=query)
            | models.Q(subject__first_name__icontains=query)
            | models.Q(subject__employee_number=query)
            | models.Q(what__icontains=query)
        )
    return entries


def in_chunks(queryset: QuerySet, *, field: str, values: list, size: int = 2000) -> list:
    """`queryset.filter(field__in=values)` split so no query exceeds the database's limit on
    bound parameters (SQLite allows 32 766) however many values there are."""
    result: list = []
    for start in range(0, len(values), size):
        result.extend(queryset.filter(**{f"{field}__in": values[start : start + size]}))
    return result
