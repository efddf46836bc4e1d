"""The blank template as Word and PDF: every question in the requested language and none in the
other, and the download views (content type, file name, who may download)."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from samtal.talk_templates import export, services
from samtal.talk_templates.builtin import default_template_install
from samtal.talk_templates.models import Question, TemplateVersion
from samtal.talk_templates.tests.factories import make_draft

pytestmark = pytest.mark.django_db

LANGUAGES = ["sv", "en"]
OTHER = {"sv": "en", "en": "sv"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The PDF's text layer may wrap a question anywhere; a prefix this long still tells any two
# questions apart.
PREFIX = 40


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def docx_text(content: bytes) -> str:
    """Every paragraph and every table cell of a Word file, one per line."""
    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return collapse(" ".join(page.extract_text() or "" for page in reader.pages))


def question_texts(version: TemplateVersion, language: str) -> list[str]:
    return list(
        Question.objects.filter(section__version=version)
        .order_by("section__position", "position")
        .values_list(f"text_{language}", flat=True)
    )


@pytest.fixture(params=["default", "make_draft"])
def version(request, db) -> TemplateVersion:
    if request.param == "default":
        return default_template_install()
    return make_draft()


@pytest.mark.parametrize("language", LANGUAGES)
def test_docx_has_every_question_in_the_language_and_none_in_the_other(version, language):
    text = docx_text(export.version_docx(version, language=language))
    questions = question_texts(version, language)
    assert questions
    missing = [q for q in questions if q not in text]
    assert missing == []
    leaked = [q for q in question_texts(version, OTHER[language]) if q in text]
    assert leaked == []
    assert getattr(version.template, f"name_{language}") in text


def test_docx_in_both_languages_has_the_same_structure(version):
    documents = {
        language: Document(io.BytesIO(export.version_docx(version, language=language)))
        for language in LANGUAGES
    }
    assert len(documents["sv"].paragraphs) == len(documents["en"].paragraphs)
    assert len(documents["sv"].tables) == len(documents["en"].tables)
    assert documents["en"].core_properties.language == "en"
    assert documents["sv"].core_properties.language == "sv"


def test_docx_shows_each_answer_type(db):
    version = make_draft()
    text = docx_text(export.version_docx(version, language="en"))
    assert "Too high" in text  # scale labels
    assert "About right" in text
    assert "☐ 3" in text
    assert "☐ Yes" in text  # the choice options ...
    assert "☐ No" in text
    assert "Version 1 of the template." in text
    sv = docx_text(export.version_docx(version, language="sv"))
    assert "För hög" in sv
    assert "Too high" not in sv


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_has_every_question_in_the_language_and_none_in_the_other(version, language):
    content = export.version_pdf(version, language=language)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    questions = [collapse(q) for q in question_texts(version, language)]
    missing = [q for q in questions if q[:PREFIX] not in text]
    assert missing == []
    # Short questions must be there whole; long ones at least by their prefix (above).
    assert [q for q in questions if len(q) <= 60 and q not in text] == []
    leaked = [q for q in question_texts(version, OTHER[language]) if collapse(q)[:PREFIX] in text]
    assert leaked == []


def test_pdf_shows_the_scale_labels_in_the_language(db):
    version = make_draft()
    english = pdf_text(export.version_pdf(version, language="en"))
    assert "Too high" in english
    assert "För hög" not in english
    swedish = pdf_text(export.version_pdf(version, language="sv"))
    assert "För hög" in swedish
    assert "Too high" not in swedish


# --- the download views -----------------------------------------------------------------


def export_url(version: TemplateVersion, fmt: str, lang: str | None = None) -> str:
    target = reverse("talk_templates:version_export", args=[version.pk, fmt])
    return target if lang is None else f"{target}?lang={lang}"


@pytest.fixture
def published(hr) -> TemplateVersion:
    version = make_draft(key="arlig")
    return services.version_publish(actor=hr.user, version=version)


@pytest.mark.parametrize(("fmt", "content_type"), [("docx", DOCX), ("pdf", "application/pdf")])
@pytest.mark.parametrize("language", LANGUAGES)
def test_export_view_for_an_employee(login, employee, published, fmt, content_type, language):
    response = login(employee).get(export_url(published, fmt, language))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="arlig-v1-{language}.{fmt}"'
    content = response.content
    text = docx_text(content) if fmt == "docx" else pdf_text(content)
    expected = {"sv": "Fråga tasks?", "en": "Question tasks?"}
    assert expected[language] in text
    assert expected[OTHER[language]] not in text


def test_export_view_defaults_to_swedish(login, employee, published):
    response = login(employee).get(export_url(published, "docx"))
    assert response["Content-Disposition"] == 'attachment; filename="arlig-v1-sv.docx"'
    assert "Fråga tasks?" in docx_text(response.content)


@pytest.mark.parametrize("lang", ["de", "", "EN", "sv%00"])
def test_export_view_refuses_an_unknown_language(login, employee, published, lang):
    response = login(employee).get(export_url(published, "pdf", lang))
    assert response.status_code == 400


def test_export_of_an_unknown_format_is_404(login, hr, published):
    client = login(hr)
    target = export_url(published, "pdf").replace("export.pdf", "export.odt")
    assert client.get(target).status_code == 404


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("who", ["employee", "manager", "safety_rep"])
def test_export_of_a_draft_is_404_for_others(request, login, who, fmt):
    draft = make_draft()
    response = login(request.getfixturevalue(who)).get(export_url(draft, fmt, "sv"))
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_export_of_a_draft_for_hr(login, hr, fmt):
    draft = make_draft(key="utkast")
    response = login(hr).get(export_url(draft, fmt, "en"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="utkast-v1-en.{fmt}"'


def test_export_of_a_retired_version_is_404_for_an_employee(login, hr, employee, published):
    services.version_retire(actor=hr.user, version=published)
    assert login(employee).get(export_url(published, "pdf", "sv")).status_code == 404


def test_export_for_anonymous_goes_to_log_in(client, published):
    response = client.get(export_url(published, "docx", "sv"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
