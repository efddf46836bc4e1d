"""Browser tests: Playwright (Python) driving Debian's chromium, axe-core for accessibility.

Without chromium or axe-core the tests are skipped locally but fail under CI=true, where the
browser suite is required.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("SAMTAL_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _missing_prerequisite(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (required under CI=true)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _missing_prerequisite(f"{CHROMIUM} not found: apt-get install chromium")
    if not AXE.exists():
        _missing_prerequisite(f"{AXE} not found: npm ci")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp: the pages' Content-Security-Policy would block the axe-core script that
    # axe_violations() injects. tests/e2e/test_security.py runs pages with the policy enforced.
    context = browser.new_context(
        locale="sv-SE", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA and best practices) on the current page."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag',
                      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
        })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe-core violations on {page.url}: {violations}"


def log_in(page, email: str, password: str) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/")
