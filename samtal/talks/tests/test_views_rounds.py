"""HR's round pages: list, create, change, launch, coverage, drill-down, without a manager."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.organisation.tests.factories import PersonFactory, UnitFactory
from samtal.talk_templates.models import TemplateVersion, VersionStatus
from samtal.talk_templates.tests.factories import make_draft
from samtal.talks import services
from samtal.talks.models import Round, Talk, TalkStatus
from samtal.talks.tests.factories import RoundFactory, published_version

pytestmark = pytest.mark.django_db

ROUNDS = reverse("talks:round_list")
CREATE = reverse("talks:round_create")
REFUSED = ["employee", "manager", "safety_rep", "admin_user"]


def detail(round_: Round) -> str:
    return reverse("talks:round_detail", args=[round_.pk])


def edit(round_: Round) -> str:
    return reverse("talks:round_edit", args=[round_.pk])


def launch(round_: Round) -> str:
    return reverse("talks:round_launch", args=[round_.pk])


def talks(round_: Round) -> str:
    return reverse("talks:round_talks", args=[round_.pk])


def without(round_: Round) -> str:
    return reverse("talks:round_without_manager", args=[round_.pk])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.fixture
def dept_hr(dept):
    """HR for the department (and its sub-units) only."""
    person = PersonFactory(unit=dept, first_name="Disa", last_name="Delhr")
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


@pytest.fixture
def people(employee, colleague, other_employee):
    return [employee, colleague, other_employee]


@pytest.fixture
def draft_round(faculty):
    return RoundFactory(name="Development talks 2027", units=[faculty])


@pytest.fixture
def launched(draft_round, hr, people):
    services.round_launch(round_=draft_round, actor=hr.user)
    draft_round.refresh_from_db()
    return draft_round


def form_data(round_version: TemplateVersion, units, **extra) -> dict:
    today = timezone.localdate()
    data = {
        "name": "Development talks 2028",
        "year": "2028",
        "template_version": str(round_version.pk),
        "units": [str(unit.pk) for unit in units],
        "include_subunits": "on",
        "start_date": today.isoformat(),
        "deadline": (today + dt.timedelta(days=60)).isoformat(),
    }
    data.update(extra)
    return data


# --- who may see ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", REFUSED)
def test_round_pages_refused_to_everyone_but_hr(request, login, who, launched):
    client = login(request.getfixturevalue(who))
    for url in (ROUNDS, CREATE, detail(launched), edit(launched), talks(launched)):
        assert client.get(url).status_code == 403, url
    assert client.get(without(launched)).status_code == 403
    assert client.post(launch(launched)).status_code == 403
    assert Talk.objects.count() == 3


def test_missing_round_is_404(login, hr):
    assert login(hr).get(reverse("talks:round_detail", args=[999])).status_code == 404


def test_launch_is_post_only(login, hr, draft_round):
    assert login(hr).get(launch(draft_round)).status_code == 405


# --- list -----------------------------------------------------------------------------------


def test_round_list_shows_rounds_with_figures(login, hr, launched, employee):
    Talk.objects.filter(employee=employee).update(status=TalkStatus.HELD, held_at=timezone.now())
    RoundFactory(name="Later round", units=[launched.units.first()])
    response = login(hr).get(ROUNDS)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{CREATE}"' in html
    assert f'href="{detail(launched)}"' in html
    rounds = {r.name: r for r in response.context["page"].object_list}
    assert rounds["Development talks 2027"].offered_count == 3
    assert rounds["Development talks 2027"].held_count == 1
    assert rounds["Later round"].offered_count == 0
    assert "Launched" in html
    assert "Not launched" in html


# --- create ---------------------------------------------------------------------------------


def test_create_form_lists_units_as_a_tree(login, hr, faculty, dept):
    response = login(hr).get(CREATE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The Faculty (FAC)" in html
    assert "\u00a0\u00a0\u00a0The Department (DEP)" in html
    assert html.count("<h1>") == 1


def test_create_round(login, hr, faculty):
    version = published_version()
    response = login(hr).post(CREATE, form_data(version, [faculty]))
    round_ = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(round_)
    assert round_.name == "Development talks 2028"
    assert round_.status == Round.Status.DRAFT
    assert list(round_.units.all()) == [faculty]
    assert round_.employment_categories == []


def test_create_round_errors_are_on_the_field(login, hr, faculty):
    version = published_version()
    today = timezone.localdate()
    data = form_data(version, [], name="", deadline=(today - dt.timedelta(days=1)).isoformat())
    response = login(hr).post(CREATE, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"name", "units", "deadline"}
    html = response.content.decode()
    assert 'id="id_deadline_error"' in html
    assert not Round.objects.exists()


def test_create_round_refuses_an_unpublished_template(login, hr, faculty):
    draft = make_draft()
    response = login(hr).post(CREATE, form_data(draft, [faculty]))
    assert response.status_code == 400
    assert "template_version" in response.context["form"].errors
    assert not Round.objects.exists()


def test_scoped_hr_cannot_create_a_round_outside_their_units(login, dept_hr, dept, other_dept):
    response = login(dept_hr).post(CREATE, form_data(published_version(), [dept, other_dept]))
    assert response.status_code == 400
    assert "units" in response.context["form"].errors
    assert not Round.objects.exists()
    response = login(dept_hr).post(CREATE, form_data(published_version(), [dept]))
    assert response.status_code == 302


# --- edit -----------------------------------------------------------------------------------


def test_edit_draft_round(login, hr, draft_round, dept):
    client = login(hr)
    response = client.get(edit(draft_round))
    assert response.status_code == 200
    assert 'name="revision" value="1"' in response.content.decode()
    data = form_data(draft_round.template_version, [dept], name="Renamed", revision="1")
    response = client.post(edit(draft_round), data)
    assert response.status_code == 302
    draft_round.refresh_from_db()
    assert draft_round.name == "Renamed"
    assert list(draft_round.units.all()) == [dept]
    assert draft_round.revision == 2


def test_edit_conflict_shows_the_saved_values(login, hr, draft_round, faculty):
    client = login(hr)
    version = draft_round.template_version
    client.post(edit(draft_round), form_data(version, [faculty], name="First", revision="1"))
    response = client.post(
        edit(draft_round), form_data(version, [faculty], name="Second", revision="1")
    )
    assert response.status_code == 409
    draft_round.refresh_from_db()
    assert draft_round.name == "First"
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial["name"] == "First"
    assert form.initial["revision"] == 2
    assert any("Someone else changed the round" in text for _, text in messages_of(response))


def test_edit_launched_round_offers_only_name_and_period(login, hr, launched):
    client = login(hr)
    response = client.get(edit(launched))
    form = response.context["form"]
    assert set(form.fields) == {"name", "year", "start_date", "deadline", "revision"}
    new_deadline = launched.deadline + dt.timedelta(days=10)
    response = client.post(
        edit(launched),
        {
            "name": "Renamed",
            "year": "2027",
            "start_date": launched.start_date.isoformat(),
            "deadline": new_deadline.isoformat(),
            "revision": str(launched.revision),
        },
    )
    assert response.status_code == 302
    launched.refresh_from_db()
    assert launched.name == "Renamed"
    assert set(Talk.objects.values_list("deadline", flat=True)) == {new_deadline}


def test_edit_scope_of_a_launched_round_is_refused_with_a_message(login, hr, launched, dept):
    """A form opened before the launch still carries the scope; the change is refused."""
    data = form_data(launched.template_version, [dept], revision=str(launched.revision))
    response = login(hr).post(edit(launched), data)
    assert response.status_code == 302
    assert response["Location"] == edit(launched)
    level, text = messages_of(response)[0]
    assert level == "error"
    assert "Only the name and the period can" in text
    assert list(launched.units.values_list("code", flat=True)) == ["FAC"]


def test_scoped_hr_cannot_edit_a_round_with_units_outside_scope(login, dept_hr, dept, other_dept):
    round_ = RoundFactory(units=[dept, other_dept])
    assert login(dept_hr).get(edit(round_)).status_code == 403


# --- launch ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_launch_offers_talks_and_says_how_many(login, hr, draft_round, people, dept):
    # In scope without a manager: the new person, and hr, manager and other_manager (whose
    # own managers the fixtures leave out).
    PersonFactory(unit=dept, manager=None)
    client = login(hr)
    response = client.post(launch(draft_round))
    assert response.status_code == 302
    assert response["Location"] == detail(draft_round)
    assert Talk.objects.filter(round=draft_round).count() == 3
    level, text = messages_of(response)[0]
    assert level == "success"
    assert "3 talks offered; 4 people in scope have no manager." in text
    assert f'href="{without(draft_round)}"' in text
    page = client.get(detail(draft_round)).content.decode()
    assert f'<a href="{without(draft_round)}">See who has no manager</a>' in page
    # Launching again offers nobody twice.
    response = client.post(launch(draft_round))
    assert "0 talks offered" in messages_of(response)[-1][1]
    assert Talk.objects.filter(round=draft_round).count() == 3


def test_launch_runs_in_the_background_and_the_page_says_so(login, hr, draft_round, people):
    # In a test transaction nothing commits, so the queued launch has not run yet: as in
    # production while the worker is busy with a large round.
    client = login(hr)
    response = client.post(launch(draft_round))
    level, text = messages_of(response)[0]
    assert level == "info"
    assert "The launch has started" in text
    assert not Talk.objects.exists()
    draft_round.refresh_from_db()
    assert draft_round.is_launching
    page = client.get(detail(draft_round)).content.decode()
    assert "being launched" in page
    from samtal.talks.tasks import launch_round

    assert launch_round.call(round_id=draft_round.pk, actor_id=hr.user.pk) == 3
    draft_round.refresh_from_db()
    assert not draft_round.is_launching
    assert (draft_round.last_launch_created, draft_round.launch_count) == (3, 1)


@pytest.mark.parametrize("status", [VersionStatus.RETIRED, VersionStatus.DRAFT])
def test_launch_with_unpublished_template_is_refused(login, hr, people, faculty, status):
    version = make_draft()
    TemplateVersion.objects.filter(pk=version.pk).update(status=status)
    round_ = RoundFactory(units=[faculty], template_version=version)
    response = login(hr).post(launch(round_))
    assert response.status_code == 302
    level, text = messages_of(response)[0]
    assert level == "error"
    assert "not published" in text
    assert not Talk.objects.exists()
    round_.refresh_from_db()
    assert round_.status == Round.Status.DRAFT


def test_scoped_hr_cannot_launch_a_round_with_units_outside_scope(
    login, dept_hr, dept, other_dept, people
):
    round_ = RoundFactory(units=[dept, other_dept])
    assert login(dept_hr).post(launch(round_)).status_code == 403
    assert not Talk.objects.exists()


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL run, with the chunks of one bulk insert counted once: SQLite caps the
    parameters of a statement, so it splits a bulk insert every few dozen rows (PostgreSQL
    takes the launch's batch of 2000 in one)."""
    statements: list[str] = []
    for query in queries.captured_queries:
        sql = query["sql"]
        head = sql[:60]
        if sql.startswith("INSERT") and statements and statements[-1] == head:
            continue
        statements.append(head)
    return statements


