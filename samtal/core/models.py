from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class HistoryEntry(models.Model):
    """Who changed what and when, for any object. Written only by core.services.history_record."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.content_type_id}:{self.object_id}"

    @property
    def action_label(self) -> str:
        return str(HISTORY_ACTION_LABELS.get(self.action, self.action))

    @property
    def change_rows(self) -> list[tuple[str, Any, Any]]:
        """(field label, old, new) for each change, in the reader's language: the label is the
        model field's verbose name (or a label an app registered for a non-field key), choice
        values show their label and timestamps the local time. A plain value is the new one."""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        rows = []
        for key, value in (self.changes or {}).items():
            old, new = value if isinstance(value, list) and len(value) == 2 else (None, value)
            label, show = _field_presentation(model, key)
            rows.append((label, show(old), show(new)))
        return rows


def _field_presentation(model: Any, key: str) -> tuple[str, Any]:
    """How a changed field is named and its values shown in the history."""
    try:
        field = model._meta.get_field(key.removesuffix("_id")) if model else None
    except FieldDoesNotExist:
        field = None
    if field is None:
        return str(HISTORY_FIELD_LABELS.get(key, key)), _show_value
    choices = {str(k): v for k, v in (field.flatchoices or [])}

    def show(value: Any) -> Any:
        if value is not None and choices and str(value) in choices:
            return choices[str(value)]
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return _show_value(value)

    return str(field.verbose_name), show


def _show_value(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return value


# Labels for history keys that are not model fields (e.g. a reason given with a change).
HISTORY_FIELD_LABELS: dict[str, Any] = {
    "reason": _("reason"),
    "message": _("message"),
}


# Apps add their own actions here (in AppConfig.ready) so the history reads as words.
HISTORY_ACTION_LABELS: dict[str, Any] = {
    "imported_create": _("Created by import"),
    "imported_update": _("Updated by import"),
    "manager_changed": _("Manager changed"),
    "deactivated_by_sync": _("Deactivated by full sync"),
    "safety_rep_added": _("Safety representative added"),
    "safety_rep_removed": _("Safety representative removed"),
    "role_granted": _("Role granted"),
    "role_revoked": _("Role revoked"),
    "policy_changed": _("Organisation policy changed"),
}


class AuditLogEntry(models.Model):
    """A read of someone else's content by a person who is not a party to it."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("read by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.ForeignKey(
        "organisation.Person",
        verbose_name=_("whose content"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    what = models.CharField(_("what was read"), max_length=200)
    reason = models.CharField(_("on what ground"), max_length=200, blank=True)
    path = models.CharField(_("page"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_id} read {self.what}"

    @property
    def what_label(self) -> str:
        return str(AUDIT_WHAT_LABELS.get(self.what, self.what))

    @property
    def reason_label(self) -> str:
        return str(AUDIT_REASON_LABELS.get(self.reason, self.reason))


# `what` and `reason` are stored as codes and shown in the reader's language; apps add theirs.
AUDIT_WHAT_LABELS: dict[str, Any] = {
    "person_profile": _("Personal details"),
    "talk_record": _("Talk record"),
}
AUDIT_REASON_LABELS: dict[str, Any] = {
    "hr": _("HR role"),
    "next_manager": _("The employee's current manager"),
    "admin": _("Administrator role"),
}


class OrgPolicy(models.Model):
    """Organisation-wide rules set by the admin. One row (pk=1), created on first use."""

    mandatory_section_keys = models.JSONField(
        _("mandatory template sections"),
        default=list,
        help_text=_("Section keys every published talk template must contain."),
    )
    hr_may_read_records = models.BooleanField(
        _("HR may read talk records"),
        default=False,
        help_text=_(
            "Off by default: HR sees only the status of talks. When on, HR may read agreed "
            "records within their scope and every such read is written to the audit log."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    DEFAULT_MANDATORY_SECTIONS = ("work_environment", "equal_conditions")

    class Meta:
        verbose_name = _("organisation policy")
        verbose_name_plural = _("organisation policy")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="single_org_policy")]

    def __str__(self) -> str:
        return str(_("organisation policy"))

    @classmethod
    def current(cls) -> OrgPolicy:
        policy, _created = cls.objects.get_or_create(
            pk=1, defaults={"mandatory_section_keys": list(cls.DEFAULT_MANDATORY_SECTIONS)}
        )
        return policy


class OutgoingEmail(models.Model):
    """One email to one person, queued inside the transaction that caused it.

    `key` is unique: a service or a reminder run that would queue the same email again
    (a repeated launch, a second cron run) finds the row already there and adds nothing.
    The worker claims a row with a conditional update (pending -> sending), so two workers
    never send the same row; the content is rendered at sending time in the recipient's
    language by the renderer registered for `kind`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not needed any more")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.key
