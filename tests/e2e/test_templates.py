"""HR builds a talk template in a real browser: copies the default, adds a section and
questions, reorders them with the keyboard, previews both parties' view in both languages and
publishes; axe-core scans every page on the way, in Swedish and in English.

Selectors lean on what does not change with the translation catalog: URLs, ids and names.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from samtal.accounts.tests.factories import PASSWORD
from samtal.organisation.models import Person
from samtal.talk_templates import services
from samtal.talk_templates.builtin import default_template_install
from samtal.talk_templates.models import Question, Section, TemplateVersion, VersionStatus
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["sv", "en"]
SCREENSHOTS = "/tmp"  # noqa: S108 - screenshots for a person to look at, not data


def url(page: Page, path: str) -> str:
    base: str = page.base_url  # type: ignore[attr-defined]
    return base + path


def prefer(person: Person, language: str) -> None:
    person.user.preferred_language = language
    person.user.save(update_fields=["preferred_language"])


def check_page(page: Page, language: str) -> None:
    """In the user's language, one h1, and no axe-core violations."""
    assert page.locator("html").get_attribute("lang") == language, page.url
    expect(page.locator("main h1")).to_have_count(1)
    assert_accessible(page)


def visit(page: Page, path: str, language: str) -> None:
    response = page.goto(url(page, path))
    assert response is not None
    assert response.status == 200, f"{path}: {response.status}"
    check_page(page, language)


def submit(page: Page, form: str = "main form[method=post]") -> None:
    page.locator(f"{form} button[type=submit]").last.click()
    page.wait_for_load_state()


def editor(version: TemplateVersion) -> str:
    return f"/templates/versions/{version.pk}/"


def question_order(section: Section) -> list[str]:
    return list(section.questions.order_by("position").values_list("key", flat=True))


