"""The annual follow-up pages: who may read a unit's follow-up (the manager of the unit's
people, HR and safety representatives in scope; everyone else 404), who may write its summary
(the unit's manager; others 403), a stale summary form, and a query count that does not grow
with the data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.talks.tests.factories import published_version
from samtal.workenv.models import ActionStatus, AnnualFollowUp
from samtal.workenv.services import annual_follow_up_save
from samtal.workenv.tests.annual_data import SECRET, YEAR, acted, observed, staff, talk

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(login_en):
    return login_en


def detail_url(unit, year=YEAR) -> str:
    return reverse("workenv:annual_detail", args=[unit.pk, year])


def summary_url(unit, year=YEAR) -> str:
    return reverse("workenv:annual_summary", args=[unit.pk, year])


INDEX = reverse("workenv:annual_index")


# --- who may read -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "hr", "safety_rep"])
def test_those_in_scope_read_the_follow_up(request, login, dept, employee, who):
    person = request.getfixturevalue(who)
    response = login(person).get(detail_url(dept))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Annual SAM follow-up {YEAR}: The Department" in text
    assert "Observations by category and severity" in text


@pytest.mark.parametrize("who", ["employee", "other_manager", "colleague"])
def test_others_get_404(request, login, dept, employee, other_employee, who):
    person = request.getfixturevalue(who)
    assert login(person).get(detail_url(dept)).status_code == 404
    assert (
        login(person).get(reverse("workenv:annual_export", args=[dept.pk, YEAR, "csv"])).status_code
        == 404
    )


def test_a_safety_representative_of_another_unit_gets_404(login, dept, other_dept, employee):
    rep = PersonFactory(unit=other_dept)
    RoleAssignmentFactory(user=rep.user, role=Role.SAFETY_REP, unit=other_dept)
    assert login(rep).get(detail_url(dept)).status_code == 404
    assert login(rep).get(detail_url(other_dept)).status_code == 200


def test_a_safety_representative_asking_for_the_unit_above_gets_404(login, faculty, safety_rep):
    assert login(safety_rep).get(detail_url(faculty)).status_code == 404


@pytest.mark.parametrize("year", [1999, YEAR + 2])
def test_a_year_out_of_range_is_404(login, hr, dept, year):
    assert login(hr).get(detail_url(dept, year)).status_code == 404


def test_next_year_is_fine(login, hr, dept):
    assert login(hr).get(detail_url(dept, YEAR + 1)).status_code == 200


def test_an_unknown_unit_is_404(login, hr):
    assert login(hr).get(reverse("workenv:annual_detail", args=[999999, YEAR])).status_code == 404


def test_the_page_names_nobody_and_shows_no_description(
    login, settings, hr, dept, manager, employee, colleague
):
    settings.SAMTAL_ANONYMITY_K = 1
    version = published_version()
    for person in (employee, colleague):
        acted(observed(talk(person, version=version)), status=ActionStatus.DONE)
    text = login(hr).get(detail_url(dept)).content.decode()
    assert SECRET not in text
    assert "Hire a named consultant" not in text
    for person in (employee, colleague):
        assert person.last_name not in text


def test_small_figures_show_as_hidden(login, hr, dept, employee):
    observed(talk(employee, version=published_version()))
    text = login(hr).get(detail_url(dept)).content.decode()
    assert "“–” means hidden" in text
    assert '<span class="visually-hidden">hidden</span>' in text


# --- the index --------------------------------------------------------------------------------


def test_the_index_lists_the_managers_units(login, manager, employee, dept, other_dept):
    response = login(manager).get(INDEX, {"year": YEAR - 1})
    assert response.status_code == 200
    text = response.content.decode()
    assert detail_url(dept, YEAR - 1) in text
    assert detail_url(other_dept, YEAR - 1) not in text


def test_the_index_lists_the_units_in_a_safety_representatives_scope(
    login, safety_rep, dept, faculty
):
    text = login(safety_rep).get(INDEX).content.decode()
    assert detail_url(dept) in text
    assert detail_url(faculty) not in text


def test_the_index_searches_many_units_and_shows_a_bounded_list(login, hr, faculty):
    for n in range(55):
        UnitFactory(code=f"G{n:02d}", name_en=f"Group {n}", parent=faculty)
    text = login(hr).get(INDEX).content.decode()
    assert "50 of 56 units shown" in text
    text = login(hr).get(INDEX, {"q": "g07"}).content.decode()
    assert "Group 7" in text
    assert "Group 8" not in text
    assert "No unit you can see matches" in login(hr).get(INDEX, {"q": "zzz"}).content.decode()


@pytest.mark.parametrize("who", ["employee", "colleague"])
def test_the_index_is_404_without_units(request, login, employee, who):
    assert login(request.getfixturevalue(who)).get(INDEX).status_code == 404


@pytest.mark.parametrize("query", ["a\x00b", "\x00", "tab\there"])
def test_the_index_refuses_control_characters_in_the_search(login, hr, dept, query):
    """PostgreSQL refuses NUL in text: the search says so at its field, and never 500s."""
    response = login(hr).get(INDEX, {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Search by letters, digits and punctuation only." in page
    assert 'aria-invalid="true"' in page
    assert detail_url(dept) in page


def test_the_index_ignores_a_bad_year(login, hr, dept):
    response = login(hr).get(INDEX, {"year": "20x5"})
    assert response.status_code == 200
    assert detail_url(dept) in response.content.decode()


# --- the summary ------------------------------------------------------------------------------


def test_the_manager_writes_the_summary(login, manager, employee, dept):
    client = login(manager)
    page = client.get(detail_url(dept)).content.decode()
    assert f'action="{summary_url(dept)}"' in page
    response = client.post(summary_url(dept), {"summary": "Workload went down.", "revision": 0})
    assert response.status_code == 302
    assert response["Location"] == detail_url(dept) + "#summary"
    saved = AnnualFollowUp.objects.get(unit=dept, year=YEAR)
    assert saved.summary == "Workload went down."
    page = client.get(detail_url(dept)).content.decode()
    assert "The summary of the year is saved." in page
    assert f"Last saved by {manager.full_name}" in page


@pytest.mark.parametrize("who", ["hr", "safety_rep"])
def test_readers_see_the_summary_without_a_form_and_may_not_post(
    request, login, manager, employee, dept, who
):
    annual_follow_up_save(actor=manager.user, unit=dept, year=YEAR, summary="Calmer.", revision=0)
    client = login(request.getfixturevalue(who))
    page = client.get(detail_url(dept)).content.decode()
    assert "Calmer." in page
    assert summary_url(dept) not in page
    response = client.post(summary_url(dept), {"summary": "Mine.", "revision": 1})
    assert response.status_code == 403
    assert AnnualFollowUp.objects.get(unit=dept, year=YEAR).summary == "Calmer."


@pytest.mark.parametrize("who", ["employee", "other_manager"])
def test_those_who_may_not_read_get_404_on_the_summary(
    request, login, employee, other_employee, dept, who
):
    response = login(request.getfixturevalue(who)).post(
        summary_url(dept), {"summary": "x", "revision": 0}
    )
    assert response.status_code == 404
    assert not AnnualFollowUp.objects.exists()


def test_get_on_the_summary_is_405(login, manager, employee, dept):
    assert login(manager).get(summary_url(dept)).status_code == 405


def test_a_stale_summary_is_not_saved(login, manager, employee, dept):
    annual_follow_up_save(actor=manager.user, unit=dept, year=YEAR, summary="First.", revision=0)
    response = login(manager).post(summary_url(dept), {"summary": "Second.", "revision": 0})
    assert response.status_code == 409
    text = response.content.decode()
    assert "someone else changed the summary" in text
    assert "First." in text
    assert "Second." in text
    assert AnnualFollowUp.objects.get(unit=dept, year=YEAR).summary == "First."
    # Saving again from the conflict page replaces it deliberately.
    response = login(manager).post(summary_url(dept), {"summary": "Second.", "revision": 1})
    assert response.status_code == 302
    assert AnnualFollowUp.objects.get(unit=dept, year=YEAR).summary == "Second."


def test_a_summary_too_long_is_refused_at_the_field(login, manager, employee, dept):
    response = login(manager).post(summary_url(dept), {"summary": "x" * 10001, "revision": 0})
    assert response.status_code == 400
    assert 'id="id_summary_error"' in response.content.decode()
    assert not AnnualFollowUp.objects.filter(summary__startswith="x").exists()


def test_a_manager_of_a_sub_unit_cannot_write_the_unit_aboves_summary(
    login, dept, faculty, employee
):
    group = UnitFactory(parent=dept)
    boss = PersonFactory(unit=group)
    PersonFactory(unit=group, manager=boss)
    client = login(boss)
    assert client.get(detail_url(dept)).status_code == 404
    assert client.post(summary_url(dept), {"summary": "x", "revision": 0}).status_code == 404
    assert client.get(detail_url(group)).status_code == 200


# --- exports and queries ----------------------------------------------------------------------


def test_an_unknown_format_is_404(login, hr, dept):
    url = reverse("workenv:annual_export", args=[dept.pk, YEAR, "xlsx"])
    assert login(hr).get(url).status_code == 404


def test_an_unknown_language_is_refused(login, hr, dept):
    url = reverse("workenv:annual_export", args=[dept.pk, YEAR, "csv"])
    assert login(hr).get(url, {"lang": "de"}).status_code == 400


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_runs_a_fixed_number_of_queries(login, settings, hr, dept, manager, employee):
    settings.SAMTAL_ANONYMITY_K = 1
    version = published_version()
    client = login(hr)

    def observations(n: int) -> None:
        for person in staff(dept, manager, n):
            acted(observed(talk(person, version=version)), status=ActionStatus.OPEN)

    observations(5)
    annual_follow_up_save(actor=manager.user, unit=dept, year=YEAR, summary="S.", revision=0)
    few = _queries(client, detail_url(dept))
    observations(45)
    assert _queries(client, detail_url(dept)) == few
    csv_url = reverse("workenv:annual_export", args=[dept.pk, YEAR, "csv"])
    assert _queries(client, csv_url) <= few
