"""The SAM overview page: who sees which unit (HR their scope, a safety representative their
units, a manager the units of their reports; anyone else 403, a unit outside the scope or a
year out of range 404), that it never names anyone nor shows a description, calendar years
only, its drill-down per category, the unit's own tables being its annual follow-up's,
accessible markup (no scrolling region a keyboard cannot reach) and a query count that does
not grow with the data."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.organisation.models import Person, Unit
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.talks.tests.factories import published_version
from samtal.workenv.models import ActionStatus
from samtal.workenv.tests.annual_data import SECRET, acted, observed, talk
from samtal.workenv.tests.factories import held_talk, observation

pytestmark = pytest.mark.django_db

URL = reverse("workenv:overview")
YEAR = timezone.localdate().year


@pytest.fixture
def login(login_en):
    return login_en


def raised(
    unit: Unit,
    n: int,
    *,
    category: str = "physical",
    severity: str = "medium",
    action: str | None = None,
    manager: Person | None = None,
) -> None:
    """n people of `unit` with a talk held this year, each raising one observation (with an
    action of status `action`)."""
    version = published_version()
    boss = manager or PersonFactory(unit=unit)
    for _ in range(n):
        item = observed(
            talk(PersonFactory(unit=unit, manager=boss), version=version),
            category=category,
            severity=severity,
        )
        if action:
            acted(item, status=action)


def text(response) -> str:
    return response.content.decode()


def _table_body(page: str, caption: str) -> str:
    """The body of the table whose caption ends with `caption`."""
    match = re.search(rf"{re.escape(caption)}</caption>.*?(<tbody>.*?</tbody>)", page, re.S)
    assert match, caption
    return " ".join(match.group(1).split())


# --- who sees what ----------------------------------------------------------------------------


def test_hr_sees_their_scope_from_the_top(login, hr, faculty, dept, other_dept):
    raised(dept, 5)
    client = login(hr)
    page = text(client.get(URL))
    assert "Work environment overview" in page
    assert "The Faculty" in page
    assert reverse("workenv:annual_detail", args=[faculty.pk, YEAR]) in page
    assert f'href="?unit={dept.pk}&amp;year={YEAR}"' in page
    assert 'id="suppression-note"' in page

    below = text(client.get(URL, {"unit": dept.pk}))
    assert 'aria-current="page">The Department<' in below
    assert f'href="?unit={faculty.pk}&amp;year={YEAR}">The Faculty</a>' in below
    assert reverse("workenv:annual_detail", args=[dept.pk, YEAR]) in below


def test_a_safety_representative_sees_their_unit(login, safety_rep, dept):
    raised(dept, 5)
    client = login(safety_rep)
    page = text(client.get(URL))
    assert "The Department" in page
    assert "Other Department" not in page
    assert "The Faculty" not in page
    assert client.get(URL, {"unit": dept.pk}).status_code == 200


def test_a_safety_representative_asking_for_another_unit_gets_404(
    login, safety_rep, faculty, other_dept
):
    client = login(safety_rep)
    assert client.get(URL, {"unit": other_dept.pk}).status_code == 404
    assert client.get(URL, {"unit": faculty.pk}).status_code == 404  # above their scope
    assert client.get(URL, {"unit": 999999}).status_code == 404
    assert client.get(URL, {"unit": "abc"}).status_code == 404


def test_a_manager_sees_the_units_of_their_reports(login, manager, employee, dept, other_dept):
    page = text(login(manager).get(URL))
    assert "The Department" in page
    assert "Other Department" not in page
    assert login(manager).get(URL, {"unit": other_dept.pk}).status_code == 404


@pytest.mark.parametrize("who", ["employee", "admin_user", "other_employee"])
def test_no_aggregate_scope_gets_403(login, request, who):
    assert login(request.getfixturevalue(who)).get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_page_is_read_only(login, hr):
    assert login(hr).post(URL).status_code == 405


def test_a_viewer_with_several_units_chooses_among_them(login, safety_rep, dept, other_dept):
    RoleAssignmentFactory(user=safety_rep.user, role=Role.SAFETY_REP, unit=other_dept)
    client = login(safety_rep)
    page = text(client.get(URL))
    assert 'aria-label="Your units"' in page
    assert f'href="?unit={other_dept.pk}&amp;year={YEAR}">Other Department</a>' in page
    assert client.get(URL, {"unit": other_dept.pk}).status_code == 200


# --- years only (review finding 2, 4) -----------------------------------------------------------


def test_only_calendar_years(login, hr, faculty, dept):
    raised(dept, 5, category="hours")
    client = login(hr)
    page = text(client.get(URL, {"unit": dept.pk}))
    assert f'<option value="{YEAR}" selected>' in page
    assert 'name="start"' not in page
    assert 'name="end"' not in page
    # Free dates are no longer read: two overlapping periods cannot be subtracted.
    dated = text(client.get(URL, {"unit": dept.pk, "start": f"{YEAR}-06-01", "end": "0001-01-01"}))
    assert _table_body(dated, "by category and severity") == _table_body(
        page, "by category and severity"
    )
    last = text(client.get(URL, {"unit": dept.pk, "year": YEAR - 1}))
    assert "Hours" not in _table_body(last, "by category and severity").split("<td>5</td>")[0]
    assert "<td>5</td>" not in _table_body(last, "by category and severity")


@pytest.mark.parametrize("year", ["1999", str(YEAR + 2), "0001", "abc", "2025-01-01", "1e3"])
def test_a_year_out_of_range_is_404(login, hr, year):
    assert login(hr).get(URL, {"year": year}).status_code == 404


# --- what the page shows ----------------------------------------------------------------------


def test_the_page_names_nobody_and_shows_no_description(
    login, hr, safety_rep, manager, employee, dept
):
    """Five employees raised workload in talks, with their descriptions allowed to leave
    the talk: the overview shows the count and severity only."""
    people = [
        PersonFactory(unit=dept, manager=manager, first_name=f"Anonyma{i}", last_name=f"Hemlig{i}")
        for i in range(4)
    ]
    described = []
    for person in people:
        item = observation(
            held_talk(person),
            description=f"Secret detail from {person.first_name}",
            may_leave=True,
        )
        described.append(item.description)
    observation(held_talk(employee), description="Erik says too much")
    for who in (hr, safety_rep, manager):
        client = login(who)
        for params in ({}, {"unit": dept.pk}):
            page = text(client.get(URL, params))
            assert "Workload and resources" in page
            for person in [*people, employee]:
                assert person.first_name not in page
                assert person.last_name not in page
            for description in [*described, "Erik says too much", SECRET]:
                assert description not in page
    rows = _table_body(text(login(hr).get(URL, {"unit": dept.pk})), "by category and severity")
    assert "<td>5</td>" in rows  # five observations, five people: shown


def test_the_sub_units_per_category_with_the_unit_as_total(login, hr, faculty, dept, other_dept):
    raised(dept, 6, severity="medium", action=ActionStatus.OPEN)
    raised(other_dept, 5, severity="medium", action=ActionStatus.DONE)
    page = text(login(hr).get(URL, {"unit": faculty.pk}))
    caption = f"Physical environment: the sub-units of The Faculty, {YEAR}"
    assert caption in page
    flat = " ".join(page.split()).replace("> <", "><")
    cells = "".join(f"<td>{n}</td>" for n in (0, 6, 0, 6, 0, 0, 0))
    assert f"The Department</th>{cells}" in flat
    cells = "".join(f"<td>{n}</td>" for n in (0, 5, 0, 0, 0, 5, 0))
    assert f"Other Department</th>{cells}" in flat
    cells = "".join(f"<td>{n}</td>" for n in (0, 11, 0, 6, 0, 5, 0))
    assert f"The Faculty in total</th>{cells}" in flat
    # Only the categories with anything below get a table.
    assert "Workload and resources: the sub-units" not in page


def test_a_small_group_is_hidden_and_not_drawn(login, hr, dept):
    """Six people found the lighting considerable and two serious: the two are hidden in the
    table and the chart, and no total over the category gives them away."""
    raised(dept, 6, severity="medium")
    raised(dept, 2, severity="high")
    page = text(login(hr).get(URL, {"unit": dept.pk}))
    observations = _table_body(page, "by category and severity")
    physical = re.search(r"Physical environment</th>(.*?)</tr>", observations, re.S)
    assert physical
    assert physical.group(1).count("<td>6</td>") == 1
    assert "<td>2</td>" not in physical.group(1)
    assert "hidden" in physical.group(1)
    assert "<td>8</td>" not in observations
    assert "<td>8</td>" not in page[page.index('id="sub-units"') :]
    assert 'fill="url(#sam-medium)" class="chart-segment"' in page
    assert 'fill="url(#sam-high)" class="chart-segment"' not in page
    assert "partly hidden" in page
    assert "fewer than 5 people" in page


def test_the_units_figures_are_its_annual_follow_ups(login, hr, faculty, dept, other_dept):
    raised(dept, 6, severity="medium", action=ActionStatus.OPEN)
    raised(dept, 2, severity="high", action=ActionStatus.OPEN)
    raised(other_dept, 7, category="workload", severity="low", action=ActionStatus.DONE)
    client = login(hr)
    for unit in (faculty, dept, other_dept):
        overview = text(client.get(URL, {"unit": unit.pk, "year": YEAR}))
        annual = text(client.get(reverse("workenv:annual_detail", args=[unit.pk, YEAR])))
        for caption in (
            f"held and not held, {YEAR}",
            "by category and severity",
            "by category and state",
        ):
            assert _table_body(overview, caption) == _table_body(annual, caption)


def test_the_markup_is_accessible(login, hr, faculty, dept, other_dept):
    raised(dept, 6)
    raised(other_dept, 6)
    page = text(login(hr).get(URL, {"unit": faculty.pk}))
    assert "<caption" in page
    assert 'scope="col"' in page
    assert 'scope="row"' in page
    assert 'scope="colgroup"' in page
    assert 'aria-hidden="true" focusable="false" class="chart"' in page
    # A scrolling wrapper can be reached by keyboard and is named (axe:
    # scrollable-region-focusable).
    wrappers = re.findall(r"<div[^>]*overflow-auto[^>]*>", page)
    assert wrappers
    for wrapper in wrappers:
        assert 'tabindex="0"' in wrapper
        label = re.search(r'aria-labelledby="([^"]+)"', wrapper)
        assert label
        assert f'id="{label.group(1)}"' in page
    assert page.count("<h1") == 1


# --- queries ----------------------------------------------------------------------------------


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == 200
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_data(login, hr, faculty):
    client = login(hr)
    params = {"unit": faculty.pk}
    first = UnitFactory(parent=faculty)
    raised(first, 5, action=ActionStatus.OPEN)
    client.get(URL, params)  # warm up (session, content types)
    few = _queries(client, params)
    top_few = _queries(client, {})
    for index in range(9):
        unit = UnitFactory(parent=faculty)
        UnitFactory(parent=unit)
        raised(unit, 5, category=["workload", "hours", "physical"][index % 3], action="done")
    assert _queries(client, params) == few
    assert _queries(client, {}) == top_few
