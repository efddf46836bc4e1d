"""The work environment in a real browser, from a talk to the unit's action plan and the
annual follow-up: the employee raises an observation in the talk's record (its description
stays in the talk) and a matter of harassment (Samtal shows the routine and keeps nothing),
the manager assesses the risk in the unit register without learning more than the category,
decides an action, starts it and follows it up, and writes the year's summary; the safety
representative sees the unit's figures and the annual follow-up, de-identified, and nothing
of another unit. Every page is scanned with axe-core, in Swedish and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from samtal.accounts.tests.factories import PASSWORD
from samtal.organisation.models import Person
from samtal.organisation.tests.factories import PersonFactory
from samtal.talk_templates.models import Question
from samtal.workenv.models import Action, ActionStatus, Observation, RiskLevel
from samtal.workenv.tests.factories import held_talk, observation
from tests.e2e.conftest import log_in
from tests.e2e.test_journeys import check_page, prefer, visit
from tests.e2e.test_plans import open_form, submit
from tests.e2e.test_talks import log_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "Min kollega Bertil tar alla kvällspass"
WHAT = "Ny fördelning av kvällspassen i schemat"
OUTCOME = "Schemat är ändrat och kvällspassen delas av alla."
SUMMARY = "Arbetsbelastningen var årets största risk; schemat är ändrat."


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_risk_from_a_talk_to_the_action_plan_and_the_annual_follow_up(
    page: Page,
    language: str,
    employee: Person,
    manager: Person,
    colleague: Person,
    safety_rep: Person,
    admin_user,
    other_dept,
) -> None:
    for who in (employee, manager, colleague, safety_rep, admin_user):
        prefer(who, language)
    year = timezone.localdate().year
    # Four more people of the unit raised workload in their talks: with the employee's, the
    # unit's workload cell counts five people, enough to be shown.
    others = [colleague] + [PersonFactory(unit=employee.unit, manager=manager) for _ in range(3)]
    for person in others:
        observation(held_talk(person), category="workload", severity="medium")
    talk = held_talk(employee)
    question = Question.objects.filter(
        section__version=talk.template_version, raises_observation=True
    ).first()
    assert question is not None
    record = f"/talks/{talk.pk}/record/"
    add = f"/work-environment/talk/{talk.pk}/observations/add/"

    # The employee raises the observation from the flagged question in the record.
    log_in(page, "employee@example.se", PASSWORD)
    visit(page, record, language)
    page.locator(f"main a[href='{add}?question={question.pk}']").first.click()
    page.wait_for_load_state("networkidle")
    check_page(page, language)
    form = page.locator(f"main form[action^='{add}']")
    form.locator("select[name=category]").select_option("workload")
    form.locator("[name=description]").fill(SECRET)
    form.locator("select[name=severity]").select_option("high")
    submit(page, add)
    check_page(page, language)
    expect(page.locator("#work-environment")).to_contain_text(SECRET)
    raised = Observation.objects.get(talk=talk, category="workload")
    assert raised.description_may_leave is False

    # Harassment: the routine and its contacts are shown, and nothing but the category kept.
    visit(page, add, language)
    form = page.locator(f"main form[action^='{add}']")
    form.locator("select[name=category]").select_option("victimisation")
    submit(page, add)
    check_page(page, language)
    expect(page.locator("main h1")).to_be_visible()
    handed_on = Observation.objects.get(talk=talk, category="victimisation")
    assert (handed_on.description, handed_on.severity, handed_on.handed_on) == ("", "", True)
    log_out(page)

    # The manager assesses the risk in the unit register: no name, no description.
    log_in(page, "manager@example.se", PASSWORD)
    visit(page, "/work-environment/register/", language)
    main = page.locator("main")
    for secret in (SECRET, employee.full_name, employee.last_name):
        expect(main).not_to_contain_text(secret)
    visit(page, f"/work-environment/risks/{raised.pk}/", language)
    for secret in (SECRET, employee.full_name):
        expect(main).not_to_contain_text(secret)
    assess = f"/work-environment/risks/{raised.pk}/assess/"
    form = open_form(page, assess)
    form.locator("select[name=likelihood]").select_option("3")
    form.locator("select[name=consequence]").select_option("3")
    submit(page, assess)
    check_page(page, language)
    raised.refresh_from_db()
    assert raised.risk_level == RiskLevel.HIGH

    # An action: what, who, by when, cost; started, then followed up as effective.
    add_action = f"/work-environment/risks/{raised.pk}/actions/add/"
    if not page.locator(f"main form[action^='{add_action}']").count():
        visit(page, add_action, language)
    form = open_form(page, add_action)
    form.locator("[name=what]").fill(WHAT)
    form.locator("select[name=responsible]").select_option(str(colleague.pk))
    due = timezone.localdate() + dt.timedelta(days=30)
    form.locator("[name=due_on]").fill(due.isoformat())
    form.locator("[name=cost]").fill("2000")
    submit(page, add_action)
    check_page(page, language)
    action = Action.objects.get(observation=raised)
    start = f"/work-environment/actions/{action.pk}/start/"
    if not page.locator(f"main form[action^='{start}']").count():
        visit(page, f"/work-environment/risks/{raised.pk}/", language)
    submit(page, start)
    check_page(page, language)
    follow_up = f"/work-environment/actions/{action.pk}/follow-up/"
    visit(page, follow_up, language)
    form = page.locator(f"main form[action^='{follow_up}']")
    form.locator("input[name=effective][value=yes]").check()
    form.locator("[name=outcome]").fill(OUTCOME)
    submit(page, follow_up)
    check_page(page, language)
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE

    # The year's summary of the unit's work-environment management.
    annual = f"/work-environment/follow-up/{employee.unit_id}/{year}/"
    visit(page, annual, language)
    summary = f"{annual}summary/"
    form = open_form(page, summary)
    form.locator("[name=summary]").fill(SUMMARY)
    submit(page, summary)
    check_page(page, language)
    log_out(page)

    # The colleague named responsible sees the action, and nothing of who raised the risk.
    log_in(page, "colleague@example.se", PASSWORD)
    visit(page, "/work-environment/my-actions/", language)
    expect(page.locator("main")).to_contain_text(WHAT)
    for secret in (SECRET, employee.full_name):
        expect(page.locator("main")).not_to_contain_text(secret)
    log_out(page)

    # The employee follows what became of it, in the talk.
    log_in(page, "employee@example.se", PASSWORD)
    visit(page, record, language)
    expect(page.locator("#work-environment")).to_contain_text(WHAT)
    log_out(page)

    # The safety representative: the unit's figures and the annual follow-up, de-identified.
    log_in(page, "safety@example.se", PASSWORD)
    visit(page, "/work-environment/overview/", language)
    main = page.locator("main")
    for secret in (SECRET, employee.full_name, employee.last_name, colleague.full_name):
        expect(main).not_to_contain_text(secret)
    visit(page, annual, language)
    expect(main).to_contain_text(SUMMARY)
    for secret in (SECRET, employee.full_name, WHAT):
        expect(main).not_to_contain_text(secret)
    response = page.request.get(page.url.split("/work-environment/")[0] + f"{annual}export.pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    visit(page, f"/work-environment/overview/?unit={employee.unit_id}", language)
    visit(page, "/work-environment/follow-up/", language)
    visit(page, "/work-environment/routine/", language)
    visit(page, f"/work-environment/follow-up/{other_dept.pk}/{year}/", language, status=404)
    visit(page, f"/work-environment/risks/{raised.pk}/", language, status=404)
    log_out(page)

    # The admin sets the routine, the contacts and the risk matrix.
    log_in(page, "admin@example.se", PASSWORD)
    visit(page, "/work-environment/settings/", language)
    visit(page, "/work-environment/settings/contacts/add/", language)
