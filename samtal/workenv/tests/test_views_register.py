"""The unit register pages: the manager's list of the unit's risks, adding a risk found
outside the talks, the risk page with its assessment and actions, and every change on them
(assess, add, change, start, follow up, replace). Each page's success path, each role that
must be refused, bad input at the field with nothing saved, stale forms, and query counts that
do not grow with the register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from samtal.organisation.models import Person
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.workenv import services
from samtal.workenv.models import Action, ActionStatus, Observation, Party
from samtal.workenv.tests import factories as f

pytestmark = pytest.mark.django_db

REGISTER = reverse("workenv:register")
REFUSED_ROLES = ["employee", "colleague", "other_manager", "hr", "safety_rep", "admin_user"]


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"
    with translation.override("en"):
        yield


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def last_message(response: Any) -> str:
    """The message the response added (earlier ones wait in the session until shown)."""
    return messages_of(response)[-1]


def talk_risk(employee: Person, **kwargs: Any) -> Observation:
    return f.observation(f.held_talk(employee), **kwargs)


def register_url(unit: Any, **params: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"unit": unit.pk, **params}.items())
    return f"{REGISTER}?{query}"


def risk_url(item: Observation) -> str:
    return reverse("workenv:risk_detail", args=[item.pk])


def action_data(**extra: Any) -> dict[str, Any]:
    return {
        "what": "Move two courses to the spring.",
        "responsible": "",
        "responsible_other": "The director of studies",
        "due_on": (timezone.localdate() + dt.timedelta(days=40)).isoformat(),
        "cost": "2000",
        "follow_up_on": "",
        **extra,
    }


def fresh(row: Any) -> Any:
    row.refresh_from_db()
    return row


def not_effective(item: Observation, manager: Person) -> Action:
    action = f.action(item, manager)
    return services.action_follow_up(
        actor=manager.user,
        action=action,
        effective=False,
        outcome="Nothing changed.",
        revision=action.revision,
    )


# --- the register -----------------------------------------------------------------------------


def test_the_manager_sees_the_units_register(login, manager, employee, dept):
    item = talk_risk(employee)
    f.action(item, manager, due_in_days=-3)
    outside = f.outside_risk(dept, manager)
    response = login(manager).get(REGISTER)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Work environment: The Department" in html
    assert [row.id for row in response.context["rows"]] == [item.pk, outside.pk]
    assert timezone.localdate().strftime("%B %Y") in html
    assert "Workload and resources" in html
    assert "Serious" in html
    assert "Stays in the talk (the employee has not allowed the description to leave it)" in html
    assert "Poor lighting in the lab." in html  # a risk outside the talks keeps its description
    assert "From a talk" in html
    assert "Found outside the talks" in html
    assert 'class="badge risk-high">High risk</span>' in html
    assert ">Not assessed</span>" in html
    assert "1 action, 1 open" in html
    assert "1 overdue" in html
    assert risk_url(item) in html
    assert risk_url(outside) in html
    assert reverse("workenv:risk_add", args=[dept.pk]) in html
    summary = response.context["summary"]
    assert (summary.risks, summary.open_actions, summary.overdue_actions) == (2, 1, 1)
    assert {level.level: level.count for level in summary.levels} == {
        "high": 1,
        "medium": 0,
        "low": 0,
        "": 1,
    }
    assert 'class="register-chart"' in html
    assert "<caption>Risks by level</caption>" in html


def test_the_decision_column(login, manager, employee, dept):
    needs = f.assess(talk_risk(employee), manager)
    reasoned = f.outside_risk(dept, manager)
    reasoned = services.risk_assess(
        actor=manager.user,
        observation=reasoned,
        likelihood=1,
        consequence=1,
        no_action_reason="The lamps are replaced next week anyway.",
        revision=fresh(reasoned).revision,
    )
    html = login(manager).get(REGISTER).content.decode()
    assert html.count("Needs an action or a reason") == 1
    assert "No action:" in html
    assert "The lamps are replaced next week anyway." in html
    assert 'class="badge risk-low">Low risk</span>' in html
    assert needs.risk_level == "high"


def test_a_unit_chooser_when_the_manager_has_several_units(login, manager, employee, dept):
    lab = UnitFactory(code="LAB", name_en="The Lab", parent=dept)
    PersonFactory(unit=lab, manager=manager)
    f.outside_risk(lab, manager, category="hours")
    client = login(manager)
    html = client.get(REGISTER).content.decode()
    assert 'id="register-unit"' in html
    assert f'<option value="{dept.pk}" selected' in html
    chosen = client.get(register_url(lab))
    assert chosen.context["unit"] == lab
    assert "Working hours and recovery" in chosen.content.decode()


def test_one_unit_has_no_chooser(login, manager, employee):
    assert 'id="register-unit"' not in login(manager).get(REGISTER).content.decode()


def test_a_unit_outside_the_register_is_404(login, manager, employee, other_dept):
    assert login(manager).get(register_url(other_dept)).status_code == 404
    assert login(manager).get(f"{REGISTER}?unit=nonsense").status_code == 404


def test_the_year_filter(login, manager, employee, dept):
    old = f.outside_risk(dept, manager, category="change")
    last_year = timezone.localdate().year - 1
    Observation.objects.filter(pk=old.pk).update(observed_on=dt.date(last_year, 12, 5))
    new = talk_risk(employee)
    client = login(manager)
    this_year = client.get(REGISTER)
    assert [row.id for row in this_year.context["rows"]] == [new.pk]
    assert this_year.context["years"] == [last_year + 1, last_year]
    assert [row.id for row in client.get(register_url(dept, year=last_year)).context["rows"]] == [
        old.pk
    ]
    every = client.get(register_url(dept, year="all"))
    assert [row.id for row in every.context["rows"]] == [new.pk, old.pk]
    assert f"December {last_year}" in every.content.decode()
    assert '<option value="all" selected>All years</option>' in every.content.decode()
    # Nonsense is this year.
    assert [row.id for row in client.get(register_url(dept, year="x")).context["rows"]] == [new.pk]


def test_only_what_needs_attention(login, manager, employee, colleague, dept):
    unassessed = talk_risk(employee)
    open_action = talk_risk(colleague, category="clarity")
    f.action(open_action, manager)
    done = f.outside_risk(dept, manager)
    action = f.action(done, manager)
    services.action_follow_up(
        actor=manager.user, action=action, effective=True, outcome="Fixed.", revision=1
    )
    failed = f.outside_risk(dept, manager, category="other")
    not_effective(failed, manager)
    reasoned = f.outside_risk(dept, manager, category="hours")
    services.risk_assess(
        actor=manager.user,
        observation=reasoned,
        likelihood=1,
        consequence=1,
        no_action_reason="Seasonal.",
        revision=fresh(reasoned).revision,
    )
    response = login(manager).get(register_url(dept, open_only=1))
    shown = {row.id for row in response.context["rows"]}
    assert shown == {unassessed.pk, open_action.pk, failed.pk}
    html = response.content.decode()
    assert 'name="open_only" value="1" checked' in html
    # The summary counts the whole year, whatever the filter.
    assert response.context["summary"].risks == 5


def test_an_empty_register(login, manager, employee):
    response = login(manager).get(REGISTER)
    assert "The register has no risks for this period." in response.content.decode()
    assert 'class="register-chart"' not in response.content.decode()


@pytest.mark.parametrize("who", ["employee", "colleague", "hr", "safety_rep", "admin_user"])
def test_the_register_refuses_who_keeps_none(request, login, manager, employee, who):
    assert login(request.getfixturevalue(who)).get(REGISTER).status_code == 403


def test_another_manager_sees_only_their_own_unit(
    login, manager, employee, other_manager, other_employee, dept, other_dept
):
    talk_risk(employee)
    client = login(other_manager)
    response = client.get(REGISTER)
    assert response.context["unit"] == other_dept
    assert response.context["rows"] == []
    assert client.get(register_url(dept)).status_code == 404


def test_the_register_is_get_only(login, manager, employee):
    assert login(manager).post(REGISTER).status_code == 405


def _fill(manager: Person, employee_unit: Any, count: int) -> None:
    for index in range(count):
        person = PersonFactory(unit=employee_unit, manager=manager)
        item = talk_risk(person, may_leave=index % 2 == 0)
        if index % 3:
            f.action(item, manager, responsible=person)
        f.outside_risk(employee_unit, manager)


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("params", [{}, {"open_only": 1}, {"year": "all"}])
def test_the_register_query_count_does_not_grow(login, manager, employee, dept, params):
    client = login(manager)
    _fill(manager, dept, 1)
    url = register_url(dept, **params)
    small = _queries(client, url)
    _fill(manager, dept, 9)
    assert len(client.get(register_url(dept, year="all")).context["rows"]) == 20
    assert _queries(client, url) == small


# --- a risk found outside the talks -----------------------------------------------------------


def test_add_a_risk_outside_the_talks(login, manager, employee, dept):
    url = reverse("workenv:risk_add", args=[dept.pk])
    client = login(manager)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="description_may_leave"' not in page.content.decode()
    response = client.post(
        url, {"category": "physical", "description": "Loose cables.", "severity": "low"}
    )
    item = Observation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == risk_url(item)
    assert (item.unit, item.talk, item.raised_by, item.created_by) == (
        dept,
        None,
        Party.UNIT,
        manager.user,
    )
    assert last_message(response) == "The risk is added to the unit's register. Assess it next."


def test_a_risk_without_description_or_severity_is_refused(login, manager, employee, dept):
    response = login(manager).post(
        reverse("workenv:risk_add", args=[dept.pk]), {"category": "workload", "description": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Describe the risk." in html
    assert "Choose how serious the matter is." in html
    assert not Observation.objects.exists()


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_adding_a_risk_is_refused(request, login, manager, employee, dept, who):
    client = login(request.getfixturevalue(who))
    url = reverse("workenv:risk_add", args=[dept.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"category": "physical", "description": "X", "severity": "low"})
    assert response.status_code == 404
    assert not Observation.objects.exists()


# --- the risk page ----------------------------------------------------------------------------


def test_the_risk_page(login, manager, employee, colleague):
    item = talk_risk(employee)
    client = login(manager)
    page = client.get(risk_url(item))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1
    assert "Risk: Workload and resources" in html
    assert "<caption>The risk matrix: likelihood (rows) × consequence (columns)</caption>" in html
    assert html.count('class="risk-cell') == 16
    assert 'name="likelihood"' in html
    assert 'name="consequence"' in html
    assert "Assess the risk before deciding an action." in html
    assert 'name="what"' not in html
    # Assessed: its cell marked, and the form for a new action offers the unit's people.
    f.assess(item, manager, likelihood=2, consequence=4)
    html = client.get(risk_url(item)).content.decode()
    assert html.count("risk-current") == 1
    assert "this risk's assessment" in html
    assert 'name="what"' in html
    form = client.get(risk_url(item)).context["action_form"]
    assert set(form.fields["responsible"].queryset) == {manager, employee, colleague}


def test_the_risk_page_offers_only_the_allowed_steps(login, manager, employee, dept):
    item = talk_risk(employee)
    open_action = f.action(item, manager, what="Open one")
    started = f.action(item, manager, what="Started one")
    services.action_start(actor=manager.user, action=started, revision=started.revision)
    failed = not_effective(f.outside_risk(dept, manager), manager)
    html = login(manager).get(risk_url(item)).content.decode()
    assert html.count(reverse("workenv:action_start", args=[open_action.pk])) == 1
    assert reverse("workenv:action_start", args=[started.pk]) not in html
    for action in (open_action, started):
        assert reverse("workenv:action_follow_up", args=[action.pk]) in html
        assert reverse("workenv:action_edit", args=[action.pk]) in html
    assert "?replaces=" not in html
    failed_page = login(manager).get(risk_url(failed.observation)).content.decode()
    replace = f"{reverse('workenv:action_add', args=[failed.observation_id])}?replaces={failed.pk}"
    assert replace in failed_page
    assert "Replace with a new action" in failed_page
    assert reverse("workenv:action_edit", args=[failed.pk]) not in failed_page
    assert reverse("workenv:action_follow_up", args=[failed.pk]) not in failed_page
    assert "Needs an action or a reason" in failed_page


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_the_risk_page_is_404_for_others(request, login, manager, employee, who):
    item = talk_risk(employee)
    assert login(request.getfixturevalue(who)).get(risk_url(item)).status_code == 404


def test_a_withdrawn_observation_is_not_in_the_register(login, manager, employee):
    item = talk_risk(employee)
    services.observation_withdraw(actor=employee.user, observation=item, revision=item.revision)
    client = login(manager)
    assert client.get(REGISTER).context["rows"] == []
    assert client.get(risk_url(item)).status_code == 404


# --- assessing --------------------------------------------------------------------------------


def assess_url(item: Observation) -> str:
    return reverse("workenv:risk_assess", args=[item.pk])


def test_assess_a_risk(login, manager, employee):
    item = talk_risk(employee)
    response = login(manager).post(
        assess_url(item),
        {"likelihood": "2", "consequence": "2", "no_action_reason": "", "revision": item.revision},
    )
    assert response.status_code == 302
    assert response["Location"] == risk_url(item) + "#assessment"
    item = fresh(item)
    assert (item.likelihood, item.consequence, item.risk_level) == (2, 2, "medium")
    assert item.assessed_by == manager.user
    assert last_message(response) == "The risk is assessed: medium risk."


def test_an_assessment_without_likelihood_is_refused(login, manager, employee):
    item = talk_risk(employee)
    response = login(manager).post(
        assess_url(item), {"likelihood": "", "consequence": "9", "revision": item.revision}
    )
    assert response.status_code == 400
    errors = response.context["assess_form"].errors
    assert set(errors) == {"likelihood", "consequence"}
    assert 'id="assess_likelihood_error"' in response.content.decode()
    assert fresh(item).assessed_at is None


def test_a_reason_with_open_actions_is_refused_at_the_field(login, manager, employee):
    item = talk_risk(employee)
    f.action(item, manager)
    item = fresh(item)
    response = login(manager).post(
        assess_url(item),
        {
            "likelihood": "1",
            "consequence": "1",
            "no_action_reason": "Not needed.",
            "revision": item.revision,
        },
    )
    assert response.status_code == 400
    assert "The risk has open actions; follow them up first." in response.content.decode()
    assert fresh(item).no_action_reason == ""


def test_a_stale_assessment_is_refused(login, manager, employee):
    item = f.assess(talk_risk(employee), manager, likelihood=3, consequence=3)
    stale = item.revision - 1
    response = login(manager).post(
        assess_url(item), {"likelihood": "1", "consequence": "1", "revision": stale}
    )
    assert response.status_code == 302
    assert "Someone else changed this meanwhile" in last_message(response)
    assert fresh(item).risk_level == "high"


def test_assessing_is_post_only(login, manager, employee):
    item = talk_risk(employee)
    assert login(manager).get(assess_url(item)).status_code == 405


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_assessing_is_refused(request, login, manager, employee, who):
    item = talk_risk(employee)
    response = login(request.getfixturevalue(who)).post(
        assess_url(item), {"likelihood": "1", "consequence": "1", "revision": item.revision}
    )
    assert response.status_code == 404
    assert fresh(item).assessed_at is None


# --- actions ----------------------------------------------------------------------------------


def add_url(item: Observation, replaces: Action | None = None) -> str:
    url = reverse("workenv:action_add", args=[item.pk])
    return f"{url}?replaces={replaces.pk}" if replaces else url


def test_add_an_action(login, manager, employee):
    item = f.assess(talk_risk(employee), manager)
    client = login(manager)
    assert client.get(add_url(item)).status_code == 200
    response = client.post(add_url(item), action_data(responsible=str(employee.pk)))
    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == risk_url(item) + f"#action-{action.pk}"
    assert (action.responsible, action.cost, action.unit_id) == (
        employee,
        Decimal(2000),
        item.unit_id,
    )
    assert action.status == ActionStatus.OPEN


def test_an_action_without_responsible_or_date_is_refused(login, manager, employee):
    item = f.assess(talk_risk(employee), manager)
    response = login(manager).post(
        add_url(item), action_data(responsible="", responsible_other="", due_on="")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "Choose who is responsible, or write a person or function." in form.errors["responsible"]
    assert "due_on" in form.errors
    html = response.content.decode()
    assert 'id="id_responsible_error"' in html
    assert 'id="id_due_on_error"' in html
    assert not Action.objects.exists()


def test_an_action_responsible_outside_the_unit_is_refused(
    login, manager, employee, other_employee
):
    item = f.assess(talk_risk(employee), manager)
    response = login(manager).post(add_url(item), action_data(responsible=str(other_employee.pk)))
    assert response.status_code == 400
    assert "responsible" in response.context["form"].errors
    assert not Action.objects.exists()


def test_an_action_before_the_assessment_is_refused(login, manager, employee):
    item = talk_risk(employee)
    client = login(manager)
    page = client.get(add_url(item))
    assert page.status_code == 302
    assert messages_of(page) == ["Assess the risk before deciding an action."]
    response = client.post(add_url(item), action_data())
    assert response.status_code == 302
    assert last_message(response) == "Assess the risk before deciding an action."
    assert not Action.objects.exists()


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_adding_an_action_is_refused(request, login, manager, employee, who):
    item = f.assess(talk_risk(employee), manager)
    client = login(request.getfixturevalue(who))
    assert client.get(add_url(item)).status_code == 404
    assert client.post(add_url(item), action_data()).status_code == 404
    assert not Action.objects.exists()


def test_replace_an_action_that_was_not_effective(login, manager, employee):
    item = talk_risk(employee)
    failed = not_effective(item, manager)
    client = login(manager)
    page = client.get(add_url(item, failed))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Replace with a new action</h1>" in html
    assert "Nothing changed." in html
    response = client.post(add_url(item, failed), action_data())
    assert response.status_code == 302
    new = Action.objects.exclude(pk=failed.pk).get()
    assert new.replaces == failed
    # Replaced once only, and the risk no longer needs a decision.
    html = client.get(risk_url(item)).content.decode()
    assert "?replaces=" not in html
    assert "(replaced by a new action)" in html
    again = client.post(add_url(item, failed), action_data())
    assert last_message(again) == "That action has already been replaced."
    assert Action.objects.count() == 2


def test_only_an_action_that_was_not_effective_is_replaced(login, manager, employee):
    item = talk_risk(employee)
    action = f.action(item, manager)
    client = login(manager)
    page = client.get(add_url(item, action))
    assert page.status_code == 302
    assert messages_of(page) == ["Only an action that was not effective is replaced by a new one."]
    response = client.post(add_url(item, action), action_data())
    assert response.status_code == 302
    assert (
        last_message(response) == "Only an action that was not effective is replaced by a new one."
    )
    assert Action.objects.count() == 1


def test_replacing_another_risks_action_is_404(login, manager, employee, dept):
    item = f.assess(talk_risk(employee), manager)
    failed = not_effective(f.outside_risk(dept, manager), manager)
    client = login(manager)
    assert client.get(add_url(item, failed)).status_code == 404
    assert client.post(add_url(item, failed), action_data()).status_code == 404
    assert client.get(f"{add_url(item)}?replaces=x").status_code == 404
    assert Action.objects.count() == 1


# --- changing an action -----------------------------------------------------------------------


def edit_url(action: Action) -> str:
    return reverse("workenv:action_edit", args=[action.pk])


def test_change_an_action(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    client = login(manager)
    page = client.get(edit_url(action))
    assert page.status_code == 200
    assert "Review the course allocation." in page.content.decode()
    response = client.post(
        edit_url(action), action_data(what="A changed action", revision=action.revision)
    )
    assert response.status_code == 302
    assert fresh(action).what == "A changed action"
    assert last_message(response) == "The action is saved."


def test_a_stale_change_is_refused_and_shows_what_is_saved(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    stale = action.revision
    services.action_update(
        actor=manager.user,
        action=action,
        data=services.ActionData(
            what="Saved by someone else",
            due_on=action.due_on,
            responsible_id=manager.pk,
        ),
        revision=stale,
    )
    response = login(manager).post(
        edit_url(action), action_data(what="My late change", revision=stale)
    )
    assert response.status_code == 409
    assert "Someone else changed this meanwhile" in response.content.decode()
    assert "Saved by someone else" in response.content.decode()
    assert fresh(action).what == "Saved by someone else"


def test_a_bad_change_comes_back_at_the_field(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    response = login(manager).post(
        edit_url(action), action_data(what="", due_on="", revision=action.revision)
    )
    assert response.status_code == 400
    assert {"what", "due_on"} <= set(response.context["form"].errors)
    assert fresh(action).what == "Review the course allocation."


def test_a_closed_action_is_not_changed(login, manager, employee):
    action = not_effective(talk_risk(employee), manager)
    client = login(manager)
    page = client.get(edit_url(action))
    assert page.status_code == 302
    assert messages_of(page) == ["The action has been followed up and is closed."]
    response = client.post(edit_url(action), action_data(revision=action.revision))
    assert last_message(response) == "The action has been followed up and is closed."
    assert fresh(action).what == "Review the course allocation."


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_changing_an_action_is_refused(request, login, manager, employee, who):
    action = f.action(talk_risk(employee), manager)
    client = login(request.getfixturevalue(who))
    assert client.get(edit_url(action)).status_code == 404
    response = client.post(edit_url(action), action_data(what="X", revision=action.revision))
    assert response.status_code == 404
    assert fresh(action).what == "Review the course allocation."


# --- starting and following up ----------------------------------------------------------------


def start_url(action: Action) -> str:
    return reverse("workenv:action_start", args=[action.pk])


def follow_url(action: Action) -> str:
    return reverse("workenv:action_follow_up", args=[action.pk])


def test_start_an_action(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    client = login(manager)
    response = client.post(start_url(action), {"revision": action.revision})
    assert response.status_code == 302
    assert fresh(action).status == ActionStatus.IN_PROGRESS
    assert last_message(response) == "The action is marked as in progress."
    again = client.post(start_url(action), {"revision": fresh(action).revision})
    assert last_message(again) == "An action that is in progress cannot be marked that way."


def test_a_stale_start_is_refused(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    client = login(manager)
    for data in ({"revision": action.revision + 5}, {}):
        response = client.post(start_url(action), data)
        assert "Someone else changed this meanwhile" in last_message(response)
    assert fresh(action).status == ActionStatus.OPEN


def test_starting_is_post_only(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    assert login(manager).get(start_url(action)).status_code == 405


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_starting_is_refused(request, login, manager, employee, who):
    action = f.action(talk_risk(employee), manager)
    response = login(request.getfixturevalue(who)).post(
        start_url(action), {"revision": action.revision}
    )
    assert response.status_code == 404
    assert fresh(action).status == ActionStatus.OPEN


def test_follow_up_an_action_as_done(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    client = login(manager)
    page = client.get(follow_url(action))
    assert page.status_code == 200
    assert "Review the course allocation." in page.content.decode()
    assert [value for value, _label in page.context["form"].fields["effective"].choices] == [
        "yes",
        "no",
    ]
    response = client.post(
        follow_url(action), {"effective": "yes", "outcome": "Better.", "revision": action.revision}
    )
    assert response.status_code == 302
    action = fresh(action)
    assert (action.status, action.outcome, action.followed_up_by) == (
        ActionStatus.DONE,
        "Better.",
        manager.user,
    )
    assert last_message(response) == "The follow-up is recorded: the action is done."


def test_follow_up_as_not_effective_offers_a_replacement(login, manager, employee):
    item = talk_risk(employee)
    action = f.action(item, manager)
    client = login(manager)
    response = client.post(
        follow_url(action),
        {"effective": "no", "outcome": "Still too much.", "revision": action.revision},
    )
    assert fresh(action).status == ActionStatus.NOT_EFFECTIVE
    assert "Decide a new action to replace it." in last_message(response)
    assert f"?replaces={action.pk}" in client.get(risk_url(item)).content.decode()


def test_a_follow_up_without_outcome_is_refused(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    response = login(manager).post(
        follow_url(action), {"effective": "yes", "outcome": "", "revision": action.revision}
    )
    assert response.status_code == 400
    assert "outcome" in response.context["form"].errors
    assert fresh(action).status == ActionStatus.OPEN


def test_a_follow_up_on_a_closed_action_is_refused(login, manager, employee):
    action = not_effective(talk_risk(employee), manager)
    client = login(manager)
    page = client.get(follow_url(action))
    assert page.status_code == 302
    assert messages_of(page) == ["The action has been followed up and is closed."]
    response = client.post(
        follow_url(action), {"effective": "yes", "outcome": "Late.", "revision": action.revision}
    )
    assert response.status_code == 302
    assert last_message(response) == "The action has been followed up and is closed."
    action = fresh(action)
    assert (action.status, action.outcome) == (ActionStatus.NOT_EFFECTIVE, "Nothing changed.")


def test_a_stale_follow_up_is_refused(login, manager, employee):
    action = f.action(talk_risk(employee), manager)
    response = login(manager).post(
        follow_url(action),
        {"effective": "yes", "outcome": "Better.", "revision": action.revision + 1},
    )
    assert response.status_code == 409
    assert "Someone else changed this meanwhile" in response.content.decode()
    assert fresh(action).status == ActionStatus.OPEN


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_following_up_is_refused(request, login, manager, employee, who):
    action = f.action(talk_risk(employee), manager)
    client = login(request.getfixturevalue(who))
    assert client.get(follow_url(action)).status_code == 404
    response = client.post(
        follow_url(action), {"effective": "yes", "outcome": "X", "revision": action.revision}
    )
    assert response.status_code == 404
    assert fresh(action).status == ActionStatus.OPEN


def test_a_former_manager_loses_the_register(login, manager, employee, colleague, other_manager):
    item = talk_risk(employee)
    action = f.action(item, manager)
    Person.objects.filter(pk__in=[employee.pk, colleague.pk]).update(manager=other_manager)
    client = login(manager)
    assert client.get(REGISTER).status_code == 403
    assert client.get(risk_url(item)).status_code == 404
    assert client.post(start_url(action), {"revision": action.revision}).status_code == 404


# --- the navigation ---------------------------------------------------------------------------


NAV = {
    "register": ("Work environment<", REGISTER),
    "overview": ("Work environment overview", reverse("workenv:overview")),
    "settings": ("Work-environment settings", reverse("workenv:settings")),
    "mine": ("My actions", reverse("workenv:my_actions")),
}


@pytest.mark.parametrize(
    ("who", "links"),
    [
        ("manager", {"register", "overview", "mine"}),
        ("employee", {"mine"}),
        ("hr", {"overview", "mine"}),
        ("safety_rep", {"overview", "mine"}),
        ("admin_user", {"settings"}),
    ],
)
def test_the_navigation(request, login, employee, who, links):
    html = login(request.getfixturevalue(who)).get(reverse("core:home")).content.decode()
    nav = html.split("<main", 1)[0]
    for name, (text, url) in NAV.items():
        assert (f'href="{url}"' in nav and text in nav) == (name in links), name


def test_the_register_link_is_current_on_the_risk_pages(login, manager, employee):
    item = talk_risk(employee)
    html = login(manager).get(risk_url(item)).content.decode()
    assert f'<a href="{REGISTER}" aria-current="page">Work environment</a>' in html