@pytest.mark.django_db(transaction=True)
def test_launch_queries_do_not_grow_with_people(login, hr, monkeypatch):
    # The launch runs here (tasks run in-process); the queued emails are sent by the worker
    # afterwards, one by one, so their sending is left out of this count.
    monkeypatch.setattr("samtal.core.emails._send_after_commit", lambda count: None)

    def round_of(size: int) -> Round:
        top = UnitFactory()
        boss = PersonFactory(unit=top)
        for _ in range(size):
            PersonFactory(unit=top, manager=boss)
        return RoundFactory(units=[top])

    small, large = round_of(5), round_of(50)
    client = login(hr)
    client.get(ROUNDS)  # the session and roles are warm for both
    ContentType.objects.get_for_models(Talk, Round)  # cached, as in a running server
    counts = []
    for round_ in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(launch(round_))
        assert response.status_code == 302
        counts.append(len(_statements(queries)))
    assert Talk.objects.filter(round=large).count() == 50
    assert counts[0] == counts[1]


# --- coverage -------------------------------------------------------------------------------


def test_detail_shows_coverage_per_unit_and_per_manager(
    login, hr, launched, employee, manager, dept, other_dept
):
    Talk.objects.filter(employee=employee).update(status=TalkStatus.HELD, held_at=timezone.now())
    response = login(hr).get(detail(launched))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    # Top level: the faculty, which has sub-units (a link to drill down).
    rows = response.context["coverage"].rows
    assert [row.unit.code for row in rows] == ["FAC"]
    assert rows[0].counts["offered"] == 3
    assert f'href="?unit={rows[0].unit.pk}#units"' in html
    # The chart and its table alternative.
    assert 'role="img" aria-labelledby="coverage-chart-caption"' in html
    assert 'id="coverage-chart-caption"' in html
    assert '<th scope="row">' in html
    base = talks(launched)
    assert f'href="{base}?unit={rows[0].unit.pk}&amp;status=held">1</a>' in html
    # Per manager, linking to their talks.
    managers = response.context["manager_rows"]
    assert {row["manager_id"]: row["offered"] for row in managers} == {
        manager.pk: 2,
        other_dept.people.get(first_name="Olle").pk: 1,
    }
    assert f'href="{base}?manager={manager.pk}"' in html
    # Totals for the whole round, and the export links.
    assert response.context["totals"].counts["held"] == 1
    assert reverse("talks:round_export", args=[launched.pk, "units", "csv"]) in html
    assert reverse("talks:round_export", args=[launched.pk, "talks", "xlsx"]) in html
    assert "Launch again" in html
    assert "only adds the people who joined" in html


