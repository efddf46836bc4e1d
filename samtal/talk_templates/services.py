"""Writes for talk templates. Only a draft version changes; publishing freezes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.services import history_record
from samtal.talk_templates.models import (
    VERSION_TRANSITIONS,
    ImmutableVersionError,
    Question,
    Section,
    TalkTemplate,
    TemplateVersion,
    VersionStatus,
)
from samtal.talk_templates.validation import publish_problems

SECTION_FIELDS = (
    "key",
    "title_sv",
    "title_en",
    "guidance_sv",
    "guidance_en",
    "phase",
    "audience",
    "career_stages",
    "mandatory",
)
QUESTION_FIELDS = (
    "key",
    "text_sv",
    "text_en",
    "help_sv",
    "help_en",
    "question_type",
    "answered_by",
    "scale_low_sv",
    "scale_low_en",
    "scale_high_sv",
    "scale_high_en",
    "choices",
    "raises_observation",
    "salary_basis",
    "upward_feedback",
)
TEMPLATE_FIELDS = ("name_sv", "name_en", "description_sv", "description_en")


def _require_draft(version: TemplateVersion) -> None:
    """Refuse unless the version is a draft, and lock its row until the transaction ends so a
    publish cannot land between this check and the edit (callers run inside atomic())."""
    status = (
        TemplateVersion.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=version.pk)
    )
    if status != VersionStatus.DRAFT:
        raise ImmutableVersionError(_("Only a draft version can be changed."))


def _claim_revision(obj: TalkTemplate | Section | Question, revision: int) -> None:
    """Bump obj's revision if it is still `revision`; otherwise someone saved in between."""
    model = type(obj)
    if not model._default_manager.filter(pk=obj.pk, revision=revision).update(
        revision=F("revision") + 1
    ):
        raise EditConflict(model._default_manager.filter(pk=obj.pk).first())
    obj.revision = revision + 1


def _changes(obj: models.Model, data: Mapping[str, Any], fields: tuple[str, ...]) -> dict:
    return {
        name: [getattr(obj, name), data[name]]
        for name in fields
        if name in data and getattr(obj, name) != data[name]
    }


# --- templates -------------------------------------------------------------------------------


def template_create(*, actor: Any, key: str, data: Mapping[str, Any]) -> TemplateVersion:
    """A new template with an empty draft version 1."""
    with transaction.atomic():
        template = TalkTemplate.objects.create(
            key=key, **{f: data.get(f, "") for f in TEMPLATE_FIELDS}
        )
        version = TemplateVersion.objects.create(template=template, number=1, created_by=actor)
        history_record(obj=template, actor=actor, action="template_created")
    return version


def template_copy(
    *, actor: Any, source: TemplateVersion, key: str, data: Mapping[str, Any]
) -> TemplateVersion:
    """A new template whose draft version 1 is a copy of `source` (any status)."""
    with transaction.atomic():
        template = TalkTemplate.objects.create(
            key=key, **{f: data.get(f, "") for f in TEMPLATE_FIELDS}
        )
        version = TemplateVersion.objects.create(
            template=template, number=1, created_by=actor, based_on=source
        )
        _copy_content(source, version)
        history_record(
            obj=template, actor=actor, action="template_created", changes={"copied_from": source}
        )
    return version


def template_update(
    *, actor: Any, template: TalkTemplate, revision: int, data: Mapping[str, Any]
) -> TalkTemplate:
    with transaction.atomic():
        _claim_revision(template, revision)
        template = TalkTemplate.objects.get(pk=template.pk)
        changes = _changes(template, data, TEMPLATE_FIELDS)
        for name, (_old, new) in changes.items():
            setattr(template, name, new)
        template.save(update_fields=[*changes, "updated_at"])
        if changes:
            history_record(obj=template, actor=actor, action="draft_edited", changes=changes)
    return template


# --- versions --------------------------------------------------------------------------------


