"""The record's version history: every version with its agreements (who, as which party,
when, the hash agreed to, voided or not) and what changed from the version before, marked in
text and not by colour only. Only the two parties see it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from samtal.core.models import OrgPolicy
from samtal.talks import record as rec
from samtal.talks.models import Record
from samtal.talks.tests.test_views_record import (
    agree,
    agreed,
    held,
    send,
    write,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


@pytest.fixture
def talk(employee, manager):
    return held(employee, manager)


def versions_url(talk) -> str:
    return reverse("talks:record_versions", args=[talk.pk])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_before_any_version_the_page_says_so(login, talk, manager):
    response = login(manager).get(versions_url(talk))
    assert response.status_code == 200
    assert "there are no versions" in response.content.decode()


def test_every_version_with_its_agreements_and_the_differences(login, talk, employee, manager):
    write(talk, manager, text="Heavy in spring.\nCalm in autumn.", value=2)
    first = send(talk, manager)
    agree(talk, employee)
    # The note-taker changes the text after the employee agreed: the agreement is voided.
    write(talk, manager, text="Heavy in spring.\nBusy in autumn.", value=2)
    second = send(talk, manager)
    agree(talk, employee)
    agree(talk, manager)

    for who in (employee, manager):
        response = login(who).get(versions_url(talk))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("<h1") == 1
        text = text_of(html)
        assert "Version 2" in text
        assert "Version 1" in text
        assert html.index('id="version-2"') < html.index('id="version-1"')  # newest first
        assert "agreed by both" in text
        assert "voided" in text
        assert first.content_hash[:12] in html
        assert second.content_hash[:12] in html
        # Version 1: the employee's voided agreement; version 2: both agreements.
        version_1 = html[html.index('id="version-1"') :]
        assert "Erik Medarbetare" in version_1
        assert "No, voided" in version_1
        version_2 = html[html.index('id="version-2"') : html.index('id="version-1"')]
        assert "Maja Chef" in version_2
        assert "Erik Medarbetare" in version_2
        assert "No, voided" not in version_2
        assert "Employee" in version_2
        assert "Manager" in version_2
        # What changed, line by line, with text markers.
        assert "Changes from version 1" in text
        assert "+ Added: Busy in autumn." in text
        assert "− Removed: Calm in autumn." in text
        assert "<ins>" in version_2
        assert "<del>" in version_2
        assert "Heavy in spring." in version_2  # the unchanged line, for context
        assert "The first version." in version_1


def test_a_correction_is_a_new_version(login, talk, employee, manager):
    agreed(talk, employee, manager)
    record = Record.objects.get(talk=talk)
    rec.record_correct(record=record, actor=manager.user, revision=record.revision)
    write(talk, manager, text="CORRECTED")
    send(talk, manager)
    html = login(employee).get(versions_url(talk)).content.decode()
    text = text_of(html)
    assert "correction" in text
    assert "waiting for agreement" in text
    assert "+ Added: CORRECTED" in text
    assert "− Removed: AGREED-TEXT" in text


def test_the_versions_page_links_from_the_record(login, talk, employee, manager):
    agreed(talk, employee, manager)
    html = login(employee).get(reverse("talks:talk_record", args=[talk.pk])).content.decode()
    assert versions_url(talk) in html


@pytest.mark.parametrize(
    "who", ["hr", "admin_user", "safety_rep", "colleague", "other_manager", "other_employee"]
)
def test_only_the_parties_see_the_history(request, login, talk, employee, manager, who):
    agreed(talk, employee, manager)
    OrgPolicy.current()
    OrgPolicy.objects.update(hr_may_read_records=True)
    assert login(request.getfixturevalue(who)).get(versions_url(talk)).status_code == 404


def test_post_to_the_versions_page_is_405(login, talk, manager):
    assert login(manager).post(versions_url(talk)).status_code == 405
