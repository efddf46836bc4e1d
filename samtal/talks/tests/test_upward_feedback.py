"""Upward feedback only as aggregates over at least K respondents: the k-threshold helpers,
the manager's own page and HR's page for a round, including the differencing case (two
figures whose difference would single out one person are never both shown)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.anonymity import suppress, total_may_show
from samtal.organisation.tests.factories import PersonFactory
from samtal.talk_templates.models import Question
from samtal.talks import preparation, services
from samtal.talks.models import Round, Talk, TalkStatus
from samtal.talks.tests.factories import RoundFactory

pytestmark = pytest.mark.django_db

K = 5


# --- core.anonymity -------------------------------------------------------------------------


def test_cells_under_k_are_hidden_and_zero_cells_are_not():
    assert suppress({"a": 10, "b": 7}, k=K) == set()
    assert suppress({"a": 0, "b": 7}, k=K) == set()
    assert suppress({"a": 5, "b": 2, "c": 3, "d": 9}, k=K) == {"b", "c"}  # together 5


def test_complementary_cells_are_hidden_until_the_hidden_total_reaches_k():
    # One person alone under one manager: hiding that cell is not enough, the total minus
    # the shown 5 would give 1. The smallest other cell goes as well.
    assert suppress({"a": 5, "b": 1}, k=K) == {"a", "b"}
    assert suppress({"a": 6, "b": 5, "c": 1}, k=K) == {"b", "c"}
    assert suppress({"a": 1, "b": 1}, k=K) == {"a", "b"}


def test_a_total_is_shown_only_when_it_gives_nothing_away():
    assert total_may_show({"a": 5, "b": 1}, k=K)  # 6, and the hidden cells hold 6
    assert total_may_show({"a": 7}, k=K)
    assert not total_may_show({"a": 4}, k=K)
    assert not total_may_show({"a": 1, "b": 1}, k=K)
    assert not total_may_show({}, k=K)


def test_the_threshold_comes_from_the_settings(settings):
    settings.SAMTAL_ANONYMITY_K = 3
    assert suppress({"a": 3, "b": 2}) == {"a", "b"}
    assert suppress({"a": 3, "b": 4}) == set()
    assert total_may_show({"a": 3})


@given(st.dictionaries(st.integers(0, 20), st.integers(0, 30), max_size=8), st.integers(2, 10))
def test_suppression_never_leaves_a_small_group_to_derive(counts: dict[Hashable, int], k: int):
    hidden = suppress(counts, k=k)
    shown = {key: n for key, n in counts.items() if key not in hidden}
    # No shown cell counts fewer than k people.
    assert all(n == 0 or n >= k for n in shown.values())
    hidden_total = sum(counts[key] for key in hidden)
    if total_may_show(counts, k=k):
        # Total minus the shown cells is what the hidden cells hold: nobody, or at least k.
        assert sum(counts.values()) >= k
        assert hidden_total == 0 or hidden_total >= k
    else:
        assert sum(counts.values()) < k or 0 < hidden_total < k


# --- building answered rounds ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def _k_and_english(settings, client):
    settings.SAMTAL_ANONYMITY_K = K
    client.cookies["samtal_language"] = "en"


def reports(manager: Any, n: int) -> list[Any]:
    return [PersonFactory(unit=manager.unit, manager=manager) for _ in range(n)]


def answered_round(hr: Any, units: list[Any], answers: dict[Any, list[bool]]) -> Round:
    """A launched round in which each manager's new reports answered "how did it go" (the
    template's upward-feedback question) with the given yes/no values, still open."""
    people = {manager: reports(manager, len(values)) for manager, values in answers.items()}
    round_ = RoundFactory(units=units)
    services.round_launch(round_=round_, actor=hr.user)
    Talk.objects.filter(round=round_).update(status=TalkStatus.HELD, held_at=timezone.now())
    how = Question.objects.get(section__version=round_.template_version, key="how")
    for manager, values in answers.items():
        for person, value in zip(people[manager], values, strict=True):
            talk = Talk.objects.get(round=round_, employee=person)
            preparation.answer_save(
                talk=talk, actor=person.user, question=how, text="", value=value, revision=0
            )
    return round_


