"""The plan's services: each change on its success path with its history row, and every bad
input of the issue refused with a message and nothing written; the status machines; unit
goals; the constraints the database holds even if a service were bypassed; and the plan's
continuity across two rounds and a change of manager."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone, translation

from samtal.accounts.models import Role
from samtal.accounts.tests.factories import RoleAssignmentFactory
from samtal.core.exceptions import EditConflict, NeedsConfirmation, TransitionRefused
from samtal.core.models import HistoryEntry, OrgPolicy, OutgoingEmail
from samtal.organisation.services import person_set_manager
from samtal.organisation.tests.factories import PersonFactory
from samtal.plans import selectors, services
from samtal.plans.models import (
    ACTIVITY_TRANSITIONS,
    GOAL_TRANSITIONS,
    ActivityStatus,
    Checkpoint,
    CheckpointStatus,
    DevelopmentPlan,
    GoalStatus,
    PlanActivity,
    PlanGoal,
    UnitGoal,
)
from samtal.plans.permissions import plan_access
from samtal.plans.tests.factories import (
    add_activity,
    add_checkpoint,
    add_goal,
    agree_record,
    held_record,
    unit_goal,
)
from samtal.talks.models import Record, Talk
from samtal.talks.tests.factories import RoundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


TODAY = timezone.localdate()


def state() -> tuple[Any, ...]:
    """Everything the plan services write, to show that a refused change wrote nothing."""
    return (
        list(DevelopmentPlan.objects.order_by("pk").values()),
        list(PlanGoal.objects.order_by("pk").values()),
        list(PlanActivity.objects.order_by("pk").values()),
        list(Checkpoint.objects.order_by("pk").values()),
        list(UnitGoal.objects.order_by("pk").values()),
        list(Record.objects.order_by("pk").values("state", "revision")),
        HistoryEntry.objects.count(),
        OutgoingEmail.objects.count(),
    )


def actions(obj: Model) -> list[str]:
    return list(
        HistoryEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def last_history(obj: Model) -> HistoryEntry:
    entry = (
        HistoryEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )
        .order_by("-id")
        .first()
    )
    assert entry is not None
    return entry


def plan_revision(person: Any) -> int:
    return DevelopmentPlan.objects.get(person=person).revision


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def meeting_time(days: int = 3, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(hour)))


def hr_policy(allow: bool) -> None:
    OrgPolicy.current()
    OrgPolicy.objects.update(hr_may_read_records=allow)


def unit_goal_in(unit: Any, status: str) -> UnitGoal:
    goal = unit_goal(unit, published=status != UnitGoal.Status.DRAFT)
    UnitGoal.objects.filter(pk=goal.pk).update(status=status)
    return fresh(goal)


def error_fields(error: ValidationError) -> set[str]:
    return set(error.message_dict)


# --- goals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_either_party_adds_a_goal_during_the_year(request, who, employee):
    actor = request.getfixturevalue(who).user
    goal = add_goal(employee, actor, "Lead a project", data={"horizon": "long"})
    assert goal.plan.person == employee
    assert goal.agreed_at is not None
    assert goal.origin_talk is None
    assert (goal.text, goal.horizon, goal.status, goal.created_by) == (
        "Lead a project",
        "long",
        GoalStatus.OPEN,
        actor,
    )
    entry = last_history(goal)
    assert (entry.action, entry.actor, entry.changes) == (
        "plan_goal_added",
        actor,
        {"text": "Lead a project"},
    )
    assert plan_revision(employee) == 2


def test_the_plan_is_made_with_its_first_item_and_is_one_per_person(employee, manager):
    assert not DevelopmentPlan.objects.exists()
    add_goal(employee, manager.user)
    add_activity(employee, employee.user)
    assert DevelopmentPlan.objects.filter(person=employee).count() == 1
    assert plan_revision(employee) == 3


def test_a_goal_links_to_a_published_goal_of_the_unit_or_above(employee, manager, dept, faculty):
    own = unit_goal(dept)
    above = unit_goal(faculty, title_en="A faculty goal")
    for target in (own, above):
        goal = add_goal(employee, manager.user, data={"unit_goal_id": target.pk})
        assert goal.unit_goal == target


@pytest.mark.parametrize("which", ["other_unit", "draft", "withdrawn", "missing"])
def test_a_goal_cannot_link_to_a_goal_the_employee_does_not_have(
    which, employee, manager, dept, other_dept
):
    target = {
        "other_unit": lambda: unit_goal(other_dept),
        "draft": lambda: unit_goal(dept, published=False),
        "withdrawn": lambda: unit_goal_in(dept, UnitGoal.Status.WITHDRAWN),
        "missing": lambda: None,
    }[which]()
    before = state()
    with pytest.raises(ValidationError) as error:
        add_goal(employee, manager.user, data={"unit_goal_id": target.pk if target else 999999})
    assert error_fields(error.value) == {"unit_goal"}
    assert state() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [({"text": "   "}, "text"), ({"text": "A goal", "horizon": "forever"}, "horizon")],
)
def test_a_goal_needs_text_and_a_horizon(data, field, employee, manager):
    before = state()
    with pytest.raises(ValidationError) as error:
        services.goal_add(actor=manager.user, person=employee, data=services.GoalData(**data))
    assert error_fields(error.value) == {field}
    assert state() == before


def test_a_goal_is_changed_with_its_history_and_a_stale_form_is_told(employee, manager):
    goal = add_goal(employee, manager.user, "Lead a project")
    changed = services.goal_update(
        actor=employee.user,
        goal=goal,
        data=services.GoalData(text="Lead two projects", horizon="long"),
        revision=goal.revision,
    )
    assert (changed.text, changed.horizon, changed.revision) == ("Lead two projects", "long", 2)
    entry = last_history(goal)
    assert entry.action == "plan_goal_changed"
    assert entry.changes == {
        "text": ["Lead a project", "Lead two projects"],
        "horizon": ["short", "long"],
    }
    before = state()
    with pytest.raises(EditConflict) as conflict:
        services.goal_update(
            actor=manager.user,
            goal=goal,
            data=services.GoalData(text="Something else"),
            revision=goal.revision,  # 1: the form was opened before the change
        )
    assert isinstance(conflict.value.current, PlanGoal)
    assert conflict.value.current.text == "Lead two projects"
    assert state() == before


def test_saving_a_goal_unchanged_writes_no_history(employee, manager):
    goal = add_goal(employee, manager.user, "Lead a project")
    services.goal_update(
        actor=manager.user,
        goal=goal,
        data=services.GoalData(text="Lead a project"),
        revision=goal.revision,
    )
    assert actions(goal) == ["plan_goal_added"]
    assert fresh(goal).revision == 1


def test_a_goal_is_followed_up_with_its_outcome(employee, manager):
    goal = add_goal(employee, manager.user)
    done = services.goal_follow_up(
        actor=employee.user,
        goal=goal,
        status=GoalStatus.REACHED,
        outcome="Led the move to the new lab.",
        revision=goal.revision,
    )
    assert (done.status, done.outcome) == (GoalStatus.REACHED, "Led the move to the new lab.")
    assert done.status_changed_at is not None
    entry = last_history(goal)
    assert entry.action == "plan_goal_status"
    assert entry.changes["status"] == ["open", "reached"]


@pytest.mark.parametrize(
    ("old", "new"), [(old, new) for old in GoalStatus.values for new in GoalStatus.values]
)
def test_goal_transitions_follow_the_map(old, new, employee, manager):
    goal = add_goal(employee, manager.user)
    PlanGoal.objects.filter(pk=goal.pk).update(status=old)
    goal = fresh(goal)
    if new in GOAL_TRANSITIONS[old]:
        result = services.goal_follow_up(
            actor=manager.user, goal=goal, status=new, outcome="", revision=goal.revision
        )
        assert fresh(result).status == new
        assert actions(goal)[-1] == "plan_goal_status"
    else:
        before = state()
        with pytest.raises(TransitionRefused) as refused:
            services.goal_follow_up(
                actor=manager.user, goal=goal, status=new, outcome="", revision=goal.revision
            )
        assert refused.value.problems
        assert state() == before


# --- activities -----------------------------------------------------------------------------


def test_an_activity_is_added_with_all_its_details(employee, manager):
    goal = add_goal(employee, manager.user)
    activity = add_activity(
        employee,
        manager.user,
        "Project management course",
        data={
            "responsible": "other",
            "responsible_other": "HR's training unit",
            "starts_on": TODAY,
            "ends_on": TODAY + dt.timedelta(days=30),
            "hours": Decimal("24.5"),
            "cost": Decimal("12000"),
            "goal_id": goal.pk,
        },
    )
    activity = fresh(activity)
    assert activity.goal == goal
    assert activity.responsible_label == "HR's training unit"
    assert (activity.hours, activity.cost) == (Decimal("24.5"), Decimal("12000"))
    assert activity.status == ActivityStatus.PLANNED
    assert activity.agreed_at is not None
    assert actions(activity) == ["plan_activity_added"]


def test_the_name_of_someone_else_responsible_is_kept_only_for_other(employee, manager):
    activity = add_activity(
        employee, manager.user, data={"responsible": "manager", "responsible_other": "Nobody"}
    )
    assert activity.responsible_other == ""


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"starts_on": TODAY + dt.timedelta(days=10), "ends_on": TODAY + dt.timedelta(days=9)},
            "ends_on",
        ),
        ({"hours": Decimal("-1")}, "hours"),
        ({"cost": Decimal("-100")}, "cost"),
        ({"hours": Decimal("100000")}, "hours"),
        ({"responsible": "other"}, "responsible_other"),
        ({"responsible": "nobody"}, "responsible"),
        ({"activity_type": "holiday"}, "activity_type"),
        ({"description": "  "}, "description"),
        ({"goal_id": 999999}, "goal"),
    ],
)
def test_bad_activities_are_refused_and_nothing_is_changed(data, field, employee, manager):
    add_goal(employee, manager.user)
    before = state()
    with pytest.raises(ValidationError) as error:
        add_activity(employee, manager.user, data=data)
    assert field in error_fields(error.value)
    assert state() == before


def test_the_end_before_the_start_says_so(employee, manager):
    with pytest.raises(ValidationError) as error:
        add_activity(
            employee,
            manager.user,
            data={"starts_on": dt.date(2027, 3, 10), "ends_on": dt.date(2027, 3, 1)},
        )
    assert error.value.message_dict["ends_on"] == ["The planned end is before the planned start."]


def test_an_activity_cannot_belong_to_a_goal_of_another_plan(employee, colleague, manager):
    others = add_goal(colleague, manager.user)
    before = state()
    with pytest.raises(ValidationError) as error:
        add_activity(employee, manager.user, data={"goal_id": others.pk})
    assert error_fields(error.value) == {"goal"}
    assert state() == before


def test_an_activity_is_changed_and_a_stale_form_is_told(employee, manager):
    activity = add_activity(employee, manager.user, "Course")
    data = services.ActivityData(activity_type="conference", description="A conference")
    changed = services.activity_update(
        actor=employee.user, activity=activity, data=data, revision=activity.revision
    )
    assert (changed.activity_type, changed.description) == ("conference", "A conference")
    entry = last_history(activity)
    assert entry.action == "plan_activity_changed"
    assert entry.changes["description"] == ["Course", "A conference"]
    before = state()
    with pytest.raises(EditConflict):
        services.activity_update(
            actor=manager.user, activity=activity, data=data, revision=activity.revision
        )
    assert state() == before


def test_an_activity_changed_with_its_end_before_its_start_is_refused(employee, manager):
    activity = add_activity(employee, manager.user)
    before = state()
    with pytest.raises(ValidationError):
        services.activity_update(
            actor=manager.user,
            activity=activity,
            data=services.ActivityData(
                activity_type="course",
                description="Course",
                starts_on=dt.date(2027, 5, 1),
                ends_on=dt.date(2027, 4, 1),
            ),
            revision=activity.revision,
        )
    assert state() == before


def test_an_activity_is_done_with_its_outcome(employee, manager):
    activity = add_activity(employee, manager.user)
    ongoing = services.activity_set_status(
        actor=employee.user, activity=activity, status="ongoing", revision=activity.revision
    )
    done = services.activity_set_status(
        actor=manager.user,
        activity=ongoing,
        status="done",
        revision=ongoing.revision,
        outcome="Certified.",
    )
    assert (done.status, done.outcome, done.drop_reason) == ("done", "Certified.", "")
    assert actions(activity) == [
        "plan_activity_added",
        "plan_activity_status",
        "plan_activity_status",
    ]
    assert last_history(activity).changes == {
        "status": ["ongoing", "done"],
        "outcome": ["", "Certified."],
    }


def test_an_activity_is_dropped_with_a_reason_that_goes_when_it_is_planned_again(employee, manager):
    activity = add_activity(employee, manager.user)
    dropped = services.activity_set_status(
        actor=manager.user,
        activity=activity,
        status="dropped",
        reason="The course was cancelled.",
        revision=activity.revision,
    )
    assert (dropped.status, dropped.drop_reason) == ("dropped", "The course was cancelled.")
    assert last_history(activity).changes["drop_reason"] == "The course was cancelled."
    again = services.activity_set_status(
        actor=manager.user, activity=dropped, status="planned", revision=dropped.revision
    )
    assert (again.status, again.drop_reason) == ("planned", "")


@pytest.mark.parametrize("reason", ["", "   "])
def test_dropping_without_a_reason_is_refused_and_nothing_changes(reason, employee, manager):
    activity = add_activity(employee, manager.user)
    before = state()
    with pytest.raises(ValidationError) as error:
        services.activity_set_status(
            actor=manager.user,
            activity=activity,
            status="dropped",
            reason=reason,
            revision=activity.revision,
        )
    assert error.value.message_dict == {"reason": ["Say why the activity is dropped."]}
    assert state() == before
    assert fresh(activity).status == ActivityStatus.PLANNED


@pytest.mark.parametrize(
    ("old", "new"),
    [(old, new) for old in ActivityStatus.values for new in ActivityStatus.values],
)
def test_activity_transitions_follow_the_map(old, new, employee, manager):
    activity = add_activity(employee, manager.user)
    PlanActivity.objects.filter(pk=activity.pk).update(
        status=old, drop_reason="Earlier reason" if old == ActivityStatus.DROPPED else ""
    )
    activity = fresh(activity)
    reason = "No budget" if new == ActivityStatus.DROPPED else ""
    if new in ACTIVITY_TRANSITIONS[old]:
        result = services.activity_set_status(
            actor=employee.user, activity=activity, status=new, reason=reason, revision=1
        )
        assert fresh(result).status == new
        assert actions(activity)[-1] == "plan_activity_status"
    else:
        before = state()
        with pytest.raises(TransitionRefused) as refused:
            services.activity_set_status(
                actor=employee.user, activity=activity, status=new, reason=reason, revision=1
            )
        assert refused.value.problems
        assert state() == before


def test_an_unknown_status_is_refused(employee, manager):
    activity = add_activity(employee, manager.user)
    with pytest.raises(TransitionRefused):
        services.activity_set_status(
            actor=manager.user, activity=activity, status="paused", revision=1
        )


def test_a_stale_status_change_is_told(employee, manager):
    activity = add_activity(employee, manager.user)
    services.activity_set_status(
        actor=manager.user, activity=activity, status="ongoing", revision=1
    )
    before = state()
    with pytest.raises(EditConflict):
        services.activity_set_status(
            actor=employee.user, activity=activity, status="done", revision=1
        )
    assert state() == before


# --- proposed items (in a talk's record) cannot be followed up ------------------------------


@pytest.fixture
def record(employee) -> Record:
    return held_record(employee)


def test_proposed_items_cannot_change_status(record, employee, manager):
    talk = record.talk
    goal = add_goal(employee, manager.user, talk=talk)
    activity = add_activity(employee, manager.user, talk=talk)
    checkpoint = add_checkpoint(employee, manager.user, talk=talk)
    assert goal.agreed_at is None
    assert activity.agreed_at is None
    assert checkpoint.agreed_at is None
    before = state()
    refusals = [
        lambda: services.goal_follow_up(
            actor=manager.user, goal=goal, status="reached", outcome="", revision=1
        ),
        lambda: services.activity_set_status(
            actor=manager.user, activity=activity, status="ongoing", revision=1
        ),
        lambda: services.checkpoint_complete(
            actor=manager.user, checkpoint=checkpoint, outcome="Done", revision=1
        ),
        lambda: services.checkpoint_cancel(
            actor=manager.user, checkpoint=checkpoint, reason="Not needed", revision=1
        ),
        lambda: services.checkpoint_book_meeting(
            actor=manager.user,
            checkpoint=checkpoint,
            meeting_at=meeting_time(),
            minutes=30,
            place="Room 1",
            revision=1,
        ),
    ]
    for refuse in refusals:
        with pytest.raises(TransitionRefused):
            refuse()
    assert state() == before


def test_only_a_proposed_item_is_removed_and_its_history_stays_with_the_plan(
    record, employee, manager
):
    talk = record.talk
    goal = add_goal(employee, manager.user, talk=talk)
    activity = add_activity(employee, manager.user, talk=talk, data={"goal_id": goal.pk})
    services.plan_item_remove(actor=manager.user, item=goal)
    assert not PlanGoal.objects.filter(pk=goal.pk).exists()
    assert fresh(activity).goal is None  # the link from the other proposal is cleared
    plan = DevelopmentPlan.objects.get(person=employee)
    entry = last_history(plan)
    assert (entry.action, entry.changes) == ("plan_goal_removed", {"text": "Lead a project"})
    agreed = add_goal(employee, manager.user, "Agreed during the year")
    before = state()
    with pytest.raises(TransitionRefused):
        services.plan_item_remove(actor=manager.user, item=agreed)
    assert state() == before


def test_a_proposed_item_is_removed_only_by_the_note_taker(record, employee, manager):
    checkpoint = add_checkpoint(employee, manager.user, talk=record.talk)
    before = state()
    with pytest.raises(PermissionDenied):
        services.plan_item_remove(actor=employee.user, item=checkpoint)
    assert state() == before


def test_items_agreed_through_a_record_cannot_be_removed(record, employee, manager):
    activity = add_activity(employee, manager.user, talk=record.talk)
    agree_record(record)
    with pytest.raises(TransitionRefused):
        services.plan_item_remove(actor=manager.user, item=fresh(activity))


def test_a_proposal_is_changed_only_in_its_record(record, employee, manager):
    goal = add_goal(employee, manager.user, "Proposed", talk=record.talk)
    # The employee is not the note-taker: the proposal is the record's, not the plan's.
    with pytest.raises(PermissionDenied):
        services.goal_update(
            actor=employee.user, goal=goal, data=services.GoalData(text="Mine"), revision=1
        )
    changed = services.goal_update(
        actor=manager.user, goal=goal, data=services.GoalData(text="Better"), revision=1
    )
    assert changed.text == "Better"
    assert changed.agreed_at is None


# --- checkpoints ----------------------------------------------------------------------------


def test_a_checkpoint_is_added_with_its_history(employee, manager):
    activity = add_activity(employee, manager.user)
    checkpoint = add_checkpoint(
        employee, employee.user, days_ahead=20, topic="Halfway", data={"activity_id": activity.pk}
    )
    assert checkpoint.due_on == TODAY + dt.timedelta(days=20)
    assert (checkpoint.topic, checkpoint.activity, checkpoint.status) == (
        "Halfway",
        activity,
        CheckpointStatus.PLANNED,
    )
    entry = last_history(checkpoint)
    assert entry.action == "plan_checkpoint_added"
    assert entry.changes["topic"] == "Halfway"


def test_a_checkpoint_before_the_plan_was_created_is_refused(employee, manager):
    add_goal(employee, manager.user)
    DevelopmentPlan.objects.filter(person=employee).update(
        created_at=timezone.now() - dt.timedelta(days=60)
    )
    before = state()
    with pytest.raises(ValidationError) as error:
        add_checkpoint(employee, manager.user, days_ahead=-61)
    [message] = error.value.message_dict["due_on"]
    assert "before the plan was created" in message
    assert state() == before


def test_a_first_checkpoint_in_the_past_is_before_the_plan(employee, manager):
    """Without a plan, the plan is created with the checkpoint: a past date precedes it."""
    before = state()
    with pytest.raises(ValidationError) as error:
        add_checkpoint(employee, manager.user, days_ahead=-1, confirmed=True)
    assert "due_on" in error.value.message_dict
    assert state() == before


def test_a_checkpoint_in_the_past_needs_confirmation(employee, manager):
    add_goal(employee, manager.user)
    DevelopmentPlan.objects.filter(person=employee).update(
        created_at=timezone.now() - dt.timedelta(days=60)
    )
    before = state()
    with pytest.raises(NeedsConfirmation) as warned:
        add_checkpoint(employee, manager.user, days_ahead=-10)
    assert "has passed" in warned.value.warnings[0]
    assert state() == before
    saved = add_checkpoint(employee, manager.user, days_ahead=-10, confirmed=True)
    assert saved.due_on == TODAY - dt.timedelta(days=10)


def test_a_checkpoint_years_ahead_is_refused(employee, manager):
    add_goal(employee, manager.user)
    # The same day three years on (1 March when today is 29 February) is the first refused.
    years = TODAY.year + services.MAX_YEARS_AHEAD
    leap_day = (TODAY.month, TODAY.day) == (2, 29)
    limit = dt.date(years, 3, 1) if leap_day else TODAY.replace(year=years)
    before = state()
    with pytest.raises(ValidationError) as error:
        services.checkpoint_add(
            actor=manager.user,
            person=employee,
            data=services.CheckpointData(due_on=limit, topic="Far away"),
        )
    assert "years ahead" in error.value.message_dict["due_on"][0]
    assert state() == before
    services.checkpoint_add(
        actor=manager.user,
        person=employee,
        data=services.CheckpointData(due_on=limit - dt.timedelta(days=1), topic="Just in time"),
    )


@pytest.mark.parametrize(
    ("today", "due", "refused"),
    [
        (dt.date(2028, 2, 29), dt.date(2031, 2, 28), False),
        (dt.date(2028, 2, 29), dt.date(2031, 3, 1), True),
        (dt.date(2027, 12, 31), dt.date(2030, 12, 30), False),
        (dt.date(2027, 12, 31), dt.date(2030, 12, 31), True),
    ],
)
def test_the_years_ahead_limit_holds_on_a_leap_day(today, due, refused, employee):
    errors, _warnings = services.checkpoint_date_check(person=employee, due_on=due, today=today)
    assert bool(errors) is refused


def test_a_checkpoint_needs_a_topic_and_its_activity_from_the_plan(employee, colleague, manager):
    others = add_activity(colleague, manager.user)
    before = state()
    with pytest.raises(ValidationError) as error:
        add_checkpoint(employee, manager.user, topic=" ", data={"activity_id": others.pk})
    assert error_fields(error.value) == {"topic", "activity"}
    assert state() == before


def test_a_checkpoint_is_moved_and_a_stale_form_is_told(employee, manager):
    checkpoint = add_checkpoint(employee, manager.user, days_ahead=10)
    moved = services.checkpoint_update(
        actor=employee.user,
        checkpoint=checkpoint,
        data=services.CheckpointData(due_on=TODAY + dt.timedelta(days=12), topic="Later"),
        revision=checkpoint.revision,
    )
    assert (moved.due_on, moved.topic) == (TODAY + dt.timedelta(days=12), "Later")
    assert last_history(checkpoint).action == "plan_checkpoint_changed"
    before = state()
    with pytest.raises(EditConflict):
        services.checkpoint_update(
            actor=manager.user,
            checkpoint=checkpoint,
            data=services.CheckpointData(due_on=TODAY, topic="Again"),
            revision=checkpoint.revision,
        )
    assert state() == before


def test_a_checkpoint_moved_into_the_past_needs_confirmation(employee, manager):
    add_goal(employee, manager.user)
    DevelopmentPlan.objects.filter(person=employee).update(
        created_at=timezone.now() - dt.timedelta(days=60)
    )
    checkpoint = add_checkpoint(employee, manager.user, days_ahead=10)
    data = services.CheckpointData(due_on=TODAY - dt.timedelta(days=3), topic="Held already")
    with pytest.raises(NeedsConfirmation):
        services.checkpoint_update(actor=manager.user, checkpoint=checkpoint, data=data, revision=1)
    moved = services.checkpoint_update(
        actor=manager.user, checkpoint=checkpoint, data=data, revision=1, confirmed=True
    )
    assert moved.due_on == TODAY - dt.timedelta(days=3)


def test_a_checkpoint_is_completed_once_with_an_outcome(employee, manager):
    checkpoint = add_checkpoint(employee, manager.user)
    before = state()
    with pytest.raises(ValidationError) as error:
        services.checkpoint_complete(
            actor=employee.user, checkpoint=checkpoint, outcome=" ", revision=1
        )
    assert error_fields(error.value) == {"outcome"}
    assert state() == before
    done = services.checkpoint_complete(
        actor=employee.user, checkpoint=checkpoint, outcome="On track.", revision=1
    )
    assert (done.status, done.outcome, done.completed_by) == ("done", "On track.", employee.user)
    assert done.completed_at is not None
    assert done.done_on_time
    entry = last_history(checkpoint)
    assert (entry.action, entry.changes) == (
        "plan_checkpoint_done",
        {"status": "done", "outcome": "On track."},
    )
    before = state()
    for refuse in (
        lambda: services.checkpoint_complete(
            actor=employee.user, checkpoint=done, outcome="Again", revision=done.revision
        ),
        lambda: services.checkpoint_cancel(
            actor=employee.user, checkpoint=done, reason="No", revision=done.revision
        ),
        lambda: services.checkpoint_update(
            actor=employee.user,
            checkpoint=done,
            data=services.CheckpointData(due_on=TODAY, topic="Changed"),
            revision=done.revision,
        ),
    ):
        with pytest.raises(TransitionRefused):
            refuse()
    assert state() == before


def test_a_checkpoint_is_cancelled_with_a_reason(employee, manager):
    checkpoint = add_checkpoint(employee, manager.user)
    with pytest.raises(ValidationError):
        services.checkpoint_cancel(actor=manager.user, checkpoint=checkpoint, reason="", revision=1)
    cancelled = services.checkpoint_cancel(
        actor=manager.user, checkpoint=checkpoint, reason="Covered by the talk.", revision=1
    )
    assert (cancelled.status, cancelled.outcome) == ("cancelled", "Covered by the talk.")
    assert cancelled.completed_at is None
    assert last_history(checkpoint).action == "plan_checkpoint_cancelled"
    # No meeting was booked: no calendar cancellation.
    assert not OutgoingEmail.objects.filter(kind="checkpoint_meeting_cancelled").exists()


def test_a_follow_up_meeting_is_booked_and_moved(employee, manager):
    checkpoint = add_checkpoint(employee, manager.user, days_ahead=10)
    when = meeting_time(days=5)
    booked = services.checkpoint_book_meeting(
        actor=manager.user,
        checkpoint=checkpoint,
        meeting_at=when,
        minutes=30,
        place="Room Tallen",
        revision=1,
    )
    assert (booked.meeting_at, booked.meeting_minutes, booked.place) == (when, 30, "Room Tallen")
    assert booked.due_on == TODAY + dt.timedelta(days=5)  # the date becomes the meeting's
    assert booked.ics_sequence == 1
    assert last_history(checkpoint).action == "plan_checkpoint_meeting"
    invitations = OutgoingEmail.objects.filter(kind="checkpoint_meeting")
    assert sorted(invitations.values_list("recipient_id", flat=True)) == sorted(
        [employee.user_id, manager.user_id]
    )
    # The same again changes nothing and sends nothing.
    same = services.checkpoint_book_meeting(
        actor=manager.user,
        checkpoint=booked,
        meeting_at=when,
        minutes=30,
        place="Room Tallen",
        revision=booked.revision,
    )
    assert same.ics_sequence == 1
    assert invitations.count() == 2
    moved = services.checkpoint_book_meeting(
        actor=employee.user,
        checkpoint=same,
        meeting_at=meeting_time(days=6),
        minutes=45,
        place="Room Tallen",
        revision=same.revision,
    )
    assert moved.ics_sequence == 2
    assert invitations.count() == 4
    cancelled = services.checkpoint_cancel(
        actor=manager.user,
        checkpoint=moved,
        reason="Held in the corridor.",
        revision=moved.revision,
    )
    assert cancelled.ics_sequence == 3
    assert OutgoingEmail.objects.filter(kind="checkpoint_meeting_cancelled").count() == 2


@pytest.mark.parametrize(
    ("when", "minutes", "place", "fields"),
    [
        (lambda: timezone.now() - dt.timedelta(hours=1), 30, "Room", {"meeting_at"}),
        (lambda: meeting_time(days=3 * 366), 30, "Room", {"meeting_at"}),
        (lambda: meeting_time(), 4, "Room", {"meeting_minutes"}),
        (lambda: meeting_time(), 481, "Room", {"meeting_minutes"}),
        (lambda: meeting_time(), 30, "  ", {"place"}),
    ],
)
def test_bad_meetings_are_refused(when, minutes, place, fields, employee, manager):
    checkpoint = add_checkpoint(employee, manager.user)
    before = state()
    with pytest.raises(ValidationError) as error:
        services.checkpoint_book_meeting(
            actor=manager.user,
            checkpoint=checkpoint,
            meeting_at=when(),
            minutes=minutes,
            place=place,
            revision=1,
        )
    assert error_fields(error.value) == fields
    assert state() == before


# --- who may change the plan -------------------------------------------------------------------


def _changes(person: Any, item_owner: Any) -> list[Any]:
    """One call per service that changes an item of `item_owner`'s plan, as `person`."""
    goal = PlanGoal.objects.get(plan__person=item_owner)
    activity = PlanActivity.objects.get(plan__person=item_owner)
    checkpoint = Checkpoint.objects.get(plan__person=item_owner)
    actor = person.user if hasattr(person, "user") else person
    return [
        lambda: add_goal(item_owner, actor),
        lambda: add_activity(item_owner, actor),
        lambda: add_checkpoint(item_owner, actor),
        lambda: services.goal_update(
            actor=actor, goal=goal, data=services.GoalData(text="Changed"), revision=1
        ),
        lambda: services.goal_follow_up(
            actor=actor, goal=goal, status="reached", outcome="", revision=1
        ),
        lambda: services.activity_update(
            actor=actor,
            activity=activity,
            data=services.ActivityData(activity_type="other", description="Changed"),
            revision=1,
        ),
        lambda: services.activity_set_status(
            actor=actor, activity=activity, status="done", revision=1
        ),
        lambda: services.checkpoint_update(
            actor=actor,
            checkpoint=checkpoint,
            data=services.CheckpointData(due_on=TODAY + dt.timedelta(days=5), topic="Changed"),
            revision=1,
        ),
        lambda: services.checkpoint_complete(
            actor=actor, checkpoint=checkpoint, outcome="Done", revision=1
        ),
        lambda: services.checkpoint_cancel(
            actor=actor, checkpoint=checkpoint, reason="No", revision=1
        ),
        lambda: services.checkpoint_book_meeting(
            actor=actor,
            checkpoint=checkpoint,
            meeting_at=meeting_time(),
            minutes=30,
            place="Room",
            revision=1,
        ),
    ]