def version_new_draft(*, actor: Any, version: TemplateVersion) -> TemplateVersion:
    """The template's draft to edit: the existing one, or a new one copied from `version`."""
    existing = TemplateVersion.objects.filter(
        template_id=version.template_id, status=VersionStatus.DRAFT
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            number = (
                TemplateVersion.objects.filter(template_id=version.template_id).aggregate(
                    n=Max("number")
                )["n"]
                or 0
            ) + 1
            draft = TemplateVersion.objects.create(
                template_id=version.template_id, number=number, created_by=actor, based_on=version
            )
            _copy_content(version, draft)
            history_record(
                obj=draft, actor=actor, action="draft_created", changes={"copied_from": version}
            )
    except IntegrityError:
        # Someone else created the draft at the same moment: use theirs.
        return TemplateVersion.objects.get(
            template_id=version.template_id, status=VersionStatus.DRAFT
        )
    return draft


def _copy_content(source: TemplateVersion, target: TemplateVersion) -> None:
    sections = list(source.sections.prefetch_related("questions").order_by("position"))
    new_sections = Section.objects.bulk_create(
        [
            Section(
                version=target,
                position=s.position,
                **{f: getattr(s, f) for f in SECTION_FIELDS},
            )
            for s in sections
        ]
    )
    Question.objects.bulk_create(
        [
            Question(
                section=new,
                position=q.position,
                **{f: getattr(q, f) for f in QUESTION_FIELDS},
            )
            for old, new in zip(sections, new_sections, strict=True)
            for q in old.questions.all()
        ]
    )


def _transition(version: TemplateVersion, target: str) -> None:
    if target not in VERSION_TRANSITIONS[version.status]:
        raise TransitionRefused(
            [
                _("A version that is “%(status)s” cannot become “%(target)s”.")
                % {
                    "status": version.get_status_display(),
                    "target": VersionStatus(target).label,
                }
            ]
        )


def version_publish(*, actor: Any, version: TemplateVersion) -> TemplateVersion:
    """Publish a draft: check it is complete (mandatory sections, both languages, consistent
    questions), freeze it, and retire the version it replaces. Refused with the list of
    problems otherwise; publishing twice is refused too."""
    with transaction.atomic():
        version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
        _transition(version, VersionStatus.PUBLISHED)
        problems = publish_problems(version)
        if problems:
            raise TransitionRefused(problems)
        now = timezone.now()
        replaced = list(
            TemplateVersion.objects.filter(
                template_id=version.template_id, status=VersionStatus.PUBLISHED
            )
        )
        for old in replaced:
            old.status, old.retired_at = VersionStatus.RETIRED, now
            old.save(update_fields=["status", "retired_at"])
            history_record(
                obj=old, actor=actor, action="version_retired", changes={"replaced_by": version}
            )
        version.status, version.published_at, version.published_by = (
            VersionStatus.PUBLISHED,
            now,
            actor,
        )
        version.save(update_fields=["status", "published_at", "published_by"])
        history_record(obj=version, actor=actor, action="version_published")
    return version


def version_retire(*, actor: Any, version: TemplateVersion) -> TemplateVersion:
    """Take a published version out of use for new rounds; talks held with it keep it."""
    with transaction.atomic():
        version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
        _transition(version, VersionStatus.RETIRED)
        version.status, version.retired_at = VersionStatus.RETIRED, timezone.now()
        version.save(update_fields=["status", "retired_at"])
        history_record(obj=version, actor=actor, action="version_retired")
    return version


def version_discard_draft(*, actor: Any, version: TemplateVersion) -> None:
    """Delete a draft that is not wanted; a template's only version cannot be discarded."""
    with transaction.atomic():
        _require_draft(version)
        if (
            not TemplateVersion.objects.filter(template_id=version.template_id)
            .exclude(pk=version.pk)
            .exists()
        ):
            raise TransitionRefused([_("The only version of a template cannot be discarded.")])
        history_record(
            obj=version.template,
            actor=actor,
            action="draft_edited",
            changes={"discarded_version": version.number},
        )
        Question.objects.filter(section__version=version).delete()
        version.sections.all().delete()
        version.delete()


# --- sections and questions ------------------------------------------------------------------


def _next_position(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(p=Max("position"))["p"] or 0) + 1


def section_add(*, actor: Any, version: TemplateVersion, data: Mapping[str, Any]) -> Section:
    with transaction.atomic():
        _require_draft(version)
        section = Section(
            version=version,
            position=_next_position(version.sections.all()),
            **{f: data[f] for f in SECTION_FIELDS if f in data},
        )
        section.full_clean()
        section.save()
        history_record(
            obj=version, actor=actor, action="draft_edited", changes={"section_added": section.key}
        )
    return section


def section_update(
    *, actor: Any, section: Section, revision: int, data: Mapping[str, Any]
) -> Section:
    with transaction.atomic():
        _require_draft(section.version)
        _claim_revision(section, revision)
        # Re-read: the caller's object may already carry the submitted values (a bound form).
        section = Section.objects.select_related("version").get(pk=section.pk)
        changes = _changes(section, data, SECTION_FIELDS)
        for name, (_old, new) in changes.items():
            setattr(section, name, new)
        section.full_clean()
        section.save()
        if changes:
            history_record(
                obj=section.version,
                actor=actor,
                action="draft_edited",
                changes={f"{section.key}.{k}": v for k, v in changes.items()},
            )
    return section


def section_delete(*, actor: Any, section: Section) -> None:
    with transaction.atomic():
        _require_draft(section.version)
        for question in section.questions.all():
            question.delete()
        section.delete()
        history_record(
            obj=section.version,
            actor=actor,
            action="draft_edited",
            changes={"section_deleted": section.key},
        )


def _move(obj: Section | Question, siblings: models.QuerySet, direction: str) -> bool:
    """Swap obj with its neighbour above ("up") or below ("down"); False at either end."""
    if direction == "up":
        neighbour = siblings.filter(position__lt=obj.position).order_by("-position").first()
    elif direction == "down":
        neighbour = siblings.filter(position__gt=obj.position).order_by("position").first()
    else:
        raise ValueError(direction)
    if neighbour is None:
        return False
    obj.position, neighbour.position = neighbour.position, obj.position
    obj.save(update_fields=["position"])
    neighbour.save(update_fields=["position"])
    return True


def section_move(*, actor: Any, section: Section, direction: str) -> bool:
    with transaction.atomic():
        _require_draft(section.version)
        section = Section.objects.select_for_update().get(pk=section.pk)
        return _move(section, section.version.sections.exclude(pk=section.pk), direction)


def question_add(*, actor: Any, section: Section, data: Mapping[str, Any]) -> Question:
    with transaction.atomic():
        _require_draft(section.version)
        question = Question(
            section=section,
            position=_next_position(section.questions.all()),
            **{f: data[f] for f in QUESTION_FIELDS if f in data},
        )
        question.full_clean()
        question.save()
        history_record(
            obj=section.version,
            actor=actor,
            action="draft_edited",
            changes={"question_added": f"{section.key}.{question.key}"},
        )
    return question


def question_update(
    *, actor: Any, question: Question, revision: int, data: Mapping[str, Any]
) -> Question:
    with transaction.atomic():
        _require_draft(question.section.version)
        _claim_revision(question, revision)
        question = Question.objects.select_related("section__version").get(pk=question.pk)
        changes = _changes(question, data, QUESTION_FIELDS)
        for name, (_old, new) in changes.items():
            setattr(question, name, new)
        question.full_clean()
        question.save()
        if changes:
            history_record(
                obj=question.section.version,
                actor=actor,
                action="draft_edited",
                changes={
                    f"{question.section.key}.{question.key}.{k}": v for k, v in changes.items()
                },
            )
    return question


def question_delete(*, actor: Any, question: Question) -> None:
    with transaction.atomic():
        _require_draft(question.section.version)
        question.delete()
        history_record(
            obj=question.section.version,
            actor=actor,
            action="draft_edited",
            changes={"question_deleted": f"{question.section.key}.{question.key}"},
        )


def question_move(*, actor: Any, question: Question, direction: str) -> bool:
    with transaction.atomic():
        _require_draft(question.section.version)
        question = Question.objects.select_for_update().get(pk=question.pk)
        return _move(question, question.section.questions.exclude(pk=question.pk), direction)
