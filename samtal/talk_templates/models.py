"""Talk templates: a template has numbered versions; a version holds ordered sections, a
section ordered questions. Only a draft version can change: a published version is what talks
were held with, so it is frozen (editing means a new draft copied from it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samtal.core.i18n import in_language
from samtal.core.models import TimeStampedModel


class ImmutableVersionError(PermissionDenied):
    """A change was attempted on a version that is not a draft (answered 403 by Django)."""


class TalkTemplate(TimeStampedModel):
    key = models.SlugField(_("key"), max_length=60, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_sv = models.TextField(_("description (Swedish)"), blank=True, max_length=2000)
    description_en = models.TextField(_("description (English)"), blank=True, max_length=2000)
    is_builtin = models.BooleanField(_("built in"), default=False, editable=False)
    # Templates, sections and questions carry a revision that every save bumps; a form posts
    # the revision it was built from, so saving over someone else's newer change is refused.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("talk template")
        verbose_name_plural = _("talk templates")
        ordering = ["name_sv"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self, "name")

    @property
    def description(self) -> str:
        return in_language(self, "description")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


# The only status changes there are; each has its own service.
VERSION_TRANSITIONS: dict[str, frozenset[str]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.PUBLISHED}),
    VersionStatus.PUBLISHED: frozenset({VersionStatus.RETIRED}),
    VersionStatus.RETIRED: frozenset(),
}


class TemplateVersion(models.Model):
    template = models.ForeignKey(
        TalkTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="unique_version_number"),
            models.UniqueConstraint(
                fields=["template"],
                condition=models.Q(status="draft"),
                name="one_draft_per_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Phase(models.TextChoices):
    PREPARATION = "preparation", _("Preparation")
    TALK = "talk", _("The talk (shared record)")
    AFTERWARDS = "afterwards", _("Afterwards")


class Audience(models.TextChoices):
    ALL = "all", _("Everyone")
    RESEARCHERS = "researchers", _("Researchers")
    MANAGERS = "managers", _("Managers (their own talk)")


class AnsweredBy(models.TextChoices):
    EMPLOYEE_PREP = "employee_prep", _("Employee, in preparation")
    MANAGER_PREP = "manager_prep", _("Manager, in preparation")
    RECORD = "record", _("The shared record")
    SELF_EVALUATION = "self_evaluation", _("Each party, in the self-evaluation afterwards")


# Which answerers belong to which phase; publishing checks every question against this.
ANSWERERS_BY_PHASE: dict[str, frozenset[str]] = {
    Phase.PREPARATION: frozenset({AnsweredBy.EMPLOYEE_PREP, AnsweredBy.MANAGER_PREP}),
    Phase.TALK: frozenset({AnsweredBy.RECORD}),
    Phase.AFTERWARDS: frozenset({AnsweredBy.SELF_EVALUATION}),
}


class QuestionType(models.TextChoices):
    TEXT = "text", _("Free text")
    SCALE = "scale", _("Scale 1–5")
    YES_NO = "yes_no", _("Yes or no")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    PLAN_ITEM = "plan_item", _("Development plan item")


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})


class _DraftOnly(models.Model):
    """Refuses save and delete unless the owning version is a draft (the services check first;
    this is the last line of defence against a code path that forgets)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._version_status() != VersionStatus.DRAFT:
            raise ImmutableVersionError(str(_("Only a draft version can be changed.")))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self._version_status() != VersionStatus.DRAFT:
            raise ImmutableVersionError(str(_("Only a draft version can be changed.")))
        return super().delete(*args, **kwargs)

    def _version_status(self) -> str:
        raise NotImplementedError


class Section(_DraftOnly):
    version = models.ForeignKey(
        TemplateVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    key = models.SlugField(_("key"), max_length=60)
    position = models.PositiveIntegerField(_("position"))
    title_sv = models.CharField(_("title (Swedish)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    guidance_sv = models.TextField(_("guidance (Swedish)"), blank=True, max_length=4000)
    guidance_en = models.TextField(_("guidance (English)"), blank=True, max_length=4000)
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices)
    audience = models.CharField(
        _("audience"), max_length=12, choices=Audience.choices, default=Audience.ALL
    )
    # Researchers only: the career stages (R1–R4) the section is for; empty means all stages.
    career_stages = models.JSONField(_("career stages"), default=list, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=False)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="unique_section_key"),
        ]

    def __str__(self) -> str:
        return self.title or self.key

    def _version_status(self) -> str:
        return TemplateVersion.objects.values_list("status", flat=True).get(pk=self.version_id)

    @property
    def title(self) -> str:
        return in_language(self, "title")

    @property
    def guidance(self) -> str:
        return in_language(self, "guidance")


class Question(_DraftOnly):
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(_("key"), max_length=60)
    position = models.PositiveIntegerField(_("position"))
    text_sv = models.CharField(_("question (Swedish)"), max_length=500, blank=True)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    help_sv = models.TextField(_("help (Swedish)"), blank=True, max_length=2000)
    help_en = models.TextField(_("help (English)"), blank=True, max_length=2000)
    question_type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    answered_by = models.CharField(_("answered by"), max_length=20, choices=AnsweredBy.choices)
    scale_low_sv = models.CharField(_("label of 1 (Swedish)"), max_length=100, blank=True)
    scale_low_en = models.CharField(_("label of 1 (English)"), max_length=100, blank=True)
    scale_high_sv = models.CharField(_("label of 5 (Swedish)"), max_length=100, blank=True)
    scale_high_en = models.CharField(_("label of 5 (English)"), max_length=100, blank=True)
    # [{"sv": "...", "en": "..."}, ...] for single and multiple choice
    choices = models.JSONField(_("options"), default=list, blank=True)
    raises_observation = models.BooleanField(
        _("raises a work-environment observation"), default=False
    )
    salary_basis = models.BooleanField(_("goes into the salary talk basis"), default=False)
    upward_feedback = models.BooleanField(_("upward feedback to the manager"), default=False)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "key"], name="unique_question_key"),
        ]

    def __str__(self) -> str:
        return self.text or self.key

    def _version_status(self) -> str:
        return TemplateVersion.objects.values_list("status", flat=True).get(
            sections__pk=self.section_id
        )

    @property
    def text(self) -> str:
        return in_language(self, "text")

    @property
    def help(self) -> str:
        return in_language(self, "help")

    @property
    def scale_low(self) -> str:
        return in_language(self, "scale_low")

    @property
    def scale_high(self) -> str:
        return in_language(self, "scale_high")

    def choice_labels(self, language: str | None = None) -> list[str]:
        language = (language or get_language() or "sv")[:2]
        return [str(c.get("en" if language == "en" else "sv", "")) for c in self.choices]