@pytest.fixture
def employee_plan(employee, manager):
    add_goal(employee, manager.user)
    add_activity(employee, manager.user)
    add_checkpoint(employee, manager.user)
    return employee


@pytest.mark.parametrize(
    "who", ["other_manager", "colleague", "other_employee", "hr", "safety_rep", "admin_user"]
)
def test_nobody_but_the_two_parties_changes_the_plan(request, who, employee_plan):
    hr_policy(True)  # even HR allowed to read the plan only reads it
    person = request.getfixturevalue(who)
    before = state()
    for change in _changes(person, employee_plan):
        with pytest.raises(PermissionDenied):
            change()
    assert state() == before


def test_a_stranger_is_refused_before_their_input_is_checked(other_manager, employee_plan):
    activity = PlanActivity.objects.get(plan__person=employee_plan)
    before = state()
    with pytest.raises(PermissionDenied):
        add_activity(
            employee_plan,
            other_manager.user,
            data={"starts_on": TODAY, "ends_on": TODAY - dt.timedelta(days=1)},
        )
    with pytest.raises(PermissionDenied):
        services.activity_set_status(
            actor=other_manager.user, activity=activity, status="dropped", reason="", revision=1
        )
    assert state() == before


def test_in_a_talk_only_the_note_taker_proposes_and_only_for_the_talks_employee(
    record, employee, colleague, manager
):
    before = state()
    with pytest.raises(PermissionDenied):
        add_goal(employee, employee.user, talk=record.talk)  # the manager takes notes
    with pytest.raises(PermissionDenied):
        add_goal(colleague, manager.user, talk=record.talk)  # not this talk's employee
    assert state() == before


