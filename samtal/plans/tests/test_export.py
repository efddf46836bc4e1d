"""The development plan as PDF and Word in Swedish and English (the agreed plan only), who may
download it, and the plan's outcomes in the basis for the salary talk (outcomes only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.models import AuditLogEntry, OrgPolicy
from samtal.core.tests.documents import docx_text, pdf_text
from samtal.organisation.services import person_set_manager
from samtal.organisation.tests.factories import PersonFactory
from samtal.plans import export, services
from samtal.plans.tests.factories import (
    add_activity,
    add_checkpoint,
    add_goal,
    agree_record,
    held_record,
    unit_goal,
)
from samtal.talks.models import Talk

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def plan(employee, manager, dept) -> dict[str, Any]:
    """A plan with a goal of each state, activities of each state, checkpoints, and one
    proposal waiting in a talk's record."""
    linked = unit_goal(dept, year=TODAY.year)
    reached = add_goal(
        employee,
        manager.user,
        "Lead a research project",
        data={"horizon": "long", "unit_goal_id": linked.pk},
    )
    reached = services.goal_follow_up(
        actor=manager.user,
        goal=reached,
        status="reached",
        outcome="Leads the lab move.",
        revision=1,
    )
    open_goal = add_goal(employee, employee.user, "Write more in English")
    done = add_activity(
        employee,
        manager.user,
        "Project management course",
        data={
            "goal_id": reached.pk,
            "starts_on": dt.date(2027, 2, 1),
            "ends_on": dt.date(2027, 3, 15),
            "hours": Decimal("12.5"),
            "cost": Decimal("9500"),
            "responsible": "both",
        },
    )
    done = services.activity_set_status(
        actor=employee.user, activity=done, status="done", outcome="Certified.", revision=1
    )
    dropped = add_activity(
        employee, manager.user, "Study visit to Lund", data={"activity_type": "study_visit"}
    )
    dropped = services.activity_set_status(
        actor=manager.user,
        activity=dropped,
        status="dropped",
        reason="The host cancelled.",
        revision=1,
    )
    ongoing = add_activity(
        employee,
        employee.user,
        "Mentoring by a senior lecturer",
        data={"activity_type": "mentoring", "responsible": "other", "responsible_other": "Ann"},
    )
    ongoing = services.activity_set_status(
        actor=employee.user, activity=ongoing, status="ongoing", revision=1
    )
    upcoming = add_checkpoint(employee, manager.user, days_ahead=20, topic="Mentoring started?")
    completed = add_checkpoint(employee, manager.user, days_ahead=5, topic="Course booked?")
    completed = services.checkpoint_complete(
        actor=employee.user, checkpoint=completed, outcome="Booked for February.", revision=1
    )
    record = held_record(employee)
    proposed = add_goal(employee, manager.user, "A proposal not agreed yet", talk=record.talk)
    proposed_activity = add_activity(
        employee, manager.user, "Proposed conference", talk=record.talk
    )
    return {
        "reached": reached,
        "open": open_goal,
        "done": done,
        "dropped": dropped,
        "ongoing": ongoing,
        "upcoming": upcoming,
        "completed": completed,
        "proposed": proposed,
        "proposed_activity": proposed_activity,
        "record": record,
    }


# --- what the document holds -----------------------------------------------------------------


