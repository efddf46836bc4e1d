"""Systematic work environment management (SAM, AFS 2023:1) fed by the development talks.

An **observation** is registered by either party of a talk (from an answer to a question that
raises observations, or freely) or by a unit's manager for a risk found outside the talks. It
belongs to a unit. What leaves the talk is the category, the severity and the unit; the
description only when the employee has allowed it (`description_may_leave`), and never the
name. For victimisation, harassment and discrimination Samtal shows the employer's routine and
contacts and records only that the matter was raised and handed on: no description, no
severity.

The unit's manager assesses the risk (likelihood × consequence through the configurable
matrix) and decides **actions** (what, who, by when, cost) or documents why none is needed.
An action is followed up: open → in progress → done or not effective; a new action may replace
one that was not effective. Each unit writes an **annual follow-up** summary per year.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samtal.core.i18n import in_language
from samtal.core.models import TimeStampedModel


class Category(models.TextChoices):
    WORKLOAD = "workload", _("Workload and resources")
    HOURS = "hours", _("Working hours and recovery")
    CLARITY = "clarity", _("Clarity of tasks and priorities")
    VICTIMISATION = "victimisation", _("Victimisation or harassment")
    DISCRIMINATION = "discrimination", _("Discrimination / equal conditions")
    PHYSICAL = "physical", _("Physical environment")
    CHANGE = "change", _("Organisational change")
    LEADERSHIP = "leadership", _("Leadership and collaboration")
    OTHER = "other", _("Other")


# Handled by the employer's routine: Samtal records that the matter was raised and handed on,
# and collects no details (no description, no severity).
ROUTINE_CATEGORIES = frozenset({Category.VICTIMISATION, Category.DISCRIMINATION})


class Severity(models.TextChoices):
    """The employee's view of how much the matter weighs."""

    LOW = "low", _("Minor")
    MEDIUM = "medium", _("Considerable")
    HIGH = "high", _("Serious")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class Likelihood(models.IntegerChoices):
    UNLIKELY = 1, _("1 – Unlikely")
    POSSIBLE = 2, _("2 – Possible")
    LIKELY = 3, _("3 – Likely")
    VERY_LIKELY = 4, _("4 – Very likely")


class Consequence(models.IntegerChoices):
    MINOR = 1, _("1 – Minor")
    MODERATE = 2, _("2 – Moderate")
    SERIOUS = 3, _("3 – Serious")
    VERY_SERIOUS = 4, _("4 – Very serious")


# Rows: likelihood 1–4; columns: consequence 1–4.
DEFAULT_RISK_MATRIX: list[list[str]] = [
    ["low", "low", "medium", "medium"],
    ["low", "medium", "medium", "high"],
    ["medium", "medium", "high", "high"],
    ["medium", "high", "high", "high"],
]


def validate_risk_matrix(value: Any) -> None:
    levels = set(RiskLevel.values)
    size = len(Likelihood.values)
    if not (
        isinstance(value, list)
        and len(value) == size
        and all(isinstance(row, list) and len(row) == len(Consequence.values) for row in value)
        and all(cell in levels for row in value for cell in row)
    ):
        raise ValidationError(
            _("The risk matrix needs a level (low, medium or high) for every cell of 4 × 4.")
        )


class Party(models.TextChoices):
    EMPLOYEE = "employee", _("The employee")
    MANAGER = "manager", _("The manager")
    UNIT = "unit", _("Found outside the talks")


