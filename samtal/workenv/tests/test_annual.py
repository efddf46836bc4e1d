"""The annual SAM follow-up's figures: talks held and not held, observations by category and
severity, actions open, overdue and taken, and the manager's summary — and the K threshold:
small groups hidden (by the employees behind them; risks found outside the talks count
nobody), with as many others as it takes that nothing in the report, the report of the unit
above or the overview gives them away, and never a name or a description. The model itself is
tested over random trees in test_aggregates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from samtal.organisation.models import Unit
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.talks.models import Talk, TalkStatus
from samtal.talks.tests.factories import published_version
from samtal.workenv import annual
from samtal.workenv.annual import annual_follow_up
from samtal.workenv.models import ActionStatus
from samtal.workenv.services import annual_follow_up_save
from samtal.workenv.tests.annual_data import (
    SECRET,
    TODAY,
    YEAR,
    acted,
    observed,
    round_of,
    staff,
    talk,
)

pytestmark = pytest.mark.django_db

LAST_YEAR = YEAR - 1


@pytest.fixture
def k(settings):
    """Sets K for a test: k(1) shows every figure."""

    def _set(value: int) -> None:
        settings.SAMTAL_ANONYMITY_K = value

    return _set


def figures(report: annual.AnnualReport, name: str) -> dict[str, int | None]:
    table = getattr(report, name)
    return {row.label: row.cells[0].value for row in table.rows}


def table(report: annual.AnnualReport, name: str) -> dict[str, list[int | None]]:
    found = getattr(report, name)
    return {row.label: [c.value for c in row.cells] for row in found.rows}


def column(report: annual.AnnualReport, name: str, index: int) -> list[int | None]:
    return [row.cells[index].value for row in getattr(report, name).rows]


# --- what is counted --------------------------------------------------------------------------


@pytest.fixture
def year_of_sam(dept, manager, other_dept, other_manager) -> dict[str, Any]:
    """A year in the department, with rows that must not count beside those that must."""
    people = staff(dept, manager, 9)
    this_round = round_of(YEAR, [dept])
    last_round = round_of(LAST_YEAR, [dept])
    version = published_version()
    talks = [
        talk(people[0], round_=this_round, status=TalkStatus.HELD),
        talk(people[1], round_=this_round, status=TalkStatus.AGREED),
        talk(people[2], round_=this_round, status=TalkStatus.HELD),
        talk(people[3], round_=this_round, status=TalkStatus.DECLINED),
        talk(people[4], round_=this_round, status=TalkStatus.DECLINED),
        talk(people[5], round_=this_round, status=TalkStatus.OFFERED),
        talk(people[6], round_=this_round, status=TalkStatus.OFFERED),
    ]
    # Not counted: cancelled, last year's round, an extra talk not held or held last year.
    talk(people[7], round_=this_round, status=TalkStatus.CANCELLED)
    talk(people[0], round_=last_round, status=TalkStatus.HELD)
    talk(people[8], version=version, status=TalkStatus.OFFERED)
    talk(people[8], version=version, held_on=dt.date(LAST_YEAR, 6, 1))
    # Extra talks held this year.
    extra = [talk(people[0], version=version), talk(people[1], version=version)]

    workload_1 = observed(talks[0], severity="high", assessed="high")
    workload_2 = observed(talks[1], severity="high", assessed="high")
    outside_workload = observed(dept, severity="high")
    medium_a = observed(talks[2], severity="medium")
    medium_b = observed(extra[0], severity="medium")  # the same kind of matter, another talk
    medium_c = observed(talks[3], severity="medium")
    victimisation = [
        observed(talks[0], category="victimisation"),
        observed(talks[4], category="victimisation"),
    ]
    physical = [
        observed(dept, category="physical", severity="low", assessed="low"),
        observed(dept, category="physical", severity="low", assessed="low"),
    ]
    # Not counted: withdrawn, registered last year, another unit.
    withdrawn = observed(talks[5], category="clarity", withdrawn=True)
    old = observed(talks[6], category="hours", on=dt.date(LAST_YEAR, 12, 31))
    observed(other_dept, category="change")

    yesterday = TODAY - dt.timedelta(days=1)
    acted(workload_1, status=ActionStatus.DONE)
    acted(workload_2, status=ActionStatus.DONE)
    acted(physical[0], status=ActionStatus.OPEN)
    acted(physical[0], status=ActionStatus.IN_PROGRESS)
    acted(physical[1], status=ActionStatus.OPEN)
    acted(medium_a, status=ActionStatus.OPEN, due_on=yesterday)
    acted(medium_c, status=ActionStatus.IN_PROGRESS, due_on=yesterday)
    acted(victimisation[0], status=ActionStatus.NOT_EFFECTIVE)
    acted(victimisation[1], status=ActionStatus.NOT_EFFECTIVE)
    # Created last year and still open: counted. Closed last year, or on a withdrawn or old
    # observation of another unit: not.
    acted(old, status=ActionStatus.OPEN, created_on=dt.date(LAST_YEAR, 3, 1))
    acted(
        old,
        status=ActionStatus.DONE,
        created_on=dt.date(LAST_YEAR, 3, 1),
        followed_up_on=dt.date(LAST_YEAR, 9, 1),
    )
    acted(withdrawn, status=ActionStatus.OPEN)
    return {"people": people, "outside": outside_workload, "medium": [medium_a, medium_b]}


def test_talks_held_and_not_held(k, dept, year_of_sam):
    k(1)
    report = annual_follow_up(unit=dept, year=YEAR)
    assert figures(report, "talks") == {
        "Held": 5,  # 3 in the round (agreed records count as held) + 2 extra talks
        "Not held (declined, or not yet held)": 4,  # 2 declined, 2 not yet
        "Offered": 9,
    }
    assert report.held_percent == 56


def test_observations_by_category_and_severity(k, dept, year_of_sam):
    k(1)
    report = annual_follow_up(unit=dept, year=YEAR)
    rows = table(report, "observations")
    none = None
    # Minor, considerable, serious, handed on by the routine.
    assert rows["Workload and resources"] == [0, 3, 3, none]
    assert rows["Victimisation or harassment"] == [none, none, none, 2]
    assert rows["Discrimination / equal conditions"] == [none, none, none, 0]
    assert rows["Physical environment"] == [2, 0, 0, none]
    assert rows["Clarity of tasks and priorities"] == [0, 0, 0, none]  # withdrawn
    assert rows["Working hours and recovery"] == [0, 0, 0, none]  # last year
    assert rows["Organisational change"] == [0, 0, 0, none]  # another unit
    assert "Total" not in rows  # no totals: they are no lines of the suppression
    routine = report.observations.rows[3].cells
    assert [c.applies for c in routine] == [False, False, False, True]


def test_actions_open_overdue_and_taken(k, dept, year_of_sam):
    k(1)
    rows = table(annual_follow_up(unit=dept, year=YEAR), "actions")
    # Open (in progress too), overdue, taken (done), not effective.
    assert rows["Workload and resources"] == [0, 2, 2, 0]
    assert rows["Physical environment"] == [3, 0, 0, 0]
    assert rows["Victimisation or harassment"] == [0, 0, 0, 2]
    assert rows["Working hours and recovery"] == [1, 0, 0, 0]  # open since last year
    assert rows["Clarity of tasks and priorities"] == [0, 0, 0, 0]  # withdrawn


def test_the_unit_with_its_sub_units(k, faculty, dept, year_of_sam):
    k(1)
    group = UnitFactory(code="GRP", parent=dept)
    person = PersonFactory(unit=group, manager=year_of_sam["people"][0])
    observed(talk(person, version=published_version()), category="hours", severity="low")
    hours = "Working hours and recovery"
    assert table(annual_follow_up(unit=dept, year=YEAR), "observations")[hours] == [1, 0, 0, None]
    assert table(annual_follow_up(unit=group, year=YEAR), "observations")[hours] == [1, 0, 0, None]
    # The faculty has the other department's matter too.
    faculty_rows = table(annual_follow_up(unit=faculty, year=YEAR), "observations")
    assert faculty_rows["Organisational change"] == [0, 0, 1, None]
    assert faculty_rows["Workload and resources"] == [0, 3, 3, None]


def test_a_past_year_stands_as_at_its_end(k, dept, manager):
    """An action of last year done this year was open at the end of last year; the report of
    last year does not change when it is followed up later."""
    k(1)
    person = staff(dept, manager, 1)[0]
    risk = observed(talk(person, version=published_version()), on=dt.date(LAST_YEAR, 5, 1))
    acted(
        risk,
        status=ActionStatus.DONE,
        created_on=dt.date(LAST_YEAR, 5, 2),
        due_on=dt.date(LAST_YEAR, 12, 31),
        followed_up_on=TODAY,
    )
    acted(
        risk,
        status=ActionStatus.OPEN,
        created_on=dt.date(LAST_YEAR, 5, 2),
        due_on=dt.date(YEAR + 1, 1, 31),
    )
    workload = "Workload and resources"
    last = annual_follow_up(unit=dept, year=LAST_YEAR)
    assert last.complete
    assert last.as_of == dt.date(LAST_YEAR, 12, 31)
    assert table(last, "actions")[workload] == [1, 1, 0, 0]
    now = annual_follow_up(unit=dept, year=YEAR)
    assert not now.complete
    assert now.as_of == TODAY
    assert table(now, "actions")[workload] == [1, 0, 1, 0]


def test_next_year_counts_only_the_talks_offered_already(k, dept, year_of_sam, manager):
    k(1)
    person = staff(dept, manager, 1)[0]
    talk(person, round_=round_of(YEAR + 1, [dept]), status=TalkStatus.OFFERED)
    report = annual_follow_up(unit=dept, year=YEAR + 1)
    assert figures(report, "talks")["Offered"] == 1
    assert all(v in (0, None) for row in table(report, "observations").values() for v in row)
    assert all(v == 0 for row in table(report, "actions").values() for v in row)


def test_the_summary_and_who_wrote_it(k, dept, manager, employee):
    k(1)
    assert annual_follow_up(unit=dept, year=YEAR).summary == annual.Summary("", "", None, 0)
    annual_follow_up_save(
        actor=manager.user, unit=dept, year=YEAR, summary="A calmer year.", revision=0
    )
    summary = annual_follow_up(unit=dept, year=YEAR).summary
    assert summary.text == "A calmer year."
    assert summary.saved_by == manager.full_name
    assert summary.saved_at is not None
    assert summary.revision == 1
    assert annual_follow_up(unit=dept, year=LAST_YEAR).summary.text == ""


def test_a_constant_number_of_queries(k, dept, manager, django_assert_max_num_queries):
    k(1)
    version = published_version()
    people = staff(dept, manager, 20)
    for person in people:
        acted(observed(talk(person, version=version)), status=ActionStatus.DONE)
    # The unit paths; per family (talks, observations, actions) its cells and the employees
    # counted in more than one unit; the summary.
    with django_assert_max_num_queries(8):
        annual_follow_up(unit=dept, year=YEAR)


# --- the K threshold --------------------------------------------------------------------------


def test_a_tiny_unit_hides_its_talks(dept, manager):
    """Held 3 of 4: every figure is about fewer than 5 people."""
    people = staff(dept, manager, 4)
    this_round = round_of(YEAR, [dept])
    for person in people[:3]:
        talk(person, round_=this_round)
    talk(people[3], round_=this_round, status=TalkStatus.DECLINED)
    report = annual_follow_up(unit=dept, year=YEAR)
    assert figures(report, "talks") == {
        "Held": None,
        "Not held (declined, or not yet held)": None,
        "Offered": None,
    }
    assert report.held_percent is None
    assert report.any_hidden


def test_a_small_part_of_the_talks_hides_the_talks_offered(dept, manager):
    people = staff(dept, manager, 12)
    this_round = round_of(YEAR, [dept])
    for person in people[:10]:
        talk(person, round_=this_round)
    talk(people[10], round_=this_round, status=TalkStatus.DECLINED)
    talk(people[11], round_=this_round, status=TalkStatus.OFFERED)
    shown = figures(annual_follow_up(unit=dept, year=YEAR), "talks")
    assert shown["Held"] == 10
    # Offered minus held must not give the two not held.
    assert shown["Not held (declined, or not yet held)"] is None
    assert shown["Offered"] is None


def test_a_small_cell_hides_no_total_to_subtract_it_from(k, dept, manager):
    """Five people found their workload serious, one their hours: the one is hidden, and
    nothing shown adds up to six (the old totals row over the categories did)."""
    k(3)
    version = published_version()
    people = staff(dept, manager, 6)
    for person in people[:5]:
        observed(talk(person, version=version), category="workload", severity="high")
    observed(talk(people[5], version=version), category="hours", severity="high")
    report = annual_follow_up(unit=dept, year=YEAR)
    serious = column(report, "observations", 2)
    assert serious[0] == 5
    assert serious[1] is None
    assert 6 not in [
        c.value for t in (report.observations, report.actions) for r in t.rows for c in r.cells
    ]


def test_a_few_people_with_many_observations_are_still_few(k, dept, manager):
    """Two people with three serious matters each: six observations, but about two people."""
    k(3)
    version = published_version()
    for person in staff(dept, manager, 2):
        held = talk(person, version=version)
        for category in ("workload", "hours", "clarity"):
            observed(held, category=category, severity="high")
    assert column(annual_follow_up(unit=dept, year=YEAR), "observations", 2)[:3] == [None] * 3


def test_risks_found_outside_the_talks_do_not_make_a_group(k, dept, manager):
    """One employee and four risks found outside the talks are one person, not five."""
    k(5)
    observed(talk(staff(dept, manager, 1)[0], version=published_version()), severity="high")
    for _ in range(4):
        observed(dept, severity="high")
    assert table(annual_follow_up(unit=dept, year=YEAR), "observations")[
        "Workload and resources"
    ] == [0, 0, None, None]


def test_a_sub_unit_cannot_be_worked_out_from_the_unit_above(k, faculty, dept, other_dept):
    """6 people in one department and 2 in the other said their workload is serious. The
    faculty shows 8; the other department hides its 2 — and the first department its 6, or
    8 − 6 would give them away."""
    k(5)
    version = published_version()
    boss = PersonFactory(unit=faculty)
    for person in staff(dept, boss, 6):
        observed(talk(person, version=version), severity="high")
    for person in staff(other_dept, boss, 2):
        observed(talk(person, version=version), severity="high")
    workload = "Workload and resources"
    assert table(annual_follow_up(unit=faculty, year=YEAR), "observations")[workload][2] == 8
    assert table(annual_follow_up(unit=other_dept, year=YEAR), "observations")[workload][2] is None
    assert table(annual_follow_up(unit=dept, year=YEAR), "observations")[workload][2] is None


def test_an_employee_in_two_units_is_one_person(k, faculty, dept, other_dept):
    """Five employees in each department said their workload is serious, but one of them
    moved and had a talk in each: nine people. Counted once per department they would be
    five and five, and shown; as one person, each department hides its figure."""
    k(5)
    version = published_version()
    boss = PersonFactory(unit=faculty)
    mover = PersonFactory(unit=dept, manager=boss)
    for unit in (dept, other_dept):
        held = talk(mover, version=version)
        Talk.objects.filter(pk=held.pk).update(unit=unit)
        held.refresh_from_db()
        observed(held, severity="high")
        for person in staff(unit, boss, 4):
            observed(talk(person, version=version), severity="high")
    workload = "Workload and resources"
    assert table(annual_follow_up(unit=faculty, year=YEAR), "observations")[workload][2] == 10
    for unit in (dept, other_dept):
        report = annual_follow_up(unit=unit, year=YEAR)
        assert table(report, "observations")[workload][2] is None
        assert figures(report, "talks")["Held"] is None


def test_the_same_cells_whatever_was_asked_before(k, faculty, dept, other_dept):
    k(5)
    version = published_version()
    boss = PersonFactory(unit=faculty)
    for person in staff(dept, boss, 7):
        observed(talk(person, version=version), severity="medium")
    for person in staff(other_dept, boss, 3):
        observed(talk(person, version=version), severity="medium")
    first = table(annual_follow_up(unit=dept, year=YEAR), "observations")
    annual_follow_up(unit=faculty, year=YEAR)
    assert table(annual_follow_up(unit=dept, year=YEAR), "observations") == first


def test_no_name_or_description_in_the_report(k, dept, year_of_sam):
    k(1)
    report = annual_follow_up(unit=dept, year=YEAR)
    text = repr(dataclasses.replace(report, unit=Unit(code="", name_sv="", name_en="")))
    assert SECRET not in text
    for person in year_of_sam["people"]:
        assert person.last_name not in text
    assert "Hire a named consultant" not in text
