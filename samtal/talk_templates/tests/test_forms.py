"""The editor's forms: keys made from the text when left empty, options one per line, and the
messages for what cannot be saved."""

from __future__ import annotations

import pytest
from django.utils import translation

from samtal.talk_templates.forms import QuestionForm, SectionForm, TemplateEditForm, TemplateForm
from samtal.talk_templates.tests.factories import make_draft, make_question, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def version():
    return make_draft()


def section_form(version, instance=None, **data):
    fields = {"title_sv": "", "title_en": "", "phase": "talk", "audience": "all", "key": ""}
    fields.update(data)
    return SectionForm(fields, version=version, instance=instance)


def question_form(section, instance=None, **data):
    fields = {"text_sv": "", "text_en": "", "question_type": "text", "answered_by": "record"}
    fields.update(data)
    return QuestionForm(fields, section=section, instance=instance)


# --- keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("titles", "key"),
    [
        ({"title_sv": "Kompetens", "title_en": "Competence & experience"}, "competence_experience"),
        ({"title_sv": "Arbetsmiljö och hälsa"}, "arbetsmiljo_och_halsa"),
        ({"title_en": "  Future -- and career  "}, "future_and_career"),
        ({"title_sv": "???", "title_en": "–"}, "item"),
        ({"title_sv": "Ämne", "key": "my-own-key"}, "my_own_key"),
        ({"title_sv": "Ämne", "key": "Own_Key"}, "own_key"),
    ],
)
def test_section_key_is_made_from_the_title(version, titles, key):
    form = section_form(version, **titles)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == key


def test_section_key_made_from_the_title_avoids_siblings(version):
    make_section(version, "competence")
    make_section(version, "competence_2")
    form = section_form(version, title_en="Competence")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == "competence_3"


def test_long_title_gives_a_key_of_at_most_60_characters(version):
    title = "Working conditions " * 10
    first = section_form(version, title_en=title)
    assert first.is_valid(), first.errors
    key = first.cleaned_data["key"]
    assert len(key) <= 60
    assert not key.endswith("_")
    make_section(version, key)
    second = section_form(version, title_en=title)
    assert second.is_valid(), second.errors
    other = second.cleaned_data["key"]
    assert other != key
    assert len(other) <= 60
    assert "__" not in other
    assert other.endswith("_2")


@pytest.mark.parametrize(
    ("title", "key", "numbered"),
    [
        ("a" * 59 + " bcdef", "a" * 59, "a" * 55 + "_2"),
        ("a" * 54 + " bcdefghij", "a" * 54 + "_bcdef", "a" * 54 + "_2"),
    ],
)
def test_a_key_cut_short_does_not_end_in_an_underscore(version, title, key, numbered):
    form = section_form(version, title_en=title)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == key
    make_section(version, key)
    form = section_form(version, title_en=title)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == numbered