def test_managers_are_paginated_50_per_page(login, hr, dept):
    for _ in range(51):
        boss = PersonFactory(unit=dept)
        PersonFactory(unit=dept, manager=boss)
    round_ = RoundFactory(units=[dept])
    services.round_launch(round_=round_, actor=hr.user)
    client = login(hr)
    response = client.get(detail(round_))
    assert len(response.context["manager_rows"]) == 50
    assert 'href="?mpage=2#managers"' in response.content.decode()
    response = client.get(detail(round_), {"mpage": "2"})
    assert len(response.context["manager_rows"]) == 1
    assert client.get(detail(round_), {"mpage": "x"}).status_code == 200


def test_detail_drills_down_one_level(login, hr, launched, faculty, dept, other_dept):
    response = login(hr).get(detail(launched), {"unit": "FAC"})
    assert response.status_code == 200
    rows = response.context["coverage"].rows
    assert {row.unit.code: row.counts["offered"] for row in rows} == {"DEP": 2, "OTH": 1}
    assert response.context["crumbs"] == [faculty]
    html = response.content.decode()
    assert f'href="{detail(launched)}#units">All units' in html
    # The same by id.
    response = login(hr).get(detail(launched), {"unit": str(faculty.pk)})
    assert response.context["coverage"].parent == faculty


