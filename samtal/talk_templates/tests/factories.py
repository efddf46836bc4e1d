"""Small complete versions for tests: publishable as they stand."""

from __future__ import annotations

from samtal.talk_templates.models import (
    Question,
    Section,
    TalkTemplate,
    TemplateVersion,
)

_counter = {"n": 0}


def make_section(version: TemplateVersion, key: str, phase: str = "talk", **extra) -> Section:
    position = version.sections.count() + 1
    return Section.objects.create(
        version=version,
        key=key,
        position=position,
        phase=phase,
        title_sv=extra.pop("title_sv", f"Avsnitt {key}"),
        title_en=extra.pop("title_en", f"Section {key}"),
        **extra,
    )


def make_question(section: Section, key: str, **extra) -> Question:
    answered_by = {
        "preparation": "employee_prep",
        "talk": "record",
        "afterwards": "self_evaluation",
    }
    defaults = {
        "text_sv": f"Fråga {key}?",
        "text_en": f"Question {key}?",
        "question_type": "text",
        "answered_by": answered_by[section.phase],
    }
    defaults.update(extra)
    return Question.objects.create(
        section=section, key=key, position=section.questions.count() + 1, **defaults
    )


def make_draft(key: str | None = None) -> TemplateVersion:
    """A draft with the two mandatory sections, a preparation and an afterwards section."""
    _counter["n"] += 1
    template = TalkTemplate.objects.create(
        key=key or f"tmpl-{_counter['n']}", name_sv="Mall", name_en="Template"
    )
    version = TemplateVersion.objects.create(template=template, number=1)
    prep = make_section(version, "prep", "preparation")
    make_question(prep, "tasks")
    make_question(prep, "view", answered_by="manager_prep")
    work = make_section(version, "work_environment", mandatory=True)
    make_question(
        work,
        "workload",
        question_type="scale",
        scale_low_sv="För hög",
        scale_low_en="Too high",
        scale_high_sv="Lagom",
        scale_high_en="About right",
        raises_observation=True,
    )
    equal = make_section(version, "equal_conditions", mandatory=True)
    make_question(
        equal,
        "development",
        question_type="single_choice",
        choices=[{"sv": "Ja", "en": "Yes"}, {"sv": "Nej", "en": "No"}],
    )
    after = make_section(version, "afterwards", "afterwards")
    make_question(after, "how", question_type="yes_no", upward_feedback=True)
    return version
