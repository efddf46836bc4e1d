import pytest
from django.utils import translation

from samtal.core.models import HistoryEntry, OrgPolicy
from samtal.talk_templates import services
from samtal.talk_templates.models import (
    ImmutableVersionError,
    Question,
    Section,
    TemplateVersion,
    VersionStatus,
)
from samtal.talk_templates.tests.factories import make_draft, make_question, make_section
from samtal.talk_templates.validation import publish_problems

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _snapshot(version):
    return list(
        Question.objects.filter(section__version=version)
        .order_by("pk")
        .values_list("section__key", "section__title_sv", "key", "text_sv", "position")
    )


def test_complete_draft_publishes_and_is_recorded(hr):
    version = make_draft()
    assert publish_problems(version) == []
    services.version_publish(actor=hr.user, version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_by == hr.user
    assert HistoryEntry.objects.filter(action="version_published").count() == 1


def test_publishing_twice_is_refused(hr):
    version = make_draft()
    services.version_publish(actor=hr.user, version=version)
    with pytest.raises(services.TransitionRefused):
        services.version_publish(actor=hr.user, version=version)


def test_published_version_is_immutable_through_every_service(hr):
    version = make_draft()
    services.version_publish(actor=hr.user, version=version)
    section = version.sections.get(key="work_environment")
    question = section.questions.get()
    before = _snapshot(version)
    attempts = [
        lambda: services.section_add(
            actor=hr.user, version=version, data={"key": "x", "phase": "talk", "title_sv": "X"}
        ),
        lambda: services.section_update(
            actor=hr.user, section=section, revision=section.revision, data={"title_sv": "Nytt"}
        ),
        lambda: services.section_delete(actor=hr.user, section=section),
        lambda: services.section_move(actor=hr.user, section=section, direction="up"),
        lambda: services.question_add(
            actor=hr.user,
            section=section,
            data={"key": "y", "text_sv": "Y", "question_type": "text", "answered_by": "record"},
        ),
        lambda: services.question_update(
            actor=hr.user, question=question, revision=question.revision, data={"text_sv": "Ändrad"}
        ),
        lambda: services.question_delete(actor=hr.user, question=question),
        lambda: services.question_move(actor=hr.user, question=question, direction="down"),
    ]
    for attempt in attempts:
        with pytest.raises(ImmutableVersionError):
            attempt()
    assert _snapshot(version) == before


def test_model_guard_refuses_direct_saves_on_published_version(hr):
    version = make_draft()
    services.version_publish(actor=hr.user, version=version)
    question = Question.objects.filter(section__version=version).first()
    assert question is not None
    question.text_sv = "Ändrad direkt"
    with pytest.raises(ImmutableVersionError):
        question.save()
    with pytest.raises(ImmutableVersionError):
        Section.objects.get(version=version, key="prep").delete()
    assert not Question.objects.filter(text_sv="Ändrad direkt").exists()


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (lambda v: v.sections.get(key="work_environment").delete(), "work_environment"),
        (lambda v: v.sections.get(key="equal_conditions").delete(), "equal_conditions"),
        (
            lambda v: Section.objects.filter(version=v, key="prep").update(title_en=""),
            "title in English",
        ),
        (
            lambda v: Section.objects.filter(version=v, key="prep").update(title_sv=""),
            "title in Swedish",
        ),
        (
            lambda v: Section.objects.filter(version=v, key="prep").update(
                guidance_sv="Bara svenska"
            ),
            "guidance in English",
        ),
        (
            lambda v: Question.objects.filter(key="tasks").update(text_en=""),
            "question text in English",
        ),
        (
            lambda v: Question.objects.filter(key="tasks").update(help_en="Only English"),
            "help text in Swedish",
        ),
        (
            lambda v: Question.objects.filter(key="workload").update(scale_high_en=""),
            "label of 5 in English",
        ),
        (
            lambda v: Question.objects.filter(key="development").update(
                choices=[{"sv": "Ja", "en": "Yes"}]
            ),
            "at least two options",
        ),
        (
            lambda v: Question.objects.filter(key="development").update(
                choices=[{"sv": "Ja", "en": ""}, {"sv": "Nej", "en": "No"}]
            ),
            "option 1 has no text in English",
        ),
        (
            lambda v: Question.objects.filter(key="tasks").update(choices=[{"sv": "A", "en": "A"}]),
            "only choice questions",
        ),
        (
            lambda v: Question.objects.filter(key="tasks").update(answered_by="record"),
            "does not fit",
        ),
        (
            lambda v: Section.objects.filter(version=v, key="prep").update(career_stages=["R1"]),
            "career stages",
        ),
        (lambda v: Question.objects.filter(section__key="afterwards").delete(), "has no questions"),
        (
            lambda v: type(v.template).objects.filter(pk=v.template_id).update(name_en=""),
            "name in English",
        ),
    ],
)
def test_publish_validation_names_what_is_missing(hr, breaks, expected):
    version = make_draft()
    breaks(version)
    version = TemplateVersion.objects.get(pk=version.pk)
    problems = publish_problems(version)
    assert any(expected in p for p in problems), problems
    with pytest.raises(services.TransitionRefused):
        services.version_publish(actor=hr.user, version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_org_policy_decides_mandatory_sections(hr):
    policy = OrgPolicy.current()
    policy.mandatory_section_keys = ["work_environment", "equal_conditions", "career"]
    policy.save()
    version = make_draft()
    assert any("career" in p for p in publish_problems(version))
    career = make_section(version, "career")
    make_question(career, "next")
    assert publish_problems(version) == []


def test_new_draft_copies_content_and_publish_retires_the_old(hr):
    v1 = make_draft()
    services.version_publish(actor=hr.user, version=v1)
    v2 = services.version_new_draft(actor=hr.user, version=v1)
    assert v2.number == 2
    assert v2.is_draft
    assert v2.based_on == v1
    assert services.version_new_draft(actor=hr.user, version=v1) == v2  # one draft at a time
    assert [(k, t) for k, _s, _q, t, _p in _snapshot(v2)] == [
        (k, t) for k, _s, _q, t, _p in _snapshot(v1)
    ]
    section = v2.sections.get(key="prep")
    services.section_update(
        actor=hr.user, section=section, revision=section.revision, data={"title_sv": "Förberedelse"}
    )
    services.version_publish(actor=hr.user, version=v2)
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    assert v1.sections.get(key="prep").title_sv == "Avsnitt prep"


def test_retire_and_refused_transitions(hr):
    version = make_draft()
    with pytest.raises(services.TransitionRefused):
        services.version_retire(actor=hr.user, version=version)
    services.version_publish(actor=hr.user, version=version)
    services.version_retire(actor=hr.user, version=version)
    with pytest.raises(services.TransitionRefused):
        services.version_retire(actor=hr.user, version=version)


def test_reorder_sections_and_questions(hr):
    version = make_draft()
    keys = lambda: list(version.sections.order_by("position").values_list("key", flat=True))  # noqa: E731
    first = keys()
    section = version.sections.get(key="equal_conditions")
    assert services.section_move(actor=hr.user, section=section, direction="up")
    assert keys() == [first[0], "equal_conditions", "work_environment", first[3]]
    top = version.sections.get(key=first[0])
    assert not services.section_move(actor=hr.user, section=top, direction="up")
    prep = version.sections.get(key="prep")
    question = prep.questions.get(key="view")
    services.question_move(actor=hr.user, question=question, direction="up")
    assert list(prep.questions.order_by("position").values_list("key", flat=True)) == [
        "view",
        "tasks",
    ]
    with pytest.raises(ValueError, match="sideways"):
        services.question_move(actor=hr.user, question=question, direction="sideways")


def test_concurrent_edit_is_refused_not_overwritten(hr):
    version = make_draft()
    section = version.sections.get(key="prep")
    opened = section.revision
    services.section_update(
        actor=hr.user, section=section, revision=opened, data={"title_sv": "Först"}
    )
    with pytest.raises(services.EditConflict) as conflict:
        services.section_update(
            actor=hr.user, section=section, revision=opened, data={"title_sv": "Sedan"}
        )
    current = conflict.value.current
    assert isinstance(current, Section)
    assert current.title_sv == "Först"
    section.refresh_from_db()
    assert section.title_sv == "Först"


def test_copy_to_new_template_and_discard(hr):
    v1 = make_draft()
    services.version_publish(actor=hr.user, version=v1)
    copy = services.template_copy(
        actor=hr.user, source=v1, key="kopia", data={"name_sv": "Kopia", "name_en": "Copy"}
    )
    assert copy.template.key == "kopia"
    assert copy.number == 1
    assert copy.is_draft
    assert copy.sections.count() == v1.sections.count()
    with pytest.raises(services.TransitionRefused):
        services.version_discard_draft(actor=hr.user, version=copy)
    v2 = services.version_new_draft(actor=hr.user, version=v1)
    services.version_discard_draft(actor=hr.user, version=v2)
    assert not TemplateVersion.objects.filter(pk=v2.pk).exists()
