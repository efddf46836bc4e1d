from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samtal.core.i18n import in_language
from samtal.core.models import TimeStampedModel


class Unit(TimeStampedModel):
    """A node in the organisation tree (faculty, department, group, office).

    `path` holds the ids from the root down ("/1/7/12/") so that a unit and all its
    sub-units are found with one indexed prefix query at any size.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=1000, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self, "name")


class EmploymentCategory(models.TextChoices):
    ADMIN_STAFF = "admin_staff", _("Technical and administrative staff")
    TEACHER = "teacher", _("Teacher")
    RESEARCHER = "researcher", _("Researcher")
    DOCTORAL_STUDENT = "doctoral_student", _("Doctoral student")
    OTHER = "other", _("Other")


# Career stages apply to those who do research (the European framework for research careers).
RESEARCH_CATEGORIES = frozenset(
    {EmploymentCategory.TEACHER, EmploymentCategory.RESEARCHER, EmploymentCategory.DOCTORAL_STUDENT}
)


class CareerStage(models.TextChoices):
    NONE = "", _("None")
    R1 = "R1", _("R1 First stage researcher")
    R2 = "R2", _("R2 Recognised researcher")
    R3 = "R3", _("R3 Established researcher")
    R4 = "R4", _("R4 Leading researcher")


class Gender(models.TextChoices):
    NOT_RECORDED = "", _("Not recorded")
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    OTHER = "other", _("Other / non-binary")


class Person(TimeStampedModel):
    """An employee. `manager` is the current manager; ManagerRelation keeps the history."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.PROTECT,
        related_name="person",
    )
    employee_number = models.CharField(_("employee number"), max_length=40, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people"
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    employment_category = models.CharField(
        _("employment category"), max_length=20, choices=EmploymentCategory.choices
    )
    career_stage = models.CharField(
        _("researcher career stage"),
        max_length=2,
        choices=CareerStage.choices,
        blank=True,
        default=CareerStage.NONE,
    )
    gender = models.CharField(
        _("gender (for equal-conditions statistics)"),
        max_length=10,
        choices=Gender.choices,
        blank=True,
        default=Gender.NOT_RECORDED,
    )
    employment_start = models.DateField(_("employment start"), null=True, blank=True)
    employment_end = models.DateField(_("employment end"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "employee_number"]
        indexes = [
            models.Index(fields=["unit", "is_active"]),
            models.Index(fields=["manager", "is_active"]),
            models.Index(fields=["last_name", "first_name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("id")), name="person_not_own_manager"
            ),
            models.CheckConstraint(
                condition=models.Q(employment_end__isnull=True)
                | models.Q(employment_start__isnull=True)
                | models.Q(employment_end__gte=models.F("employment_start")),
                name="employment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ManagerRelation(models.Model):
    """Who was whose manager, from when to when. Talks and plans follow the manager at the time."""

    employee = models.ForeignKey(
        Person,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="manager_history",
    )
    manager = models.ForeignKey(
        Person,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("manager relation")
        verbose_name_plural = _("manager relations")
        ordering = ["employee", "-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee"],
                condition=models.Q(valid_to__isnull=True),
                name="one_current_manager",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="manager_relation_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} → {self.manager_id} ({self.valid_from}–{self.valid_to or ''})"


class ImportRun(models.Model):
    """One import of people from the HR system, kept for HR to see what changed and when."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=255)
    full_sync = models.BooleanField(_("full sync"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    deactivated = models.PositiveIntegerField(_("deactivated"), default=0)
    units_created = models.PositiveIntegerField(_("units created"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