def close(round_: Round) -> None:
    """The round's deadline passes: its evaluation closes and the feedback is published."""
    today = timezone.localdate()
    Round.objects.filter(pk=round_.pk).update(
        start_date=today - dt.timedelta(days=60), deadline=today - dt.timedelta(days=1)
    )


def page(client: Any, round_: Round | None = None) -> Any:
    target = reverse("talks:manager_feedback")
    return client.get(target, {"round": round_.pk} if round_ else {})


def hr_page(client: Any, round_: Round) -> Any:
    return client.get(reverse("talks:round_feedback", args=[round_.pk]))


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html)]


# --- the manager's page ---------------------------------------------------------------------


def test_four_answers_are_not_shown(login, hr, faculty, manager):
    round_ = answered_round(hr, [faculty], {manager: [True, True, True, False]})
    close(round_)
    response = page(login(manager))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["report"].shown is False
    assert "Too few answers: the feedback is shown from 5 answers" in html
    assert "<table" not in html
    assert "<meter" not in html
    assert "4 employees" not in html
    assert "4 answers" not in html


def test_five_answers_are_shown(login, hr, faculty, manager):
    round_ = answered_round(hr, [faculty], {manager: [True, True, True, True, False]})
    close(round_)
    response = page(login(manager))
    html = response.content.decode()
    assert response.context["report"].shown is True
    assert "5 employees answered." in html
    assert "Question how?" in html
    assert "<caption>" in html
    assert "<meter" in html
    assert [c.replace("&nbsp;", "\xa0") for c in cells(html)] == ["4", "80\xa0%", "1", "20\xa0%"]


def test_nothing_is_shown_before_the_deadline(login, hr, faculty, manager):
    round_ = answered_round(hr, [faculty], {manager: [True] * 6})
    response = page(login(manager))
    html = response.content.decode()
    assert response.context["report"].shown is False
    deadline = round_.deadline
    assert "The round&#x27;s evaluation closes on" in html or "evaluation closes on" in html
    assert deadline.strftime("%-d") in html
    assert "<table" not in html
    assert "6 employees" not in html


def test_the_newest_round_first_and_another_by_its_id(login, hr, faculty, manager):
    old = answered_round(hr, [faculty], {manager: [False] * 5})
    close(old)
    Round.objects.filter(pk=old.pk).update(
        start_date=timezone.localdate() - dt.timedelta(days=400),
        deadline=timezone.localdate() - dt.timedelta(days=300),
    )
    new = RoundFactory(units=[faculty])
    services.round_launch(round_=new, actor=hr.user)
    client = login(manager)
    assert page(client).context["selected"] == new
    response = page(client, old)
    assert response.context["selected"] == old
    assert response.context["report"].shown
    assert response.context["report"].questions[0].distribution == [("Yes", 0), ("No", 5)]


def test_a_manager_sees_only_their_own_feedback(
    login, hr, faculty, manager, other_manager, other_dept
):
    round_ = answered_round(hr, [faculty], {manager: [True] * 5, other_manager: [False] * 5})
    close(round_)
    mine = page(login(manager)).context["report"]
    assert mine.respondents == 5
    assert mine.questions[0].distribution == [("Yes", 5), ("No", 0)]
    theirs = page(login(other_manager)).context["report"]
    assert theirs.questions[0].distribution == [("Yes", 0), ("No", 5)]


def test_a_round_without_own_talks_is_404(login, hr, dept, other_dept, manager, other_manager):
    round_ = answered_round(hr, [other_dept], {other_manager: [True] * 5})
    reports(manager, 1)  # so that manager is a manager
    assert page(login(manager), round_).status_code == 404


@pytest.mark.parametrize("who", ["employee", "hr", "safety_rep", "admin_user"])
def test_someone_who_is_not_a_manager_gets_403(request, login, who):
    assert page(login(request.getfixturevalue(who))).status_code == 403


