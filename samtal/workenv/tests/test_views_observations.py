"""Observations in a talk: its two parties register, change and withdraw them, the employee
alone lets a description leave the talk; victimisation, harassment and discrimination show the
employer's routine and keep no details; nobody else reaches any of it; the record page and
the talk page show them with a constant number of queries."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from samtal.core.models import OrgPolicy
from samtal.plans.tests.factories import agree_record
from samtal.talk_templates.models import Question
from samtal.talks.models import Record, Talk, TalkStatus
from samtal.talks.tests.factories import booked_talk, published_version
from samtal.workenv.models import Observation, SupportContact, WorkenvPolicy
from samtal.workenv.tests.factories import action, assess, held_talk, observation

pytestmark = pytest.mark.django_db

NOT_PARTIES = ["colleague", "other_manager", "other_employee", "hr", "safety_rep", "admin_user"]
ROUTINE_TEXT = "Turn to the HR office within a week."


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def talk(employee) -> Talk:
    return held_talk(employee)


@pytest.fixture
def routine_setup(db) -> SupportContact:
    WorkenvPolicy.current()
    WorkenvPolicy.objects.update(routine_en=ROUTINE_TEXT, routine_sv="Vänd dig till HR.")
    return SupportContact.objects.create(
        name_sv="HR-kontoret",
        name_en="The HR office",
        details_sv="hr@example.se",
        details_en="hr@example.se, 090-123 45",
        url="https://example.se/routine",
    )


def add_url(talk: Talk) -> str:
    return reverse("workenv:observation_add", args=[talk.pk])


def record_url(talk: Talk) -> str:
    return reverse("talks:talk_record", args=[talk.pk])


def page_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def flagged_question(talk: Talk) -> Question:
    return Question.objects.get(
        section__version_id=talk.template_version_id, raises_observation=True
    )


WORKLOAD = {"category": "workload", "description": "Too many courses.", "severity": "high"}


# --- registering ---------------------------------------------------------------------------------


def test_employee_registers_an_observation(login, talk, employee):
    response = login(employee).post(add_url(talk), {**WORKLOAD, "description_may_leave": "on"})
    item = Observation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{record_url(talk)}#observation-{item.pk}"
    assert "The observation is registered" in messages_of(response)[0]
    assert (item.raised_by, item.category, item.severity) == ("employee", "workload", "high")
    assert (item.description, item.description_may_leave) == ("Too many courses.", True)
    assert (item.talk, item.unit_id, item.created_by) == (talk, talk.unit_id, employee.user)


def test_manager_registers_but_cannot_let_the_description_leave(login, talk, manager):
    response = login(manager).post(add_url(talk), {**WORKLOAD, "description_may_leave": "on"})
    assert response.status_code == 302
    item = Observation.objects.get()
    assert (item.raised_by, item.description_may_leave) == ("manager", False)


def test_form_shows_the_routine_and_contacts_before_the_fields(
    login, talk, employee, manager, routine_setup
):
    page = login(employee).get(add_url(talk)).content.decode()
    box = page.index("For victimisation, harassment or discrimination")
    assert box < page.index(ROUTINE_TEXT) < page.index('name="category"')
    assert page.index("The HR office") < page.index('name="description"')
    assert "https://example.se/routine" in page
    assert 'name="description_may_leave"' in page
    page = login(manager).get(add_url(talk)).content.decode()
    assert ROUTINE_TEXT in page
    assert 'name="description_may_leave"' not in page


def test_a_question_is_preselected_and_linked(login, talk, employee):
    question = flagged_question(talk)
    client = login(employee)
    page = client.get(f"{add_url(talk)}?question={question.pk}").content.decode()
    assert "From the answer to the question" in page
    assert question.text_en in page
    assert f'name="question" value="{question.pk}"' in page
    response = client.post(add_url(talk), {**WORKLOAD, "question": question.pk})
    assert response.status_code == 302
    assert Observation.objects.get().question == question


def test_an_unknown_question_on_the_form_is_said_and_left_out(login, talk, employee):
    page = page_of(login(employee).get(f"{add_url(talk)}?question=999999"))
    assert "not one of this talk's work-environment questions" in page
    assert 'name="question" value="999999"' not in page


@pytest.mark.parametrize("which", ["other_template", "not_flagged"])
def test_a_question_of_another_template_or_not_flagged_is_refused(login, talk, employee, which):
    if which == "other_template":
        found = Question.objects.filter(
            section__version=published_version(), raises_observation=True
        )
    else:
        found = Question.objects.filter(
            section__version_id=talk.template_version_id, raises_observation=False
        )
    question = found.first()
    assert question is not None
    response = login(employee).post(add_url(talk), {**WORKLOAD, "question": question.pk})
    assert response.status_code == 400
    assert "not one of this talk's work-environment questions" in page_of(response)
    assert not Observation.objects.exists()


def test_missing_severity_is_said_at_the_field(login, talk, employee):
    response = login(employee).post(add_url(talk), {**WORKLOAD, "severity": ""})
    assert response.status_code == 400
    assert "Choose how serious the matter is." in response.content.decode()
    assert not Observation.objects.exists()


def test_routine_category_with_a_description_is_refused(login, talk, employee):
    response = login(employee).post(
        add_url(talk), {"category": "victimisation", "description": "He shouts at me."}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Samtal keeps no details" in page
    assert "He shouts at me." in page  # back in the field, to be emptied
    assert not Observation.objects.exists()


@pytest.mark.parametrize("category", ["victimisation", "discrimination"])
def test_routine_category_shows_the_routine_and_keeps_no_details(
    login, talk, employee, routine_setup, category
):
    client = login(employee)
    response = client.post(add_url(talk), {"category": category, "severity": "high"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('workenv:routine')}?talk={talk.pk}"
    message = messages_of(response)[0]
    assert "recorded as raised and handed on" in message
    assert "No details were kept" in message
    item = Observation.objects.get()
    assert (item.category, item.description, item.severity) == (category, "", "")
    assert (item.handed_on, item.description_may_leave) == (True, False)

    page = client.get(response["Location"]).content.decode()
    assert ROUTINE_TEXT in page
    assert "The HR office" in page
    assert "hr@example.se, 090-123 45" in page
    assert f'href="{record_url(talk)}#work-environment"' in page


@pytest.mark.parametrize("raw", ["²", "abc", "1" * 40])
def test_the_routine_with_a_talk_that_is_no_id_has_no_way_back(login, talk, employee, raw):
    # "²".isdigit() is true but int() refuses it: this was a 500 (hostile-input suite).
    response = login(employee).get(reverse("workenv:routine"), {"talk": raw})
    assert response.status_code == 200
    assert record_url(talk) not in response.content.decode()


@pytest.mark.parametrize(
    "status",
    [TalkStatus.OFFERED, TalkStatus.BOOKED, TalkStatus.CANCELLED, TalkStatus.DECLINED],
)
def test_a_talk_that_cannot_raise_observations_answers_403(login, employee, manager, status):
    talk = booked_talk(employee)
    Talk.objects.filter(pk=talk.pk).update(status=status)
    for party in (employee, manager):
        client = login(party)
        assert client.get(add_url(talk)).status_code == 403
        assert client.post(add_url(talk), WORKLOAD).status_code == 403
    assert not Observation.objects.exists()
    page = login(employee).get(reverse("talks:talk_detail", args=[talk.pk])).content.decode()
    assert 'id="work-environment"' not in page


# --- changing ------------------------------------------------------------------------------------


def edit_url(item: Observation) -> str:
    return reverse("workenv:observation_edit", args=[item.pk])


def test_employee_changes_an_observation(login, talk, employee):
    item = observation(talk)
    client = login(employee)
    page = client.get(edit_url(item)).content.decode()
    assert "Too many courses this term." in page
    assert 'name="question"' not in page
    response = client.post(
        edit_url(item),
        {
            "category": "hours",
            "description": "Evenings every week.",
            "severity": "medium",
            "description_may_leave": "on",
            "revision": item.revision,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{record_url(talk)}#observation-{item.pk}"
    item.refresh_from_db()
    assert (item.category, item.description, item.severity) == (
        "hours",
        "Evenings every week.",
        "medium",
    )
    assert item.description_may_leave is True


def test_the_managers_new_description_needs_the_employees_permission_again(login, talk, manager):
    item = observation(talk, may_leave=True)
    response = login(manager).post(
        edit_url(item), {**WORKLOAD, "description": "Four courses.", "revision": item.revision}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.description, item.description_may_leave) == ("Four courses.", False)


def test_a_stale_change_is_refused_and_shows_the_current_state(login, talk, employee, manager):
    item = observation(talk)
    stale = item.revision
    login(manager).post(
        edit_url(item), {**WORKLOAD, "description": "The manager's words.", "revision": stale}
    )
    response = login(employee).post(
        edit_url(item), {**WORKLOAD, "description": "My own words.", "revision": stale}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed meanwhile by the other party" in page
    assert "The manager's words." in html.unescape(page)  # the current state, in the form
    assert "My own words." in page  # what was not saved, beside it
    item.refresh_from_db()
    assert item.description == "The manager's words."


def test_bad_input_on_change_is_said_and_nothing_changes(login, talk, employee):
    item = observation(talk)
    response = login(employee).post(
        edit_url(item), {"category": "nonsense", "revision": item.revision}
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.category == "workload"


# --- the employee's permission -------------------------------------------------------------------


def consent_url(item: Observation) -> str:
    return reverse("workenv:observation_consent", args=[item.pk])


def withdraw_url(item: Observation) -> str:
    return reverse("workenv:observation_withdraw", args=[item.pk])


def test_employee_toggles_whether_the_description_may_leave(login, talk, employee):
    item = observation(talk)
    client = login(employee)
    page = client.get(record_url(talk)).content.decode()
    assert consent_url(item) in page
    assert "Let the description leave the talk" in page
    response = client.post(consent_url(item), {"may_leave": "on", "revision": item.revision})
    assert response.status_code == 302
    assert "may now leave the talk" in messages_of(response)[0]
    item.refresh_from_db()
    assert item.description_may_leave is True
    assert "Keep the description in the talk" in client.get(record_url(talk)).content.decode()
    client.post(consent_url(item), {"revision": item.revision})
    item.refresh_from_db()
    assert item.description_may_leave is False


def test_manager_may_not_decide_for_the_employee(login, talk, manager):
    item = observation(talk)
    client = login(manager)
    assert consent_url(item) not in client.get(record_url(talk)).content.decode()
    response = client.post(consent_url(item), {"may_leave": "on", "revision": item.revision})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.description_may_leave is False


def test_consent_on_a_routine_observation_is_refused(login, talk, employee):
    item = observation(talk, category="victimisation")
    response = login(employee).post(
        consent_url(item), {"may_leave": "on", "revision": item.revision}
    )
    assert response.status_code == 302
    assert "keeps no description" in messages_of(response)[0]
    item.refresh_from_db()
    assert item.description_may_leave is False


def test_stale_consent_is_refused(login, talk, employee):
    item = observation(talk)
    response = login(employee).post(
        consent_url(item), {"may_leave": "on", "revision": item.revision + 5}
    )
    assert "changed meanwhile" in messages_of(response)[0]
    item.refresh_from_db()
    assert item.description_may_leave is False


# --- withdrawing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_either_party_withdraws(request, login, talk, who):
    item = observation(talk)
    response = login(request.getfixturevalue(who)).post(
        withdraw_url(item), {"revision": item.revision}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{record_url(talk)}#work-environment"
    assert "withdrawn" in messages_of(response)[0]
    item.refresh_from_db()
    assert item.withdrawn_at is not None
    assert login(request.getfixturevalue(who)).get(edit_url(item)).status_code == 404


def test_withdraw_after_assessment_is_refused(login, talk, employee, manager):
    item = observation(talk)
    item = assess(item, manager)
    client = login(employee)
    assert withdraw_url(item) not in client.get(record_url(talk)).content.decode()
    response = client.post(withdraw_url(item), {"revision": item.revision})
    assert response.status_code == 302
    assert "The risk has been assessed" in messages_of(response)[0]
    item.refresh_from_db()
    assert item.withdrawn_at is None


def test_stale_withdraw_is_refused(login, talk, employee):
    item = observation(talk)
    response = login(employee).post(withdraw_url(item), {"revision": item.revision + 1})
    assert "changed meanwhile" in messages_of(response)[0]
    item.refresh_from_db()
    assert item.withdrawn_at is None


# --- who is refused ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", NOT_PARTIES)
def test_non_parties_get_404_everywhere(request, client, login, talk, who):
    item = observation(talk)
    client = login(request.getfixturevalue(who))
    assert client.get(add_url(talk)).status_code == 404
    assert client.post(add_url(talk), WORKLOAD).status_code == 404
    assert client.get(edit_url(item)).status_code == 404
    data = {**WORKLOAD, "revision": item.revision, "may_leave": "on"}
    assert client.post(edit_url(item), data).status_code == 404
    assert client.post(consent_url(item), data).status_code == 404
    assert client.post(withdraw_url(item), data).status_code == 404
    item.refresh_from_db()
    assert (item.revision, item.withdrawn_at, item.description_may_leave) == (1, None, False)
    assert Observation.objects.count() == 1


def test_post_only_urls_answer_405_to_get(login, talk, employee):
    item = observation(talk)
    client = login(employee)
    assert client.get(consent_url(item)).status_code == 405
    assert client.get(withdraw_url(item)).status_code == 405
    assert client.post(reverse("workenv:routine")).status_code == 405


def test_an_observation_outside_talks_is_not_reachable_here(login, dept, manager, employee):
    from samtal.workenv.tests.factories import outside_risk

    held_talk(employee)  # the manager keeps the unit's register
    risk = outside_risk(dept, manager)
    client = login(manager)
    assert client.get(edit_url(risk)).status_code == 404
    assert client.post(withdraw_url(risk), {"revision": risk.revision}).status_code == 404


def test_the_routine_page_is_for_anyone_logged_in(login, client, hr, talk, routine_setup):
    response = login(hr).get(f"{reverse('workenv:routine')}?talk={talk.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert ROUTINE_TEXT in page
    assert "The HR office" in page
    assert record_url(talk) not in page  # not hr's talk: no way back to it
    client.logout()
    assert client.get(reverse("workenv:routine")).status_code == 302  # to the login


# --- the record page -----------------------------------------------------------------------------


def test_record_page_shows_the_section_and_links_at_flagged_questions(login, talk, employee):
    question = flagged_question(talk)
    page = login(employee).get(record_url(talk)).content.decode()
    assert 'id="work-environment"' in page
    assert "No work-environment observation has been registered" in page
    link = f"{add_url(talk)}?question={question.pk}"
    assert page.count("Register a work-environment observation from this answer") == 1
    assert link in page
    question_at = page.index(f'id="q{question.pk}"')
    assert question_at < page.index(link) < page.index('id="work-environment"')
    assert "Add an observation" in page


def test_record_page_shows_what_became_of_an_observation(login, talk, employee, manager):
    first = observation(talk, question_id=flagged_question(talk).pk)
    observation(talk, by="manager", category="discrimination")
    action(first, manager, what="Move one course to the spring.")
    for person in (employee, manager):
        page = login(person).get(record_url(talk)).content.decode()
        section = page[page.index('id="work-environment"') :]
        assert "Workload and resources" in section
        assert "Too many courses this term." in section
        assert "Serious" in section  # the employee's view of the severity
        assert "No: it stays in the talk." in section
        assert "The employee" in section
        assert "The manager" in section
        assert "High risk" in section  # likelihood 3 × consequence 3
        assert "Not yet assessed" in section  # the routine matter
        assert "Move one course to the spring." in section
        assert "Open" in section
        assert "Raised and handed on according to the employer" in section
        assert flagged_question(talk).text_en in section


def test_record_readers_who_are_not_parties_never_see_observations(login, talk, hr):
    observation(talk, description="Secret remark.")
    agree_record(Record.objects.get(talk=talk))
    OrgPolicy.current()
    OrgPolicy.objects.update(hr_may_read_records=True)
    response = login(hr).get(record_url(talk))
    assert response.status_code == 200  # the agreed version, read-only
    page = response.content.decode()
    assert "Secret remark." not in page
    assert 'id="work-environment"' not in page
    assert add_url(talk) not in page
    response = login(hr).get(reverse("talks:talk_detail", args=[talk.pk]))
    assert response.status_code == 200  # HR sees the talk in their scope, not its observations
    assert "Secret remark." not in response.content.decode()
    assert 'id="work-environment"' not in response.content.decode()


def test_agreed_talk_still_takes_observations(login, talk, employee):
    agree_record(Record.objects.get(talk=talk))
    client = login(employee)
    assert "Add an observation" in client.get(record_url(talk)).content.decode()
    assert client.post(add_url(talk), WORKLOAD).status_code == 302


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_record_and_talk_page_queries_do_not_grow_with_observations(login, talk, employee, manager):
    first = observation(talk)
    action(first, manager)
    client = login(employee)
    record_small = _queries(client, record_url(talk))
    talk_small = _queries(client, reverse("talks:talk_detail", args=[talk.pk]))
    for n in range(9):
        item = observation(talk, by="manager" if n % 2 else "employee", description=f"Item {n}")
        if n % 3 == 0:
            action(item, manager, what=f"Action {n}")
    assert Observation.objects.count() == 10
    assert _queries(client, record_url(talk)) == record_small
    assert _queries(client, reverse("talks:talk_detail", args=[talk.pk])) == talk_small
