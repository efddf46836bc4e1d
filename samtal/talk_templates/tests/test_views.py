"""The template pages: who may see and change what, every change through its own POST, bad
input refused with a message, published versions frozen, edit conflicts, preview options and
a query count that does not grow with the template."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.organisation.tests.factories import PersonFactory
from samtal.talk_templates import services
from samtal.talk_templates.models import (
    Question,
    Section,
    TalkTemplate,
    TemplateVersion,
    VersionStatus,
)
from samtal.talk_templates.tests.factories import make_draft, make_question, make_section

pytestmark = pytest.mark.django_db

REFUSED_ROLES = ["employee", "manager", "safety_rep", "dept_hr"]
EDITORS = ["hr", "admin_user"]

# What each URL name needs: the version, its section, and its question.
ARGS = {
    "template_list": "",
    "template_create": "",
    "version_detail": "v",
    "template_update": "v",
    "version_publish": "v",
    "version_retire": "v",
    "version_new_draft": "v",
    "version_discard": "v",
    "version_preview": "v",
    "section_add": "v",
    "section_edit": "vs",
    "section_delete": "vs",
    "section_move": "vs",
    "question_add": "vs",
    "question_edit": "vsq",
    "question_delete": "vsq",
    "question_move": "vsq",
}
POST_ONLY = [
    "template_update",
    "version_publish",
    "version_retire",
    "version_new_draft",
    "version_discard",
    "section_delete",
    "section_move",
    "question_delete",
    "question_move",
]
FORM_PAGES = ["template_create", "section_add", "section_edit", "question_add", "question_edit"]
EDITING = POST_ONLY + FORM_PAGES


def url(name: str, version=None, section=None, question=None) -> str:
    objects = {"v": version, "s": section, "q": question}
    return reverse(f"talk_templates:{name}", args=[objects[c].pk for c in ARGS[name]])


def export_url(version, fmt: str, lang: str = "sv") -> str:
    return reverse("talk_templates:version_export", args=[version.pk, fmt]) + f"?lang={lang}"


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def snapshot(template_id: int) -> tuple[list, ...]:
    """Every row of a template, its versions, sections and questions."""
    return (
        list(TalkTemplate.objects.filter(pk=template_id).values()),
        list(TemplateVersion.objects.filter(template_id=template_id).order_by("pk").values()),
        list(Section.objects.filter(version__template_id=template_id).order_by("pk").values()),
        list(
            Question.objects.filter(section__version__template_id=template_id)
            .order_by("pk")
            .values()
        ),
    )


@pytest.fixture
def dept_hr(dept):
    """HR for one department only: may not edit organisation-wide templates."""
    person = PersonFactory(unit=dept, first_name="Disa", last_name="Delhr")
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


@pytest.fixture
def english(client):
    client.cookies["samtal_language"] = "en"
    return client


@pytest.fixture
def draft(db):
    return make_draft()


@pytest.fixture
def published(hr):
    version = make_draft()
    return services.version_publish(actor=hr.user, version=version)


def parts(version):
    """The version, its work-environment section and that section's question."""
    section = version.sections.get(key="work_environment")
    return version, section, section.questions.get()


def section_order(version) -> list[str]:
    return list(version.sections.order_by("position").values_list("key", flat=True))


def question_order(section) -> list[str]:
    return list(section.questions.order_by("position").values_list("key", flat=True))


