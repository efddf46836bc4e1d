"""Installs the built-in default template (samtal/talk_templates/default_template.py)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from samtal.talk_templates.default_template import DEFAULT_TEMPLATE
from samtal.talk_templates.models import (
    Question,
    Section,
    TalkTemplate,
    TemplateVersion,
    VersionStatus,
)
from samtal.talk_templates.services import TransitionRefused, version_publish

FLAGS = ("raises_observation", "salary_basis", "upward_feedback")


def _pair(value: dict[str, str] | None, field: str) -> dict[str, str]:
    value = value or {}
    return {f"{field}_sv": value.get("sv", ""), f"{field}_en": value.get("en", "")}


def default_template_install(*, actor: Any = None) -> TemplateVersion:
    """Create and publish the default template unless it exists; return its current version.

    Running it again changes nothing: HR's later edits to the template are theirs to keep. If
    the organisation's policy makes a section mandatory that the built-in template lacks, the
    template is left as a draft for HR to complete.
    """
    data = DEFAULT_TEMPLATE
    existing = TalkTemplate.objects.filter(key=data["key"]).first()
    if existing is not None:
        versions = existing.versions.order_by("-number")
        return versions.filter(status=VersionStatus.PUBLISHED).first() or versions.first()  # type: ignore[return-value]
    with transaction.atomic():
        template = TalkTemplate.objects.create(
            key=data["key"],
            is_builtin=True,
            **_pair(data["name"], "name"),
            **_pair(data.get("description"), "description"),
        )
        version = TemplateVersion.objects.create(template=template, number=1, created_by=actor)
        sections = Section.objects.bulk_create(
            [
                Section(
                    version=version,
                    position=position,
                    key=section["key"],
                    phase=section["phase"],
                    audience=section.get("audience", "all"),
                    career_stages=list(section.get("career_stages", [])),
                    mandatory=bool(section.get("mandatory", False)),
                    **_pair(section["title"], "title"),
                    **_pair(section.get("guidance"), "guidance"),
                )
                for position, section in enumerate(data["sections"], start=1)
            ]
        )
        questions = []
        for section, section_data in zip(sections, data["sections"], strict=True):
            for position, question in enumerate(section_data["questions"], start=1):
                scale = question.get("scale") or {}
                questions.append(
                    Question(
                        section=section,
                        position=position,
                        key=question["key"],
                        question_type=question["type"],
                        answered_by=question["answered_by"],
                        choices=[dict(c) for c in question.get("choices", [])],
                        **_pair(question["text"], "text"),
                        **_pair(question.get("help"), "help"),
                        **_pair(scale.get("low"), "scale_low"),
                        **_pair(scale.get("high"), "scale_high"),
                        **{flag: flag in question.get("flags", ()) for flag in FLAGS},
                    )
                )
        Question.objects.bulk_create(questions)
        for item in [*sections, *questions]:
            item.full_clean()
    try:
        return version_publish(actor=actor, version=version)
    except TransitionRefused:
        # The organisation's policy asks for more than the built-in template has (a mandatory
        # section of its own): HR completes the draft in the editor and publishes it there.
        return version
