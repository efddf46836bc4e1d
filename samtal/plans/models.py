"""The individual development plan (IUP): one living plan per employee, carried across talks
and managers, with goals linked to the unit's goals for the year, activities and checkpoints
(avstämningspunkter).

An item proposed in a talk's record has `origin_talk` and no `agreed_at` until both parties
agree to the record; only agreed items count as the plan (reminders, follow-up, aggregates).
Items added on the plan page during the year are agreed when added.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samtal.core.i18n import in_language
from samtal.core.models import TimeStampedModel


class UnitGoal(TimeStampedModel):
    """A goal of a unit for one year, published by the unit's manager or HR."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="goals",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title_sv = models.CharField(_("goal (Swedish)"), max_length=300)
    title_en = models.CharField(_("goal (English)"), max_length=300)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("unit goal")
        verbose_name_plural = _("unit goals")
        ordering = ["unit__path", "-year", "id"]
        indexes = [models.Index(fields=["unit", "year", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return in_language(self, "title")

    @property
    def description(self) -> str:
        return in_language(self, "description")


class DevelopmentPlan(TimeStampedModel):
    """The employee's one plan, created with its first item and never deleted."""

    person = models.OneToOneField(
        "organisation.Person",
        verbose_name=_("employee"),
        on_delete=models.PROTECT,
        related_name="plan",
    )
    # Raised by every change to the plan, so a stale form is told instead of overwriting.
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")

    def __str__(self) -> str:
        return str(_("Development plan of %(name)s") % {"name": self.person})


class PlanItem(TimeStampedModel):
    """What goals, activities and checkpoints share: the plan, the talk that proposed the
    item (if any) and when it became part of the agreed plan."""

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.PROTECT, related_name="+")
    origin_talk = models.ForeignKey(
        "talks.Talk",
        verbose_name=_("proposed in talk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agreed_at = models.DateTimeField(_("part of the plan since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    @property
    def is_proposed(self) -> bool:
        return self.agreed_at is None


class Horizon(models.TextChoices):
    SHORT = "short", _("Short term (this year)")
    LONG = "long", _("Long term (several years)")


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")


GOAL_TRANSITIONS: dict[str, frozenset[str]] = {
    GoalStatus.OPEN: frozenset({GoalStatus.REACHED, GoalStatus.NOT_REACHED}),
    GoalStatus.REACHED: frozenset({GoalStatus.OPEN}),
    GoalStatus.NOT_REACHED: frozenset({GoalStatus.OPEN}),
}


class PlanGoal(PlanItem):
    plan = models.ForeignKey(
        DevelopmentPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="goals"
    )
    text = models.TextField(_("goal"), max_length=2000)
    unit_goal = models.ForeignKey(
        UnitGoal,
        verbose_name=_("linked to the unit's goal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_goals",
    )
    horizon = models.CharField(
        _("horizon"), max_length=5, choices=Horizon.choices, default=Horizon.SHORT
    )
    status = models.CharField(
        _("status"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=4000)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["plan", "agreed_at"])]

    def __str__(self) -> str:
        return self.text[:80]


class ActivityType(models.TextChoices):
    COURSE = "course", _("Course or training")
    METHOD = "method", _("New work method")
    STUDY_VISIT = "study_visit", _("Study visit")
    MENTORING = "mentoring", _("Mentoring")
    CONFERENCE = "conference", _("Conference")
    ON_THE_JOB = "on_the_job", _("Learning on the job")
    OTHER = "other", _("Other")


class Responsible(models.TextChoices):
    EMPLOYEE = "employee", _("The employee")
    MANAGER = "manager", _("The manager")
    BOTH = "both", _("Both")
    OTHER = "other", _("Someone else")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


ACTIVITY_TRANSITIONS: dict[str, frozenset[str]] = {
    ActivityStatus.PLANNED: frozenset(
        {ActivityStatus.ONGOING, ActivityStatus.DONE, ActivityStatus.DROPPED}
    ),
    ActivityStatus.ONGOING: frozenset({ActivityStatus.DONE, ActivityStatus.DROPPED}),
    ActivityStatus.DONE: frozenset({ActivityStatus.ONGOING}),
    ActivityStatus.DROPPED: frozenset({ActivityStatus.PLANNED}),
}


class PlanActivity(PlanItem):
    plan = models.ForeignKey(
        DevelopmentPlan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    goal = models.ForeignKey(
        PlanGoal,
        verbose_name=_("for the goal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    activity_type = models.CharField(_("type"), max_length=12, choices=ActivityType.choices)
    description = models.TextField(_("description"), max_length=2000)
    responsible = models.CharField(
        _("responsible"), max_length=10, choices=Responsible.choices, default=Responsible.EMPLOYEE
    )
    responsible_other = models.CharField(_("responsible (name)"), max_length=200, blank=True)
    starts_on = models.DateField(_("planned start"), null=True, blank=True)
    ends_on = models.DateField(_("planned end"), null=True, blank=True)
    hours = models.DecimalField(
        _("estimated time (hours)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    cost = models.DecimalField(
        _("estimated cost (SEK)"), max_digits=10, decimal_places=0, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    drop_reason = models.TextField(_("reason for dropping"), blank=True, max_length=2000)
    outcome = models.TextField(_("outcome"), blank=True, max_length=4000)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_on", "created_at", "id"]
        indexes = [
            models.Index(fields=["plan", "agreed_at"]),
            models.Index(fields=["agreed_at", "activity_type"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="activity_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0), name="activity_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="activity_cost_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status=ActivityStatus.DROPPED) | ~Q(drop_reason=""),
                name="activity_dropped_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def responsible_label(self) -> str:
        if self.responsible == Responsible.OTHER and self.responsible_other:
            return self.responsible_other
        return str(self.get_responsible_display())

    def allowed_statuses(self) -> list[str]:
        return sorted(ACTIVITY_TRANSITIONS[self.status])


class CheckpointStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", pgettext_lazy("checkpoint", "Cancelled")


class Checkpoint(PlanItem):
    """A dated follow-up of the plan; it can be held as a short meeting with an invitation."""

    plan = models.ForeignKey(
        DevelopmentPlan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="checkpoints",
    )
    activity = models.ForeignKey(
        PlanActivity,
        verbose_name=_("for the activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkpoints",
    )
    due_on = models.DateField(_("date"))
    topic = models.CharField(_("what to check"), max_length=300)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CheckpointStatus.choices,
        default=CheckpointStatus.PLANNED,
    )
    outcome = models.TextField(_("outcome"), blank=True, max_length=4000)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The optional follow-up meeting: its invitation keeps one UID and a rising SEQUENCE.
    meeting_at = models.DateTimeField(_("meeting time"), null=True, blank=True)
    meeting_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=30)
    place = models.CharField(_("place"), max_length=300, blank=True)
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["plan", "agreed_at"]),
            # A team's checkpoints due soon (the follow-up and the start page).
            models.Index(fields=["plan", "status", "due_on"]),
            # The reminder job: every planned checkpoint due in a window.
            models.Index(fields=["status", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=CheckpointStatus.DONE) | Q(completed_at__isnull=False),
                name="checkpoint_done_has_time",
            ),
            models.CheckConstraint(
                condition=Q(meeting_minutes__gte=5) & Q(meeting_minutes__lte=480),
                name="checkpoint_meeting_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_on}: {self.topic}"

    @property
    def done_on_time(self) -> bool:
        return (
            self.status == CheckpointStatus.DONE
            and self.completed_at is not None
            and self.completed_at.date() <= self.due_on
        )
