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
    AGREED = "agreed", _("Record agreed")
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
    # Both parties agreeing to the record makes the talk agreed; a later correction of the
    # record does not undo that (the agreed version stays valid until the next is agreed).
    TalkStatus.HELD: frozenset({TalkStatus.AGREED}),
    TalkStatus.AGREED: frozenset(),
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


# --- preparation, record, agreement, afterwards ----------------------------------------------


class Party(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    MANAGER = "manager", _("Manager")


class Answer(TimeStampedModel):
    """One person's answer to a preparation or self-evaluation question of a talk.

    Private to its author. A preparation answer becomes visible to the other party of the talk
    once its author shares it (`shared_at`); a self-evaluation answer is never shared and
    reaches others only as an aggregate over at least K respondents.
    """

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        "talk_templates.Question", on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey("organisation.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("answer"), blank=True, max_length=10000)
    # A scale step (1-5), true/false, or a list of chosen option indexes.
    value = models.JSONField(_("choice"), null=True, blank=True)
    shared_at = models.DateTimeField(_("shared"), null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["talk", "question", "author"], name="one_answer_per_author"
            )
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}"

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and self.value in (None, [], "")


class Record(TimeStampedModel):
    """The shared record of a held talk: written by the note-taker, agreed by both.

    writing -> sent (a frozen version awaits both agreements) -> agreed (locked). A change
    while sent voids the agreements and returns to writing; a correction of an agreed record
    returns to writing and needs a new version agreed by both. `agreed_version` is the last
    version both agreed to, which stays valid during a correction.
    """

    class State(models.TextChoices):
        WRITING = "writing", _("Being written")
        SENT = "sent", _("Sent for agreement")
        AGREED = "agreed", _("Agreed by both")

    talk = models.OneToOneField(Talk, on_delete=models.CASCADE, related_name="record")
    note_taker = models.CharField(
        _("note-taker"), max_length=10, choices=Party.choices, default=Party.MANAGER
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WRITING
    )
    passed_on = models.TextField(_("what may be passed on to others"), blank=True, max_length=4000)
    passed_on_revision = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "RecordVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_version = models.ForeignKey(
        "RecordVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")

    def __str__(self) -> str:
        return f"record of talk {self.talk_id}"


class RecordEntry(TimeStampedModel):
    """The record's text for one question of the talk's shared sections (the working copy)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="entries")
    question = models.ForeignKey(
        "talk_templates.Question", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"), blank=True, max_length=10000)
    value = models.JSONField(_("choice"), null=True, blank=True)
    updated_by = models.ForeignKey(
        "organisation.Person", null=True, on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("record entry")
        verbose_name_plural = _("record entries")
        constraints = [
            models.UniqueConstraint(fields=["record", "question"], name="one_entry_per_question")
        ]

    def __str__(self) -> str:
        return f"entry {self.pk}"


class RecordComment(models.Model):
    """A comment by the party who is not the note-taker (or either), kept with the record."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="comments")
    question = models.ForeignKey(
        "talk_templates.Question",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey("organisation.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class RecordVersion(models.Model):
    """A frozen copy of the record sent for agreement; never changed afterwards."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        "organisation.Person", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    is_correction = models.BooleanField(_("correction"), default=False)

    class Meta:
        verbose_name = _("record version")
        verbose_name_plural = _("record versions")
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="unique_record_version")
        ]

    def __str__(self) -> str:
        return f"version {self.number}"


class Agreement(models.Model):
    """One party's agreement to one exact version (its hash), or a voided one."""

    version = models.ForeignKey(RecordVersion, on_delete=models.CASCADE, related_name="agreements")
    party = models.CharField(_("party"), max_length=10, choices=Party.choices)
    person = models.ForeignKey("organisation.Person", on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    agreed_at = models.DateTimeField(_("agreed"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["agreed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "party"], name="one_agreement_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party} agreed to {self.version_id}"


class PrivateNote(TimeStampedModel):
    """A party's own notes on the talk. Readable by its author only, ever: no role, no admin,
    no export and no API reads it (every selector filters on the author)."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey("organisation.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("private notes"), blank=True, max_length=20000)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")
        constraints = [
            models.UniqueConstraint(fields=["talk", "author"], name="one_private_note_per_author")
        ]

    def __str__(self) -> str:
        return f"private note {self.pk}"
