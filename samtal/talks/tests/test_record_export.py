"""The agreed record as PDF and Word and the salary talk basis as PDF: what they contain in
both languages, and that nothing but a version agreed by both can be exported."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from samtal.core.tests.documents import docx_text, pdf_text
from samtal.talk_templates.models import Question
from samtal.talks import record, record_export, services
from samtal.talks.content_selectors import record_of
from samtal.talks.models import Agreement, Record, RecordVersion, Talk
from samtal.talks.tests.factories import booked_talk

pytestmark = pytest.mark.django_db

LANGUAGES = ["sv", "en"]
PASSED_ON = "Erik leads the new course next spring."


def question(talk: Talk, key: str) -> Question:
    return Question.objects.get(section__version=talk.template_version, key=key)


def held_talk(employee: Any, *, note_taker: str = "manager", **extra: Any) -> Talk:
    """A booked talk moved into the past and marked held by the manager."""
    talk = booked_talk(employee, **extra)
    Talk.objects.filter(pk=talk.pk).update(starts_at=timezone.now() - dt.timedelta(days=1))
    talk.refresh_from_db()
    return services.talk_mark_held(
        talk=talk, actor=talk.manager.user, revision=talk.revision, note_taker=note_taker
    )


def write_record(talk: Talk, *, workload: int = 4, development: int = 0) -> Record:
    """The note-taker writes every record question and what may be passed on."""
    current = record_of(talk)
    assert current is not None
    writer = talk.manager if current.note_taker == "manager" else talk.employee
    record.record_entry_save(
        record=current,
        actor=writer.user,
        question=question(talk, "workload"),
        text="Too many courses this autumn.",
        value=workload,
        revision=0,
    )
    record.record_entry_save(
        record=current,
        actor=writer.user,
        question=question(talk, "development"),
        text="A course in project management.",
        value=development,
        revision=0,
    )
    current.refresh_from_db()
    record.record_passed_on_save(record=current, actor=writer.user, text=PASSED_ON, revision=0)
    current.refresh_from_db()
    return current


def send(talk: Talk) -> RecordVersion:
    current = record_of(talk)
    assert current is not None
    writer = talk.manager if current.note_taker == "manager" else talk.employee
    return record.record_send(record=current, actor=writer.user, revision=current.revision)


def agree(talk: Talk, version: RecordVersion, *who: Any) -> None:
    for person in who:
        current = record_of(talk)
        assert current is not None
        record.record_agree(
            record=current,
            actor=person.user,
            version_number=version.number,
            hash_=version.content_hash,
        )


def agreed_talk(employee: Any, *, salary_flagged: bool = False, **extra: Any) -> Talk:
    """A held talk whose record version 1 both parties agreed to."""
    talk = held_talk(employee, **extra)
    if salary_flagged:
        # The template is published (immutable through the model), so flag it directly.
        Question.objects.filter(pk=question(talk, "workload").pk).update(salary_basis=True)
    write_record(talk)
    version = send(talk)
    agree(talk, version, talk.employee, talk.manager)
    return talk


def agreed_version(talk: Talk) -> RecordVersion:
    current = record_of(talk)
    assert current is not None
    assert current.agreed_version is not None
    return current.agreed_version


@pytest.fixture
def talk(employee) -> Talk:
    return agreed_talk(employee, salary_flagged=True)


def stockholm(moment: dt.datetime) -> str:
    return timezone.localtime(moment, record_export.STOCKHOLM).strftime("%Y-%m-%d %H:%M")


EXPECTED = {
    "sv": {
        "section": "Avsnitt work_environment",
        "workload": "Fråga workload?",
        "scale": "(Lagom)",
        "development": "Fråga development?",
        "choice": "Ja",
        "other_section": "Section work_environment",
    },
    "en": {
        "section": "Section work_environment",
        "workload": "Question workload?",
        "scale": "(About right)",
        "development": "Question development?",
        "choice": "Yes",
        "other_section": "Avsnitt work_environment",
    },
}


def render(kind: str, version: RecordVersion, language: str) -> str:
    if kind == "pdf":
        return pdf_text(record_export.record_pdf(version, language=language))
    return docx_text(record_export.record_docx(version, language=language))


@pytest.mark.parametrize("kind", ["pdf", "docx"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_record_export_holds_everything_agreed(settings, talk, employee, manager, kind, language):
    settings.SAMTAL_ORGANISATION_NAME = "Umeå universitet"
    version = agreed_version(talk)
    text = render(kind, version, language)
    expected = EXPECTED[language]
    assert "Umeå universitet" in text
    assert "Erik Medarbetare" in text
    assert "Maja Chef" in text
    assert version.content["held_on"] in text
    assert "Maja Chef" in text.split(version.content["held_on"], 1)[1]  # the note-taker line
    assert expected["section"] in text
    assert expected["other_section"] not in text
    assert expected["workload"] in text
    assert expected["development"] in text
    assert "Too many courses this autumn." in text
    assert "A course in project management." in text
    assert expected["choice"] in text
    assert PASSED_ON in text
    agreements = Agreement.objects.filter(version=version)
    assert agreements.count() == 2
    for agreement in agreements:
        assert stockholm(agreement.agreed_at) in text
        assert agreement.content_hash[:12] in text
    assert version.content_hash[:13] not in text


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_record_export_in_english_spells_out_labels(talk, kind):
    text = render(kind, agreed_version(talk), "en")
    assert "Development talk – agreed record" in text
    assert "4 of 5" in text
    assert "What may be passed on to others" in text
    assert "Version" in text
    assert "Notes taken by Maja Chef" in text


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_scale_end_points_show_their_label(employee, kind):
    talk = held_talk(employee)
    write_record(talk, workload=5, development=1)
    version = send(talk)
    agree(talk, version, talk.employee, talk.manager)
    english = render(kind, version, "en")
    assert "5 of 5 (About right)" in english
    assert "No" in english
    swedish = render(kind, version, "sv")
    assert "(Lagom)" in swedish
    assert "Nej" in swedish
    assert "About right" not in swedish


@pytest.mark.parametrize("kind", ["pdf", "docx"])
@pytest.mark.parametrize("on", [True, False])
def test_public_records_notice(settings, talk, kind, on):
    settings.SAMTAL_PUBLIC_RECORDS_NOTICE = on
    text = render(kind, agreed_version(talk), "en")
    assert ("allmän handling" in text) is on
    assert ("may become a public record" in text) is on


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_version_agreed_by_one_party_cannot_be_exported(employee, kind):
    talk = held_talk(employee)
    write_record(talk)
    version = send(talk)
    agree(talk, version, talk.employee)
    with pytest.raises(ValueError, match="agreed by both"):
        render(kind, version, "sv")
    with pytest.raises(ValueError, match="agreed by both"):
        record_export.salary_basis_pdf(version, language="sv")


def test_a_voided_version_cannot_be_exported(employee):
    talk = held_talk(employee)
    write_record(talk)
    version = send(talk)
    agree(talk, version, talk.employee)
    current = record_of(talk)
    assert current is not None
    entry = current.entries.get(question__key="workload")
    record.record_entry_save(
        record=current,
        actor=talk.manager.user,
        question=entry.question,
        text="Changed after the employee agreed.",
        value=3,
        revision=entry.revision,
    )
    version.refresh_from_db()
    assert version.voided_at is not None
    assert not record_export.is_agreed_by_both(version)
    with pytest.raises(ValueError, match="agreed by both"):
        record_export.record_pdf(version, language="en")


def test_an_earlier_agreed_version_stays_exportable_during_a_correction(talk):
    version = agreed_version(talk)
    current = record_of(talk)
    assert current is not None
    record.record_correct(record=current, actor=talk.manager.user, revision=current.revision)
    assert record_export.is_agreed_by_both(version)
    assert "Too many courses" in render("docx", version, "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_salary_basis_holds_only_the_flagged_answers(talk, language):
    version = agreed_version(talk)
    text = pdf_text(record_export.salary_basis_pdf(version, language=language))
    expected = EXPECTED[language]
    title, purpose = {
        "en": ("Basis for the salary talk", "input to the separate salary talk"),
        "sv": ("Underlag för lönesamtalet", "underlag för det separata lönesamtalet"),
    }[language]
    assert title in text
    assert purpose in text
    assert "Erik Medarbetare" in text
    assert "Maja Chef" in text
    assert expected["workload"] in text  # flagged
    assert "Too many courses this autumn." in text
    assert {"en": "4 of 5", "sv": "4 av 5"}[language] in text
    assert expected["development"] not in text  # not flagged
    assert "A course in project management." not in text
    assert PASSED_ON not in text
    assert {
        "en": "No development plan outcomes yet.",
        "sv": "Inga resultat av utvecklingsplanen ännu.",
    }[language] in text
    agreed_on = max(a.agreed_at for a in Agreement.objects.filter(version=version))
    assert timezone.localtime(agreed_on, record_export.STOCKHOLM).date().isoformat() in text
    assert f"version {version.number}" in text


def test_salary_basis_without_flagged_answers_and_with_plan_outcomes(employee):
    talk = agreed_talk(employee)
    text = pdf_text(
        record_export.salary_basis_pdf(
            agreed_version(talk), language="en", plan_outcomes=["Finished the course in R."]
        )
    )
    assert "No answers of the agreed record are marked for the salary talk." in text
    assert "Question workload?" not in text
    assert "Finished the course in R." in text
    assert "No development plan outcomes yet." not in text


def test_value_text_for_each_type():
    with translation.override("en"):
        assert record_export.value_text({"type": "scale", "value": 3}, "en") == "3 of 5"
        assert record_export.value_text({"type": "scale", "value": 1}, "en", ("Low", "High")) == (
            "1 of 5 (Low)"
        )
        assert record_export.value_text({"type": "scale", "value": 4}, "en", ("Low", "High")) == (
            "4 of 5 (1 = Low, 5 = High)"
        )
        assert record_export.value_text({"type": "yes_no", "value": False}, "en") == "No"
        choices = [{"sv": "Kurs", "en": "Course"}, {"sv": "Mentor", "en": "Mentoring"}]
        assert (
            record_export.value_text(
                {"type": "multiple_choice", "value": [0, 1], "choices": choices}, "sv"
            )
            == "Kurs, Mentor"
        )
        assert (
            record_export.value_text(
                {"type": "single_choice", "value": 9, "choices": choices}, "en"
            )
            == ""
        )
        assert record_export.value_text({"type": "text", "value": None}, "en") == ""