# --- agreement -------------------------------------------------------------------------------


def test_agreeing_to_the_record_makes_the_proposals_part_of_the_plan(record, employee, manager):
    talk = record.talk
    goal = add_goal(employee, manager.user, talk=talk)
    activity = add_activity(employee, manager.user, talk=talk, data={"goal_id": goal.pk})
    checkpoint = add_checkpoint(
        employee, manager.user, talk=talk, data={"activity_id": activity.pk}
    )
    revision = plan_revision(employee)
    agree_record(record)
    for item in (goal, activity, checkpoint):
        assert fresh(item).agreed_at is not None
    assert plan_revision(employee) == revision + 1
    plan = DevelopmentPlan.objects.get(person=employee)
    entry = last_history(plan)
    assert (entry.action, entry.changes) == ("plan_items_agreed", {"items": 3})
    # Now they are followed up during the year by either party.
    services.activity_set_status(
        actor=employee.user, activity=fresh(activity), status="ongoing", revision=1
    )


def test_an_agreed_record_refuses_new_proposals(record, employee, manager):
    agree_record(record)
    before = state()
    with pytest.raises(TransitionRefused):
        add_goal(employee, manager.user, talk=record.talk)
    assert state() == before


# --- unit goals ------------------------------------------------------------------------------


def unit_goal_data(**extra: Any) -> services.UnitGoalData:
    return services.UnitGoalData(
        year=extra.pop("year", TODAY.year),
        title_sv=extra.pop("title_sv", "Fler ansökningar"),
        title_en=extra.pop("title_en", "More grant applications"),
        **extra,
    )


