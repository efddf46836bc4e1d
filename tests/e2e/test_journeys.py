"""Journeys through Samtal in a real browser, and an axe-core scan of every page in both
languages.

Swedish wording is still being translated, so the checks lean on what does not change with
the catalog: URLs, the <html lang> attribute, roles and ids, unit names (which come in sv and
en from the data) and the language button (always labelled in its own language).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.mail import EmailMessage
from playwright.sync_api import FilePayload, Locator, Page, expect

from samtal.accounts.models import Role, User
from samtal.accounts.tests.factories import PASSWORD, RoleAssignmentFactory
from samtal.core.models import AuditLogEntry
from samtal.organisation.models import Person, Unit
from samtal.organisation.tests.factories import PersonFactory
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["sv", "en"]
COOKIE = "samtal_language"
SCREENSHOTS = "/tmp"  # noqa: S108 - screenshots for a person to look at, not data

IMPORT_CSV = (
    "employee_number;first_name;last_name;email;unit_code;unit_name_sv;unit_name_en;"
    "parent_unit_code;manager_employee_number;employment_category\n"
    "300001;Karin;Nilsson;karin.nilsson@example.se;LAB;Labbet;The Lab;DEP;;admin_staff\n"
    "300002;Ahmed;Hassan;ahmed.hassan@example.se;LAB;;;;300001;researcher\n"
)
BAD_CSV = IMPORT_CSV.replace("researcher", "astronaut")


# --- helpers ----------------------------------------------------------------------------


def url(page: Page, path: str) -> str:
    base: str = page.base_url  # type: ignore[attr-defined]
    return base + path


def use_language(page: Page, language: str) -> None:
    """What the language button leaves behind, for pages visited before logging in."""
    page.context.add_cookies([{"name": COOKIE, "value": language, "url": url(page, "/")}])


def prefer(who: Person | User, language: str) -> None:
    user = who.user if isinstance(who, Person) else who
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def html_lang(page: Page) -> str | None:
    return page.locator("html").get_attribute("lang")


def check_page(page: Page, language: str) -> None:
    """Every page: in the expected language, one h1, and no axe-core violations."""
    assert html_lang(page) == language, page.url
    expect(page.locator("main h1")).to_have_count(1)
    assert_accessible(page)


def visit(page: Page, path: str, language: str, *, status: int = 200) -> None:
    response = page.goto(url(page, path))
    assert response is not None
    assert response.status == status, f"{path}: {response.status}"
    check_page(page, language)


def nav_link(page: Page, path: str) -> Locator:
    return page.locator(f"header nav a[href='{path}']")


def reset_path(message: EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def upload(page: Page, content: str, *, dry_run: bool = False) -> None:
    file: FilePayload = {"name": "people.csv", "mimeType": "text/csv", "buffer": content.encode()}
    page.set_input_files("input[name=file]", files=[file])
    if dry_run:
        page.check("input[name=dry_run]")
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def reset_user(dept: Unit) -> Person:
    """A person imported from the HR system: no password yet."""
    person = PersonFactory(
        unit=dept, first_name="Nora", last_name="Ny", user__email="ny@example.se"
    )
    person.user.set_unusable_password()
    person.user.save()
    return person


# --- accessibility of every page, in Swedish and in English ------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_are_accessible(
    page: Page, language: str, reset_user: Person, mailoutbox: list[EmailMessage]
) -> None:
    use_language(page, language)
    visit(page, "/accounts/login/", language)

    # A failed login shows the form again with an error.
    page.fill("input[name=username]", "ny@example.se")
    page.fill("input[name=password]", "not-the-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=alert]")).to_be_visible()
    check_page(page, language)

    visit(page, "/accounts/password/reset/", language)
    page.fill("input[name=email]", "ny@example.se")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(url(page, "/accounts/password/reset/sent/"))
    check_page(page, language)

    visit(page, reset_path(mailoutbox[0]), language)  # redirected to the set-password form
    expect(page.locator("input[name=new_password1]")).to_be_visible()
    page.fill("input[name=new_password1]", "short")
    page.fill("input[name=new_password2]", "other")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .error-list").first).to_be_visible()
    check_page(page, language)

    page.fill("input[name=new_password1]", "a-long-new-password-2024")
    page.fill("input[name=new_password2]", "a-long-new-password-2024")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(url(page, "/accounts/password/reset/done/"))
    check_page(page, language)

    visit(page, "/accounts/password/reset/MQ/invalid-token/", language)
    expect(page.locator("input[name=new_password1]")).to_have_count(0)
    visit(page, "/accounts/no-such-page/", language, status=404)


@pytest.mark.parametrize("language", LANGUAGES)
def test_hr_pages_are_accessible(
    page: Page,
    language: str,
    hr: Person,
    manager: Person,
    employee: Person,
    colleague: Person,
    other_employee: Person,
    safety_rep: Person,
) -> None:
    prefer(hr, language)
    log_in(page, "hr@example.se", PASSWORD)
    visit(page, "/", language)
    visit(page, "/organisation/units/", language)
    visit(page, "/organisation/units/DEP/", language)

    # Registering a safety representative: a success message, then an error message.
    page.fill("input[name=person]", colleague.employee_number)
    page.locator("main form[action$='/safety-reps/add/'] button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_be_visible()
    check_page(page, language)
    page.fill("input[name=person]", "nobody@example.se")
    page.locator("main form[action$='/safety-reps/add/'] button[type=submit]").click()
    expect(page.locator("main [role=alert]")).to_be_visible()
    check_page(page, language)

    visit(page, "/organisation/people/", language)
    visit(page, "/organisation/people/?q=&unit=DEP&category=&status=all", language)
    visit(page, "/organisation/people/?unit=NOPE", language)  # a filter error
    visit(page, f"/organisation/people/{employee.employee_number}/", language)

    visit(page, "/organisation/import/", language)
    upload(page, BAD_CSV)
    expect(page.locator("main [role=alert] table")).to_be_visible()
    check_page(page, language)
    upload(page, IMPORT_CSV, dry_run=True)
    expect(page.locator("#check-heading")).to_be_visible()
    check_page(page, language)
    upload(page, IMPORT_CSV)
    expect(page.locator("main .message-success[role=status]")).to_be_visible()
    check_page(page, language)

    visit(page, "/audit/", language)
    visit(page, "/audit/?q=nobody", language)
    visit(page, "/organisation/units/NOPE/", language, status=404)


@pytest.mark.parametrize("language", LANGUAGES)
def test_other_roles_pages_are_accessible(
    page: Page,
    language: str,
    manager: Person,
    employee: Person,
    safety_rep: Person,
    admin_user: User,
    dept: Unit,
) -> None:
    def as_user(email: str, who: Person | User, visits: Callable[[], None]) -> None:
        page.context.clear_cookies()
        prefer(who, language)
        log_in(page, email, PASSWORD)
        visits()

    def employee_pages() -> None:
        visit(page, "/", language)
        visit(page, f"/organisation/people/{employee.employee_number}/", language)
        visit(page, "/organisation/units/", language, status=403)

    def manager_pages() -> None:
        visit(page, "/", language)
        expect(page.locator("#team-heading")).to_be_visible()
        visit(page, f"/organisation/people/{manager.employee_number}/", language)

    def safety_rep_pages() -> None:
        visit(page, "/", language)
        expect(page.locator("#safety-heading")).to_be_visible()

    def admin_pages() -> None:
        visit(page, "/", language)
        expect(page.locator("#admin-heading")).to_be_visible()

    no_manager = PersonFactory(unit=dept, user__email="alone@example.se")
    as_user("employee@example.se", employee, employee_pages)
    as_user("manager@example.se", manager, manager_pages)
    as_user("safety@example.se", safety_rep, safety_rep_pages)
    as_user("admin@example.se", admin_user, admin_pages)
    as_user("alone@example.se", no_manager, lambda: visit(page, "/", language))


# --- journeys ---------------------------------------------------------------------------


def test_log_in_and_switch_language_and_back(page: Page, employee: Person) -> None:
    log_in(page, "Employee@Example.se", PASSWORD)
    main = page.locator("main")
    assert html_lang(page) == "sv"
    expect(main).to_contain_text("Institutionen")  # the unit's Swedish name

    page.locator("header button[name=language][value=en]").click()
    page.wait_for_url(url(page, "/"))
    assert html_lang(page) == "en"
    expect(main).to_contain_text("The Department")
    expect(page.locator("header button[name=language]")).to_have_text("Svenska")
    employee.user.refresh_from_db()
    assert employee.user.preferred_language == "en"

    # The switch keeps you on the page you were on.
    page.goto(url(page, f"/organisation/people/{employee.employee_number}/"))
    page.locator("header button[name=language][value=sv]").click()
    page.wait_for_url(url(page, f"/organisation/people/{employee.employee_number}/"))
    assert html_lang(page) == "sv"
    expect(page.locator("header button[name=language]")).to_have_text("English")
    employee.user.refresh_from_db()
    assert employee.user.preferred_language == "sv"

    # The preference follows the user to the next login, in a fresh browser context.
    page.locator("header button[name=language][value=en]").click()
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.wait_for_url(re.compile(r".*/accounts/login/$"))
    page.context.clear_cookies()
    log_in(page, "employee@example.se", PASSWORD)
    assert html_lang(page) == "en"


def test_hr_browses_registers_imports_and_sees_the_audit_log(
    page: Page, hr: Person, manager: Person, employee: Person, other_employee: Person
) -> None:
    log_in(page, "hr@example.se", PASSWORD)
    expect(page.locator("#hr-heading")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/samtal-home-hr.png", full_page=True)

    nav_link(page, "/organisation/units/").click()
    page.wait_for_url(url(page, "/organisation/units/"))
    expect(nav_link(page, "/organisation/units/")).to_have_attribute("aria-current", "page")
    page.locator("main a[href='/organisation/units/DEP/']").click()
    page.wait_for_url(url(page, "/organisation/units/DEP/"))
    expect(page.locator("main h1")).to_have_text("Institutionen")

    page.fill("input[name=person]", employee.user.email)
    page.locator("main form[action$='/safety-reps/add/'] button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_contain_text(employee.full_name)
    expect(page.locator("main form[action*='/safety-reps/'][action$='/remove/']")).to_have_count(1)
    page.screenshot(path=f"{SCREENSHOTS}/samtal-unit-detail.png", full_page=True)

    nav_link(page, "/organisation/people/").click()
    page.fill("input[name=unit]", "DEP")
    page.fill("input[name=q]", "Medarbetare")
    page.locator("main form[method=get] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/organisation/people/\?.*unit=DEP"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(employee.employee_number)
    page.screenshot(path=f"{SCREENSHOTS}/samtal-people.png", full_page=True)

    rows.first.locator("a").click()
    page.wait_for_url(url(page, f"/organisation/people/{employee.employee_number}/"))
    expect(page.locator("main h1")).to_have_text(employee.full_name)
    assert AuditLogEntry.objects.filter(subject=employee, actor=hr.user).count() == 1

    nav_link(page, "/organisation/import/").click()
    page.wait_for_url(url(page, "/organisation/import/"))
    upload(page, IMPORT_CSV)
    page.wait_for_url(url(page, "/organisation/import/"))
    expect(page.locator("main .message-success[role=status]")).to_contain_text("2")
    expect(page.locator("#runs-heading + div table tbody tr")).to_have_count(1)
    assert Person.objects.filter(employee_number__in=["300001", "300002"]).count() == 2
    page.screenshot(path=f"{SCREENSHOTS}/samtal-import.png", full_page=True)

    nav_link(page, "/audit/").click()
    page.wait_for_url(url(page, "/audit/"))
    expect(page.locator("main table tbody")).to_contain_text(employee.employee_number)
    page.fill("input[name=q]", other_employee.employee_number)
    page.locator("main form[method=get] button[type=submit]").click()
    expect(page.locator("main table")).to_have_count(0)


def test_password_reset_is_the_first_login(
    page: Page, reset_user: Person, mailoutbox: list[EmailMessage]
) -> None:
    page.goto(url(page, "/accounts/login/"))
    page.locator("main a[href='/accounts/password/reset/']").click()
    page.fill("input[name=email]", "ny@example.se")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(url(page, "/accounts/password/reset/sent/"))
    assert [m.to for m in mailoutbox] == [["ny@example.se"]]

    page.goto(url(page, reset_path(mailoutbox[0])))
    page.fill("input[name=new_password1]", "a-long-new-password-2024")
    page.fill("input[name=new_password2]", "a-long-new-password-2024")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(url(page, "/accounts/password/reset/done/"))
    page.locator("main a[href='/accounts/login/']").click()
    log_in(page, "ny@example.se", "a-long-new-password-2024")
    expect(page.locator("#me-heading")).to_be_visible()


@pytest.mark.parametrize("path", ["/accounts/login/", "/"])
def test_skip_link_is_the_first_tab_stop_and_focuses_main(
    page: Page, employee: Person, path: str
) -> None:
    if path == "/":
        log_in(page, "employee@example.se", PASSWORD)
    page.goto(url(page, path))
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, document.activeElement.getAttribute('href')]"
    )
    assert focused == ["skip-link", "#main"]
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0  # visible on screen while focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_refused_and_missing_pages_are_plain_pages(page: Page, employee: Person) -> None:
    log_in(page, "employee@example.se", PASSWORD)
    response = page.goto(url(page, "/audit/"))
    assert response is not None
    assert response.status == 403
    expect(page.locator("main a[href='/']")).to_be_visible()
    response = page.goto(url(page, "/organisation/people/NOPE/"))
    assert response is not None
    assert response.status == 404
    expect(page.locator("header nav")).to_be_visible()


def test_small_screen_layout(page: Page, hr: Person, employee: Person) -> None:
    RoleAssignmentFactory(user=employee.user, role=Role.SAFETY_REP, unit=employee.unit)
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, "hr@example.se", PASSWORD)
    for path in ("/", "/organisation/people/", "/organisation/units/DEP/"):
        page.goto(url(page, path))
        # Nothing wider than the screen except inside the scrolling table wrappers.
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide"
        assert_accessible(page)
    page.screenshot(path=f"{SCREENSHOTS}/samtal-unit-detail-mobile.png", full_page=True)


def test_dark_colour_scheme_is_accessible(
    page: Page, hr: Person, employee: Person, manager: Person
) -> None:
    """Pico follows the system's dark scheme; messages and errors must stay readable there."""
    page.emulate_media(color_scheme="dark")
    page.goto(url(page, "/accounts/login/"))
    page.fill("input[name=username]", "hr@example.se")
    page.fill("input[name=password]", "not-the-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=alert]")).to_be_visible()
    assert_accessible(page)
    log_in(page, "hr@example.se", PASSWORD)
    for path in ("/", "/organisation/people/?unit=NOPE", "/organisation/units/DEP/"):
        page.goto(url(page, path))
        assert_accessible(page)
    page.fill("input[name=person]", employee.employee_number)
    page.locator("main form[action$='/safety-reps/add/'] button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_be_visible()
    assert_accessible(page)
    page.goto(url(page, "/organisation/import/"))
    upload(page, BAD_CSV)
    expect(page.locator("main [role=alert] table")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=f"{SCREENSHOTS}/samtal-import-errors-dark.png", full_page=True)
