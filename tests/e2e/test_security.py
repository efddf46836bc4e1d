"""The Content-Security-Policy in a real browser, enforced (no bypass): Samtal's own script
(htmx autosave) works and breaks no rule, while script or style injected into the page is
blocked. And the login lockout page, as a person meets it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from samtal.accounts.tests.factories import PASSWORD
from samtal.organisation.models import Person
from samtal.talk_templates.models import Question
from samtal.talks.models import Answer, TalkStatus
from samtal.talks.tests.factories import TalkFactory
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts; the browser reports each blocked thing here.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push({directive: event.effectiveDirective, blocked: event.blockedURI});
});
"""


@pytest.fixture
def strict_page(browser, live_server) -> Iterator[Page]:
    """A page that obeys the Content-Security-Policy, unlike `page` (which bypasses it for
    axe-core)."""
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.base_url = live_server.url
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.console_messages = console
    yield page
    context.close()


def violations(page: Page) -> list[dict[str, str]]:
    return page.evaluate("() => window.__cspViolations")


def test_own_script_works_under_the_policy_and_injected_code_is_blocked(
    strict_page: Page, employee: Person
) -> None:
    page = strict_page
    talk = TalkFactory(
        employee=employee,
        status=TalkStatus.BOOKED,
        starts_at=timezone.now() + dt.timedelta(days=3),
        place="Tallen",
        response="accepted",
    )
    question = Question.objects.get(section__version=talk.template_version, key="tasks")
    action = f"/talks/{talk.pk}/answers/{question.pk}/"

    response = page.goto(f"{page.base_url}/accounts/login/")  # type: ignore[attr-defined]
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    log_in(page, "employee@example.se", PASSWORD)

    page.goto(f"{page.base_url}/talks/{talk.pk}/prepare/")  # type: ignore[attr-defined]
    assert page.evaluate("() => typeof htmx") == "object"
    # Typing alone saves: htmx's "input delay:1s" trigger posts the form and swaps the status.
    with page.expect_response(
        lambda r: r.url.endswith(action) and r.request.method == "POST" and r.ok
    ):
        page.locator(f"main form[action='{action}'] textarea[name=text]").fill(
            "Skrivet under en sträng säkerhetspolicy."
        )
    expect(page.locator(f"#q{question.pk}_state")).not_to_be_empty()
    answer = Answer.objects.get(talk=talk, question=question)
    assert answer.text == "Skrivet under en sträng säkerhetspolicy."
    # Nothing of Samtal's own was blocked: no inline style from htmx, no inline script, no eval.
    assert violations(page) == []
    assert not [m for m in page.console_messages if "Content Security Policy" in m]  # type: ignore[attr-defined]

    # What an attacker would inject into the page is refused by the browser.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.appendChild(script);
            const style = document.createElement("style");
            style.textContent = "body { display: none }";
            document.head.appendChild(style);
            const img = document.createElement("img");
            img.setAttribute("src", "data:,");
            img.setAttribute("onerror", "window.__handler = true");
            img.setAttribute("onload", "window.__handler = true");
            document.body.appendChild(img);
        }"""
    )
    page.wait_for_function("() => window.__cspViolations.length >= 3")
    assert page.evaluate("() => window.__injected") is None
    assert page.evaluate("() => window.__handler") is None
    expect(page.locator("main")).to_be_visible()  # the injected style did not apply
    directives = {v["directive"] for v in violations(page)}
    assert {"script-src-elem", "style-src-elem", "script-src-attr"} <= directives


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_lockout_page(page: Page, language: str, employee: Person) -> None:
    page.context.add_cookies(
        [{"name": "samtal_language", "value": language, "url": page.base_url}]  # type: ignore[attr-defined]
    )
    page.goto(f"{page.base_url}/accounts/login/")  # type: ignore[attr-defined]
    statuses = []
    for _ in range(5):
        page.fill("input[name=username]", "employee@example.se")
        page.fill("input[name=password]", "not-the-password")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.locator("main form button[type=submit]").click()
        statuses.append(posted.value.status)
        page.wait_for_load_state()
    assert statuses == [200, 200, 200, 200, 429]
    assert page.locator("html").get_attribute("lang") == language
    expect(page.locator("main [role=alert]")).to_contain_text("15")
    expect(page.locator("input[name=username]")).to_have_value("employee@example.se")
    assert_accessible(page)
    # Even the right password is refused now.
    page.fill("input[name=password]", PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("main form button[type=submit]").click()
    assert posted.value.status == 429