class WorkenvPolicy(models.Model):
    """The employer's settings for SAM: the routine for victimisation, harassment and
    discrimination, and the risk matrix. One row (pk=1), created on first use."""

    routine_sv = models.TextField(_("routine (Swedish)"), max_length=10000)
    routine_en = models.TextField(_("routine (English)"), max_length=10000)
    risk_matrix = models.JSONField(
        _("risk matrix"), default=list, validators=[validate_risk_matrix]
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    DEFAULT_ROUTINE_SV = (
        "Kränkande särbehandling, trakasserier och diskriminering utreds enligt "
        "arbetsgivarens rutin, inte i utvecklingssamtalet. Chefen för vidare det du berättat "
        "till den som enligt rutinen ska utreda, och du kan alltid själv vända dig till "
        "kontakterna nedan. Samtal sparar bara att frågan togs upp och fördes vidare."
    )
    DEFAULT_ROUTINE_EN = (
        "Victimisation, harassment and discrimination are investigated according to the "
        "employer's routine, not in the development talk. The manager passes on what you "
        "told to whoever investigates under the routine, and you can always turn to the "
        "contacts below yourself. Samtal keeps only that the matter was raised and handed on."
    )

    class Meta:
        verbose_name = _("work-environment settings")
        verbose_name_plural = _("work-environment settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="single_workenv_policy")]

    def __str__(self) -> str:
        return str(_("work-environment settings"))

    @classmethod
    def current(cls) -> WorkenvPolicy:
        policy, _created = cls.objects.get_or_create(
            pk=1,
            defaults={
                "routine_sv": cls.DEFAULT_ROUTINE_SV,
                "routine_en": cls.DEFAULT_ROUTINE_EN,
                "risk_matrix": [list(row) for row in DEFAULT_RISK_MATRIX],
            },
        )
        return policy

    @property
    def routine(self) -> str:
        return in_language(self, "routine")

    def risk_level(self, likelihood: int, consequence: int) -> str:
        matrix = self.risk_matrix or DEFAULT_RISK_MATRIX
        return str(matrix[likelihood - 1][consequence - 1])


class SupportContact(TimeStampedModel):
    """Someone to turn to with victimisation, harassment or discrimination: shown with the
    routine whenever such a matter is raised."""

    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    details_sv = models.TextField(_("how to reach (Swedish)"), blank=True, max_length=2000)
    details_en = models.TextField(_("how to reach (English)"), blank=True, max_length=2000)
    url = models.URLField(_("link"), blank=True, max_length=500)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("support contact")
        verbose_name_plural = _("support contacts")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self, "name")

    @property
    def details(self) -> str:
        return in_language(self, "details")


class Observation(TimeStampedModel):
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    # None for a risk the unit's manager found outside the talks.
    talk = models.ForeignKey(
        "talks.Talk",
        verbose_name=_("talk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
    )
    question = models.ForeignKey(
        "talk_templates.Question",
        verbose_name=_("question"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_by = models.CharField(_("raised by"), max_length=10, choices=Party.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    description_may_leave = models.BooleanField(
        _("the description may leave the talk"), default=False
    )
    handed_on = models.BooleanField(
        _("raised and handed on according to the routine"), default=False
    )
    observed_on = models.DateField(_("registered"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The manager's risk assessment.
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"), choices=Likelihood.choices, null=True, blank=True
    )
    consequence = models.PositiveSmallIntegerField(
        _("consequence"), choices=Consequence.choices, null=True, blank=True
    )
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    no_action_reason = models.TextField(_("reason for no action"), blank=True, max_length=4000)
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("work-environment observation")
        verbose_name_plural = _("work-environment observations")
        indexes = [models.Index(fields=["unit", "observed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__isnull=True) | Q(likelihood__gte=1, likelihood__lte=4),
                name="observation_likelihood_range",
            ),
            models.CheckConstraint(
                condition=Q(consequence__isnull=True) | Q(consequence__gte=1, consequence__lte=4),
                name="observation_consequence_range",
            ),
            # The routine categories keep no details.
            models.CheckConstraint(
                condition=~Q(category__in=sorted(ROUTINE_CATEGORIES))
                | (Q(description="") & Q(severity="")),
                name="observation_routine_without_details",
            ),
            models.CheckConstraint(
                condition=Q(talk__isnull=False) | Q(raised_by="unit"),
                name="observation_outside_talk_by_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.unit_id})"

    @property
    def is_routine(self) -> bool:
        return self.category in ROUTINE_CATEGORIES

    @property
    def is_assessed(self) -> bool:
        return self.assessed_at is not None

    @property
    def description_leaves(self) -> bool:
        """Whether the unit register may show the description."""
        return self.talk_id is None or self.description_may_leave


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    ActionStatus.OPEN: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.NOT_EFFECTIVE}
    ),
    ActionStatus.IN_PROGRESS: frozenset({ActionStatus.DONE, ActionStatus.NOT_EFFECTIVE}),
    ActionStatus.DONE: frozenset(),
    ActionStatus.NOT_EFFECTIVE: frozenset(),
}
OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class Action(TimeStampedModel):
    observation = models.ForeignKey(
        Observation, verbose_name=_("risk"), on_delete=models.PROTECT, related_name="actions"
    )
    # The observation's unit, kept here for the unit's lists, aggregates and reminders.
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    what = models.TextField(_("action"), max_length=2000)
    responsible = models.ForeignKey(
        "organisation.Person",
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_other = models.CharField(
        _("responsible (other person or function)"), max_length=200, blank=True
    )
    due_on = models.DateField(_("to be done by"))
    cost = models.DecimalField(
        _("estimated cost (SEK)"), max_digits=12, decimal_places=0, null=True, blank=True
    )
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    outcome = models.TextField(_("outcome of the follow-up"), blank=True, max_length=4000)
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces the action"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["unit", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible__isnull=False) | ~Q(responsible_other=""),
                name="action_has_responsible",
            ),
        ]

    def __str__(self) -> str:
        return self.what[:80]

    @property
    def is_closed(self) -> bool:
        return self.status not in OPEN_ACTION_STATUSES

    @property
    def responsible_label(self) -> str:
        if self.responsible_id and self.responsible:
            return str(self.responsible)
        return self.responsible_other

    def is_overdue(self, today: Any) -> bool:
        return not self.is_closed and self.due_on < today


class AnnualFollowUp(TimeStampedModel):
    """The manager's summary of a unit's year of SAM, printed in the annual follow-up."""

    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    summary = models.TextField(_("summary"), blank=True, max_length=10000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("annual SAM follow-up")
        verbose_name_plural = _("annual SAM follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="one_follow_up_per_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"
