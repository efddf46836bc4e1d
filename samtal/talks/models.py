from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samtal.core.models import TimeStampedModel


class Room(TimeStampedModel):
    """A meeting room the organisation offers for development talks (a neutral place)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    location = models.CharField(_("where"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.location}" if self.location else self.name


class Round(TimeStampedModel):
    """A campaign that offers every active employee in scope a development talk."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not launched")
        LAUNCHED = "launched", _("Launched")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    template_version = models.ForeignKey(
        "talk_templates.TemplateVersion",
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    units = models.ManyToManyField(
        "organisation.Unit", verbose_name=_("units"), related_name="rounds"
    )
    include_subunits = models.BooleanField(_("include sub-units"), default=True)
    employment_categories = models.JSONField(
        _("employment categories"),
        default=list,
        blank=True,
        help_text=_("Empty means every category."),
    )
    start_date = models.DateField(_("start"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    launch_count = models.PositiveSmallIntegerField(_("launches"), default=0)
    # A launch runs as a background task; these say when it was asked for and what the last
    # finished launch did.
    launch_requested_at = models.DateTimeField(_("launch asked for"), null=True, blank=True)
    last_launch_created = models.PositiveIntegerField(
        _("talks offered by the last launch"), default=0
    )
    last_launch_without_manager = models.PositiveIntegerField(
        _("people without a manager at the last launch"), default=0
    )
    launched_at = models.DateTimeField(_("first launched"), null=True, blank=True)
    last_launched_at = models.DateTimeField(_("last launched"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["-year", "-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("start_date")),
                name="round_deadline_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_launching(self) -> bool:
        """A launch has been asked for and has not finished yet."""
        return self.launch_requested_at is not None and (
            self.last_launched_at is None or self.last_launched_at < self.launch_requested_at
        )


class TalkStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    BOOKED = "booked", _("Booked")
    HELD = "held", _("Held")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


# The talk's state machine: which status may follow which. Every change goes through one
# service in talks.services, which checks this map and writes a history row.
TALK_TRANSITIONS: dict[str, frozenset[str]] = {
    TalkStatus.OFFERED: frozenset({TalkStatus.BOOKED, TalkStatus.DECLINED, TalkStatus.CANCELLED}),
    # booked -> booked is a change of time or place.
    TalkStatus.BOOKED: frozenset(
        {
            TalkStatus.BOOKED,
            TalkStatus.HELD,
            TalkStatus.DECLINED,
            TalkStatus.CANCELLED,
            TalkStatus.OFFERED,
        }
    ),
    TalkStatus.HELD: frozenset(),
    # An employee who declined may change their mind while the talk is still open.
    TalkStatus.DECLINED: frozenset({TalkStatus.OFFERED}),
    TalkStatus.CANCELLED: frozenset(),
}
OPEN_STATUSES = (TalkStatus.OFFERED, TalkStatus.BOOKED)


class Response(models.TextChoices):
    """The employee's answer to the booked time."""

    PENDING = "pending", _("Waiting for the employee")
    ACCEPTED = "accepted", _("Accepted")
    CHANGE_REQUESTED = "change_requested", _("Another time asked for")


class Talk(TimeStampedModel):
    """One development talk between an employee and their manager, in a round or extra."""

    class Kind(models.TextChoices):
        ROUND = "round", _("Yearly development talk")
        EXTRA = "extra", _("Extra talk")

    round = models.ForeignKey(
        Round,
        verbose_name=_("round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROUND)
    template_version = models.ForeignKey(
        "talk_templates.TemplateVersion",
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="talks",
    )
    employee = models.ForeignKey(
        "organisation.Person",
        verbose_name=_("employee"),
        on_delete=models.PROTECT,
        related_name="talks",
    )
    manager = models.ForeignKey(
        "organisation.Person",
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="managed_talks",
    )
    # The employee's unit when the talk was offered: coverage is counted where people were.
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TalkStatus.choices, default=TalkStatus.OFFERED
    )
    deadline = models.DateField(_("hold by"), null=True, blank=True)
    requested_by_employee = models.BooleanField(_("asked for by the employee"), default=False)
    request_message = models.TextField(_("reason for the talk"), blank=True, max_length=2000)

    starts_at = models.DateTimeField(_("time"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    room = models.ForeignKey(
        Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    response = models.CharField(
        _("employee's answer"), max_length=20, choices=Response.choices, blank=True
    )
    response_message = models.TextField(_("message"), blank=True, max_length=2000)
    decline_reason = models.TextField(_("reason for declining"), blank=True, max_length=2000)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, max_length=2000)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    # Calendar invitations: one UID per talk; SEQUENCE goes up with every change.
    ics_sequence = models.PositiveIntegerField(default=0)
    # Which launch of the round created the talk (to find a launch's talks in one query).
    launch_batch = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("talk")
        verbose_name_plural = _("talks")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two launches at once cannot offer anyone twice in one round.
            models.UniqueConstraint(
                fields=["round", "employee"],
                condition=models.Q(round__isnull=False),
                name="one_talk_per_employee_per_round",
            ),
            models.CheckConstraint(
                condition=~models.Q(employee=models.F("manager")),
                name="talk_not_with_oneself",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="extra", round__isnull=True)
                | models.Q(kind="round", round__isnull=False),
                name="talk_kind_matches_round",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="booked") | models.Q(starts_at__isnull=False),
                name="booked_talk_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["round", "unit"]),
            models.Index(fields=["round", "manager"]),
            models.Index(fields=["manager", "status"]),
            models.Index(fields=["employee", "-created_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.employee_id}/{self.manager_id}"

    @property
    def ends_at(self) -> datetime | None:
        return self.starts_at + timedelta(minutes=self.duration_minutes) if self.starts_at else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def where(self) -> str:
        return str(self.room) if self.room_id else self.place
