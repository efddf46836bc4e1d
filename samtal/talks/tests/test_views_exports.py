"""Downloads of the agreed record and the salary talk basis: the two parties only, an agreed
version only, and the response's type and file name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from samtal.organisation.models import Person
from samtal.organisation.tests.factories import PersonFactory
from samtal.talks.content_selectors import record_of
from samtal.talks.tests.test_record_export import (
    agree,
    agreed_talk,
    agreed_version,
    docx_text,
    held_talk,
    pdf_text,
    send,
    write_record,
)

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def record_url(talk, number: int, fmt: str, lang: str | None = None) -> str:
    target = reverse("talks:record_export", args=[talk.pk, number, fmt])
    return f"{target}?lang={lang}" if lang else target


def basis_url(talk, lang: str | None = None) -> str:
    target = reverse("talks:salary_basis_pdf", args=[talk.pk])
    return f"{target}?lang={lang}" if lang else target


@pytest.fixture
def talk(employee):
    return agreed_talk(employee, salary_flagged=True)


@pytest.fixture
def next_manager(employee, dept):
    """The employee's new manager after the talk (reads agreed records on the page only)."""
    person = PersonFactory(unit=dept, first_name="Nils", last_name="Nästa")
    Person.objects.filter(pk=employee.pk).update(manager=person)
    return person


@pytest.mark.parametrize(("fmt", "content_type"), [("pdf", "application/pdf"), ("docx", DOCX)])
@pytest.mark.parametrize("who", ["employee", "manager"])
def test_the_parties_download_the_record(request, login, talk, who, fmt, content_type):
    response = login(request.getfixturevalue(who)).get(record_url(talk, 1, fmt, "en"))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    held_on = agreed_version(talk).content["held_on"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="record-erik-medarbetare-{held_on}-v1-en.{fmt}"'
    )
    text = pdf_text(response.content) if fmt == "pdf" else docx_text(response.content)
    assert "Question workload?" in text


def test_the_language_defaults_to_the_users(login, client, employee, talk):
    client.cookies["samtal_language"] = "en"
    response = login(employee).get(record_url(talk, 1, "docx"))
    assert response["Content-Disposition"].endswith('-v1-en.docx"')
    assert "Question workload?" in docx_text(response.content)
    client.cookies["samtal_language"] = "sv"
    response = client.get(record_url(talk, 1, "docx"))
    assert response["Content-Disposition"].endswith('-v1-sv.docx"')
    assert "Fråga workload?" in docx_text(response.content)


@pytest.mark.parametrize("lang", ["de", "EN", "sv%00"])
def test_an_unknown_language_is_refused(login, employee, talk, lang):
    assert login(employee).get(record_url(talk, 1, "pdf", lang)).status_code == 400
    assert login(employee).get(basis_url(talk, lang)).status_code == 400


@pytest.mark.parametrize(
    "who", ["hr", "admin_user", "next_manager", "other_manager", "colleague", "safety_rep"]
)
def test_nobody_else_downloads_anything(request, login, settings, talk, who):
    from samtal.core.models import OrgPolicy

    # Even where HR may read records on the page, the downloads are for the parties only.
    policy = OrgPolicy.current()
    policy.hr_may_read_records = True
    policy.save()
    client = login(request.getfixturevalue(who))
    for fmt in ("pdf", "docx"):
        assert client.get(record_url(talk, 1, fmt, "sv")).status_code == 404
    assert client.get(basis_url(talk, "sv")).status_code == 404


def test_anonymous_goes_to_log_in(client, talk):
    response = client.get(record_url(talk, 1, "pdf"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_version_not_agreed_by_both_is_404(login, employee, manager, fmt):
    talk = held_talk(employee)
    write_record(talk)
    version = send(talk)
    agree(talk, version, employee)
    for who in (employee, manager):
        assert login(who).get(record_url(talk, version.number, fmt, "en")).status_code == 404
        assert login(who).get(basis_url(talk, "en")).status_code == 404


def test_an_unknown_version_or_format_is_404(login, employee, talk):
    client = login(employee)
    assert client.get(record_url(talk, 2, "pdf", "en")).status_code == 404
    assert client.get(record_url(talk, 1, "odt", "en")).status_code == 404
    assert client.get(record_url(talk, 1, "PDF", "en")).status_code == 404


def test_an_earlier_agreed_version_stays_downloadable_but_not_a_voided_one(
    login, employee, manager, talk
):
    from samtal.talks import record

    current = record_of(talk)
    assert current is not None
    record.record_correct(record=current, actor=manager.user, revision=current.revision)
    current.refresh_from_db()
    entry = current.entries.get(question__key="workload")
    record.record_entry_save(
        record=current,
        actor=manager.user,
        question=entry.question,
        text="Corrected.",
        value=2,
        revision=entry.revision,
    )
    second = send(talk)
    agree(talk, second, employee)  # only one party: version 2 is not agreed
    client = login(employee)
    assert client.get(record_url(talk, 1, "pdf", "en")).status_code == 200
    assert client.get(record_url(talk, 2, "pdf", "en")).status_code == 404
    # The basis comes from the last version both agreed to.
    assert "Too many courses this autumn." in pdf_text(client.get(basis_url(talk, "en")).content)
    agree(talk, second, manager)
    assert client.get(record_url(talk, 2, "docx", "en")).status_code == 200
    assert "Corrected." in pdf_text(client.get(basis_url(talk, "en")).content)


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_the_parties_download_the_salary_basis(request, login, talk, who):
    response = login(request.getfixturevalue(who)).get(basis_url(talk, "en"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    held_on = agreed_version(talk).content["held_on"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="salary-talk-basis-erik-medarbetare-{held_on}-v1-en.pdf"'
    )
    text = pdf_text(response.content)
    assert "Basis for the salary talk" in text
    assert "Question development?" not in text


def test_a_post_is_refused(login, employee, talk):
    assert login(employee).post(record_url(talk, 1, "pdf")).status_code == 405
