"""The admin's work-environment settings: the routine and the risk matrix (a table of labelled
choices), the contacts; everyone else refused, bad input answered at the field with nothing
changed, a stale form told and shown what is saved, and a page whose queries do not grow with
the contacts."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from samtal.core.models import HistoryEntry
from samtal.workenv.models import DEFAULT_RISK_MATRIX, SupportContact, WorkenvPolicy

pytestmark = pytest.mark.django_db

SETTINGS = reverse("workenv:settings")
ADD = reverse("workenv:contact_add")
NOT_ADMIN = ["employee", "manager", "hr", "safety_rep"]


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["samtal_language"] = "en"


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def policy_data(**extra: Any) -> dict[str, Any]:
    policy = WorkenvPolicy.current()
    data: dict[str, Any] = {
        "routine_sv": "Vänd dig till HR.",
        "routine_en": "Turn to HR.",
        "revision": policy.revision,
    }
    for li in range(1, 5):
        for co in range(1, 5):
            data[f"cell_{li}_{co}"] = policy.risk_level(li, co)
    data.update(extra)
    return data


def contact(position: int = 0, **extra: Any) -> SupportContact:
    fields: dict[str, Any] = {
        "name_sv": f"Företagshälsovården {position}",
        "name_en": f"Occupational health {position}",
        "details_sv": "Ring 090-100",
        "details_en": "Call 090-100",
        "url": "https://example.se/halsa",
        "position": position,
    }
    fields.update(extra)
    return SupportContact.objects.create(**fields)


def contact_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name_sv": "Skyddsombudet",
        "name_en": "The safety representative",
        "details_sv": "",
        "details_en": "",
        "url": "mailto:skydd@example.se",
        "position": 2,
    }
    data.update(extra)
    return data


def snapshot() -> list[Any]:
    return [
        list(WorkenvPolicy.objects.values()),
        list(SupportContact.objects.order_by("pk").values()),
        HistoryEntry.objects.count(),
    ]


# --- who may --------------------------------------------------------------------------------


def all_urls(item: SupportContact) -> list[tuple[str, str]]:
    return [
        ("get", SETTINGS),
        ("post", SETTINGS),
        ("get", ADD),
        ("post", ADD),
        ("get", reverse("workenv:contact_edit", args=[item.pk])),
        ("post", reverse("workenv:contact_edit", args=[item.pk])),
        ("post", reverse("workenv:contact_delete", args=[item.pk])),
    ]


def test_anonymous_goes_to_log_in(client):
    item = contact()
    for method, url in all_urls(item):
        response = getattr(client, method)(url, contact_data())
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]
    assert SupportContact.objects.get(pk=item.pk).name_en == item.name_en


@pytest.mark.parametrize("who", NOT_ADMIN)
def test_everyone_but_the_admin_is_refused(request, login, who):
    item = contact()
    WorkenvPolicy.current()
    before = snapshot()
    client = login(request.getfixturevalue(who))
    for method, url in all_urls(item):
        data = policy_data() if url == SETTINGS else contact_data()
        assert getattr(client, method)(url, data).status_code == 403, url
    # Not even whether a contact exists is told.
    assert client.get(reverse("workenv:contact_edit", args=[9999])).status_code == 403
    assert snapshot() == before


def test_changes_are_post_only_with_csrf(login, admin_user):
    item = contact()
    client = login(admin_user)
    assert client.get(reverse("workenv:contact_delete", args=[item.pk])).status_code == 405
    assert client.put(SETTINGS).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    assert strict.post(SETTINGS, policy_data()).status_code == 403
    assert strict.post(reverse("workenv:contact_delete", args=[item.pk])).status_code == 403
    assert SupportContact.objects.filter(pk=item.pk).exists()


# --- the routine and the matrix -------------------------------------------------------------


def test_the_admin_sees_the_routine_the_matrix_and_the_contacts(login, admin_user):
    contact(1, name_en="HR office")
    response = login(admin_user).get(SETTINGS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Work-environment settings</h1>" in page
    assert escape(WorkenvPolicy.DEFAULT_ROUTINE_EN) in page
    assert "<caption>Risk level by likelihood and consequence</caption>" in page
    assert '<th scope="col">4 – Very serious</th>' in page
    assert '<th scope="row">3 – Likely</th>' in page
    # Every cell has its own label, and shows the saved level.
    for li in range(1, 5):
        for co in range(1, 5):
            assert f'<label for="id_cell_{li}_{co}" class="visually-hidden">Likelihood ' in page
            assert f'<select name="cell_{li}_{co}"' in page
    assert (
        '<label for="id_cell_2_4" class="visually-hidden">Likelihood 2 – Possible, '
        "consequence 4 – Very serious</label>" in page
    )
    form = response.context["form"]
    assert form["cell_2_4"].value() == DEFAULT_RISK_MATRIX[1][3] == "high"
    assert form["cell_1_1"].value() == "low"
    assert "HR office" in page
    assert reverse("workenv:contact_add") in page


def test_the_admin_saves_the_routine_and_the_matrix(login, admin_user):
    data = policy_data(cell_1_1="medium", cell_4_4="medium", routine_en="  Call HR.  ")
    response = login(admin_user).post(SETTINGS, data)
    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    assert messages_of(response) == [
        "The settings are saved. Risks already assessed keep the level they were given."
    ]
    policy = WorkenvPolicy.current()
    assert policy.routine_en == "Call HR."
    assert policy.risk_level(1, 1) == "medium"
    assert policy.risk_level(4, 4) == "medium"
    assert policy.risk_level(2, 4) == "high"
    assert HistoryEntry.objects.filter(action="workenv_policy_changed").count() == 1


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"routine_sv": ""}, "routine_sv", "This field is required."),
        ({"routine_en": "   "}, "routine_en", "This field is required."),
        ({"cell_3_2": "extreme"}, "cell_3_2", "Select a valid choice."),
        ({"routine_en": "a\x00b"}, "routine_en", "Null characters are not allowed."),
    ],
)
def test_bad_settings_are_answered_at_the_field(login, admin_user, extra, field, message):
    data = policy_data(**extra)
    before = snapshot()
    response = login(admin_user).post(SETTINGS, data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert snapshot() == before


def test_a_stale_form_is_told_and_shows_the_saved_settings(login, admin_user):
    stale = policy_data()
    client = login(admin_user)
    client.post(SETTINGS, policy_data(routine_en="Theirs.", cell_1_1="high"))
    response = client.post(SETTINGS, {**stale, "routine_en": "Mine."})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Not saved: someone else changed the settings" in page
    assert "Theirs." in page
    assert "<caption>The risk matrix as it is saved now</caption>" in page
    assert WorkenvPolicy.current().routine_en == "Theirs."
    # The form keeps "Mine." with the current revision: saving again replaces theirs.
    form = response.context["form"]
    assert form["routine_en"].value() == "Mine."
    again = client.post(
        SETTINGS, {**stale, "routine_en": "Mine.", "revision": form["revision"].value()}
    )
    assert again.status_code == 302
    assert WorkenvPolicy.current().routine_en == "Mine."


def test_a_form_without_its_revision_is_treated_as_stale(login, admin_user):
    data = policy_data()
    del data["revision"]
    response = login(admin_user).post(SETTINGS, data)
    assert response.status_code == 409
    assert WorkenvPolicy.current().routine_en == WorkenvPolicy.DEFAULT_ROUTINE_EN


# --- contacts -------------------------------------------------------------------------------


def test_the_admin_adds_a_contact(login, admin_user):
    client = login(admin_user)
    form_page = client.get(ADD)
    assert form_page.status_code == 200
    assert "<h1>Add a contact</h1>" in form_page.content.decode()
    response = client.post(ADD, contact_data())
    saved = SupportContact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{SETTINGS}#contact-{saved.pk}"
    assert messages_of(response) == ["The contact The safety representative is saved."]
    assert (saved.name_sv, saved.url, saved.position) == (
        "Skyddsombudet",
        "mailto:skydd@example.se",
        2,
    )
    page = client.get(SETTINGS).content.decode()
    assert f'id="contact-{saved.pk}"' in page
    assert '<a href="mailto:skydd@example.se">' in page


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"name_sv": ""}, "name_sv", "This field is required."),
        ({"url": "javascript:alert(1)"}, "url", "A link starts with https://"),
        ({"position": "-1"}, "position", "greater than or equal to 0"),
        ({"details_en": "x" * 2001}, "details_en", "at most 2000"),
    ],
)
def test_a_bad_contact_is_answered_at_the_field(login, admin_user, extra, field, message):
    response = login(admin_user).post(ADD, contact_data(**extra))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not SupportContact.objects.exists()


def test_the_admin_changes_a_contact(login, admin_user):
    item = contact(1)
    url = reverse("workenv:contact_edit", args=[item.pk])
    client = login(admin_user)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["name_en"].value() == "Occupational health 1"
    assert "<h1>Change the contact</h1>" in page.content.decode()
    response = client.post(url, contact_data(name_en="Safety rep"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name_en == "Safety rep"
    bad = client.post(url, contact_data(url="ftp://example.se"))
    assert bad.status_code == 400
    item.refresh_from_db()
    assert item.url == "mailto:skydd@example.se"


def test_an_unknown_contact_is_404_for_the_admin(login, admin_user):
    client = login(admin_user)
    assert client.get(reverse("workenv:contact_edit", args=[9999])).status_code == 404
    assert client.post(reverse("workenv:contact_delete", args=[9999])).status_code == 404


def test_the_admin_removes_a_contact(login, admin_user):
    item = contact(1)
    kept = contact(2)
    response = login(admin_user).post(reverse("workenv:contact_delete", args=[item.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{SETTINGS}#contacts"
    assert messages_of(response) == ["The contact Occupational health 1 is removed."]
    assert list(SupportContact.objects.all()) == [kept]


def test_no_contacts_yet(login, admin_user):
    page = login(admin_user).get(SETTINGS).content.decode()
    assert "No contacts yet." in page


def test_the_queries_do_not_grow_with_the_contacts(login, admin_user):
    client = login(admin_user)
    WorkenvPolicy.current()

    def count(contacts: int) -> int:
        SupportContact.objects.all().delete()
        for n in range(contacts):
            contact(n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(SETTINGS).status_code == 200
        return len(queries)

    assert count(2) == count(20)
