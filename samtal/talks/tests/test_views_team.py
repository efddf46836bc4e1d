"""The manager's team page and starting an extra talk: what is shown, who is refused, and a
query count that does not grow with the team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samtal.organisation.models import Person
from samtal.organisation.tests.factories import PersonFactory
from samtal.talks.models import Response, Talk, TalkStatus
from samtal.talks.tests.factories import TalkFactory, booked_talk, published_version

pytestmark = pytest.mark.django_db

TEAM = reverse("talks:team")
EXTRA = reverse("talks:extra_start")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_manager_sees_every_report_and_what_to_do(login, manager, employee, colleague):
    offered = TalkFactory(employee=employee, deadline=timezone.localdate() - dt.timedelta(days=2))
    response = login(manager).get(TEAM)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f"{employee.last_name}, {employee.first_name}" in html
    assert f"{colleague.last_name}, {colleague.first_name}" in html
    assert reverse("talks:talk_detail", args=[offered.pk]) in html
    assert reverse("talks:talk_book", args=[offered.pk]) in html
    assert "Overdue" in html  # in words, not only a colour
    assert "1 talk is overdue." in html
    assert "Propose a time and place" in html
    assert "No talk offered yet" in html
    assert f"{EXTRA}?employee={colleague.pk}" in html
    assert EXTRA in html
    # overdue first
    assert response.context["rows"][0]["row"].person == employee


def test_book_link_only_when_it_is_the_managers_step(login, manager, employee, colleague):
    waiting = booked_talk(employee)
    change = booked_talk(colleague, days_ahead=8)
    Talk.objects.filter(pk=change.pk).update(response=Response.CHANGE_REQUESTED)
    html = login(manager).get(TEAM).content.decode()
    assert reverse("talks:talk_book", args=[waiting.pk]) not in html
    assert reverse("talks:talk_book", args=[change.pk]) in html
    assert "Wait for the employee to accept the time" in html
    assert "Another time is asked for: propose a new time" in html


def test_other_open_talks_are_listed(login, manager, employee, other_manager):
    talk = TalkFactory(employee=employee)
    Person.objects.filter(pk=employee.pk).update(manager=other_manager)
    PersonFactory(unit=employee.unit, manager=manager)  # still a manager
    response = login(manager).get(TEAM)
    html = response.content.decode()
    assert 'id="others-heading"' in html
    assert reverse("talks:talk_detail", args=[talk.pk]) in html
    assert response.context["others"] == [talk]


@pytest.mark.parametrize("who", ["employee", "hr", "safety_rep", "admin_user"])
def test_non_managers_are_refused(request, login, manager, employee, who):
    client = login(request.getfixturevalue(who))
    assert client.get(TEAM).status_code == 403
    assert client.get(EXTRA).status_code == 403
    assert client.post(EXTRA, {}).status_code == 403


def test_team_is_get_only(login, manager, employee):
    assert login(manager).post(TEAM).status_code == 405


def _team_of(manager, size: int) -> None:
    for index in range(size):
        person = PersonFactory(unit=manager.unit, manager=manager)
        if index % 3 == 0:
            TalkFactory(employee=person)
        elif index % 3 == 1:
            booked_talk(person, days_ahead=index + 1)


def _team_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TEAM)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_team_page_query_count_does_not_grow(login, manager, other_manager):
    client = login(manager)
    _team_of(manager, 2)
    small = _team_page_queries(client)
    _team_of(manager, 10)
    assert len(client.get(TEAM).context["rows"]) == 12
    assert _team_page_queries(client) == small


# --- extra talk started by the manager -----------------------------------------------------------


def test_manager_offers_an_extra_talk(login, manager, employee, colleague):
    older = published_version()
    newest = published_version()
    client = login(manager)
    response = client.get(EXTRA, {"employee": colleague.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["employee"].value() == colleague.pk
    assert form["template_version"].value() == newest.pk
    assert set(form.fields["employee"].queryset) == {employee, colleague}
    response = client.post(
        EXTRA,
        {"employee": employee.pk, "template_version": older.pk, "message": "New role"},
    )
    talk = Talk.objects.get(employee=employee)
    assert response.status_code == 302
    assert response["Location"] == reverse("talks:talk_detail", args=[talk.pk])
    assert talk.kind == Talk.Kind.EXTRA
    assert talk.manager == manager
    assert talk.template_version == older
    assert talk.request_message == "New role"
    assert not talk.requested_by_employee
    assert talk.status == TalkStatus.OFFERED


@pytest.mark.parametrize("raw", ["²", "abc", "1" * 40])
def test_a_preselected_employee_that_is_no_id_is_ignored(login, manager, employee, raw):
    # "²".isdigit() is true but int() refuses it: this was a 500 (hostile-input suite).
    published_version()
    response = login(manager).get(EXTRA, {"employee": raw})
    assert response.status_code == 200
    assert response.context["form"]["employee"].value() is None  # nobody preselected


def test_an_extra_talk_only_with_own_reports(login, manager, employee, other_employee):
    version = published_version()
    response = login(manager).post(
        EXTRA, {"employee": other_employee.pk, "template_version": version.pk}
    )
    assert response.status_code == 400
    assert "employee" in response.context["form"].errors
    assert not Talk.objects.exists()


def test_an_extra_talk_needs_a_published_version(login, manager, employee):
    from samtal.talk_templates.tests.factories import make_draft

    draft = make_draft()
    response = login(manager).post(EXTRA, {"employee": employee.pk, "template_version": draft.pk})
    assert response.status_code == 400
    assert "template_version" in response.context["form"].errors
    assert not Talk.objects.exists()
