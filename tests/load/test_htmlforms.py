"""The load test reads the pages' own forms: the parser, and the real pages it relies on."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from htmlforms import error_messages, find_form, forms_under, parse_forms

from samtal.talks import record as rec
from samtal.talks import services
from samtal.talks.models import Agreement, Record, Talk
from samtal.talks.tests.factories import booked_talk

PAGE = """
<form action="/accounts/language/#top" method="post"><input type="hidden" name="next" value="/x/">
  <button type="submit" name="language" value="en">English</button></form>
<form method="post">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="radio" name="value" value="1"><input type="radio" name="value" value="2" checked>
  <input type="checkbox" name="many" value="0" checked><input type="checkbox" name="many" value="1">
  <input type="checkbox" name="many" value="2" checked>
  <textarea name="text">
Första raden &amp; åäö</textarea>
  <select name="activity"><option value="">Hela planen</option>
    <option value="7">Kurs</option></select>
  <select name="room"><option value="3">A</option><option value="4" selected>B</option></select>
  <input type="submit" name="confirm" value="1">
</form>
<p role="alert" class="message message-error">Det gick <em>inte</em>.</p>
"""


def test_a_form_submits_what_a_browser_would():
    forms = parse_forms(PAGE)
    form = find_form(forms, "")
    assert form is not None
    assert form.values() == {
        "csrfmiddlewaretoken": ["tok"],
        "value": ["2"],
        "many": ["0", "2"],
        "text": ["Första raden & åäö"],  # the newline after <textarea> is not content
        "activity": [""],
        "room": ["4"],
    }
    assert form.buttons == [("confirm", "1")]
    assert form.choices("value") == ("radio", ["1", "2"])
    assert form.choices("many") == ("checkbox", ["0", "1", "2"])
    assert form.choices("text") == ("", [])


def test_an_empty_action_does_not_match_a_form_without_htmx():
    """The language switch precedes the login form: `find_form(forms, "")` must be the
    form that posts to its own page, not the first form without an hx-post."""
    forms = parse_forms(PAGE)
    assert find_form(forms, "") is forms[1]
    assert find_form(forms, "/accounts/language/") is forms[0]
    assert forms_under(forms, "/accounts/") == [forms[0]]


def test_error_messages_are_read_without_markup():
    assert error_messages(PAGE) == ["Det gick inte."]
    assert error_messages("<p class='message message-success'>Sparat</p>") == []


@pytest.mark.django_db
def test_the_login_form_is_the_one_with_the_username(client, employee):
    form = find_form(parse_forms(client.get("/accounts/login/").content.decode()), "")
    assert form is not None
    assert form.has("username")
    assert form.has("password")


@pytest.mark.django_db
def test_the_prepare_page_offers_each_answer_form_with_its_revision(client, employee):
    talk = booked_talk(employee)
    client.force_login(employee.user)
    html = client.get(reverse("talks:talk_prepare", args=[talk.pk])).content.decode()
    answers = [
        f
        for f in forms_under(parse_forms(html), f"/talks/{talk.pk}/answers/")
        if re.fullmatch(r".*/answers/\d+/", f.action)
    ]
    assert answers
    form = answers[0]
    assert form.first("revision") == "0"
    pairs = [(k, v) for k, vs in form.values().items() for v in vs if k != "text"]
    response = client.post(
        form.action,
        urlencode([*pairs, ("text", "Mitt svar")]),
        content_type="application/x-www-form-urlencoded",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'name="revision" value="1"' in response.content.decode()


@pytest.mark.django_db
def test_the_agree_form_read_from_the_record_page_agrees_to_that_version(client, employee, manager):
    talk = booked_talk(employee, days_ahead=-1)
    services.talk_mark_held(talk=talk, actor=manager.user, revision=talk.revision)
    record = Record.objects.get(talk=talk)
    record.talk = Talk.objects.get(pk=talk.pk)
    rec.record_send(record=record, actor=manager.user, revision=record.revision)
    client.force_login(employee.user)
    html = client.get(reverse("talks:talk_record", args=[talk.pk])).content.decode()
    agree = find_form(parse_forms(html), f"/talks/{talk.pk}/record/agree/")
    assert agree is not None
    assert agree.first("version") == "1"
    assert re.fullmatch(r"[0-9a-f]{64}", agree.first("content_hash"))
    pairs = [(k, v) for k, vs in agree.values().items() for v in vs]
    response = client.post(
        agree.action, urlencode(pairs), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/talks/{talk.pk}/record/"
    assert Agreement.objects.filter(version__record=record, party="employee").exists()