@pytest.fixture
def dept_hr(dept):
    person = PersonFactory(unit=dept, first_name="Dora", last_name="Hr")
    RoleAssignmentFactory(user=person.user, role=Role.HR, unit=dept)
    return person


@pytest.mark.parametrize("who", ["manager", "hr", "dept_hr"])
def test_unit_goals_are_published_by_the_units_manager_or_hr(request, who, dept, employee):
    actor = request.getfixturevalue(who).user
    goal = services.unit_goal_create(actor=actor, unit=dept, data=unit_goal_data())
    assert (goal.status, goal.created_by, goal.unit) == (UnitGoal.Status.DRAFT, actor, dept)
    assert actions(goal) == ["unit_goal_created"]
    goal = services.unit_goal_update(
        actor=actor, goal=goal, data=unit_goal_data(title_en="More grants"), revision=1
    )
    assert goal.title_en == "More grants"
    assert last_history(goal).changes == {"title_en": ["More grant applications", "More grants"]}
    goal = services.unit_goal_publish(actor=actor, goal=goal, revision=goal.revision)
    assert goal.status == UnitGoal.Status.PUBLISHED
    assert goal.published_at is not None
    assert goal in selectors.unit_goals_for(person=employee, years=[TODAY.year])
    goal = services.unit_goal_withdraw(actor=actor, goal=goal, revision=goal.revision)
    assert goal.status == UnitGoal.Status.WITHDRAWN
    assert actions(goal) == [
        "unit_goal_created",
        "unit_goal_updated",
        "unit_goal_published",
        "unit_goal_withdrawn",
    ]