def test_the_export_holds_the_agreed_plan_in_english(plan, employee):
    with translation.override("en"):
        exported = export.export_plan(employee, language="en")
    assert (exported.employee, exported.unit, exported.manager) == (
        "Erik Medarbetare",
        "The Department",
        "Maja Chef",
    )
    assert exported.exported_on == TODAY.isoformat()
    assert [g.title for g in exported.goals] == ["Lead a research project", "Write more in English"]
    reached = {f.label: f.value for f in exported.goals[0].fields}
    assert reached["Horizon"] == "Long term (several years)"
    assert reached["Linked to the unit's goal"] == (
        f"More published articles (The Department, {TODAY.year})"
    )
    assert reached["Status"] == f"Reached ({TODAY.isoformat()})"
    assert reached["Outcome"] == "Leads the lab move."
    assert {f.label: f.value for f in exported.goals[1].fields}["Status"] == "Open"
    activities = {a.title: {f.label: f.value for f in a.fields} for a in exported.activities}
    assert set(activities) == {
        "Course or training: Project management course",
        "Study visit: Study visit to Lund",
        "Mentoring: Mentoring by a senior lecturer",
    }
    course = activities["Course or training: Project management course"]
    assert course == {
        "For the goal": "Lead a research project",
        "Responsible": "Both",
        "Planned period": "2027-02-01–2027-03-15",
        "Estimated time": "12.5 hours",
        "Estimated cost": "9,500 SEK",
        "Status": f"Done ({TODAY.isoformat()})",
        "Outcome": "Certified.",
    }
    visit = activities["Study visit: Study visit to Lund"]
    assert visit["Reason for dropping"] == "The host cancelled."
    assert visit["Status"].startswith("Dropped")
    assert activities["Mentoring: Mentoring by a senior lecturer"]["Responsible"] == "Ann"
    assert [(c.topic, c.status, c.outcome) for c in exported.checkpoints] == [
        ("Course booked?", f"Done ({TODAY.isoformat()})", "Booked for February."),
        ("Mentoring started?", "Planned", ""),
    ]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_pdf_and_word_hold_the_items_and_not_the_proposals(plan, employee, fmt, language):
    make = export.plan_pdf if fmt == "pdf" else export.plan_docx
    content = make(employee, language=language)
    text = pdf_text(content) if fmt == "pdf" else docx_text(content)
    for item in (
        "Lead a research project",
        "Write more in English",
        "Leads the lab move.",
        "Project management course",
        "Certified.",
        "Study visit to Lund",
        "The host cancelled.",
        "Mentoring by a senior lecturer",
        "Course booked?",
        "Booked for February.",
        "Mentoring started?",
        "2027-02-01–2027-03-15",
        "Erik Medarbetare",
        "Maja Chef",
        settings.SAMTAL_ORGANISATION_NAME,
    ):
        assert item in text, item
    assert "A proposal not agreed yet" not in text
    assert "Proposed conference" not in text
    if language == "en":
        for label in (
            "Individual development plan",
            "Goals",
            "Activities",
            "Checkpoints",
            "The Department",
            "More published articles",
            "Long term (several years)",
            "12.5 hours",
            "9,500 SEK",
        ):
            assert label in text, label
    else:
        for label in ("Medarbetare", "Chef", "Enhet", "Institutionen", "Fler publicerade artiklar"):
            assert label in text, label
        assert "12,5" in text
        assert "9 500" in text
        assert "The Department" not in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_swedish_document_is_in_swedish(plan, employee, fmt):
    make = export.plan_pdf if fmt == "pdf" else export.plan_docx
    content = make(employee, language="sv")
    text = pdf_text(content) if fmt == "pdf" else docx_text(content)
    for english in ("Individual development plan", "Activities", "Checkpoints", "Outcome"):
        assert english not in text


def test_an_empty_plan_says_so(employee):
    text = pdf_text(export.plan_pdf(employee, language="en"))
    assert "No goals in the plan." in text
    assert "No activities in the plan." in text
    assert "No checkpoints in the plan." in text
    assert "No goals in the plan." in docx_text(export.plan_docx(employee, language="en"))


def test_an_employee_without_a_manager(dept):
    alone = PersonFactory(unit=dept, manager=None, first_name="Ada", last_name="Ensam")
    with translation.override("en"):
        assert export.export_plan(alone, language="en").manager == "No manager"


def test_the_public_records_notice(plan, employee, settings):
    settings.SAMTAL_PUBLIC_RECORDS_NOTICE = True
    assert "may become a public record" in pdf_text(export.plan_pdf(employee, language="en"))
    assert "may become a public record" in docx_text(export.plan_docx(employee, language="en"))


