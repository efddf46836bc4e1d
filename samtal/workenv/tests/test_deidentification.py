"""The unit register never tells who raised a risk (issue 7, DESIGN.md's privacy table).

The register page and the risk page are rendered for the unit's manager and searched for
anything that identifies the employee or the talk: the name, the employee number, the email
address, the talk's addresses and id, the exact date of the observation, and the description
unless the employee allowed it to leave the talk. Every category is checked, the routine ones
(victimisation, discrimination) included, raised by the employee and by the manager, with and
without the permission.

The one place a name of the unit's people appears is the list of who may be made responsible
for a new action: it lists every active person of the unit alike, so it tells nothing about who
raised the risk; the checks take that list out before searching.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from samtal.organisation.models import Person
from samtal.organisation.tests.factories import PersonFactory
from samtal.talks.models import Talk
from samtal.workenv.models import ROUTINE_CATEGORIES, Category, Observation
from samtal.workenv.tests import factories as f

pytestmark = pytest.mark.django_db

REGISTER = reverse("workenv:register")
SECRET = "My desk neighbour Anders shouts at me every week."
STAYS = "Stays in the talk (the employee has not allowed the description to leave it)"
HANDED_ON = "Raised and handed on according to the employer's routine"
RESPONSIBLE_SELECT = re.compile(r'<select name="responsible".*?</select>', re.S)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"
    with translation.override("en"):
        yield


def pages(client: Any, item: Observation) -> dict[str, str]:
    """The register (all years) and the risk page, with the list of the unit's people for
    a new action taken out."""
    register = client.get(f"{REGISTER}?unit={item.unit_id}&year=all")
    risk = client.get(reverse("workenv:risk_detail", args=[item.pk]))
    assert register.status_code == 200
    assert risk.status_code == 200
    return {
        "register": register.content.decode(),
        "risk": RESPONSIBLE_SELECT.sub("", risk.content.decode()),
    }


def identifying(person: Person, talk: Talk, item: Observation) -> list[str]:
    """What would tell who raised the risk, or in which talk."""
    day = item.observed_on
    with translation.override("en"):
        dates = [date_format(day, "DATE_FORMAT"), date_format(day, "SHORT_DATE_FORMAT")]
    return [
        person.full_name,
        person.last_name,
        f"{person.last_name}, {person.first_name}",
        person.employee_number,
        person.user.email,
        reverse("talks:talk_detail", args=[talk.pk]),
        reverse("talks:talk_record", args=[talk.pk]),
        f"/talks/{talk.pk}/",
        f"talk-{talk.pk}",
        day.isoformat(),
        *dates,
        day.strftime("%d/%m/%Y"),
    ]


def assert_deidentified(html: str, person: Person, talk: Talk, item: Observation) -> None:
    for text in identifying(person, talk, item):
        assert text not in html, text


def test_the_register_and_risk_page_do_not_identify(login, manager, employee, colleague):
    talk = f.held_talk(employee)
    item = f.observation(talk, description=SECRET)
    f.action(f.assess(item, manager), manager)
    client = login(manager)
    for html in pages(client, item).values():
        assert_deidentified(html, employee, talk, item)
        assert SECRET not in html
        assert "Anders" not in html
        assert STAYS in html
    # The search is for real: the talk's own page, which the manager shares, names them.
    talk_page = client.get(reverse("talks:talk_detail", args=[talk.pk])).content.decode()
    assert employee.full_name in talk_page


def test_the_list_of_responsible_people_names_the_whole_unit_alike(
    login, manager, employee, colleague
):
    item = f.assess(f.observation(f.held_talk(employee), description=SECRET), manager)
    html = login(manager).get(reverse("workenv:risk_detail", args=[item.pk])).content.decode()
    (select,) = RESPONSIBLE_SELECT.findall(html)
    for person in (manager, employee, colleague):
        assert f">{person.full_name}</option>" in select
    assert "selected" not in select.replace('value="" selected', "")


def test_with_consent_the_description_is_shown_without_the_name(login, manager, employee):
    talk = f.held_talk(employee)
    item = f.observation(talk, description=SECRET, may_leave=True)
    for html in pages(login(manager), item).values():
        assert SECRET in html
        assert STAYS not in html
        assert_deidentified(html, employee, talk, item)


def test_a_risk_outside_the_talks_shows_its_description(login, manager, employee, dept):
    item = f.outside_risk(dept, manager)
    for html in pages(login(manager), item).values():
        assert "Poor lighting in the lab." in html
        assert "Found outside the talks" in html
        assert STAYS not in html


def test_a_later_manager_sees_the_same_deidentified_rows(
    client, login, manager, employee, colleague, other_manager
):
    talk = f.held_talk(employee)
    item = f.observation(talk, description=SECRET)
    f.action(item, manager, responsible=manager)
    before = login(manager).get(REGISTER).context["rows"]
    # The department gets a new manager, who never took part in the talk.
    Person.objects.filter(pk__in=[employee.pk, colleague.pk]).update(manager=other_manager)
    client.logout()
    client.cookies["samtal_language"] = "en"
    later = login(other_manager)
    register = later.get(f"{REGISTER}?unit={item.unit_id}")
    assert register.context["rows"] == before
    for html in pages(later, item).values():
        assert_deidentified(html, employee, talk, item)
        assert SECRET not in html
        assert STAYS in html


def test_the_register_rows_hold_no_identifying_fields(login, manager, employee):
    item = f.observation(f.held_talk(employee), description=SECRET)
    (row,) = login(manager).get(REGISTER).context["rows"]
    assert row.id == item.pk
    assert row.description is None
    assert row.month == item.observed_on.replace(day=1)
    names = set(vars(row))
    assert not names & {"talk", "talk_id", "created_by", "raised_by", "observed_on", "employee"}


@pytest.mark.parametrize("category", Category.values)
@pytest.mark.parametrize("by", ["employee", "manager"])
@pytest.mark.parametrize("may_leave", [False, True])
def test_every_category_is_deidentified(
    login, manager, employee, colleague, category, by, may_leave
):
    talk = f.held_talk(employee)
    item = f.observation(talk, by=by, category=category, description=SECRET, may_leave=may_leave)
    routine = category in ROUTINE_CATEGORIES
    # Only the employee can let the description leave the talk.
    shown = may_leave and by == "employee" and not routine
    f.assess(item, manager)
    client = login(manager)
    for page, html in pages(client, item).items():
        assert_deidentified(html, employee, talk, item)
        assert str(Category(category).label) in html
        assert (SECRET in html) == shown, page
        if routine:
            assert HANDED_ON in html
            assert STAYS not in html
        else:
            assert (STAYS in html) == (not shown)


def test_many_people_many_categories_none_identified(login, manager, employee, colleague, dept):
    # Distinctive names, so that finding one on the page cannot be a coincidence.
    people = [
        employee,
        *(
            PersonFactory(
                unit=dept,
                manager=manager,
                first_name=f"Förnamn{index}",
                last_name=f"Efternamn{index}",
            )
            for index in range(4)
        ),
    ]
    raised = []
    for index, person in enumerate(people):
        talk = f.held_talk(person)
        for category in Category.values[index % 3 :: 3]:
            raised.append(
                (person, talk, f.observation(talk, category=category, description=SECRET))
            )
    client = login(manager)
    html = client.get(f"{REGISTER}?year=all").content.decode()
    assert html.count('<tr id="risk-') == len(raised)
    for person, talk, item in raised:
        assert_deidentified(html, person, talk, item)
        risk = pages(client, item)["risk"]
        for other, other_talk, _item in raised:
            assert_deidentified(risk, other, other_talk, item)
    assert SECRET not in html
    assert timezone.localdate().isoformat() not in html