@pytest.mark.parametrize(
    ("who", "unit"),
    [
        ("manager", "other_dept"),  # none of their reports is there
        ("manager", "faculty"),
        ("other_manager", "dept"),
        ("employee", "dept"),
        ("safety_rep", "dept"),
        ("admin_user", "dept"),
        ("dept_hr", "other_dept"),  # outside their scope
        ("dept_hr", "faculty"),
    ],
)
def test_others_cannot_manage_a_units_goals(request, who, unit, employee, other_employee):
    actor = request.getfixturevalue(who)
    actor = getattr(actor, "user", actor)
    target = request.getfixturevalue(unit)
    existing = unit_goal(target, published=False)
    before = state()
    for change in (
        lambda: services.unit_goal_create(actor=actor, unit=target, data=unit_goal_data()),
        lambda: services.unit_goal_update(
            actor=actor, goal=existing, data=unit_goal_data(), revision=1
        ),
        lambda: services.unit_goal_publish(actor=actor, goal=existing, revision=1),
        lambda: services.unit_goal_withdraw(actor=actor, goal=existing, revision=1),
    ):
        with pytest.raises(PermissionDenied):
            change()
    assert state() == before


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"title_sv": " "}, {"title_sv"}),
        ({"title_en": ""}, {"title_en"}),
        ({"year": TODAY.year - 2}, {"year"}),
        ({"year": TODAY.year + 3}, {"year"}),
    ],
)
def test_bad_unit_goals_are_refused(data, fields, manager, employee, dept):
    before = state()
    with pytest.raises(ValidationError) as error:
        services.unit_goal_create(actor=manager.user, unit=dept, data=unit_goal_data(**data))
    assert error_fields(error.value) == fields
    assert state() == before