def test_drill_down_shows_the_units_own_talks_unlinked(login, hr, launched, dept, manager):
    """The parent's own talks are counted without its sub-units; the drill-down list always
    includes sub-units, so those figures are not links (they would not match)."""
    group = UnitFactory(code="GRP", name_en="The Group", parent=dept)
    PersonFactory(unit=group, manager=manager)
    services.round_launch(round_=launched, actor=hr.user)
    response = login(hr).get(detail(launched), {"unit": "DEP"})
    items = {item["row"].label: item for item in response.context["unit_rows"]}
    assert set(items) == {"The Department (directly)", "The Group"}
    assert items["The Department (directly)"]["link"] is None
    assert items["The Group"]["link"] == f"{talks(launched)}?unit={group.pk}&"
    assert response.context["total_link"] == f"{talks(launched)}?unit={dept.pk}&"
    assert [unit.code for unit in response.context["crumbs"]] == ["FAC", "DEP"]


# "²".isdigit() is true but int() refuses it, and PostgreSQL refuses to compare text holding a
# NUL: both were a 500 (hostile-input suite).
@pytest.mark.parametrize("value", ["NOPE", "99999", "<script>", "²", "1" * 40, "D\x00EP"])
def test_detail_with_unknown_unit_is_404(login, hr, launched, value):
    assert login(hr).get(detail(launched), {"unit": value}).status_code == 404
    assert login(hr).get(talks(launched), {"unit": value}).status_code == 404


def test_scoped_hr_sees_only_their_units(login, hr, dept_hr, dept, other_dept, people):
    round_ = RoundFactory(units=[dept, other_dept])
    services.round_launch(round_=round_, actor=hr.user)
    response = login(dept_hr).get(detail(round_))
    assert response.status_code == 200
    rows = response.context["coverage"].rows
    assert [row.unit.code for row in rows] == ["DEP"]
    assert response.context["totals"].counts["offered"] == 2
    assert 'id="coverage-chart-caption"' in response.content.decode()
    assert not response.context["can_manage"]  # not theirs to change or launch
    assert "Launch the round" not in response.content.decode()
    # The other department's unit is not theirs to drill into.
    assert login(dept_hr).get(detail(round_), {"unit": "OTH"}).status_code == 404


def test_scoped_hr_does_not_see_a_round_outside_their_units(login, dept_hr, other_dept):
    round_ = RoundFactory(units=[other_dept])
    assert login(dept_hr).get(detail(round_)).status_code == 404
    assert login(dept_hr).get(ROUNDS).context["page"].paginator.count == 0


def test_manager_changed_count_links_to_the_list(login, hr, launched, employee, other_manager):
    employee.manager = other_manager
    employee.save()
    response = login(hr).get(detail(launched))
    assert response.context["manager_changed"] == 1
    assert f'href="{talks(launched)}?manager_changed=1"' in response.content.decode()
    response = login(hr).get(talks(launched), {"manager_changed": "1"})
    assert [t.employee for t in response.context["page"].object_list] == [employee]


