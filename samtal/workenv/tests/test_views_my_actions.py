"""“My actions”: the actions a person is named responsible for, with unit, date, status and
whether overdue; never the risk behind them (its description, its talk, who raised it); an
empty state for everyone else; queries that do not grow with the actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samtal.workenv import services
from samtal.workenv.models import Action
from samtal.workenv.tests.factories import action, assess, held_talk, observation, outside_risk

pytestmark = pytest.mark.django_db

URL = reverse("workenv:my_actions")
DESCRIPTION = "My colleague Bertil shouts at me in meetings."
EMPTY = "You are not responsible for any work-environment action."


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.fixture(autouse=True)
def _named_colleague(colleague):
    # A fixed name: a generated one could be the raiser's, which the page must not show.
    colleague.first_name, colleague.last_name = "Cecilia", "Kollega"
    colleague.save()


@pytest.fixture
def risk(employee, manager):
    """Raised by the employee in their talk, the description allowed to leave it."""
    item = observation(held_talk(employee), description=DESCRIPTION, may_leave=True)
    return assess(item, manager)


def page_of(client: Any) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_goes_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_page_is_read_only(login, colleague):
    assert login(colleague).post(URL).status_code == 405


@pytest.mark.parametrize(
    "who", ["employee", "manager", "other_manager", "hr", "safety_rep", "admin_user"]
)
def test_someone_responsible_for_nothing_sees_the_empty_state(
    request, login, who, risk, colleague, manager
):
    action(risk, manager, responsible=colleague)
    page = page_of(login(request.getfixturevalue(who)))
    assert "<h1>My actions</h1>" in page
    assert EMPTY in page
    assert "Review the course allocation." not in page


def test_the_responsible_sees_their_actions_and_nothing_of_the_risk(
    login, risk, colleague, manager, employee
):
    due = timezone.localdate() + dt.timedelta(days=10)
    item = action(risk, manager, responsible=colleague, due_in_days=10, what="Share the load.")
    page = page_of(login(colleague))
    assert EMPTY not in page
    assert f'<tr id="action-{item.pk}">' in page
    assert '<th scope="row" class="pre-line">Share the load.</th>' in page
    assert "<td>The Department</td>" in page
    assert due.isoformat() in page
    assert "Open" in page
    assert "badge-overdue" not in page
    # Nothing of the observation: not its description, category, talk, nor who raised it.
    talk = f"/talks/{risk.talk_id}/"
    for secret in (DESCRIPTION, "Bertil", "Erik", "Medarbetare", "Workload", talk):
        assert secret not in page
    assert reverse("workenv:risk_detail", args=[risk.pk]) not in page


def test_an_overdue_action_is_flagged(login, risk, colleague, manager):
    action(risk, manager, responsible=colleague, due_in_days=-2, what="Late one.")
    action(risk, manager, responsible=colleague, due_in_days=5, what="On time.")
    page = page_of(login(colleague))
    assert page.count('<span class="badge badge-overdue">Overdue</span>') == 1
    assert "1 action is overdue." in page
    assert page.index("Late one.") < page.index("On time.")


def test_followed_up_actions_are_listed_apart_for_a_year(login, risk, colleague, manager):
    done = action(risk, manager, responsible=colleague, what="Done one.")
    services.action_follow_up(
        actor=manager.user, action=done, effective=True, outcome="Fine.", revision=done.revision
    )
    old = action(risk, manager, responsible=colleague, what="Old one.")
    services.action_follow_up(
        actor=manager.user, action=old, effective=False, outcome="No.", revision=old.revision
    )
    Action.objects.filter(pk=old.pk).update(followed_up_at=timezone.now() - dt.timedelta(days=400))
    page = page_of(login(colleague))
    assert '<h2 id="closed-actions-heading">Followed up</h2>' in page
    assert "Done one." in page
    assert "Done" in page
    assert "Old one." not in page
    assert "Fine." not in page  # the outcome stays in the register
    assert "Nothing to do: every action you are responsible for has been followed up." in page


def test_only_ones_own_actions(
    login, risk, colleague, manager, employee, other_dept, other_manager, other_employee
):
    action(risk, manager, responsible=colleague, what="The colleague's.")
    action(risk, manager, responsible=employee, what="The employee's.")
    elsewhere = assess(outside_risk(other_dept, other_manager), other_manager)
    action(elsewhere, other_manager, responsible=other_employee, what="Elsewhere.")
    page = page_of(login(colleague))
    assert "The colleague&#x27;s." in page
    assert "The employee&#x27;s." not in page
    assert "Elsewhere." not in page


def test_the_manager_named_responsible_sees_it_too(login, risk, manager, employee):
    action(risk, manager, responsible=manager, what="Talk to the director.")
    assert "Talk to the director." in page_of(login(manager))


def test_the_queries_do_not_grow_with_the_actions(login, risk, colleague, manager, dept):
    client = login(colleague)
    template = action(risk, manager, responsible=colleague)

    def count(actions: int) -> int:
        Action.objects.exclude(pk=template.pk).delete()
        Action.objects.bulk_create(
            Action(
                observation_id=template.observation_id,
                unit=dept,
                what=f"Action {n}",
                responsible=colleague,
                due_on=timezone.localdate() + dt.timedelta(days=n - 5),
                status="open" if n % 3 else "done",
                followed_up_at=None if n % 3 else timezone.now(),
            )
            for n in range(actions - 1)
        )
        with CaptureQueriesContext(connection) as queries:
            page = page_of(client)
        assert page.count('<tr id="action-') == actions
        return len(queries)

    assert count(2) == count(20)
