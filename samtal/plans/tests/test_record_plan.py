"""Plan items proposed in a talk's record are part of what both parties agree to: frozen into
the version's content in both languages (so its hash covers them), a change while the record
waits for agreement voids the agreements, and agreeing makes them part of the plan."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from pypdf import PdfReader

from samtal.core.exceptions import TransitionRefused
from samtal.core.models import OutgoingEmail
from samtal.plans import record_plan, services
from samtal.plans.models import Checkpoint, PlanActivity, PlanGoal
from samtal.plans.tests.factories import (
    add_activity,
    add_checkpoint,
    add_goal,
    agree_record,
    held_record,
    unit_goal,
)
from samtal.talks import record as rec
from samtal.talks import record_export
from samtal.talks.models import Agreement, Record, RecordVersion

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def content(record: Record) -> dict[str, Any]:
    return rec.record_content(Record.objects.get(pk=record.pk))


def plan_section(record: Record) -> dict[str, Any] | None:
    found = [s for s in content(record)["sections"] if s["key"] == record_plan.SECTION_KEY]
    return found[0] if found else None


def answers(section: dict[str, Any], language: str) -> dict[str, str]:
    return {q["key"]: q[f"answer_{language}"] for q in section["questions"]}


def current(record: Record) -> Record:
    return Record.objects.get(pk=record.pk)


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def record(employee) -> Record:
    return held_record(employee)


def propose_all(record: Record, employee: Any, manager: Any) -> tuple[Any, Any, Any]:
    talk = record.talk
    goal = add_goal(
        employee,
        manager.user,
        "Lead a research project",
        talk=talk,
        data={"unit_goal_id": unit_goal(employee.unit).pk, "horizon": "long"},
    )
    activity = add_activity(
        employee,
        manager.user,
        "Project management course",
        talk=talk,
        data={
            "goal_id": goal.pk,
            "hours": Decimal("24"),
            "cost": Decimal("9500"),
            "starts_on": dt.date(2027, 2, 1),
            "ends_on": dt.date(2027, 3, 15),
        },
    )
    checkpoint = add_checkpoint(
        employee, manager.user, days_ahead=30, topic="Course booked?", talk=talk
    )
    return goal, activity, checkpoint


def test_without_proposals_the_record_has_no_plan_section(record):
    assert plan_section(record) is None


def test_proposals_are_in_the_content_in_both_languages(record, employee, manager):
    propose_all(record, employee, manager)
    section = plan_section(record)
    assert section is not None
    assert section["title_en"] == "The development plan: goals, activities and checkpoints"
    assert [q["key"] for q in section["questions"]] == [
        "plan_goals",
        "plan_activities",
        "plan_checkpoints",
    ]
    assert [q["text_en"] for q in section["questions"]] == ["Goals", "Activities", "Checkpoints"]
    assert all(not q["salary_basis"] for q in section["questions"])
    en, sv = answers(section, "en"), answers(section, "sv")
    assert en["plan_goals"] == (
        "– Lead a research project (Long term (several years); linked to the unit's goal "
        "“More published articles”)"
    )
    assert "Fler publicerade artiklar" in sv["plan_goals"]  # the unit goal's Swedish title
    assert en["plan_activities"] == (
        "– Course or training: Project management course (responsible: The employee; "
        "2027-02-01–2027-03-15; about 24 hours; about 9,500 SEK; for the goal "
        "“Lead a research project”)"
    )
    assert "2027-02-01–2027-03-15" in sv["plan_activities"]
    assert "9\xa0500" in sv["plan_activities"]  # Swedish thousands
    due = TODAY + dt.timedelta(days=30)
    assert (
        en["plan_checkpoints"] == sv["plan_checkpoints"] == f"– {due.isoformat()}: Course booked?"
    )


def test_each_proposal_changes_the_content_hash(record, employee, manager):
    hashes = [rec.content_hash(content(record))]
    goal = add_goal(employee, manager.user, talk=record.talk)
    hashes.append(rec.content_hash(content(record)))
    services.goal_update(
        actor=manager.user, goal=goal, data=services.GoalData(text="Another goal"), revision=1
    )
    hashes.append(rec.content_hash(content(record)))
    add_checkpoint(employee, manager.user, talk=record.talk)
    hashes.append(rec.content_hash(content(record)))
    services.plan_item_remove(actor=manager.user, item=fresh(goal))
    hashes.append(rec.content_hash(content(record)))
    assert len(set(hashes)) == len(hashes)


def test_items_of_the_plan_from_elsewhere_are_not_in_the_record(record, employee, manager):
    add_goal(employee, manager.user, "Agreed during the year")
    assert plan_section(record) is None


def test_a_proposal_while_the_record_is_sent_voids_the_agreements(
    record, employee, manager, django_capture_on_commit_callbacks
):
    add_goal(employee, manager.user, talk=record.talk)
    version = rec.record_send(
        record=current(record), actor=manager.user, revision=current(record).revision
    )
    rec.record_agree(
        record=current(record),
        actor=employee.user,
        version_number=version.number,
        hash_=version.content_hash,
    )
    add_activity(employee, manager.user, talk=record.talk)
    version = RecordVersion.objects.get(pk=version.pk)
    assert version.voided_at is not None
    assert Agreement.objects.get(version=version).voided_at is not None
    assert current(record).state == Record.State.WRITING
    assert OutgoingEmail.objects.filter(kind="record_voided").count() == 2
    # The proposals are still waiting, and the voided version cannot be agreed.
    assert PlanGoal.objects.get(origin_talk=record.talk).agreed_at is None
    with pytest.raises(TransitionRefused):
        rec.record_agree(
            record=current(record),
            actor=manager.user,
            version_number=version.number,
            hash_=version.content_hash,
        )
    assert PlanActivity.objects.get(origin_talk=record.talk).agreed_at is None


def test_when_both_agree_the_proposals_join_the_plan(record, employee, manager):
    goal, activity, checkpoint = propose_all(record, employee, manager)
    version = rec.record_send(
        record=current(record), actor=manager.user, revision=current(record).revision
    )
    rec.record_agree(
        record=current(record),
        actor=employee.user,
        version_number=version.number,
        hash_=version.content_hash,
    )
    # One agreement is not enough.
    assert all(fresh(item).agreed_at is None for item in (goal, activity, checkpoint))
    rec.record_agree(
        record=current(record),
        actor=manager.user,
        version_number=version.number,
        hash_=version.content_hash,
    )
    agreed_at = {fresh(item).agreed_at for item in (goal, activity, checkpoint)}
    assert len(agreed_at) == 1
    assert None not in agreed_at
    assert current(record).state == Record.State.AGREED


def test_only_the_note_taker_proposes(employee, manager):
    record = held_record(employee, note_taker="employee")
    with pytest.raises(PermissionDenied):
        add_goal(employee, manager.user, talk=record.talk)
    goal = add_goal(employee, employee.user, "My own goal", talk=record.talk)
    assert goal.origin_talk == record.talk
    assert goal.agreed_at is None
    assert not PlanGoal.objects.filter(created_by=manager.user).exists()


def test_an_agreed_record_refuses_proposals_until_it_is_corrected(record, employee, manager):
    goal = add_goal(employee, manager.user, "First goal", talk=record.talk)
    record = agree_record(record)
    for propose in (
        lambda: add_goal(employee, manager.user, talk=record.talk),
        lambda: add_activity(employee, manager.user, talk=record.talk),
        lambda: add_checkpoint(employee, manager.user, talk=record.talk),
    ):
        with pytest.raises(TransitionRefused):
            propose()
    assert PlanGoal.objects.count() == 1
    # A correction reopens the record: a new proposal needs the corrected version agreed.
    record = rec.record_correct(record=record, actor=employee.user, revision=record.revision)
    added = add_goal(employee, manager.user, "Second goal", talk=record.talk)
    assert fresh(added).agreed_at is None
    assert fresh(goal).agreed_at is not None
    record = agree_record(record)
    assert fresh(added).agreed_at is not None
    assert record.agreed_version.number == 2
    section = next(
        s for s in record.agreed_version.content["sections"] if s["key"] == record_plan.SECTION_KEY
    )
    assert "First goal" in section["questions"][0]["answer_en"]
    assert "Second goal" in section["questions"][0]["answer_en"]


def test_the_agreed_version_does_not_change_with_the_plan(record, employee, manager):
    goal, activity, checkpoint = propose_all(record, employee, manager)
    record = agree_record(record)
    version = record.agreed_version
    frozen = dict(version.content)
    services.activity_set_status(
        actor=employee.user, activity=fresh(activity), status="done", outcome="Done!", revision=1
    )
    services.goal_update(
        actor=manager.user, goal=fresh(goal), data=services.GoalData(text="Reworded"), revision=1
    )
    services.checkpoint_complete(
        actor=manager.user, checkpoint=fresh(checkpoint), outcome="Booked.", revision=1
    )
    add_goal(employee, employee.user, "Added during the year")
    version = RecordVersion.objects.get(pk=version.pk)
    assert version.content == frozen
    assert rec.content_hash(version.content) == version.content_hash
    assert record_export.is_agreed_by_both(version)
    text = re.sub(
        r"\s+",
        " ",
        " ".join(
            page.extract_text() or ""
            for page in PdfReader(
                io.BytesIO(record_export.record_pdf(version, language="en"))
            ).pages
        ),
    )
    assert "The development plan: goals, activities and checkpoints" in text
    assert "Lead a research project" in text
    assert "Reworded" not in text
    assert "Added during the year" not in text
    assert Checkpoint.objects.get(pk=checkpoint.pk).status == "done"
