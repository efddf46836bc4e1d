"""The built-in default template is well-formed data that can be published (no database)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from samtal.core.models import OrgPolicy
from samtal.talk_templates.default_template import DEFAULT_TEMPLATE
from samtal.talk_templates.models import (
    ANSWERERS_BY_PHASE,
    CHOICE_TYPES,
    Audience,
    Phase,
    Question,
    QuestionType,
    Section,
    TalkTemplate,
)

SECTIONS: list[dict[str, Any]] = DEFAULT_TEMPLATE["sections"]
QUESTIONS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (section, question) for section in SECTIONS for question in section["questions"]
]
FLAGS = {"raises_observation", "salary_basis", "upward_feedback"}
CAREER_STAGES = {"R1", "R2", "R3", "R4"}
SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")

SECTION_FIELDS = {
    "key",
    "phase",
    "audience",
    "career_stages",
    "mandatory",
    "title",
    "guidance",
    "questions",
}
QUESTION_FIELDS = {"key", "type", "answered_by", "text", "help", "scale", "choices", "flags"}


def _limit(model: Any, field: str) -> int:
    return model._meta.get_field(f"{field}_sv").max_length


def _assert_bilingual(value: Any, limit: int, where: str) -> None:
    assert isinstance(value, dict), f"{where}: not a {{sv, en}} dict"
    assert set(value) == {"sv", "en"}, f"{where}: languages {sorted(value)}"
    for language, text in value.items():
        assert isinstance(text, str), f"{where} ({language}): not a string"
        assert text.strip(), f"{where} ({language}): empty"
        assert text == text.strip(), f"{where} ({language}): stray whitespace"
        assert "  " not in text, f"{where} ({language}): double space"
        assert len(text) <= limit, f"{where} ({language}): {len(text)} > {limit} characters"


def _assert_slug(key: Any, where: str) -> None:
    assert isinstance(key, str), f"{where}: key is not a string"
    assert SLUG.match(key), f"{where}: {key!r} is not a lower-case slug"
    assert len(key) <= 60, f"{where}: {key!r} is longer than 60 characters"


def test_template_identity():
    _assert_slug(DEFAULT_TEMPLATE["key"], "template")
    assert DEFAULT_TEMPLATE["key"] == "samtal-standard"
    assert DEFAULT_TEMPLATE["name"] == {"sv": "Utvecklingssamtal", "en": "Development talk"}
    _assert_bilingual(DEFAULT_TEMPLATE["name"], _limit(TalkTemplate, "name"), "name")
    _assert_bilingual(
        DEFAULT_TEMPLATE["description"], _limit(TalkTemplate, "description"), "description"
    )


def test_limits_match_the_models():
    # The limits the brief gives; if the models change, the data must be checked again.
    assert _limit(Section, "title") == 200
    assert _limit(Section, "guidance") == 4000
    assert _limit(Question, "text") == 500
    assert _limit(Question, "help") == 2000
    assert _limit(Question, "scale_low") == 100
    assert _limit(Question, "scale_high") == 100


@pytest.mark.parametrize("section", SECTIONS, ids=[s["key"] for s in SECTIONS])
def test_section_is_well_formed(section):
    where = f"section {section['key']}"
    assert set(section) == SECTION_FIELDS, where
    _assert_slug(section["key"], where)
    assert section["phase"] in Phase.values, where
    assert section["audience"] in Audience.values, where
    assert isinstance(section["mandatory"], bool), where
    stages = section["career_stages"]
    assert isinstance(stages, list), where
    assert set(stages) <= CAREER_STAGES, where
    assert len(stages) == len(set(stages)), where
    if stages:
        assert section["audience"] == Audience.RESEARCHERS, f"{where}: stages only for researchers"
    _assert_bilingual(section["title"], _limit(Section, "title"), f"{where} title")
    _assert_bilingual(section["guidance"], _limit(Section, "guidance"), f"{where} guidance")
    assert section["questions"], f"{where}: no questions"


def test_keys_are_unique():
    section_keys = Counter(s["key"] for s in SECTIONS)
    assert [k for k, n in section_keys.items() if n > 1] == []
    for section in SECTIONS:
        question_keys = Counter(q["key"] for q in section["questions"])
        assert [k for k, n in question_keys.items() if n > 1] == [], section["key"]


@pytest.mark.parametrize(
    ("section", "question"),
    QUESTIONS,
    ids=[f"{s['key']}.{q['key']}" for s, q in QUESTIONS],
)
def test_question_is_well_formed(section, question):
    where = f"question {section['key']}.{question['key']}"
    assert set(question) <= QUESTION_FIELDS, f"{where}: unknown fields"
    assert {"key", "type", "answered_by", "text", "flags"} <= set(question), where
    _assert_slug(question["key"], where)
    _assert_bilingual(question["text"], _limit(Question, "text"), f"{where} text")
    if "help" in question:
        _assert_bilingual(question["help"], _limit(Question, "help"), f"{where} help")

    assert question["type"] in QuestionType.values, where
    assert question["answered_by"] in ANSWERERS_BY_PHASE[section["phase"]], (
        f"{where}: {question['answered_by']} in phase {section['phase']}"
    )

    if question["type"] == QuestionType.SCALE:
        scale = question["scale"]
        assert set(scale) == {"low", "high"}, where
        _assert_bilingual(scale["low"], _limit(Question, "scale_low"), f"{where} low label")
        _assert_bilingual(scale["high"], _limit(Question, "scale_high"), f"{where} high label")
        assert scale["low"] != scale["high"], where
    else:
        assert "scale" not in question, f"{where}: only scale questions have labels"

    if question["type"] in CHOICE_TYPES:
        choices = question["choices"]
        assert len(choices) >= 2, f"{where}: fewer than two choices"
        for number, choice in enumerate(choices, start=1):
            _assert_bilingual(choice, 200, f"{where} choice {number}")
        for language in ("sv", "en"):
            labels = [c[language] for c in choices]
            assert len(labels) == len(set(labels)), f"{where}: repeated {language} choice"
    else:
        assert "choices" not in question, f"{where}: only choice questions have choices"

    flags = question["flags"]
    assert isinstance(flags, list), where
    assert set(flags) <= FLAGS, f"{where}: unknown flags {set(flags) - FLAGS}"
    assert len(flags) == len(set(flags)), where


def test_phases_come_in_order():
    order = [Phase.PREPARATION, Phase.TALK, Phase.AFTERWARDS]
    phases = [order.index(s["phase"]) for s in SECTIONS]
    assert phases == sorted(phases)
    assert set(phases) == {0, 1, 2}


def test_mandatory_sections_are_present_and_mandatory():
    by_key = {s["key"]: s for s in SECTIONS}
    for key in ("work_environment", "equal_conditions", *OrgPolicy.DEFAULT_MANDATORY_SECTIONS):
        assert key in by_key, key
        assert by_key[key]["mandatory"] is True, key
        assert by_key[key]["phase"] == Phase.TALK, key
        assert by_key[key]["audience"] == Audience.ALL, key
        assert by_key[key]["career_stages"] == [], key


def test_risk_questions_raise_observations():
    by_key = {s["key"]: s for s in SECTIONS}
    work_environment = {q["key"]: q for q in by_key["work_environment"]["questions"]}
    for key in ("workload", "recovery", "clarity", "participation", "physical_environment"):
        assert work_environment[key]["type"] == QuestionType.SCALE, key
        assert "raises_observation" in work_environment[key]["flags"], key
    victimisation = work_environment["victimisation"]
    assert victimisation["type"] == QuestionType.YES_NO
    assert "raises_observation" in victimisation["flags"]
    assert "help" in victimisation

    equal = by_key["equal_conditions"]["questions"]
    discrimination = [q for q in equal if q["key"] == "discrimination"]
    assert len(discrimination) == 1
    assert discrimination[0]["type"] == QuestionType.YES_NO
    assert "raises_observation" in discrimination[0]["flags"]
    assert "help" in discrimination[0]
    # The five areas of active measures, each asked as a question.
    for key in (
        "working_conditions",
        "pay_and_terms",
        "recruitment_promotion",
        "training_development",
        "work_and_parenthood",
    ):
        assert any(q["key"] == key for q in equal), key


def test_there_is_a_researcher_section_for_each_career_stage():
    researcher_sections = [s for s in SECTIONS if s["audience"] == Audience.RESEARCHERS]
    for stage in sorted(CAREER_STAGES):
        assert any(stage in s["career_stages"] for s in researcher_sections), stage


def test_there_is_a_section_for_managers_own_leadership():
    assert any(s["audience"] == Audience.MANAGERS for s in SECTIONS)


def test_every_question_type_is_used():
    used = {q["type"] for _, q in QUESTIONS}
    assert used == set(QuestionType.values)


def test_every_flag_is_used():
    used = {flag for _, q in QUESTIONS for flag in q["flags"]}
    assert used == FLAGS


def test_every_answerer_is_used():
    used = {q["answered_by"] for _, q in QUESTIONS}
    assert used == {a for answerers in ANSWERERS_BY_PHASE.values() for a in answerers}


def test_employee_preparation_covers_the_checklist():
    employee_prep = [q for _, q in QUESTIONS if q["answered_by"] == "employee_prep"]
    assert len(employee_prep) >= 7
    assert any("upward_feedback" in q["flags"] for q in employee_prep)


def test_development_plan_has_plan_items_for_goals_activities_and_checkpoints():
    plan = next(s for s in SECTIONS if s["key"] == "development_plan")
    plan_items = {q["key"] for q in plan["questions"] if q["type"] == QuestionType.PLAN_ITEM}
    assert {"goals", "activities", "checkpoints"} <= plan_items


def test_summary_feeds_the_salary_talk_basis():
    summary = next(s for s in SECTIONS if s["key"] == "summary")
    assert any("salary_basis" in q["flags"] for q in summary["questions"])


def test_size_is_reasonable():
    assert 15 <= len(SECTIONS) <= 18
    assert 70 <= len(QUESTIONS) <= 100