def test_the_export_reads_a_constant_number_of_queries(
    plan, employee, manager, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        export.export_plan(employee, language="en")
    for n in range(10):
        goal = add_goal(
            employee, manager.user, f"Goal {n}", data={"unit_goal_id": plan["reached"].unit_goal_id}
        )
        add_activity(employee, manager.user, f"Activity {n}", data={"goal_id": goal.pk})
        add_checkpoint(employee, manager.user, days_ahead=30 + n)
    with django_assert_max_num_queries(6):
        export.export_plan(employee, language="en")


# --- the download -----------------------------------------------------------------------------


def url(person: Any, fmt: str, lang: str | None = "en") -> str:
    target = reverse("plans:plan_export", args=[person.pk, fmt])
    return f"{target}?lang={lang}" if lang else target


def hr_policy(allow: bool) -> None:
    OrgPolicy.current()
    OrgPolicy.objects.update(hr_may_read_records=allow)


@pytest.mark.parametrize(("fmt", "content_type"), [("pdf", "application/pdf"), ("docx", DOCX)])
@pytest.mark.parametrize("who", ["employee", "manager"])
def test_the_employee_and_the_manager_download_the_plan(
    request, login, plan, who, fmt, content_type
):
    employee = request.getfixturevalue("employee")
    response = login(request.getfixturevalue(who)).get(url(employee, fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="development-plan-erik-medarbetare-{TODAY.isoformat()}-en.{fmt}"'
    )
    text = pdf_text(response.content) if fmt == "pdf" else docx_text(response.content)
    assert "Project management course" in text
    assert "A proposal not agreed yet" not in text
    assert not AuditLogEntry.objects.exists()  # the two parties' reads are not audit-logged


def test_the_language_is_the_users_by_default(client, login, plan, employee):
    client = login(employee)
    response = client.get(url(employee, "pdf", lang=None))
    assert response["Content-Disposition"].endswith('-sv.pdf"')
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url(employee, "pdf", lang=None))
    assert response["Content-Disposition"].endswith('-en.pdf"')
    assert "Individual development plan" in pdf_text(response.content)


def test_an_unknown_format_or_language_is_refused(login, plan, employee):
    client = login(employee)
    assert client.get(url(employee, "xlsx")).status_code == 404
    assert client.get(url(employee, "pdf", lang="de")).status_code == 400
    assert client.post(url(employee, "pdf")).status_code == 405


@pytest.mark.parametrize(
    "who", ["other_manager", "colleague", "other_employee", "safety_rep", "admin_user", "hr"]
)
def test_others_get_404(request, login, plan, employee, who):
    hr_policy(False)
    for fmt in ("pdf", "docx"):
        assert login(request.getfixturevalue(who)).get(url(employee, fmt)).status_code == 404
    assert not AuditLogEntry.objects.exists()


def test_a_person_who_does_not_exist_is_404(login, employee):
    assert (
        login(employee).get(reverse("plans:plan_export", args=[999999, "pdf"])).status_code == 404
    )


def test_hr_downloads_under_the_policy_and_the_read_is_logged(login, plan, employee, hr):
    hr_policy(True)
    response = login(hr).get(url(employee, "pdf"))
    assert response.status_code == 200
    assert "Project management course" in pdf_text(response.content)
    [entry] = AuditLogEntry.objects.all()
    assert (entry.actor, entry.subject, entry.what, entry.reason) == (
        hr.user,
        employee,
        "development_plan",
        "hr",
    )
    assert entry.path == reverse("plans:plan_export", args=[employee.pk, "pdf"])
    # A refused language logs nothing more.
    assert login(hr).get(url(employee, "pdf", lang="de")).status_code == 400
    assert AuditLogEntry.objects.count() == 1


def test_hr_outside_their_scope_gets_404_even_under_the_policy(login, plan, employee, other_dept):
    hr_policy(True)
    scoped = PersonFactory(unit=other_dept)
    RoleAssignmentFactory(user=scoped.user, role=Role.HR, unit=other_dept)
    assert login(scoped).get(url(employee, "pdf")).status_code == 404
    assert not AuditLogEntry.objects.exists()


def test_after_a_change_of_manager_the_new_one_downloads_and_the_old_one_not(
    login, plan, employee, manager, dept
):
    new = PersonFactory(unit=dept, first_name="Nora", last_name="Ny")
    person_set_manager(person=employee, manager=new, actor=None)
    assert login(manager).get(url(employee, "pdf")).status_code == 404
    response = login(new).get(url(employee, "docx"))
    assert response.status_code == 200
    assert "Nora Ny" in docx_text(response.content)


def test_anonymous_is_sent_to_log_in(client, plan, employee):
    response = client.get(url(employee, "pdf"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


# --- the basis for the salary talk ------------------------------------------------------------


def basis_url(talk: Talk, lang: str = "en") -> str:
    return f"{reverse('talks:salary_basis_pdf', args=[talk.pk])}?lang={lang}"


def test_plan_outcome_lines_in_both_languages(plan, employee):
    lines = export.plan_outcome_lines(employee, language="en", since=None, until=None)
    assert sorted(lines) == sorted(
        [
            "Goal: Lead a research project — Reached. Outcome: Leads the lab move.",
            "Course or training: Project management course — Done. Outcome: Certified.",
            "Study visit: Study visit to Lund — Dropped. Reason: The host cancelled.",
        ]
    )
    swedish = export.plan_outcome_lines(employee, language="sv", since=None, until=None)
    assert len(swedish) == 3
    assert any("Project management course" in line and "Certified." in line for line in swedish)


def test_the_salary_basis_holds_the_outcomes_since_the_previous_talk_only(
    login, employee, manager, django_capture_on_commit_callbacks
):
    # Before talk 1: an activity done during an earlier year is not this year's outcome.
    old = add_activity(employee, manager.user, "An old course")
    services.activity_set_status(
        actor=manager.user, activity=old, status="done", outcome="Long ago.", revision=1
    )
    # Talk 1 agrees the plan.
    record_1 = held_record(employee)
    goal = add_goal(employee, manager.user, "Lead a research project", talk=record_1.talk)
    course = add_activity(employee, manager.user, "Project management course", talk=record_1.talk)
    visit = add_activity(
        employee,
        manager.user,
        "Study visit to Lund",
        talk=record_1.talk,
        data={"activity_type": "study_visit"},
    )
    still_open = add_goal(employee, manager.user, "Write more in English", talk=record_1.talk)
    ongoing = add_activity(employee, manager.user, "Mentoring programme", talk=record_1.talk)
    agree_record(record_1)
    # The year's follow-up.
    services.activity_set_status(
        actor=employee.user,
        activity=fresh(course),
        status="done",
        outcome="Certified.",
        revision=1,
    )
    services.activity_set_status(
        actor=manager.user,
        activity=fresh(visit),
        status="dropped",
        reason="The host cancelled.",
        revision=1,
    )
    services.goal_follow_up(
        actor=manager.user,
        goal=fresh(goal),
        status="reached",
        outcome="Leads the lab move.",
        revision=1,
    )
    services.activity_set_status(
        actor=employee.user, activity=fresh(ongoing), status="ongoing", revision=1
    )
    # Talk 2: a new proposal, then the record is agreed.
    record_2 = held_record(employee)
    add_goal(employee, manager.user, "Apply for a grant", talk=record_2.talk)
    agree_record(record_2)
    # After talk 2's version: not part of its basis.
    services.goal_follow_up(
        actor=manager.user,
        goal=fresh(still_open),
        status="not_reached",
        outcome="Too little time.",
        revision=1,
    )
    response = login(employee).get(basis_url(record_2.talk))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Outcomes of the development plan" in text
    for line in (
        "Goal: Lead a research project — Reached. Outcome: Leads the lab move.",
        "Course or training: Project management course — Done. Outcome: Certified.",
        "Study visit: Study visit to Lund — Dropped. Reason: The host cancelled.",
    ):
        assert line in text, line
    for absent in (
        "An old course",
        "Long ago.",
        "Write more in English",
        "Too little time.",
        "Mentoring programme",
        "Apply for a grant",
        "No development plan outcomes yet.",
    ):
        assert absent not in text, absent
    # Talk 1's basis has none of them: they came after it.
    text_1 = pdf_text(login(manager).get(basis_url(record_1.talk)).content)
    assert "An old course — Done. Outcome: Long ago." in text_1
    assert "Project management course — Done" not in text_1
    # In Swedish too.
    swedish = pdf_text(login(employee).get(basis_url(record_2.talk, "sv")).content)
    assert "Project management course" in swedish
    assert "Certified." in swedish
    assert "Apply for a grant" not in swedish


def test_a_salary_basis_without_outcomes_says_so(login, employee, manager):
    record = held_record(employee)
    add_goal(employee, manager.user, "Only proposed, then agreed", talk=record.talk)
    add_activity(employee, manager.user, "Planned course", talk=record.talk)
    agree_record(record)
    text = pdf_text(login(employee).get(basis_url(record.talk)).content)
    assert "No development plan outcomes yet." in text
    assert "Only proposed, then agreed" not in text
    assert "Planned course" not in text