@pytest.mark.parametrize(
    ("status", "move", "allowed"),
    [
        ("draft", "publish", True),
        ("draft", "withdraw", True),
        ("published", "publish", False),
        ("published", "withdraw", True),
        ("withdrawn", "publish", False),
        ("withdrawn", "withdraw", False),
    ],
)
def test_unit_goal_transitions(status, move, allowed, manager, employee, dept):
    goal = unit_goal_in(dept, status)
    service = {"publish": services.unit_goal_publish, "withdraw": services.unit_goal_withdraw}[move]
    if allowed:
        assert service(actor=manager.user, goal=goal, revision=1).status != status
    else:
        before = state()
        with pytest.raises(TransitionRefused):
            service(actor=manager.user, goal=goal, revision=1)
        assert state() == before


def test_a_withdrawn_unit_goal_is_not_changed_and_a_stale_one_is_told(manager, employee, dept):
    withdrawn = unit_goal_in(dept, UnitGoal.Status.WITHDRAWN)
    with pytest.raises(TransitionRefused):
        services.unit_goal_update(
            actor=manager.user, goal=withdrawn, data=unit_goal_data(), revision=1
        )
    draft = unit_goal(dept, published=False)
    services.unit_goal_publish(actor=manager.user, goal=draft, revision=1)
    before = state()
    with pytest.raises(EditConflict):
        services.unit_goal_update(actor=manager.user, goal=draft, data=unit_goal_data(), revision=1)
    assert state() == before