def test_editing_a_section_keeps_its_own_key(version):
    section = version.sections.get(key="prep")
    form = section_form(
        version, instance=section, title_sv="Förberedelse", key="prep", revision=section.revision
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == "prep"


def test_a_given_section_key_taken_by_a_sibling_is_refused(version):
    form = section_form(version, title_sv="Ny", key="work-environment")
    assert not form.is_valid()
    assert form.errors["key"] == ["Another section in this version has the key “work_environment”."]


def test_the_same_section_key_in_another_version_is_fine(version):
    other = make_draft()
    form = section_form(other, title_sv="Förberedelse", key="prep")
    assert version.sections.filter(key="prep").exists()
    assert not form.is_valid()  # "prep" exists in other too (make_draft) ...
    form = section_form(other, title_sv="Ny", key="only_here")
    make_section(version, "only_here")
    assert form.is_valid(), form.errors  # ... but a key of another version does not count


def test_question_key_is_made_from_the_text(version):
    section = version.sections.get(key="work_environment")
    form = question_form(section, text_sv="Hur mår du?", text_en="How are you?")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == "how_are_you"
    form = question_form(section, text_sv="Hur mår du?")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == "hur_mar_du"


def test_question_key_avoids_keys_in_the_same_section_only(version):
    section = version.sections.get(key="work_environment")
    make_question(section, "how_are_you")
    form = question_form(section, text_en="How are you?")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == "how_are_you_2"
    other = version.sections.get(key="equal_conditions")
    form = question_form(other, text_en="How are you?")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["key"] == "how_are_you"


# --- options ----------------------------------------------------------------------------


def test_options_are_read_one_per_line(version):
    section = version.sections.get(key="work_environment")
    form = question_form(
        section,
        text_sv="Vad stör?",
        question_type="multiple_choice",
        choices_sv="  Buller \n\n Ljus\r\n",
        choices_en="Noise\nLight\n\n",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["choices"] == [
        {"sv": "Buller", "en": "Noise"},
        {"sv": "Ljus", "en": "Light"},
    ]


def test_options_in_one_language_only_may_be_saved(version):
    """A draft may be half translated; publishing then names the missing options."""
    section = version.sections.get(key="work_environment")
    form = question_form(
        section, text_sv="Vad stör?", question_type="single_choice", choices_sv="Buller\nLjus"
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["choices"] == [{"sv": "Buller", "en": ""}, {"sv": "Ljus", "en": ""}]


def test_a_non_choice_question_has_no_options(version):
    section = version.sections.get(key="work_environment")
    form = question_form(section, text_sv="Vad?", question_type="scale")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["choices"] == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"question_type": "single_choice", "choices_sv": "A"},
            "choices_sv",
            "A choice question needs at least two options.",
        ),
        (
            {"question_type": "multiple_choice", "choices_sv": "A\nB", "choices_en": "A\nB\nC"},
            "choices_en",
            "There are 2 Swedish and 3 English options; give the same number.",
        ),
        (
            {"question_type": "plan_item", "choices_en": "A\nB"},
            "choices_sv",
            "Only single and multiple choice questions have options.",
        ),
        (
            {"question_type": "single_choice", "choices_sv": "A\n" + "b" * 201},
            "choices_sv",
            "An option is longer than 200 characters.",
        ),
        (
            {"text_sv": " ", "text_en": ""},
            "text_sv",
            "Write the question text in Swedish, English or both (both are needed to publish).",
        ),
    ],
)
def test_question_form_messages(version, data, field, message):
    section = version.sections.get(key="work_environment")
    form = question_form(section, **{"text_sv": "Fråga?", **data})
    assert not form.is_valid()
    assert form.errors[field] == [message]


@pytest.mark.parametrize(
    ("phase", "answerers"),
    [
        ("preparation", ["employee_prep", "manager_prep"]),
        ("talk", ["record"]),
        ("afterwards", ["self_evaluation"]),
    ],
)
def test_question_form_offers_only_answerers_of_the_phase(version, phase, answerers):
    section = make_section(version, f"s_{phase}", phase)
    widget = QuestionForm(section=section).fields["answered_by"].widget
    assert [value for value, _label in widget.choices] == answerers


# --- sections and templates -------------------------------------------------------------


def test_career_stages_only_for_researchers(version):
    form = section_form(version, title_sv="Karriär", career_stages=["R2"])
    assert not form.is_valid()
    assert form.errors["career_stages"] == [
        "Career stages can only be chosen for a section for researchers."
    ]
    form = section_form(version, title_sv="Karriär", career_stages=["R2"], audience="researchers")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["career_stages"] == ["R2"]


def test_section_needs_a_title_in_one_language(version):
    form = section_form(version)
    assert not form.is_valid()
    assert form.errors["title_sv"] == [
        "Write the title in Swedish, English or both (both are needed to publish)."
    ]
    assert section_form(version, title_en="Only English").is_valid()


@pytest.mark.parametrize("form_class", [TemplateForm, TemplateEditForm])
def test_template_name_is_needed_in_both_languages(version, form_class):
    data = {"key": "ny", "name_sv": "Ny mall", "name_en": "", "revision": 1}
    form = form_class(data, instance=version.template if form_class is TemplateEditForm else None)
    assert not form.is_valid()
    assert form.errors == {"name_en": ["This field is required."]}
    form = form_class({**data, "name_en": "New template"})
    assert form.is_valid(), form.errors


def test_template_edit_form_needs_the_revision(version):
    form = TemplateEditForm({"name_sv": "Mall", "name_en": "Template"}, instance=version.template)
    assert not form.is_valid()
    assert "revision" in form.errors