def section_data(**overrides) -> dict:
    data = {
        "title_sv": "Kompetens",
        "title_en": "Competence",
        "guidance_sv": "",
        "guidance_en": "",
        "phase": "talk",
        "audience": "all",
        "key": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def question_data(**overrides) -> dict:
    data = {
        "text_sv": "Vad vill du lära dig?",
        "text_en": "What do you want to learn?",
        "help_sv": "",
        "help_en": "",
        "question_type": "text",
        "answered_by": "record",
        "scale_low_sv": "",
        "scale_low_en": "",
        "scale_high_sv": "",
        "scale_high_en": "",
        "choices_sv": "",
        "choices_en": "",
        "key": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def template_data(version, **overrides) -> dict:
    template = version.template
    data = {
        "name_sv": template.name_sv,
        "name_en": template.name_en,
        "description_sv": template.description_sv,
        "description_en": template.description_en,
        "revision": template.revision,
    }
    data.update(overrides)
    return data


# --- who may come in --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ARGS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_log_in(client, draft, name, method):
    before = snapshot(draft.template_id)
    response = getattr(client, method)(url(name, *parts(draft)), {"direction": "up"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert snapshot(draft.template_id) == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_urls_answer_405_to_get(login, hr, draft, name):
    before = snapshot(draft.template_id)
    assert login(hr).get(url(name, *parts(draft))).status_code == 405
    assert snapshot(draft.template_id) == before


@pytest.mark.parametrize("name", ["template_list", "version_detail", "version_preview"])
def test_read_only_urls_answer_405_to_post(login, hr, draft, name):
    assert login(hr).post(url(name, *parts(draft))).status_code == 405


def test_export_answers_405_to_post(login, hr, draft):
    assert login(hr).post(export_url(draft, "pdf")).status_code == 405


@pytest.mark.parametrize("who", REFUSED_ROLES)
@pytest.mark.parametrize("name", EDITING)
def test_editing_is_refused_to_everyone_but_org_wide_hr(request, login, who, draft, name):
    client = login(request.getfixturevalue(who))
    target = url(name, *parts(draft))
    before = snapshot(draft.template_id)
    if name in FORM_PAGES:
        assert client.get(target).status_code == 403
    assert client.post(target, {"direction": "up", **question_data()}).status_code == 403
    assert snapshot(draft.template_id) == before


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_others_do_not_see_drafts(request, login, who, draft):
    client = login(request.getfixturevalue(who))
    for target in (
        url("version_detail", draft),
        url("version_preview", draft),
        export_url(draft, "docx"),
        export_url(draft, "pdf"),
    ):
        assert client.get(target).status_code == 404, target


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_others_do_not_see_retired_versions(request, login, hr, who, published):
    retired = services.version_retire(actor=hr.user, version=published)
    client = login(request.getfixturevalue(who))
    assert client.get(url("version_detail", retired)).status_code == 404
    assert client.get(url("version_preview", retired)).status_code == 404


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_everyone_sees_a_published_version_read_only(request, login, who, published):
    client = login(request.getfixturevalue(who))
    response = client.get(url("version_detail", published))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fråga workload?" in html
    assert url("version_new_draft", published) not in html
    assert url("version_retire", published) not in html
    assert "history" not in response.context
    assert client.get(url("version_preview", published)).status_code == 200


@pytest.mark.parametrize("who", REFUSED_ROLES)
def test_template_list_shows_others_only_published_versions(request, login, who, published):
    services.version_new_draft(actor=None, version=published)
    draft_only = make_draft()
    response = login(request.getfixturevalue(who)).get(url("template_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert url("version_detail", published) in html
    assert url("version_detail", draft_only) not in html
    assert url("template_create") not in html


def test_csrf_is_enforced_on_every_change(hr, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr.user)
    before = snapshot(draft.template_id)
    for name in EDITING:
        response = client.post(url(name, *parts(draft)), {"direction": "up", **question_data()})
        assert response.status_code == 403, name
        assert "CSRF" in response.content.decode(), name
    assert snapshot(draft.template_id) == before
    # With the token from the page, the same client may change things.
    page = client.get(url("version_detail", draft))
    token = page.cookies["csrftoken"].value
    response = client.post(
        url("section_move", *parts(draft)), {"direction": "up", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- success paths ----------------------------------------------------------------------


@pytest.mark.parametrize("who", EDITORS)
def test_template_list_for_editors(request, login, who, published):
    draft = services.version_new_draft(actor=None, version=published)
    response = login(request.getfixturevalue(who)).get(url("template_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert url("template_create") in html
    assert url("version_detail", draft) in html
    assert url("version_detail", published) in html
    assert f"{url('template_create')}?copy={published.pk}" in html


def test_template_create(login, hr):
    client = login(hr)
    assert client.get(url("template_create")).status_code == 200
    response = client.post(
        url("template_create"),
        {"key": "forskare", "name_sv": "Forskarmall", "name_en": "Researcher template"},
    )
    version = TemplateVersion.objects.get(template__key="forskare")
    assert response.status_code == 302
    assert response["Location"] == url("version_detail", version)
    assert (version.number, version.status, version.created_by) == (1, "draft", hr.user)
    assert version.template.name_en == "Researcher template"
    assert not version.sections.exists()
    assert messages_of(response)[0][0] == "success"


def test_template_create_as_copy(login, hr, published):
    client = login(hr)
    page = client.get(url("template_create") + f"?copy={published.pk}")
    assert page.status_code == 200
    assert f'name="copy" value="{published.pk}"' in page.content.decode()
    response = client.post(
        url("template_create"),
        {"copy": published.pk, "key": "kopia", "name_sv": "Kopia", "name_en": "Copy"},
    )
    copy = TemplateVersion.objects.get(template__key="kopia")
    assert response["Location"] == url("version_detail", copy)
    assert copy.based_on == published
    assert list(copy.sections.values_list("key", flat=True)) == list(
        published.sections.values_list("key", flat=True)
    )
    assert Question.objects.filter(section__version=copy).count() == 5


@pytest.mark.parametrize("copy", ["abc", "999999"])
def test_template_create_copy_of_unknown_version_is_404(login, hr, copy):
    assert login(hr).get(url("template_create") + f"?copy={copy}").status_code == 404


def test_version_detail_of_a_draft_for_hr(login, hr, draft):
    response = login(hr).get(url("version_detail", draft))
    assert response.status_code == 200
    assert response.context["editable"] is True
    assert response.context["problems"] == []
    html = response.content.decode()
    for name in ("version_publish", "version_discard", "section_add", "template_update"):
        assert url(name, draft) in html
    _version, section, question = parts(draft)
    assert url("section_edit", draft, section) in html
    assert url("question_edit", draft, section, question) in html


def test_version_detail_of_a_published_version_for_hr(login, hr, published):
    response = login(hr).get(url("version_detail", published))
    assert response.status_code == 200
    assert response.context["editable"] is False
    html = response.content.decode()
    assert url("version_new_draft", published) in html
    assert url("version_retire", published) in html
    assert url("section_add", published) not in html
    assert url("version_publish", published) not in html


def test_template_update(login, english, hr, draft):
    response = login(hr).post(
        url("template_update", draft),
        template_data(draft, name_sv="Ny mall", name_en="New template"),
    )
    assert response.status_code == 302
    draft.template.refresh_from_db()
    assert (draft.template.name_sv, draft.template.name_en) == ("Ny mall", "New template")
    assert draft.template.revision == 2
    assert messages_of(response) == [("success", "The template's name and description were saved.")]


def test_section_add(login, hr, draft):
    client = login(hr)
    page = client.get(url("section_add", draft))
    assert page.status_code == 200
    response = client.post(url("section_add", draft), section_data(career_stages=None))
    section = draft.sections.get(key="competence")
    assert response.status_code == 302
    assert response["Location"] == url("version_detail", draft) + f"#section-{section.pk}"
    assert (section.title_sv, section.position) == ("Kompetens", 5)


def test_section_add_for_researchers_with_stages(login, hr, draft):
    login(hr).post(
        url("section_add", draft),
        section_data(audience="researchers", career_stages=["R1", "R2"], mandatory="on"),
    )
    section = draft.sections.get(key="competence")
    assert (section.audience, section.career_stages, section.mandatory) == (
        "researchers",
        ["R1", "R2"],
        True,
    )


def test_section_edit(login, hr, draft):
    version, section, _question = parts(draft)
    client = login(hr)
    page = client.get(url("section_edit", version, section))
    assert page.status_code == 200
    assert page.context["form"]["revision"].value() == section.revision
    response = client.post(
        url("section_edit", version, section),
        section_data(title_sv="Arbetsmiljö", key="work_environment", mandatory="on", revision=1),
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert (section.title_sv, section.key, section.revision) == (
        "Arbetsmiljö",
        "work_environment",
        2,
    )


def test_section_delete(login, hr, draft):
    section = draft.sections.get(key="prep")
    response = login(hr).post(url("section_delete", draft, section))
    assert response.status_code == 302
    assert not draft.sections.filter(key="prep").exists()
    assert not Question.objects.filter(key__in=["tasks", "view"]).exists()


def test_section_move_up_and_down(login, hr, draft):
    client = login(hr)
    assert section_order(draft) == ["prep", "work_environment", "equal_conditions", "afterwards"]
    equal = draft.sections.get(key="equal_conditions")
    response = client.post(url("section_move", draft, equal), {"direction": "up"})
    assert response["Location"] == url("version_detail", draft) + f"#section-{equal.pk}"
    assert section_order(draft) == ["prep", "equal_conditions", "work_environment", "afterwards"]
    client.post(url("section_move", draft, equal), {"direction": "down"})
    client.post(url("section_move", draft, equal), {"direction": "down"})
    assert section_order(draft) == ["prep", "work_environment", "afterwards", "equal_conditions"]
    # At the end nothing moves; an unknown direction is refused.
    client.post(url("section_move", draft, equal), {"direction": "down"})
    assert section_order(draft) == ["prep", "work_environment", "afterwards", "equal_conditions"]
    assert client.post(url("section_move", draft, equal), {"direction": "left"}).status_code == 400
    assert section_order(draft) == ["prep", "work_environment", "afterwards", "equal_conditions"]


def test_question_move_up_and_down(login, hr, draft):
    client = login(hr)
    prep = draft.sections.get(key="prep")
    make_question(prep, "third")
    third = prep.questions.get(key="third")
    response = client.post(url("question_move", draft, prep, third), {"direction": "up"})
    assert response["Location"] == url("version_detail", draft) + f"#question-{third.pk}"
    assert question_order(prep) == ["tasks", "third", "view"]
    client.post(url("question_move", draft, prep, third), {"direction": "up"})
    assert question_order(prep) == ["third", "tasks", "view"]
    client.post(url("question_move", draft, prep, third), {"direction": "up"})
    assert question_order(prep) == ["third", "tasks", "view"]
    client.post(url("question_move", draft, prep, third), {"direction": "down"})
    assert question_order(prep) == ["tasks", "third", "view"]
    response = client.post(url("question_move", draft, prep, third), {"direction": ""})
    assert response.status_code == 400


def test_move_with_htmx_redirects_to_the_list(login, hr, draft):
    equal = draft.sections.get(key="equal_conditions")
    response = login(hr).post(
        url("section_move", draft, equal), {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 302
    assert equal.position - 1 == Section.objects.get(pk=equal.pk).position


def test_question_add(login, hr, draft):
    version, section, _question = parts(draft)
    client = login(hr)
    page = client.get(url("question_add", version, section))
    assert page.status_code == 200
    # Only the answerers that fit the section's phase are offered.
    assert [v for v, _label in page.context["form"].fields["answered_by"].choices if v] == [
        "record"
    ]
    response = client.post(
        url("question_add", version, section),
        question_data(
            question_type="multiple_choice",
            choices_sv="Buller\nLjus\n",
            choices_en="Noise\nLight",
            raises_observation="on",
        ),
    )
    question = section.questions.get(key="what_do_you_want_to_learn")
    assert response["Location"] == url("version_detail", version) + f"#question-{question.pk}"
    assert question.choices == [{"sv": "Buller", "en": "Noise"}, {"sv": "Ljus", "en": "Light"}]
    assert (question.position, question.raises_observation) == (2, True)


def test_question_edit(login, hr, draft):
    version, section, question = parts(draft)
    client = login(hr)
    page = client.get(url("question_edit", version, section, question))
    assert page.status_code == 200
    response = client.post(
        url("question_edit", version, section, question),
        question_data(
            text_sv="Hur är arbetsbelastningen?",
            question_type="scale",
            scale_low_sv="Låg",
            scale_low_en="Low",
            scale_high_sv="Hög",
            scale_high_en="High",
            key="workload",
            revision=question.revision,
        ),
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text_sv, question.key, question.scale_high_en, question.revision) == (
        "Hur är arbetsbelastningen?",
        "workload",
        "High",
        2,
    )


def test_question_edit_shows_the_options_one_per_line(login, hr, draft):
    section = draft.sections.get(key="equal_conditions")
    question = section.questions.get()
    form = login(hr).get(url("question_edit", draft, section, question)).context["form"]
    assert form["choices_sv"].value() == "Ja\nNej"
    assert form["choices_en"].value() == "Yes\nNo"


def test_question_delete(login, hr, draft):
    version, section, question = parts(draft)
    response = login(hr).post(url("question_delete", version, section, question))
    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_items_of_another_version_are_404(login, hr, draft):
    other = make_draft()
    _v, section, question = parts(other)
    client = login(hr)
    assert client.get(url("section_edit", draft, section)).status_code == 404
    assert client.get(url("question_edit", draft, section, question)).status_code == 404
    own_section = draft.sections.get(key="prep")
    assert client.get(url("question_edit", draft, own_section, question)).status_code == 404
    assert client.post(url("question_delete", draft, own_section, question)).status_code == 404
    assert Question.objects.filter(pk=question.pk).exists()


def test_publish(login, english, hr, draft):
    response = login(hr).post(url("version_publish", draft))
    assert response["Location"] == url("version_detail", draft)
    draft.refresh_from_db()
    assert (draft.status, draft.published_by) == (VersionStatus.PUBLISHED, hr.user)
    assert messages_of(response) == [("success", "Version 1 is published.")]


def test_publish_with_problems_shows_them_and_keeps_the_draft(login, english, hr, draft):
    Question.objects.filter(section__version=draft, key="tasks").update(text_en="")
    draft.sections.get(key="equal_conditions").delete()
    client = login(hr)
    page = client.get(url("version_detail", draft))
    assert len(page.context["problems"]) == 2
    assert "2 things must be fixed" in page.content.decode()
    before = snapshot(draft.template_id)
    response = client.post(url("version_publish", draft), follow=True)
    assert snapshot(draft.template_id) == before
    [(level, text)] = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert level == "error"
    assert text.startswith("The version was not published:")
    assert "“equal_conditions”" in text
    assert "the question text in English is missing" in text


def test_publish_twice_is_refused(login, english, hr, published):
    before = snapshot(published.template_id)
    response = login(hr).post(url("version_publish", published))
    assert response.status_code == 302
    assert messages_of(response) == [
        (
            "error",
            "The version was not published: A version that is “Published” cannot "
            "become “Published”.",
        )
    ]
    assert snapshot(published.template_id) == before


def test_publishing_a_new_version_retires_the_old(login, hr, published):
    client = login(hr)
    response = client.post(url("version_new_draft", published))
    draft = TemplateVersion.objects.get(template=published.template, status="draft")
    assert response["Location"] == url("version_detail", draft)
    assert draft.number == 2
    # A second "new draft" leads to the same draft.
    assert client.post(url("version_new_draft", published))["Location"] == url(
        "version_detail", draft
    )
    client.post(url("version_publish", draft))
    published.refresh_from_db()
    assert published.status == VersionStatus.RETIRED


def test_retire(login, english, hr, published):
    client = login(hr)
    response = client.post(url("version_retire", published))
    published.refresh_from_db()
    assert published.status == VersionStatus.RETIRED
    assert messages_of(response) == [("success", "Version 1 is retired.")]
    response = client.post(url("version_retire", published))
    assert messages_of(response)[-1][0] == "error"


def test_retire_a_draft_is_refused(login, hr, draft):
    response = login(hr).post(url("version_retire", draft))
    assert messages_of(response)[0][0] == "error"
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_discard_draft(login, hr, published):
    draft = services.version_new_draft(actor=hr.user, version=published)
    response = login(hr).post(url("version_discard", draft))
    assert response["Location"] == url("template_list")
    assert not TemplateVersion.objects.filter(pk=draft.pk).exists()
    assert TemplateVersion.objects.filter(pk=published.pk).exists()


def test_discard_the_only_version_is_refused(login, english, hr, draft):
    before = snapshot(draft.template_id)
    response = login(hr).post(url("version_discard", draft))
    assert response["Location"] == url("version_detail", draft)
    assert messages_of(response) == [
        ("error", "The only version of a template cannot be discarded.")
    ]
    assert snapshot(draft.template_id) == before


# --- a published version is frozen ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("template_update", {"name_sv": "Hackad", "name_en": "Hacked", "revision": 1}),
        ("section_add", section_data()),
        ("section_edit", section_data(title_sv="Hackad", key="work_environment", revision=1)),
        ("section_delete", {}),
        ("section_move", {"direction": "up"}),
        ("question_add", question_data()),
        ("question_edit", question_data(text_sv="Hackad", key="workload", revision=1)),
        ("question_delete", {}),
        ("question_move", {"direction": "up"}),
        ("version_discard", {}),
    ],
)
@pytest.mark.parametrize("who", EDITORS)
def test_crafted_posts_cannot_change_a_published_version(
    request, login, who, published, name, data
):
    before = snapshot(published.template_id)
    client = login(request.getfixturevalue(who))
    if name in FORM_PAGES:
        assert client.get(url(name, *parts(published))).status_code == 403
    response = client.post(url(name, *parts(published)), data)
    assert response.status_code == 403
    assert snapshot(published.template_id) == before


# --- bad input is refused and changes nothing -------------------------------------------

LONG = "x" * 501


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            question_data(text_sv="", text_en=""),
            "text_sv",
            "Write the question text in Swedish, English or both",
        ),
        (
            question_data(text_sv="   ", text_en="\t"),
            "text_sv",
            "Write the question text in Swedish, English or both",
        ),
        (question_data(text_sv=LONG), "text_sv", "at most 500 characters (it has 501)"),
        (question_data(text_en=LONG), "text_en", "at most 500 characters (it has 501)"),
        (question_data(help_sv="h" * 2001), "help_sv", "at most 2000 characters"),
        (
            question_data(question_type="scale", scale_low_sv="l" * 101),
            "scale_low_sv",
            "at most 100 characters",
        ),
        (question_data(key="k" * 61), "key", "at most 60 characters"),
        (question_data(key="not a key!"), "key", "Enter a valid “slug”"),
        (question_data(question_type="essay"), "question_type", "Select a valid choice"),
        (question_data(answered_by="boss"), "answered_by", "Select a valid choice"),
        (question_data(answered_by="employee_prep"), "answered_by", "Select a valid choice"),
        (
            question_data(question_type="single_choice"),
            "choices_sv",
            "A choice question needs at least two options.",
        ),
        (
            question_data(question_type="multiple_choice", choices_sv="Bara en", choices_en="One"),
            "choices_sv",
            "A choice question needs at least two options.",
        ),
        (
            question_data(question_type="single_choice", choices_sv="A\nB\nC", choices_en="A\nB"),
            "choices_en",
            "There are 3 Swedish and 2 English options; give the same number.",
        ),
        (
            question_data(question_type="single_choice", choices_sv="A\n" + "B" * 201),
            "choices_sv",
            "An option is longer than 200 characters.",
        ),
        (
            question_data(question_type="text", choices_sv="A\nB", choices_en="A\nB"),
            "choices_sv",
            "Only single and multiple choice questions have options.",
        ),
        (
            question_data(question_type="yes_no", choices_en="Maybe"),
            "choices_sv",
            "Only single and multiple choice questions have options.",
        ),
        (question_data(text_sv="Null\x00tecken"), "text_sv", "Null characters are not allowed."),
        (question_data(help_en="Null\x00"), "help_en", "Null characters are not allowed."),
        (
            question_data(question_type="single_choice", choices_sv="A\x00\nB", choices_en="A\nB"),
            "choices_sv",
            "Null characters are not allowed.",
        ),
    ],
)
def test_bad_question_is_refused_with_a_message(login, english, hr, draft, data, field, message):
    version, section, question = parts(draft)
    before = snapshot(draft.template_id)
    client = login(hr)
    add = client.post(url("question_add", version, section), data)
    edit = client.post(
        url("question_edit", version, section, question), {**data, "revision": question.revision}
    )
    for response in (add, edit):
        assert response.status_code == 400
        form = response.context["form"]
        assert any(message in error for error in form.errors.get(field, [])), form.errors
        assert message in response.content.decode()
    assert snapshot(draft.template_id) == before


def test_duplicate_question_key_on_add_is_refused(login, english, hr, draft):
    version, section, _question = parts(draft)
    before = snapshot(draft.template_id)
    response = login(hr).post(url("question_add", version, section), question_data(key="workload"))
    assert response.status_code == 400
    assert response.context["form"].errors["key"] == [
        "Another question in this section has the key “workload”."
    ]
    assert "Another question in this section has the key “workload”." in response.content.decode()
    assert snapshot(draft.template_id) == before


def test_duplicate_question_key_on_edit_is_refused(login, english, hr, draft):
    prep = draft.sections.get(key="prep")
    tasks = prep.questions.get(key="tasks")
    before = snapshot(draft.template_id)
    response = login(hr).post(
        url("question_edit", draft, prep, tasks),
        question_data(answered_by="employee_prep", key="view", revision=tasks.revision),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["key"] == [
        "Another question in this section has the key “view”."
    ]
    assert snapshot(draft.template_id) == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (section_data(title_sv="", title_en=""), "title_sv", "Write the title in Swedish"),
        (section_data(title_sv="t" * 201), "title_sv", "at most 200 characters (it has 201)"),
        (section_data(guidance_en="g" * 4001), "guidance_en", "at most 4000 characters"),
        (section_data(phase="lunch"), "phase", "Select a valid choice"),
        (section_data(phase=""), "phase", "This field is required."),
        (section_data(audience="aliens"), "audience", "Select a valid choice"),
        (section_data(career_stages=["R9"]), "career_stages", "Select a valid choice"),
        (
            section_data(career_stages=["R1"]),
            "career_stages",
            "Career stages can only be chosen for a section for researchers.",
        ),
        (section_data(key="prep"), "key", "Another section in this version has the key “prep”."),
        (section_data(title_en="Null\x00"), "title_en", "Null characters are not allowed."),
    ],
)
def test_bad_section_is_refused_with_a_message(login, english, hr, draft, data, field, message):
    version, section, _question = parts(draft)
    before = snapshot(draft.template_id)
    client = login(hr)
    add = client.post(url("section_add", version), data)
    edit = client.post(url("section_edit", version, section), {**data, "revision": 1})
    for response in (add, edit):
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert any(message in error for error in errors.get(field, [])), errors
    assert snapshot(draft.template_id) == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"key": "ny", "name_sv": "", "name_en": "New"}, "name_sv", "This field is required."),
        ({"key": "ny", "name_sv": "Ny", "name_en": " "}, "name_en", "This field is required."),
        ({"key": "ny", "name_sv": "n" * 201, "name_en": "N"}, "name_sv", "at most 200"),
        ({"key": "", "name_sv": "Ny", "name_en": "New"}, "key", "This field is required."),
        ({"key": "ny mall", "name_sv": "Ny", "name_en": "New"}, "key", "valid “slug”"),
        ({"key": "ny", "name_sv": "N\x00", "name_en": "New"}, "name_sv", "Null characters"),
        (
            {"key": "existing", "name_sv": "Ny", "name_en": "New"},
            "key",
            "Talk template with this Key already exists.",
        ),
    ],
)
def test_bad_new_template_is_refused(login, english, hr, data, field, message):
    make_draft(key="existing")
    count = TalkTemplate.objects.count()
    response = login(hr).post(url("template_create"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert TalkTemplate.objects.count() == count


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name_sv": "", "name_en": ""}, "name_sv", "This field is required."),
        ({"name_en": ""}, "name_en", "This field is required."),
        ({"name_en": "n" * 201}, "name_en", "at most 200 characters"),
        ({"description_sv": "d" * 2001}, "description_sv", "at most 2000 characters"),
        ({"description_en": "\x00"}, "description_en", "Null characters are not allowed."),
        ({"revision": ""}, "revision", "This field is required."),
    ],
)
def test_bad_template_update_is_refused(login, english, hr, draft, overrides, field, message):
    before = snapshot(draft.template_id)
    response = login(hr).post(url("template_update", draft), template_data(draft, **overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert snapshot(draft.template_id) == before


# --- two people editing the same thing --------------------------------------------------


def test_concurrent_question_edit_answers_409_and_keeps_the_first(login, english, hr, draft):
    version, section, question = parts(draft)
    client = login(hr)
    first = client.get(url("question_edit", version, section, question)).context["form"]
    second = client.get(url("question_edit", version, section, question)).context["form"]
    revision = first["revision"].value()
    assert second["revision"].value() == revision
    target = url("question_edit", version, section, question)
    common = {"question_type": "text", "key": "workload", "revision": revision}
    ok = client.post(target, question_data(text_sv="Först sparad", text_en="Saved first", **common))
    assert ok.status_code == 302
    clash = client.post(
        target, question_data(text_sv="Sparad sedan", text_en="Saved second", **common)
    )
    assert clash.status_code == 409
    html = clash.content.decode()
    assert "Someone else saved this while you were editing" in html
    assert "Först sparad" in html  # what is saved now, shown beside ...
    assert "Sparad sedan" in html  # ... the text that was not saved, still in the form
    # The form now carries the current revision, so saving again is possible.
    assert clash.context["form"]["revision"].value() == revision + 1
    question.refresh_from_db()
    assert (question.text_sv, question.text_en, question.revision) == (
        "Först sparad",
        "Saved first",
        revision + 1,
    )
    again = client.post(
        target,
        question_data(text_sv="Sparad sedan", **{**common, "revision": revision + 1}),
    )
    assert again.status_code == 302
    question.refresh_from_db()
    assert question.text_sv == "Sparad sedan"


def test_concurrent_section_edit_answers_409_and_keeps_the_first(login, english, hr, draft):
    version, section, _question = parts(draft)
    client = login(hr)
    target = url("section_edit", version, section)
    common = {"key": "work_environment", "revision": section.revision}
    assert client.post(target, section_data(title_sv="Första", **common)).status_code == 302
    clash = client.post(target, section_data(title_sv="Andra", **common))
    assert clash.status_code == 409
    html = clash.content.decode()
    assert "Första" in html
    assert "Andra" in html
    section.refresh_from_db()
    assert section.title_sv == "Första"


def test_conflict_shows_what_is_saved_as_a_person_reads_it(login, english, hr, draft):
    version = draft
    section = make_section(
        version, "research", audience="researchers", career_stages=["R1", "R2"], mandatory=True
    )
    client = login(hr)
    target = url("section_edit", version, section)
    services.section_update(
        actor=hr.user, section=section, revision=section.revision, data={"title_sv": "Forskning"}
    )
    clash = client.post(target, section_data(title_sv="Annat", key="research", revision=1))
    assert clash.status_code == 409
    saved = dict(clash.context["conflict_values"])
    assert saved["Title (Swedish)"] == "Forskning"
    assert saved["Phase"] == "The talk (shared record)"
    assert saved["Audience"] == "Researchers"
    assert saved["Career stages"] == "R1, R2"
    assert saved["Mandatory"] == "Yes"


def test_concurrent_template_update_answers_409_and_keeps_the_first(login, english, hr, draft):
    client = login(hr)
    target = url("template_update", draft)
    assert client.post(target, template_data(draft, name_sv="Första")).status_code == 302
    clash = client.post(target, template_data(draft, name_sv="Andra"))
    assert clash.status_code == 409
    assert "Första" in clash.content.decode()
    draft.template.refresh_from_db()
    assert draft.template.name_sv == "Första"


def test_edit_of_a_question_deleted_meanwhile(login, hr, draft):
    version, section, question = parts(draft)
    client = login(hr)
    target = url("question_edit", version, section, question)
    services.question_delete(actor=hr.user, question=question)
    response = client.post(target, question_data(key="workload", revision=question.revision))
    assert response.status_code == 404


# --- preview ----------------------------------------------------------------------------


@pytest.fixture
def rich_draft(db):
    """make_draft plus sections for researchers at R1 and at R3 and for managers."""
    version = make_draft()
    for key, extra in (
        ("r1", {"audience": "researchers", "career_stages": ["R1"]}),
        ("r3", {"audience": "researchers", "career_stages": ["R3"]}),
        ("all_researchers", {"audience": "researchers"}),
        ("lead", {"audience": "managers"}),
    ):
        section = make_section(
            version, key, title_sv=f"Avsnitt för {key}", title_en=f"Section for {key}", **extra
        )
        make_question(section, f"{key}_q", text_sv=f"Fråga till {key}?", text_en=f"Ask {key}?")
    return version


def preview(client, version, query: str = "") -> str:
    response = client.get(url("version_preview", version) + query)
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_preview_as_employee_by_default(login, hr, rich_draft):
    html = preview(login(hr), rich_draft)
    assert "Fråga tasks?" in html  # employee_prep
    assert "Fråga view?" not in html  # manager_prep
    assert "Fråga workload?" in html  # the shared record: both see it
    assert "Fråga how?" in html
    for key in ("r1", "r3", "all_researchers", "lead"):
        assert f"Avsnitt för {key}" not in html


def test_preview_as_manager(login, hr, rich_draft):
    html = preview(login(hr), rich_draft, "?as=manager")
    assert "Fråga view?" in html
    assert "Fråga tasks?" not in html
    assert "Fråga workload?" in html


def test_preview_for_a_researcher_at_a_stage(login, hr, rich_draft):
    html = preview(login(hr), rich_draft, "?stage=R1")
    assert "Avsnitt för r1" in html
    assert "Fråga till r1?" in html
    assert "Avsnitt för all_researchers" in html
    assert "Avsnitt för r3" not in html
    assert "Avsnitt för lead" not in html
    html = preview(login(hr), rich_draft, "?stage=R3")
    assert "Avsnitt för r3" in html
    assert "Avsnitt för r1" not in html


def test_preview_for_an_employee_who_is_a_manager(login, hr, rich_draft):
    html = preview(login(hr), rich_draft, "?manager=1")
    assert "Avsnitt för lead" in html
    assert "Fråga till lead?" in html
    assert "Avsnitt för r1" not in html


def test_preview_with_manager_0_is_like_no_manager(login, hr, rich_draft):
    assert "Avsnitt för lead" not in preview(login(hr), rich_draft, "?manager=0")


def test_preview_in_english(login, hr, rich_draft):
    html = preview(login(hr), rich_draft, "?lang=en&as=manager&stage=R1&manager=1")
    assert '<div class="preview" lang="en">' in html
    for text in ("Question view?", "Section for r1", "Ask r1?", "Section for lead", "Ask lead?"):
        assert text in html
    for text in ("Fråga view?", "Avsnitt för r1", "Fråga till r1?", "Avsnitt för lead"):
        assert text not in html
    # The page around the preview stays in the user's language.
    assert '<html lang="sv">' in html


def test_preview_in_swedish_for_an_english_user(login, english, hr, rich_draft):
    html = preview(login(hr), rich_draft, "?lang=sv")
    assert '<html lang="en">' in html
    assert '<div class="preview" lang="sv">' in html
    assert "Fråga tasks?" in html
    assert "Question tasks?" not in html


def test_preview_of_a_published_version_for_an_employee(login, employee, published):
    html = preview(login(employee), published, "?as=manager&lang=en")
    assert "Question view?" in html


@pytest.mark.parametrize(
    "query",
    [
        "?as=boss",
        "?as=",
        "?lang=de",
        "?lang=EN",
        "?stage=R5",
        "?stage=r1",
        "?as=employee%00",
        "?lang=sv%00",
        "?manager=yes",
        "?manager=2",
    ],
)
def test_preview_with_bad_options_is_400(login, hr, draft, query):
    response = login(hr).get(url("version_preview", draft) + query)
    assert response.status_code == 400


# --- the number of queries does not grow with the template --------------------------------


def _grown_draft(extra_sections: int) -> TemplateVersion:
    version = make_draft()
    for n in range(extra_sections):
        section = make_section(version, f"extra_{n}", audience="researchers" if n % 2 else "all")
        make_question(section, "one")
        make_question(
            section,
            "two",
            question_type="scale",
            scale_low_sv="Lite",
            scale_low_en="Little",
            scale_high_sv="Mycket",
            scale_high_en="Much",
        )
    return version


def _count_queries(client, target: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query", ["", "?as=manager&stage=R1&manager=1&lang=en"], ids=["default", "options"]
)
def test_preview_queries_do_not_grow_with_sections(login, hr, query):
    client = login(hr)
    small, large = _grown_draft(3), _grown_draft(12)
    client.get(url("version_preview", small))  # warm the session and caches
    counts = [
        _count_queries(client, url("version_preview", version) + query)
        for version in (small, large)
    ]
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("state", ["draft", "published"])
def test_version_detail_queries_do_not_grow_with_sections(login, hr, state):
    client = login(hr)
    small, large = _grown_draft(3), _grown_draft(12)
    if state == "published":
        small = services.version_publish(actor=hr.user, version=small)
        large = services.version_publish(actor=hr.user, version=large)
    client.get(url("version_detail", small))
    counts = [_count_queries(client, url("version_detail", v)) for v in (small, large)]
    assert counts[0] == counts[1], counts


def test_version_detail_queries_for_an_employee(login, hr, employee):
    small = services.version_publish(actor=hr.user, version=_grown_draft(3))
    large = services.version_publish(actor=hr.user, version=_grown_draft(12))
    client = login(employee)
    client.get(url("version_detail", small))
    counts = [_count_queries(client, url("version_detail", v)) for v in (small, large)]
    assert counts[0] == counts[1], counts


def test_edit_without_revision_is_refused_and_changes_nothing(login, english, hr, draft):
    section = draft.sections.get(key="work_environment")
    client = login(hr)
    response = client.post(
        url("section_edit", draft, section),
        section_data(title_sv="Utan revision", key="work_environment", revision=""),
    )
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    section.refresh_from_db()
    assert section.title_sv != "Utan revision"