def test_a_withdrawn_unit_goal_keeps_its_links(manager, employee, dept):
    target = unit_goal(dept)
    goal = add_goal(employee, manager.user, data={"unit_goal_id": target.pk})
    services.unit_goal_withdraw(actor=manager.user, goal=target, revision=1)
    assert fresh(goal).unit_goal == target


# --- the database holds the rules even without the services --------------------------------


def _violates(make: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_database_refuses_what_the_services_refuse(employee, manager):
    plan = services.plan_get_or_create(person=employee)
    base = {"plan": plan, "activity_type": "course", "description": "Course"}
    _violates(
        lambda: PlanActivity.objects.create(
            **base, starts_on=dt.date(2027, 3, 2), ends_on=dt.date(2027, 3, 1)
        )
    )
    _violates(lambda: PlanActivity.objects.create(**base, hours=Decimal("-1")))
    _violates(lambda: PlanActivity.objects.create(**base, cost=Decimal("-1")))
    _violates(lambda: PlanActivity.objects.create(**base, status="dropped", drop_reason=""))
    _violates(lambda: Checkpoint.objects.create(plan=plan, due_on=TODAY, topic="x", status="done"))
    _violates(
        lambda: Checkpoint.objects.create(plan=plan, due_on=TODAY, topic="x", meeting_minutes=4)
    )
    _violates(
        lambda: Checkpoint.objects.create(plan=plan, due_on=TODAY, topic="x", meeting_minutes=481)
    )
    _violates(lambda: DevelopmentPlan.objects.create(person=employee))  # one plan per person
    activity = add_activity(employee, manager.user)
    _violates(lambda: PlanActivity.objects.filter(pk=activity.pk).update(status="dropped"))
    assert fresh(activity).status == "planned"


# --- continuity across two rounds and a change of manager -----------------------------------


def test_the_plan_lives_across_two_rounds_and_a_change_of_manager(
    employee, manager, dept, django_capture_on_commit_callbacks
):
    # Talk 1 (round 2026) with Maja: the record proposes the plan, both agree.
    record_1 = held_record(
        employee, kind=Talk.Kind.ROUND, round=RoundFactory(units=[dept], year=2026)
    )
    talk_1 = record_1.talk
    goal = add_goal(employee, manager.user, "Lead a research project", talk=talk_1)
    activity = add_activity(
        employee, manager.user, "Project management course", talk=talk_1, data={"goal_id": goal.pk}
    )
    checkpoint = add_checkpoint(
        employee, manager.user, days_ahead=20, topic="Course booked?", talk=talk_1
    )
    record_1 = agree_record(record_1)
    plan = selectors.plan_of(person=employee)
    assert [g.pk for g in plan.goals] == [goal.pk]
    assert [a.pk for a in plan.activities] == [activity.pk]
    assert [c.pk for c in plan.checkpoints] == [checkpoint.pk]

    # The year's follow-up.
    activity = services.activity_set_status(
        actor=employee.user,
        activity=fresh(activity),
        status="done",
        outcome="Passed with distinction.",
        revision=1,
    )
    services.checkpoint_complete(
        actor=manager.user, checkpoint=fresh(checkpoint), outcome="Booked and started.", revision=1
    )
    services.goal_follow_up(
        actor=manager.user,
        goal=fresh(goal),
        status="reached",
        outcome="Leads the lab move project.",
        revision=1,
    )

    # Erik gets a new manager (the organisation's own service, with its manager history).
    new_manager = PersonFactory(unit=dept, first_name="Nora", last_name="Ny")
    person_set_manager(person=employee, manager=new_manager, actor=None)
    employee.refresh_from_db()
    assert plan_access(roles=_roles(new_manager), person=employee).can_write
    assert not plan_access(roles=_roles(manager), person=employee).can_read

    # The old manager is refused; nothing changes.
    before = state()
    with pytest.raises(PermissionDenied):
        add_goal(employee, manager.user, "Old manager's idea")
    with pytest.raises(PermissionDenied):
        services.activity_set_status(
            actor=manager.user, activity=activity, status="ongoing", revision=activity.revision
        )
    assert state() == before

    # Talk 2 (round 2027) with Nora sees the plan and its outcomes.
    record_2 = held_record(
        employee, kind=Talk.Kind.ROUND, round=RoundFactory(units=[dept], year=2027)
    )
    talk_2 = record_2.talk
    assert talk_2.manager == new_manager
    in_record = selectors.record_plan(talk=talk_2)
    assert [g.pk for g in in_record.plan.goals] == [goal.pk]
    assert [a.pk for a in in_record.plan.activities] == [activity.pk]
    assert in_record.plan.checkpoints[0].outcome == "Booked and started."
    assert in_record.proposed_goals == []
    outcomes = selectors.plan_outcomes(person=employee)
    assert {(o.kind, o.outcome) for o in outcomes} == {
        ("goal", "Leads the lab move project."),
        ("activity", "Passed with distinction."),
    }

    # Nora follows the plan up and adds to it, during the year and in talk 2's record.
    services.checkpoint_add(
        actor=new_manager.user,
        person=employee,
        data=services.CheckpointData(due_on=TODAY + dt.timedelta(days=40), topic="Next step"),
    )
    new_goal = add_goal(employee, new_manager.user, "Apply for a grant", talk=talk_2)
    with django_capture_on_commit_callbacks(execute=True):
        agree_record(record_2)
    assert fresh(new_goal).agreed_at is not None
    plan = selectors.plan_of(person=employee)
    assert {g.text for g in plan.goals} == {"Lead a research project", "Apply for a grant"}
    assert {c.topic for c in plan.checkpoints} == {"Course booked?", "Next step"}
    # Talk 1's outcomes are still those of the plan, and only those until talk 2.
    assert record_1.agreed_version is not None
    agreed_1 = max(a.agreed_at for a in record_1.agreed_version.agreements.all())
    assert selectors.plan_outcomes(person=employee, since=agreed_1) != []
    assert selectors.plan_outcomes(person=employee, until=agreed_1) == []


def _roles(person: Any) -> Any:
    from samtal.accounts.models import User
    from samtal.accounts.permissions import get_roles

    return get_roles(User.objects.get(pk=person.user_id))
