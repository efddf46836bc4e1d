"""The employee's "My talks": current and earlier talks, asking for an extra talk, who is
refused, and a query count that does not grow with the number of talks."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samtal.organisation.tests.factories import PersonFactory
from samtal.talks.models import Talk, TalkStatus
from samtal.talks.tests.factories import TalkFactory, booked_talk, published_version

pytestmark = pytest.mark.django_db

MY_TALKS = reverse("talks:my_talks")
REQUEST = reverse("talks:extra_request")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_employee_sees_current_and_earlier_talks(login, employee, colleague, manager):
    current = booked_talk(employee)
    held = TalkFactory(employee=employee, status=TalkStatus.HELD)
    someone_elses = TalkFactory(employee=colleague)
    response = login(employee).get(MY_TALKS)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert [item["talk"] for item in response.context["current"]] == [current]
    assert response.context["past"] == [held]
    assert "Accept the time or ask for another" in html
    assert "Room Tallen" in html
    assert reverse("talks:talk_detail", args=[current.pk]) in html
    assert reverse("talks:talk_detail", args=[held.pk]) in html
    assert reverse("talks:talk_detail", args=[someone_elses.pk]) not in html
    assert manager.full_name in html


def test_the_request_form_defaults_to_the_newest_published_version(login, employee):
    published_version()
    newest = published_version()
    response = login(employee).get(MY_TALKS)
    assert response.context["form"]["template_version"].value() == newest.pk
    assert f'action="{REQUEST}"' in response.content.decode()


def test_employee_asks_for_an_extra_talk(login, employee, manager):
    version = published_version()
    response = login(employee).post(
        REQUEST, {"template_version": version.pk, "message": "Reorganisation"}
    )
    talk = Talk.objects.get(employee=employee)
    assert response.status_code == 302
    assert response["Location"] == reverse("talks:talk_detail", args=[talk.pk])
    assert talk.requested_by_employee
    assert talk.manager == manager
    assert talk.request_message == "Reorganisation"
    assert messages_of(response)[0][0] == "success"


def test_asking_without_a_manager_is_refused_with_a_message(login, dept):
    person = PersonFactory(unit=dept)
    version = published_version()
    client = login(person)
    assert "No manager is registered for you" in client.get(MY_TALKS).content.decode()
    response = client.post(REQUEST, {"template_version": version.pk})
    assert response.status_code == 302
    assert response["Location"] == MY_TALKS
    assert messages_of(response)[0][0] == "error"
    assert not Talk.objects.exists()


def test_a_bad_request_is_shown_on_its_field(login, employee):
    published_version()
    response = login(employee).post(REQUEST, {"template_version": "99999", "message": "x"})
    assert response.status_code == 400
    assert "template_version" in response.context["form"].errors
    assert not Talk.objects.exists()


def test_a_user_without_a_person_gets_404(login, admin_user):
    client = login(admin_user)
    assert client.get(MY_TALKS).status_code == 404
    assert client.post(REQUEST, {}).status_code == 404


def test_asking_is_post_only(login, employee):
    assert login(employee).get(REQUEST).status_code == 405
    assert login(employee).post(MY_TALKS).status_code == 405


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(MY_TALKS)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_query_count_does_not_grow_with_the_talks(login, employee, dept):
    published_version()
    client = login(employee)
    TalkFactory(employee=employee, status=TalkStatus.HELD)
    small = _queries(client)
    for days in range(1, 4):
        booked_talk(employee, days_ahead=days)
    for _ in range(3):
        TalkFactory(employee=employee, status=TalkStatus.DECLINED)
    assert _queries(client) == small