def test_draft_round_detail(login, hr, draft_round):
    response = login(hr).get(detail(draft_round))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Launch the round" in html
    assert "has not been launched" in html


# --- drill-down -----------------------------------------------------------------------------


def test_talk_list_filters(login, hr, launched, employee, colleague, other_employee, manager):
    Talk.objects.filter(employee=employee).update(status=TalkStatus.HELD, held_at=timezone.now())
    Talk.objects.filter(employee=colleague).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    client = login(hr)

    def listed(**params) -> set:
        response = client.get(talks(launched), params)
        assert response.status_code == 200
        return {talk.employee for talk in response.context["page"].object_list}

    assert listed() == {employee, colleague, other_employee}
    assert listed(unit="DEP") == {employee, colleague}
    assert listed(status="held") == {employee}
    assert listed(overdue="1") == {colleague}
    assert listed(manager=str(manager.pk)) == {employee, colleague}
    assert listed(unit="OTH", status="held") == set()


def test_talk_list_shows_the_columns_and_links_to_each_talk(login, hr, launched, colleague):
    Talk.objects.filter(employee=colleague).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    response = login(hr).get(talks(launched), {"unit": "DEP"})
    html = response.content.decode()
    for talk in Talk.objects.filter(unit__code="DEP"):
        assert f'href="{reverse("talks:talk_detail", args=[talk.pk])}"' in html
    for heading in ("Employee", "Unit", "Manager", "Status", "Booked time", "Deadline"):
        assert f'<th scope="col">{heading}</th>' in html
    assert "Overdue" in html
    assert "Offered" in html
    assert "The Department" in html  # the filter is named


@pytest.mark.parametrize(
    "params",
    [{"status": "bogus"}, {"manager": "x"}, {"manager": "-3"}, {"unit": "NOPE"}, {"page": "zz"}],
)
def test_talk_list_bad_filters_are_never_500(login, hr, launched, params):
    response = login(hr).get(talks(launched), params)
    assert response.status_code in (200, 404)


def test_without_manager_page(login, hr, draft_round, people, dept):
    leaver = PersonFactory(unit=dept, is_active=False)
    orphan = PersonFactory(unit=dept, manager=leaver, first_name="Ove", last_name="Orphan")
    alone = PersonFactory(unit=dept, manager=None, first_name="Alva", last_name="Alone")
    response = login(hr).get(without(draft_round))
    assert response.status_code == 200
    listed = set(response.context["page"].object_list)
    assert {orphan, alone} <= listed
    assert not set(people) & listed
    html = response.content.decode()
    assert "has left" in html
    assert "No manager" in html


# --- a fixed number of queries --------------------------------------------------------------


def _round_with(talk_count: int, unit_count: int, hr) -> Round:
    top = UnitFactory()
    units = [UnitFactory(parent=top) for _ in range(unit_count)]
    bosses = [PersonFactory(unit=unit) for unit in units]
    for index in range(talk_count):
        PersonFactory(unit=units[index % unit_count], manager=bosses[index % unit_count])
    round_ = RoundFactory(units=[top])
    services.round_launch(round_=round_, actor=hr.user)
    # Some of every status, some overdue.
    ids = list(Talk.objects.filter(round=round_).values_list("pk", flat=True))
    Talk.objects.filter(pk__in=ids[::3]).update(status=TalkStatus.HELD, held_at=timezone.now())
    Talk.objects.filter(pk__in=ids[1::3]).update(
        status=TalkStatus.BOOKED, starts_at=timezone.now(), response="pending"
    )
    Talk.objects.filter(pk__in=ids[2::3]).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    return round_


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_coverage_and_list_queries_do_not_grow(login, hr):
    small = _round_with(3, 2, hr)
    large = _round_with(30, 8, hr)
    client = login(hr)
    client.get(ROUNDS)
    top_small, top_large = small.units.get(), large.units.get()
    assert _queries(client, detail(small)) == _queries(client, detail(large))
    assert _queries(client, detail(small), {"unit": top_small.code}) == _queries(
        client, detail(large), {"unit": top_large.code}
    )
    assert _queries(client, talks(small)) == _queries(client, talks(large))
    assert _queries(client, talks(small), {"unit": top_small.code}) == _queries(
        client, talks(large), {"unit": top_large.code}
    )
    assert _queries(client, ROUNDS) > 0
