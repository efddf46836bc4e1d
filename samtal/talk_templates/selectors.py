from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from samtal.accounts.permissions import Roles
from samtal.talk_templates.models import (
    Audience,
    Phase,
    Question,
    Section,
    TalkTemplate,
    TemplateVersion,
    VersionStatus,
)
from samtal.talk_templates.permissions import can_edit_templates


def templates_with_versions(*, roles: Roles) -> QuerySet[TalkTemplate]:
    versions = TemplateVersion.objects.order_by("-number")
    templates = TalkTemplate.objects.all()
    if not can_edit_templates(roles):
        versions = versions.filter(status=VersionStatus.PUBLISHED)
        templates = templates.filter(versions__status=VersionStatus.PUBLISHED).distinct()
    return templates.prefetch_related(Prefetch("versions", queryset=versions))


def version_get(*, roles: Roles, pk: int) -> TemplateVersion | None:
    versions = TemplateVersion.objects.select_related("template", "published_by")
    if not can_edit_templates(roles):
        versions = versions.filter(status=VersionStatus.PUBLISHED)
    return versions.filter(pk=pk).first()


def version_sections(*, version: TemplateVersion) -> list[Section]:
    """All sections with their questions, in order: two queries."""
    return list(
        version.sections.order_by("position").prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("position"))
        )
    )


@dataclass(frozen=True)
class Perspective:
    """Whose view of a version to show: the employee's or the manager's, for an employee at a
    researcher career stage (or none) who may themselves be a manager."""

    party: str = "employee"  # or "manager"
    career_stage: str = ""
    employee_is_manager: bool = False


def section_applies(section: Section, perspective: Perspective) -> bool:
    if section.audience == Audience.RESEARCHERS:
        if not perspective.career_stage:
            return False
        return not section.career_stages or perspective.career_stage in section.career_stages
    if section.audience == Audience.MANAGERS:
        return perspective.employee_is_manager
    return True


def question_applies(question: Question, section: Section, perspective: Perspective) -> bool:
    if section.phase != Phase.PREPARATION:
        return True
    return question.answered_by == f"{perspective.party}_prep"


@dataclass
class PhaseView:
    phase: str
    label: str
    sections: list[tuple[Section, list[Question]]]


def version_as_seen(*, version: TemplateVersion, perspective: Perspective) -> list[PhaseView]:
    """The sections and questions one party sees, grouped by phase."""
    phases = {p.value: PhaseView(p.value, str(p.label), []) for p in Phase}
    for section in version_sections(version=version):
        if not section_applies(section, perspective):
            continue
        questions = [
            q for q in section.questions.all() if question_applies(q, section, perspective)
        ]
        if questions:
            phases[section.phase].sections.append((section, questions))
    return [view for view in phases.values() if view.sections]
