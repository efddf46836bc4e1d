"""A whole talk in a real browser: both prepare, the employee shares an answer, the manager
marks the talk held and writes the record, both agree, both export, each writes private notes
that the other never sees. Every page is scanned with axe-core, in Swedish and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from samtal.accounts.tests.factories import PASSWORD
from samtal.organisation.models import Person
from samtal.talk_templates.models import Question
from samtal.talks.models import Answer, PrivateNote, Record, Talk, TalkStatus
from samtal.talks.tests.factories import TalkFactory
from tests.e2e.conftest import log_in
from tests.e2e.test_journeys import check_page, prefer, url, visit
from tests.e2e.test_talks import log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHARED = "Jag vill prata om mina undervisningsuppgifter."
PRIVATE_PREP = "Chefens egna förberedelser, inte delade."
EMPLOYEE_NOTE = "Medarbetarens privata anteckning."
MANAGER_NOTE = "Chefens privata anteckning."
RECORD_TEXT = "Arbetsbelastningen är hög under våren; vi prioriterar om."


def question(talk: Talk, key: str) -> Question:
    return Question.objects.get(section__version=talk.template_version, key=key)


def save_form(page: Page, action: str, text: str) -> None:
    """Type into the form's text box and press its Save button (htmx saves it in place)."""
    form = page.locator(f"main form[action='{action}']")
    form.locator("textarea[name=text]").fill(text)
    # Wait for the save itself: "network idle" can come before htmx has sent it.
    with page.expect_response(
        lambda response: response.url.endswith(action) and response.request.method == "POST"
    ):
        form.locator("button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def click_form(page: Page, action: str) -> None:
    page.locator(f"main form[action='{action}'] button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_from_preparation_to_an_agreed_exported_record(
    page: Page, language: str, employee: Person, manager: Person, hr: Person
) -> None:
    for person in (employee, manager, hr):
        prefer(person, language)
    talk = TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        place="Tallen",
        response="accepted",
    )
    tasks, view, workload = (
        question(talk, "tasks"),
        question(talk, "view"),
        question(talk, "workload"),
    )
    base = f"/talks/{talk.pk}"

    # The employee prepares and shares the answer.
    log_in(page, "employee@example.se", PASSWORD)
    visit(page, f"{base}/", language)
    visit(page, f"{base}/prepare/", language)
    save_form(page, f"{base}/answers/{tasks.pk}/", SHARED)
    expect(
        page.locator(f"main form[action='{base}/answers/{tasks.pk}/'] [role=status]")
    ).not_to_be_empty()
    assert Answer.objects.get(talk=talk, question=tasks).text == SHARED
    page.locator(f"main form[action='{base}/answers/share/'] button[type=submit]").first.click()
    page.wait_for_load_state()
    check_page(page, language)
    assert Answer.objects.get(talk=talk, question=tasks).shared_at is not None
    log_out(page)

    # The manager sees the shared answer, prepares privately, marks the talk held.
    log_in(page, "manager@example.se", PASSWORD)
    visit(page, f"{base}/prepare/", language)
    expect(page.locator("main")).to_contain_text(SHARED)
    save_form(page, f"{base}/answers/{view.pk}/", PRIVATE_PREP)
    assert Answer.objects.get(talk=talk, question=view).shared_at is None
    visit(page, f"{base}/", language)
    click_form(page, f"{base}/held/")
    check_page(page, language)
    record = Record.objects.get(talk=talk)
    assert record.note_taker == "manager"

    # The manager writes the record and sends it for agreement, then agrees.
    visit(page, f"{base}/record/", language)
    form = page.locator(f"main form[action='{base}/record/entries/{workload.pk}/']")
    form.locator("input[name=value][value='2']").check()
    save_form(page, f"{base}/record/entries/{workload.pk}/", RECORD_TEXT)
    save_form(page, f"{base}/record/passed-on/", "Inget utöver kursönskemålet.")
    visit(page, f"{base}/record/", language)
    click_form(page, f"{base}/record/send/")
    check_page(page, language)
    click_form(page, f"{base}/record/agree/")
    check_page(page, language)
    visit(page, f"{base}/afterwards/", language)
    page.locator("main textarea[name=text]").last.fill(MANAGER_NOTE)
    page.locator("main form[action$='/private-note/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    log_out(page)

    # The employee reads the record, agrees, exports it, evaluates and writes private notes.
    log_in(page, "employee@example.se", PASSWORD)
    visit(page, f"{base}/record/", language)
    expect(page.locator("main")).to_contain_text(RECORD_TEXT)
    expect(page.locator("main")).not_to_contain_text(PRIVATE_PREP)
    click_form(page, f"{base}/record/agree/")
    check_page(page, language)
    record.refresh_from_db()
    talk.refresh_from_db()
    assert (record.state, talk.status) == ("agreed", TalkStatus.AGREED)
    visit(page, f"{base}/record/versions/", language)
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
        response = page.request.get(url(page, f"{base}/record/v1.{fmt}"))
        assert response.ok, fmt
        assert response.body().startswith(magic), fmt
    salary = page.request.get(url(page, f"{base}/salary-basis.pdf"))
    assert salary.ok
    assert salary.body().startswith(b"%PDF")
    visit(page, f"{base}/afterwards/", language)
    expect(page.locator("main")).not_to_contain_text(MANAGER_NOTE)
    page.locator("main form[action$='/private-note/'] textarea[name=text]").fill(EMPLOYEE_NOTE)
    page.locator("main form[action$='/private-note/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    check_page(page, language)
    assert PrivateNote.objects.get(talk=talk, author=employee).text == EMPLOYEE_NOTE
    log_out(page)

    # The manager's exports work too; the employee's private note is nowhere in their pages.
    log_in(page, "manager@example.se", PASSWORD)
    for path in ("/", "/record/", "/afterwards/", "/prepare/", "/record/versions/"):
        visit(page, f"{base}{path}", language)
        expect(page.locator("main")).not_to_contain_text(EMPLOYEE_NOTE)
    response = page.request.get(url(page, f"{base}/record/v1.pdf"))
    assert response.ok
    log_out(page)

    # HR sees the talk's status, never its content, and cannot download the record.
    log_in(page, "hr@example.se", PASSWORD)
    visit(page, f"{base}/", language)
    for secret in (SHARED, PRIVATE_PREP, RECORD_TEXT, EMPLOYEE_NOTE, MANAGER_NOTE):
        expect(page.locator("main")).not_to_contain_text(secret)
    assert page.request.get(url(page, f"{base}/record/v1.pdf")).status == 404
    assert page.request.get(url(page, f"{base}/record/")).status == 404
