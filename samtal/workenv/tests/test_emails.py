"""Emails about work-environment actions: the person named responsible is told, and reminded
with the unit's managers before the date and when it has passed; each in the recipient's
language, with the link each may open, never naming who raised the risk nor what they
described, and not sent when no longer needed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from samtal.core.emails import RENDERERS, emails_send_pending
from samtal.core.models import OutgoingEmail
from samtal.workenv import services
from samtal.workenv.models import Action
from samtal.workenv.reminders import action_reminders_queue
from samtal.workenv.services import ActionData
from samtal.workenv.tests.factories import assess, held_talk, observation

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# A March day at least two weeks ahead: "mars" in Swedish, "March" in English.
MARCH_10 = next(
    day
    for day in (dt.date(TODAY.year + n, 3, 10) for n in range(3))
    if day > TODAY + dt.timedelta(days=14)
)
DESCRIPTION = "My colleague Bertil shouts at me in meetings."
BASE = "http://127.0.0.1:8000"


def speak(person: Any, language: str) -> None:
    person.user.preferred_language = language
    person.user.save()


@pytest.fixture(autouse=True)
def _english_by_default(employee, manager, colleague):
    # A fixed name: a generated one could be the raiser's, which no email may hold.
    colleague.first_name, colleague.last_name = "Cecilia", "Kollega"
    colleague.save()
    for person in (employee, manager, colleague):
        speak(person, "en")


@pytest.fixture
def risk(employee, manager):
    """Raised by the employee (Erik Medarbetare), description allowed to leave the talk."""
    item = observation(
        held_talk(employee), description=DESCRIPTION, severity="high", may_leave=True
    )
    return assess(item, manager)


def add(risk: Any, manager: Any, responsible: Any, due_on: dt.date = MARCH_10) -> Action:
    return services.action_add(
        actor=manager.user,
        observation=type(risk).objects.get(pk=risk.pk),
        data=ActionData(
            what="Share the <teaching> load differently.",
            due_on=due_on,
            responsible_id=responsible.pk,
            follow_up_on=due_on + dt.timedelta(days=30),
        ),
    )


@pytest.fixture
def item(risk, manager, colleague, django_capture_on_commit_callbacks) -> Action:
    """An action the colleague is responsible for, due on MARCH_10; the assignment is sent."""
    with django_capture_on_commit_callbacks(execute=True):
        return add(risk, manager, colleague)


def message_to(person: Any) -> Any:
    [message] = [m for m in mail.outbox if m.to == [person.user.email]]
    return message


def html_of(message: Any) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(html)


def remind(capture: Any, today: dt.date) -> None:
    mail.outbox.clear()
    with capture(execute=True):
        action_reminders_queue(today=today)


def assert_says_nothing_of_the_raiser(message: Any) -> None:
    for text in (message.subject, message.body, html_of(message)):
        assert "Erik" not in text
        assert "Medarbetare" not in text
        assert "Bertil" not in text
        assert "shouts" not in text


def my_actions_link() -> str:
    return f"{BASE}/work-environment/my-actions/"


def risk_link(risk: Any) -> str:
    return f"{BASE}/work-environment/risks/{risk.pk}/"


# --- the assignment -------------------------------------------------------------------------


def test_the_responsible_is_told_what_and_by_when(item, colleague):
    message = message_to(colleague)
    assert message.subject == (
        "You are responsible for a work-environment action in The Department"
    )
    assert message.body.startswith(f"Hello {colleague.first_name},")
    assert (
        "You have been named responsible for an action in the work-environment action plan "
        "of The Department." in message.body
    )
    assert "Action: Share the <teaching> load differently." in message.body
    assert f"To be done by: 10 March {MARCH_10.year}" in message.body
    assert "Follow-up date: 9 April" in message.body
    assert my_actions_link() in message.body
    html = html_of(message)
    assert "Share the &lt;teaching&gt; load differently." in html
    assert "<teaching>" not in html
    assert f'<a href="{my_actions_link()}">Open my actions in Samtal</a>' in html
    assert '<html lang="en">' in html
    assert_says_nothing_of_the_raiser(message)


def test_the_manager_naming_themself_gets_no_email(
    risk, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add(risk, manager, manager)
    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()


def test_the_assignment_is_not_sent_once_given_to_someone_else(risk, manager, colleague, employee):
    made = add(risk, manager, colleague)  # queued, not sent yet
    services.action_update(
        actor=manager.user,
        action=made,
        data=ActionData(what=made.what, due_on=made.due_on, responsible_other="Facilities"),
        revision=made.revision,
    )
    emails_send_pending()
    assert mail.outbox == []
    assert OutgoingEmail.objects.get(kind="action_assigned").status == "skipped"


def test_the_assignment_is_not_sent_once_the_action_is_closed(risk, manager, colleague):
    made = add(risk, manager, colleague)
    services.action_follow_up(
        actor=manager.user, action=made, effective=True, outcome="Done.", revision=made.revision
    )
    emails_send_pending()
    assert mail.outbox == []


# --- reminders ------------------------------------------------------------------------------


def test_the_reminder_before_is_worded_for_the_responsible_and_the_manager(
    item, risk, colleague, manager, django_capture_on_commit_callbacks
):
    remind(django_capture_on_commit_callbacks, MARCH_10 - dt.timedelta(days=7))
    to_responsible, to_manager = message_to(colleague), message_to(manager)
    assert to_responsible.subject == (
        f"Your work-environment action is to be done by {MARCH_10.isoformat()}"
    )
    assert (
        f"An action you are responsible for in The Department is to be done by 10 March "
        f"{MARCH_10.year}." in to_responsible.body
    )
    assert "If it cannot be done in time, tell the unit's manager." in to_responsible.body
    assert "Responsible:" not in to_responsible.body
    assert my_actions_link() in to_responsible.body
    assert risk_link(risk) not in to_responsible.body

    assert to_manager.subject == (
        f"Work-environment action in The Department to be done by {MARCH_10.isoformat()}"
    )
    assert to_manager.body.startswith("Hello Maja,")
    assert f"Responsible: {colleague.full_name}" in to_manager.body
    assert "record the follow-up in the unit's register" in to_manager.body
    assert risk_link(risk) in to_manager.body
    assert f'<a href="{risk_link(risk)}">Open the risk in Samtal</a>' in html_of(to_manager)
    for message in (to_responsible, to_manager):
        assert "Action: Share the <teaching> load differently." in message.body
        assert "Status: Open" in message.body
        assert_says_nothing_of_the_raiser(message)


def test_the_overdue_reminder(item, risk, colleague, manager, django_capture_on_commit_callbacks):
    remind(django_capture_on_commit_callbacks, MARCH_10 + dt.timedelta(days=1))
    to_responsible, to_manager = message_to(colleague), message_to(manager)
    assert to_responsible.subject == (
        f"Your work-environment action is overdue since {MARCH_10.isoformat()}"
    )
    assert "the date has passed and the action is not followed up" in to_responsible.body
    assert "Tell the unit's manager how far it has come" in to_responsible.body
    assert to_manager.subject == (
        f"Work-environment action in The Department overdue since {MARCH_10.isoformat()}"
    )
    assert "Follow the action up in the unit's register" in to_manager.body
    for message in (to_responsible, to_manager):
        assert_says_nothing_of_the_raiser(message)


def test_the_manager_responsible_is_addressed_as_the_manager(
    risk, manager, django_capture_on_commit_callbacks
):
    add(risk, manager, manager)
    remind(django_capture_on_commit_callbacks, MARCH_10 - dt.timedelta(days=1))
    message = message_to(manager)
    assert f"Responsible: {manager.full_name}" in message.body
    assert risk_link(risk) in message.body


@pytest.mark.parametrize("kind", ["assigned", "due", "overdue"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_kind_is_rendered_in_the_recipients_language(
    kind, language, risk, manager, colleague, django_capture_on_commit_callbacks
):
    speak(colleague, language)
    speak(manager, "en" if language == "sv" else "sv")
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        add(risk, manager, colleague)
    if kind != "assigned":
        offset = -2 if kind == "due" else 2
        remind(capture, MARCH_10 + dt.timedelta(days=offset))
    recipients = [(colleague, language)]
    if kind != "assigned":
        recipients.append((manager, "en" if language == "sv" else "sv"))
    month = {"sv": "mars", "en": "March"}
    greeting = {"sv": "Hej {name}!", "en": "Hello {name},"}
    for person, lang in recipients:
        message = message_to(person)
        html = html_of(message)
        assert f'<html lang="{lang}">' in html
        assert message.body.startswith(greeting[lang].format(name=person.first_name))
        assert f"10 {month[lang]} {MARCH_10.year}" in message.body
        unit = {"sv": "Institutionen", "en": "The Department"}[lang]
        assert unit in message.body
        assert "Share the <teaching> load differently." in message.body
        assert_says_nothing_of_the_raiser(message)


def test_renderers_return_none_when_no_longer_needed(
    item, risk, manager, colleague, django_capture_on_commit_callbacks
):
    action_reminders_queue(today=MARCH_10 - dt.timedelta(days=1))
    emails = list(OutgoingEmail.objects.filter(kind="action_due").select_related("recipient"))
    assert len(emails) == 2
    assert all(RENDERERS["action_due"](email) is not None for email in emails)
    current = Action.objects.get(pk=item.pk)
    moved = services.action_update(
        actor=manager.user,
        action=current,
        data=ActionData(
            what=current.what,
            due_on=current.due_on + dt.timedelta(days=7),
            responsible_id=colleague.pk,
        ),
        revision=current.revision,
    )
    assert all(RENDERERS["action_due"](email) is None for email in emails)
    services.action_follow_up(
        actor=manager.user, action=moved, effective=True, outcome="Done.", revision=moved.revision
    )
    assigned = OutgoingEmail.objects.select_related("recipient").get(kind="action_assigned")
    assert RENDERERS["action_assigned"](assigned) is None
    Action.objects.filter(pk=item.pk).delete()
    assert all(RENDERERS["action_due"](email) is None for email in emails)
