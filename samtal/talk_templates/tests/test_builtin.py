"""Installing the built-in default template: published, complete, and installed only once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from samtal.core.models import HistoryEntry
from samtal.talk_templates import services
from samtal.talk_templates.builtin import default_template_install
from samtal.talk_templates.default_template import DEFAULT_TEMPLATE
from samtal.talk_templates.models import (
    Question,
    Section,
    TalkTemplate,
    TemplateVersion,
    VersionStatus,
)
from samtal.talk_templates.validation import publish_problems

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (TalkTemplate, TemplateVersion, Section, Question, HistoryEntry)
    }


def test_install_publishes_a_complete_version():
    version = default_template_install()
    assert version.status == VersionStatus.PUBLISHED
    assert version.number == 1
    assert version.published_at is not None
    assert version.template.key == DEFAULT_TEMPLATE["key"]
    assert version.template.is_builtin
    assert publish_problems(version) == []


def test_install_holds_all_of_the_data():
    version = default_template_install()
    sections = list(version.sections.order_by("position"))
    assert [s.key for s in sections] == [s["key"] for s in DEFAULT_TEMPLATE["sections"]]
    for section, data in zip(sections, DEFAULT_TEMPLATE["sections"], strict=True):
        assert (section.title_sv, section.title_en) == (data["title"]["sv"], data["title"]["en"])
        assert [q.key for q in section.questions.order_by("position")] == [
            q["key"] for q in data["questions"]
        ]
    assert Question.objects.filter(section__version=version).count() == sum(
        len(s["questions"]) for s in DEFAULT_TEMPLATE["sections"]
    )


def test_install_has_the_mandatory_sections():
    version = default_template_install()
    for key in ("work_environment", "equal_conditions"):
        section = version.sections.get(key=key)
        assert section.mandatory
        assert section.phase == "talk"
        assert section.questions.exists()


def test_install_has_researcher_and_manager_variants():
    version = default_template_install()
    stages = {
        stage
        for section in version.sections.filter(audience="researchers")
        for stage in section.career_stages
    }
    assert stages == {"R1", "R2", "R3", "R4"}
    assert version.sections.filter(audience="managers").exists()


def test_install_sets_the_flags():
    version = default_template_install()
    questions = Question.objects.filter(section__version=version)
    assert questions.filter(raises_observation=True, section__key="work_environment").exists()
    assert questions.filter(upward_feedback=True).exists()
    assert questions.filter(salary_basis=True).exists()


def test_install_is_idempotent():
    first = default_template_install()
    before = counts()
    second = default_template_install()
    assert second == first
    assert counts() == before


def test_install_keeps_hr_s_later_versions(hr):
    first = default_template_install()
    draft = services.version_new_draft(actor=hr.user, version=first)
    before = counts()
    # While HR edits a draft, the published version is still the current one.
    assert default_template_install() == first
    services.version_publish(actor=hr.user, version=draft)
    assert default_template_install() == draft
    assert TemplateVersion.objects.get(pk=first.pk).status == VersionStatus.RETIRED
    assert counts()["Question"] == before["Question"]


def test_install_records_who_published(admin_user):
    version = default_template_install(actor=admin_user)
    assert version.published_by == admin_user
    assert HistoryEntry.objects.filter(action="version_published").count() == 1


def test_load_default_template_command_is_rerunnable():
    out = StringIO()
    call_command("load_default_template", stdout=out)
    assert f"{DEFAULT_TEMPLATE['key']} v1" in out.getvalue()
    before = counts()
    call_command("load_default_template", stdout=StringIO())
    assert counts() == before


def test_policy_asking_for_more_leaves_the_default_as_a_draft(db):
    from samtal.core.models import OrgPolicy

    policy = OrgPolicy.current()
    policy.mandatory_section_keys = [*policy.mandatory_section_keys, "local_routines"]
    policy.save()
    version = default_template_install()
    assert version.is_draft
    assert version.sections.count() == len(DEFAULT_TEMPLATE["sections"])
    assert default_template_install() == version
