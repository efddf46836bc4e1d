"""The round in a real browser: HR launches it and sees coverage, the manager books a talk,
the employee accepts it and has the invitation, and the reminders go out exactly once.
Every page on the way is scanned with axe-core, in Swedish and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from samtal.accounts.tests.factories import PASSWORD
from samtal.organisation.models import Person, Unit
from samtal.talks.models import Response, Talk, TalkStatus
from samtal.talks.tests.factories import RoomFactory, RoundFactory
from tests.e2e.conftest import log_in
from tests.e2e.test_journeys import check_page, prefer, url, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_out(page: Page) -> None:
    page.locator("header form[action$='/logout/'] button").click()
    page.wait_for_load_state()


def submit(page: Page, action_suffix: str) -> None:
    page.locator(f"main form[action$='{action_suffix}'] button[type=submit]").first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_from_launch_to_an_accepted_booking(
    page: Page,
    language: str,
    faculty: Unit,
    hr: Person,
    manager: Person,
    employee: Person,
    colleague: Person,
    other_employee: Person,
    mailoutbox: list[EmailMessage],
) -> None:
    for person in (hr, manager, employee):
        prefer(person, language)
    room = RoomFactory(name="Tallen")
    round_ = RoundFactory(units=[faculty], name="Utvecklingssamtal 2027")

    # HR launches the round and sees coverage, then the drill-down and the rooms.
    log_in(page, "hr@example.se", PASSWORD)
    visit(page, "/talks/rounds/", language)
    visit(page, f"/talks/rounds/{round_.pk}/", language)
    submit(page, f"/talks/rounds/{round_.pk}/launch/")
    expect(page.locator("main [role=status]").first).to_be_visible()
    check_page(page, language)
    assert Talk.objects.filter(round=round_).count() == 3  # employee, colleague, other_employee
    expect(page.locator("main svg[role=img]").first).to_be_visible()
    expect(page.locator("main table").first).to_be_visible()
    visit(page, f"/talks/rounds/{round_.pk}/talks/", language)
    visit(page, f"/talks/rounds/{round_.pk}/talks/?status=offered", language)
    visit(page, f"/talks/rounds/{round_.pk}/without-manager/", language)
    visit(page, "/talks/rooms/", language)
    visit(page, "/talks/rounds/new/", language)
    log_out(page)

    # The manager books the employee's talk from the team overview; a 45-minute talk gets a
    # warning and is booked when confirmed.
    talk = Talk.objects.get(round=round_, employee=employee)
    log_in(page, "manager@example.se", PASSWORD)
    visit(page, "/talks/team/", language)
    page.locator(f"main a[href='/talks/{talk.pk}/book/']").first.click()
    page.wait_for_load_state()
    check_page(page, language)
    day = timezone.localdate() + dt.timedelta(days=7)
    page.fill("input[name=starts_at]", f"{day.isoformat()}T10:00")
    page.fill("input[name=duration_minutes]", "45")
    page.select_option("select[name=room]", str(room.pk))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.locator("main button[name=confirm]")).to_be_visible()
    check_page(page, language)
    page.locator("main button[name=confirm]").click()
    page.wait_for_url(url(page, f"/talks/{talk.pk}/"))
    check_page(page, language)
    talk.refresh_from_db()
    assert talk.status == TalkStatus.BOOKED
    assert timezone.localtime(talk.starts_at).time() == dt.time(10, 0)
    invitations = [m for m in mailoutbox if m.attachments and m.to == ["employee@example.se"]]
    assert invitations, [m.subject for m in mailoutbox]
    assert "METHOD:REQUEST" in str(invitations[-1].attachments[0][1])
    log_out(page)

    # The employee sees the talk under My talks, accepts and downloads the invitation.
    log_in(page, "employee@example.se", PASSWORD)
    visit(page, "/talks/", language)
    visit(page, f"/talks/{talk.pk}/", language)
    submit(page, f"/talks/{talk.pk}/accept/")
    check_page(page, language)
    talk.refresh_from_db()
    assert talk.response == Response.ACCEPTED
    download = page.request.get(url(page, f"/talks/{talk.pk}/invitation.ics"))
    assert download.ok
    body = download.body()
    assert b"BEGIN:VEVENT" in body
    assert f"UID:talk-{talk.pk}@".encode() in body

    # Reminders the day before: run twice, each party gets exactly one.
    mailoutbox.clear()
    call_command("send_reminders", today=day - dt.timedelta(days=1))
    call_command("send_reminders", today=day - dt.timedelta(days=1))
    reminders = sorted(m.to[0] for m in mailoutbox)
    assert reminders == ["employee@example.se", "manager@example.se"]