@pytest.mark.parametrize("language", LANGUAGES)
def test_hr_builds_previews_and_publishes_a_template(page: Page, language: str, hr: Person):
    default = default_template_install()
    prefer(hr, language)
    log_in(page, "hr@example.se", PASSWORD)
    visit(page, "/templates/", language)

    # A blank template: the form, its errors, and the empty draft with what is missing.
    page.locator("main a[href='/templates/new/']").click()
    page.wait_for_url(url(page, "/templates/new/"))
    check_page(page, language)
    submit(page)
    expect(page.locator("main .error-list").first).to_be_visible()
    check_page(page, language)
    page.fill("#id_key", "tom")
    page.fill("#id_name_sv", "Tom mall")
    page.fill("#id_name_en", "Empty template")
    submit(page)
    blank = TemplateVersion.objects.get(template__key="tom")
    page.wait_for_url(url(page, editor(blank)))
    expect(page.locator("main .message-warning li").first).to_be_visible()
    check_page(page, language)

    # A copy of the default template, to change and publish.
    visit(page, "/templates/", language)
    page.locator(f"main a[href='/templates/new/?copy={default.pk}']").click()
    check_page(page, language)
    page.fill("#id_key", "var_mall")
    page.fill("#id_name_sv", "Vår mall")
    page.fill("#id_name_en", "Our template")
    submit(page)
    draft = TemplateVersion.objects.get(template__key="var_mall")
    page.wait_for_url(url(page, editor(draft)))
    check_page(page, language)

    # A new section, with a mistake first.
    page.locator(f"main a[href='{editor(draft)}sections/add/']").click()
    check_page(page, language)
    page.select_option("#id_phase", "talk")
    page.check("input[name=career_stages][value=R2]")
    submit(page)
    expect(page.locator("main .error-list").first).to_be_visible()
    check_page(page, language)
    page.uncheck("input[name=career_stages][value=R2]")
    page.fill("#id_title_sv", "Mål och drömmar")
    page.fill("#id_title_en", "Goals and dreams")
    page.fill("#id_guidance_sv", "Prata om det som lockar framåt.")
    page.fill("#id_guidance_en", "Talk about what draws you onwards.")
    submit(page)
    section = draft.sections.get(key="goals_and_dreams")
    page.wait_for_url(url(page, f"{editor(draft)}#section-{section.pk}"))
    expect(page.locator(f"#section-{section.pk} h3")).to_contain_text(
        "Mål och drömmar" if language == "sv" else "Goals and dreams"
    )

    # Two questions: a single choice (after an error) and a scale.
    add_question = f"main a[href='{editor(draft)}sections/{section.pk}/questions/add/']"
    page.locator(add_question).click()
    check_page(page, language)
    page.select_option("#id_question_type", "single_choice")
    submit(page)
    expect(page.locator("main .error-list").first).to_be_visible()
    check_page(page, language)
    page.fill("#id_text_sv", "Vilket mål lockar mest?")
    page.fill("#id_text_en", "Which goal attracts you most?")
    page.fill("#id_choices_sv", "Forskning\nUndervisning")
    page.fill("#id_choices_en", "Research\nTeaching")
    submit(page)
    expect(page.locator("main [role=status]")).to_be_visible()
    page.locator(add_question).click()
    page.fill("#id_text_sv", "Hur nöjd är du med din utveckling?")
    page.fill("#id_text_en", "How satisfied are you with your development?")
    page.select_option("#id_question_type", "scale")
    page.fill("#id_scale_low_sv", "Inte alls")
    page.fill("#id_scale_low_en", "Not at all")
    page.fill("#id_scale_high_sv", "Mycket")
    page.fill("#id_scale_high_en", "Very")
    page.check("#id_upward_feedback")
    check_page(page, language)
    submit(page)
    first, second = "which_goal_attracts_you_most", "how_satisfied_are_you_with_your_development"
    assert question_order(section) == [first, second]
    scale = section.questions.get(key=second)
    page.wait_for_url(url(page, f"{editor(draft)}#question-{scale.pk}"))

    # Someone else saves the choice question while HR edits it: HR's text is kept in the form
    # and what was saved is shown beside it.
    choice = section.questions.get(key=first)
    page.goto(url(page, f"{editor(draft)}sections/{section.pk}/questions/{choice.pk}/edit/"))
    services.question_update(
        actor=None,
        question=choice,
        revision=choice.revision,
        data={"text_sv": "Vilket mål lockar dig mest?"},
    )
    page.fill("#id_text_sv", "Vilket mål drömmer du om?")
    submit(page)
    expect(page.locator("#conflict-heading")).to_be_visible()
    expect(page.locator("main .message-warning")).to_contain_text("Vilket mål lockar dig mest?")
    expect(page.locator("#id_text_sv")).to_have_value("Vilket mål drömmer du om?")
    check_page(page, language)
    page.goto(url(page, f"{editor(draft)}#question-{scale.pk}"))

    # Move the scale question up with the keyboard; focus stays on the moved question.
    up = page.locator(f"#up-question-{scale.pk}")
    up.focus()
    page.keyboard.press("Enter")
    items = page.locator(f"#section-{section.pk} .question-list > li")
    expect(items.first).to_have_id(f"question-{scale.pk}")
    assert question_order(section) == [second, first]
    expect(page.locator(f"#down-question-{scale.pk}")).to_be_focused()
    page.keyboard.press("Enter")  # and back down again
    expect(items.first).not_to_have_id(f"question-{scale.pk}")
    assert question_order(section) == [first, second]
    expect(page.locator(f"#up-question-{scale.pk}")).to_be_focused()

    # Move the new (last) section up once, again from the keyboard.
    sections_before = list(draft.sections.order_by("position").values_list("pk", flat=True))
    page.locator(f"#up-section-{section.pk}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#sections > article").nth(len(sections_before) - 2)).to_have_id(
        f"section-{section.pk}"
    )
    expect(page.locator(f"#up-section-{section.pk}")).to_be_focused()
    sections_after = list(draft.sections.order_by("position").values_list("pk", flat=True))
    assert sections_after[-2] == section.pk
    check_page(page, language)
    page.locator(f"#section-{section.pk}").scroll_into_view_if_needed()
    page.screenshot(path=f"{SCREENSHOTS}/template-editor-{language}.png", full_page=False)

    # Previews of both parties in both languages.
    texts = {
        "sv": ("Vilket mål lockar dig mest?", "Mål och drömmar"),
        "en": ("Which goal attracts you most?", "Goals and dreams"),
    }
    employee_prep = Question.objects.get(
        section__version=draft, section__key="employee_preparation", position=1
    )
    manager_prep = Question.objects.get(
        section__version=draft, section__key="manager_preparation", position=1
    )
    for party, shown, hidden in (
        ("employee", employee_prep, manager_prep),
        ("manager", manager_prep, employee_prep),
    ):
        for content in LANGUAGES:
            visit(page, f"{editor(draft)}preview/?as={party}&lang={content}", language)
            preview = page.locator("main .preview")
            expect(preview).to_have_attribute("lang", content)
            expect(preview).to_contain_text(texts[content][0])
            expect(preview).to_contain_text(texts[content][1])
            expect(preview).to_contain_text(getattr(shown, f"text_{content}"))
            expect(preview).not_to_contain_text(getattr(hidden, f"text_{content}"))
    # The options form: a researcher at R1 who is a manager, shown in English.
    page.select_option("#preview-stage", "R1")
    page.check("#preview-manager")
    page.select_option("#preview-lang", "en")
    page.locator("main form.preview-options button[type=submit]").click()
    page.wait_for_url(re.compile(r".*stage=R1.*"))
    check_page(page, language)
    r1 = Section.objects.get(version=draft, key="researcher_r1")
    expect(page.locator("main .preview")).to_contain_text(r1.title_en)
    page.screenshot(path=f"{SCREENSHOTS}/template-preview-{language}.png", full_page=False)

    # Publish: the draft becomes the published version 1 of the new template.
    visit(page, editor(draft), language)
    page.locator(f"main form[action='{editor(draft)}publish/'] button").click()
    page.wait_for_url(url(page, editor(draft)))
    expect(page.locator("main .message-success")).to_be_visible()
    expect(page.locator("main .badge.status-published")).to_be_visible()
    expect(page.locator(f"main a[href='{editor(draft)}sections/add/']")).to_have_count(0)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    check_page(page, language)
    visit(page, "/templates/", language)
    expect(page.locator(f"main a[href='{editor(draft)}']")).to_be_visible()