def test_a_manager_without_rounds_sees_an_empty_page(login, manager, employee):
    response = page(login(manager))
    assert response.status_code == 200
    assert response.context["report"] is None


# --- HR's page for a round --------------------------------------------------------------------


def test_hr_sees_totals_per_manager_from_k(login, hr, faculty, manager, other_manager):
    round_ = answered_round(hr, [faculty], {manager: [True] * 6, other_manager: [False] * 5})
    close(round_)
    response = hr_page(login(hr), round_)
    assert response.status_code == 200
    html = response.content.decode()
    rows = {row.name: row.respondents for row in response.context["managers"]}
    assert rows == {manager.full_name: 6, other_manager.full_name: 5}
    assert "11 employees answered." in html
    assert response.context["report"].questions[0].distribution == [("Yes", 6), ("No", 5)]


def test_differencing_one_person_cannot_be_singled_out(login, hr, faculty, manager, other_manager):
    """Five answers under one manager, one under another. The manager with five sees their
    own distribution (Yes 5). Were HR shown the scope's distribution (Yes 5, No 1), the two
    pages side by side would give away the lone answer under other_manager: so HR sees the
    per-manager cells hidden and no distribution at all."""
    round_ = answered_round(hr, [faculty], {manager: [True] * 5, other_manager: [False]})
    close(round_)
    own = login(manager).get(reverse("talks:manager_feedback")).context["report"]
    assert own.shown  # five answers: the manager sees them
    response = hr_page(login(hr), round_)
    html = response.content.decode()
    managers = response.context["managers"]
    assert {row.name for row in managers} == {manager.full_name, other_manager.full_name}
    assert all(row.suppressed and row.respondents is None for row in managers)
    report = response.context["report"]
    assert not report.shown
    assert report.questions == []
    assert cells(html) == ["hidden", "hidden"]


def test_the_scope_distribution_shows_when_the_small_groups_make_k_together(
    login, hr, faculty, manager, other_manager, dept
):
    """Two managers with 2 and 3 answers: neither sees their own, but together they are 5,
    so HR's distribution over all of them reveals no group under K."""
    round_ = answered_round(hr, [faculty], {manager: [True] * 2, other_manager: [False] * 3})
    close(round_)
    response = hr_page(login(hr), round_)
    report = response.context["report"]
    assert report.shown
    assert report.respondents == 5
    assert all(row.suppressed for row in response.context["managers"])


def test_hr_sees_nothing_before_the_deadline(login, hr, faculty, manager):
    round_ = answered_round(hr, [faculty], {manager: [True] * 6})
    response = hr_page(login(hr), round_)
    html = response.content.decode()
    assert response.status_code == 200
    assert "evaluation closes on" in html
    assert "<table" not in html
    assert "6 employees" not in html


def test_a_scope_under_k_shows_no_total(login, hr, faculty, manager):
    round_ = answered_round(hr, [faculty], {manager: [True] * 3})
    close(round_)
    response = hr_page(login(hr), round_)
    html = response.content.decode()
    assert response.context["report"].shown is False
    assert "Too few answers" in html
    assert "3 employees" not in html
    assert cells(html) == ["hidden"]


def test_hr_of_another_scope_gets_404(login, hr, dept, other_dept, manager):
    round_ = answered_round(hr, [dept], {manager: [True] * 5})
    close(round_)
    other_hr = PersonFactory(unit=other_dept)
    RoleAssignmentFactory(user=other_hr.user, role=Role.HR, unit=other_dept)
    assert hr_page(login(other_hr), round_).status_code == 404


@pytest.mark.parametrize("who", ["manager", "employee", "safety_rep", "admin_user"])
def test_others_get_403_on_the_round_page(request, login, hr, faculty, manager, who):
    round_ = answered_round(hr, [faculty], {manager: [True] * 5})
    close(round_)
    assert hr_page(login(request.getfixturevalue(who)), round_).status_code == 403
