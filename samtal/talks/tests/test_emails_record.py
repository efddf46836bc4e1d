"""Emails about the record: sent for agreement, agreed, and agreements voided — to both
parties, after commit, with a link to the record; skipped when stale by the time they go."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from samtal.core.emails import RENDERERS
from samtal.core.models import OutgoingEmail
from samtal.talks.tests.test_views_record import agree, held, send, write

pytestmark = pytest.mark.django_db

KINDS = ["record_sent", "record_agreed", "record_voided"]
BOTH = ["employee@example.se", "manager@example.se"]


@pytest.fixture(autouse=True)
def _english_recipients(employee, manager):
    for person in (employee, manager):
        person.user.preferred_language = "en"
        person.user.save()


@pytest.fixture
def talk(employee, manager):
    return held(employee, manager)


# Each kind's subject says which it is (earlier emails still pending go out in the same drain).
SUBJECT_OF = {
    "record_sent": "ready for agreement",
    "record_agreed": "is agreed",
    "record_voided": "are void",
}


def of_kind(kind: str) -> list[Any]:
    return sorted((m for m in mail.outbox if SUBJECT_OF[kind] in m.subject), key=lambda m: m.to[0])


def test_sent_for_agreement_tells_both(talk, manager, django_capture_on_commit_callbacks):
    write(talk, manager)
    with django_capture_on_commit_callbacks(execute=True):
        send(talk, manager)
    messages = of_kind("record_sent")
    assert [m.to[0] for m in messages] == BOTH
    for message in messages:
        assert "ready for agreement (version 1)" in message.subject
        assert f"/talks/{talk.pk}/record/" in message.body
        [(html, _mimetype)] = message.alternatives
        assert f"/talks/{talk.pk}/record/" in html
        assert "Open the record in Samtal" in html
    by_address = {m.to[0]: m for m in messages}
    assert "with Maja Chef" in by_address["employee@example.se"].subject
    assert "with Erik Medarbetare" in by_address["manager@example.se"].subject


def test_agreed_tells_both(talk, employee, manager, django_capture_on_commit_callbacks):
    write(talk, manager)
    send(talk, manager)
    agree(talk, employee)
    with django_capture_on_commit_callbacks(execute=True):
        agree(talk, manager)
    messages = of_kind("record_agreed")
    assert [m.to[0] for m in messages] == BOTH
    assert all("is agreed (version 1)" in m.subject for m in messages)
    assert all("now locked" in m.body for m in messages)


def test_voided_tells_both(talk, employee, manager, django_capture_on_commit_callbacks):
    write(talk, manager)
    send(talk, manager)
    agree(talk, employee)
    with django_capture_on_commit_callbacks(execute=True):
        write(talk, manager, text="Changed after the employee agreed")
    messages = of_kind("record_voided")
    assert [m.to[0] for m in messages] == BOTH
    assert all("agreements to version 1 are void" in m.subject for m in messages)
    assert all("sends the changed record for agreement again" in m.body for m in messages)


def email_for(kind: str, talk: Any, recipient: Any, version: int = 1) -> OutgoingEmail:
    return OutgoingEmail(
        key=f"test:{kind}",
        kind=kind,
        recipient=recipient.user,
        params={"talk": talk.pk, "version": version},
    )


def render(email: OutgoingEmail, language: str = "en") -> Any:
    with translation.override(language):
        return RENDERERS[email.kind](email)


def test_a_sent_email_for_a_version_no_longer_waiting_is_skipped(talk, employee, manager):
    write(talk, manager)
    send(talk, manager)
    assert render(email_for("record_sent", talk, employee)) is not None
    write(talk, manager, text="Changed: voids version 1")
    assert render(email_for("record_sent", talk, employee)) is None
    # The voided email still goes out: it is what tells them.
    assert render(email_for("record_voided", talk, employee)) is not None
    send(talk, manager)
    assert render(email_for("record_sent", talk, employee, version=2)) is not None


def test_an_agreed_email_for_a_version_no_longer_agreed_is_skipped(talk, employee, manager):
    write(talk, manager)
    send(talk, manager)
    assert render(email_for("record_agreed", talk, employee)) is None  # not agreed yet
    agree(talk, employee)
    agree(talk, manager)
    assert render(email_for("record_agreed", talk, employee)) is not None


def test_an_email_for_a_missing_talk_or_version_is_skipped(talk, employee, manager):
    assert render(email_for("record_voided", talk, employee, version=5)) is None
    missing = OutgoingEmail(
        key="x", kind="record_sent", recipient=employee.user, params={"talk": 99999, "version": 1}
    )
    assert render(missing) is None


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_kind_renders_in_the_recipients_language(kind, language, talk, employee, manager):
    write(talk, manager)
    send(talk, manager)
    if kind == "record_agreed":
        agree(talk, employee)
        agree(talk, manager)
    rendered = render(email_for(kind, talk, manager), language)
    assert rendered is not None
    for part in (rendered.subject, rendered.text, rendered.html):
        assert "{%" not in part
        assert "{{" not in part
    assert "\n" not in rendered.subject
    assert f'<html lang="{language}">' in rendered.html
    assert f"/talks/{talk.pk}/record/" in rendered.text
    assert "Erik Medarbetare" in rendered.subject
