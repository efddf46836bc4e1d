"""The work-environment services: each change on its success path with its history row, every
role that must be refused refused with nothing written, the bad input of issue 7 (an action
without a responsible person or date, a follow-up on a closed action, an observation on
someone else's talk) answered with a message at the field, stale forms (EditConflict), the
routine categories keeping no details, the employee alone deciding about the description,
and the risk level taken from the configured matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.utils import timezone

from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.models import HistoryEntry, OutgoingEmail
from samtal.talk_templates.models import Question
from samtal.talks.models import Talk, TalkStatus
from samtal.talks.tests.factories import booked_talk
from samtal.workenv import services
from samtal.workenv.models import (
    DEFAULT_RISK_MATRIX,
    Action,
    AnnualFollowUp,
    Observation,
    SupportContact,
    WorkenvPolicy,
)
from samtal.workenv.services import ActionData, ContactData, ObservationData
from samtal.workenv.tests.factories import action, assess, held_talk, observation, outside_risk

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# Everyone but the two parties of the employee's talk (and the unit's manager, a party).
OUTSIDERS = ["colleague", "other_manager", "hr", "safety_rep", "admin_user"]
# Everyone but the manager keeping the department's register.
NOT_THE_UNITS_MANAGER = ["employee", "colleague", "other_manager", "hr", "safety_rep", "admin_user"]
NOT_ADMIN = ["employee", "manager", "hr", "safety_rep"]


def user_of(request: Any, who: str) -> Any:
    found = request.getfixturevalue(who)
    return getattr(found, "user", found)


def history(obj: Model) -> list[tuple[str, Any]]:
    rows = HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("created_at", "id")
    return [(row.action, row.actor_id) for row in rows]


def errors_of(raised: Any) -> dict[str, list[str]]:
    return dict(raised.value.message_dict)


TABLES: tuple[type[Model], ...] = (
    Observation,
    Action,
    AnnualFollowUp,
    WorkenvPolicy,
    SupportContact,
    HistoryEntry,
    OutgoingEmail,
)


@contextmanager
def unchanged() -> Iterator[None]:
    """Asserts that the block wrote nothing in the work-environment tables, the history and
    the email queue."""

    def snapshot() -> list[list[dict[str, Any]]]:
        return [list(model.objects.order_by("pk").values()) for model in TABLES]  # type: ignore[attr-defined]

    before = snapshot()
    yield
    assert snapshot() == before


@pytest.fixture
def talk(employee):
    return held_talk(employee)


@pytest.fixture
def risk(talk, manager):
    """An observation of the employee's talk, assessed by the manager."""
    return assess(observation(talk), manager)


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def action_data(**extra: Any) -> ActionData:
    fields: dict[str, Any] = {
        "what": "Move two courses to the spring.",
        "due_on": TODAY + dt.timedelta(days=30),
        "responsible_id": None,
        "responsible_other": "",
        "cost": Decimal(2000),
        "follow_up_on": TODAY + dt.timedelta(days=60),
    }
    fields.update(extra)
    return ActionData(**fields)


# --- observation_raise ----------------------------------------------------------------------


def test_the_employee_raises_an_observation_in_their_talk(talk, employee):
    item = services.observation_raise(
        actor=employee.user,
        talk=talk,
        data=ObservationData(
            category="workload",
            description="  Too many courses.  ",
            severity="high",
            description_may_leave=True,
        ),
    )
    assert item.raised_by == "employee"
    assert item.unit_id == talk.unit_id
    assert item.talk_id == talk.pk
    assert item.description == "Too many courses."
    assert item.severity == "high"
    assert item.description_may_leave is True
    assert item.handed_on is False
    assert item.observed_on == TODAY
    assert item.created_by == employee.user
    assert history(item) == [("observation_raised", employee.user.pk)]
    entry = HistoryEntry.objects.get(action="observation_raised")
    assert entry.changes == {"category": "workload", "severity": "high"}


def test_the_manager_raises_one_but_cannot_let_the_description_leave(talk, manager):
    item = services.observation_raise(
        actor=manager.user,
        talk=talk,
        data=ObservationData(
            category="clarity",
            description="Unclear priorities.",
            severity="medium",
            description_may_leave=True,
        ),
    )
    assert item.raised_by == "manager"
    assert item.description_may_leave is False


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_raises_an_observation_in_the_talk(request, who, talk):
    with unchanged(), pytest.raises(PermissionDenied):
        services.observation_raise(
            actor=user_of(request, who),
            talk=talk,
            data=ObservationData(category="workload", description="x", severity="low"),
        )


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (TalkStatus.OFFERED, False),
        (TalkStatus.BOOKED, False),
        (TalkStatus.HELD, True),
        (TalkStatus.AGREED, True),
        (TalkStatus.DECLINED, False),
        (TalkStatus.CANCELLED, False),
    ],
)
def test_observations_are_raised_once_the_talk_is_held(status, allowed, employee):
    talk = booked_talk(employee)
    Talk.objects.filter(pk=talk.pk).update(status=status)
    talk.refresh_from_db()
    data = ObservationData(category="workload", description="x", severity="low")
    if allowed:
        assert services.observation_raise(actor=employee.user, talk=talk, data=data).pk
    else:
        with unchanged(), pytest.raises(TransitionRefused) as refused:
            services.observation_raise(actor=employee.user, talk=talk, data=data)
        assert "once the talk has been held" in refused.value.problems[0]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (ObservationData(category="weather", severity="low"), "category", "Choose the category"),
        (ObservationData(category="workload", description="x"), "severity", "how serious"),
        (
            ObservationData(category="workload", description="x\x00", severity="low"),
            "description",
            "NUL",
        ),
        (
            ObservationData(category="workload", description="x" * 4001, severity="low"),
            "description",
            "at most 4000",
        ),
        (
            ObservationData(category="victimisation", description="What happened"),
            "description",
            "keeps no details",
        ),
    ],
)
def test_bad_observations_are_refused_at_the_field(talk, employee, data, field, message):
    with unchanged(), pytest.raises(ValidationError) as raised:
        services.observation_raise(actor=employee.user, talk=talk, data=data)
    assert message in " ".join(errors_of(raised)[field])


@pytest.mark.parametrize("category", ["victimisation", "discrimination"])
def test_a_routine_category_keeps_no_details_and_is_handed_on(talk, employee, category):
    item = services.observation_raise(
        actor=employee.user,
        talk=talk,
        data=ObservationData(category=category, severity="high", description_may_leave=True),
    )
    assert (item.description, item.severity) == ("", "")
    assert item.handed_on is True
    assert item.description_may_leave is False


def test_the_question_must_be_a_work_environment_question_of_the_talk(talk, employee):
    own = Question.objects.get(
        section__version_id=talk.template_version_id, raises_observation=True
    )
    item = services.observation_raise(
        actor=employee.user,
        talk=talk,
        data=ObservationData(category="workload", severity="low", question_id=own.pk),
    )
    assert item.question_id == own.pk
    not_flagged = Question.objects.filter(
        section__version_id=talk.template_version_id, raises_observation=False
    ).first()
    other_version = Question.objects.exclude(section__version_id=talk.template_version_id).first()
    for question in (not_flagged, other_version):
        if question is None:
            continue
        with unchanged(), pytest.raises(ValidationError) as raised:
            services.observation_raise(
                actor=employee.user,
                talk=talk,
                data=ObservationData(category="workload", severity="low", question_id=question.pk),
            )
        assert "question" in errors_of(raised)


# --- observation_update ---------------------------------------------------------------------


def test_either_party_changes_the_observation_with_a_history_row(talk, employee, manager):
    item = observation(talk, may_leave=True)
    changed = services.observation_update(
        actor=manager.user,
        observation=item,
        data=ObservationData(category="hours", description="Late meetings.", severity="medium"),
        revision=item.revision,
    )
    assert (changed.category, changed.description, changed.severity) == (
        "hours",
        "Late meetings.",
        "medium",
    )
    # The employee allowed their own words to leave the talk, not the manager's.
    assert changed.description_may_leave is False
    assert changed.revision == item.revision + 1
    assert history(item)[-1] == ("observation_changed", manager.user.pk)
    entry = HistoryEntry.objects.filter(action="observation_changed").get()
    assert entry.changes["category"] == ["workload", "hours"]

    again = services.observation_update(
        actor=employee.user,
        observation=changed,
        data=ObservationData(category="hours", description="Late meetings.", severity="medium"),
        revision=changed.revision,
    )
    assert again.description_may_leave is False


def test_the_manager_changing_only_the_severity_keeps_the_permission(talk, manager):
    item = observation(talk, may_leave=True)
    changed = services.observation_update(
        actor=manager.user,
        observation=item,
        data=ObservationData(category=item.category, description=item.description, severity="low"),
        revision=item.revision,
    )
    assert (changed.severity, changed.description_may_leave) == ("low", True)


def test_changing_to_a_routine_category_drops_the_details(talk, employee):
    item = observation(talk, may_leave=True)
    changed = services.observation_update(
        actor=employee.user,
        observation=item,
        data=ObservationData(category="discrimination", description_may_leave=True),
        revision=item.revision,
    )
    assert (changed.description, changed.severity, changed.handed_on) == ("", "", True)
    assert changed.description_may_leave is False


def test_a_stale_observation_form_is_refused(talk, employee, manager):
    item = observation(talk)
    services.observation_update(
        actor=manager.user,
        observation=item,
        data=ObservationData(category="hours", description="x", severity="low"),
        revision=item.revision,
    )
    with unchanged(), pytest.raises(EditConflict) as conflict:
        services.observation_update(
            actor=employee.user,
            observation=item,
            data=ObservationData(category="clarity", description="y", severity="low"),
            revision=item.revision,
        )
    assert isinstance(conflict.value.current, Observation)
    assert conflict.value.current.category == "hours"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_changes_the_observation(request, who, talk):
    item = observation(talk)
    with unchanged(), pytest.raises(PermissionDenied):
        services.observation_update(
            actor=user_of(request, who),
            observation=item,
            data=ObservationData(category="hours", description="x", severity="low"),
            revision=item.revision,
        )


def test_a_risk_found_outside_the_talks_is_not_changed_as_an_observation(dept, manager, employee):
    item = outside_risk(dept, manager)
    with unchanged(), pytest.raises(PermissionDenied):
        services.observation_update(
            actor=manager.user,
            observation=item,
            data=ObservationData(category="hours", description="x", severity="low"),
            revision=item.revision,
        )


# --- observation_set_consent ----------------------------------------------------------------


def test_only_the_employee_lets_the_description_leave(talk, employee, manager):
    item = observation(talk)
    with unchanged(), pytest.raises(PermissionDenied):
        services.observation_set_consent(
            actor=manager.user, observation=item, may_leave=True, revision=item.revision
        )
    allowed = services.observation_set_consent(
        actor=employee.user, observation=item, may_leave=True, revision=item.revision
    )
    assert allowed.description_may_leave is True
    assert history(item)[-1] == ("observation_consent", employee.user.pk)
    taken_back = services.observation_set_consent(
        actor=employee.user, observation=allowed, may_leave=False, revision=allowed.revision
    )
    assert taken_back.description_may_leave is False


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_gives_consent(request, who, talk):
    item = observation(talk)
    with unchanged(), pytest.raises(PermissionDenied):
        services.observation_set_consent(
            actor=user_of(request, who), observation=item, may_leave=True, revision=item.revision
        )


def test_consent_is_refused_for_a_routine_category_and_a_stale_form(talk, employee):
    routine = observation(talk, category="victimisation")
    with unchanged(), pytest.raises(TransitionRefused):
        services.observation_set_consent(
            actor=employee.user, observation=routine, may_leave=True, revision=routine.revision
        )
    item = observation(talk)
    with unchanged(), pytest.raises(EditConflict):
        services.observation_set_consent(
            actor=employee.user, observation=item, may_leave=True, revision=item.revision + 1
        )


# --- observation_withdraw -------------------------------------------------------------------


@pytest.mark.parametrize("by", ["employee", "manager"])
def test_a_party_withdraws_an_observation_before_it_is_assessed(request, talk, by):
    item = observation(talk)
    actor = user_of(request, by)
    withdrawn = services.observation_withdraw(actor=actor, observation=item, revision=item.revision)
    assert withdrawn.withdrawn_at is not None
    assert history(item)[-1] == ("observation_withdrawn", actor.pk)
    with unchanged(), pytest.raises(TransitionRefused):
        services.observation_withdraw(
            actor=actor, observation=withdrawn, revision=withdrawn.revision
        )
    # A withdrawn observation is neither changed nor assessed.
    with unchanged(), pytest.raises(TransitionRefused):
        services.observation_update(
            actor=actor,
            observation=withdrawn,
            data=ObservationData(category="hours", description="x", severity="low"),
            revision=withdrawn.revision,
        )


def test_an_assessed_observation_stays_in_the_register(talk, employee, manager):
    item = assess(observation(talk), manager)
    with unchanged(), pytest.raises(TransitionRefused) as refused:
        services.observation_withdraw(actor=employee.user, observation=item, revision=item.revision)
    assert "stays in the unit's register" in refused.value.problems[0]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_withdraws(request, who, talk):
    item = observation(talk)
    with unchanged(), pytest.raises(PermissionDenied):
        services.observation_withdraw(
            actor=user_of(request, who), observation=item, revision=item.revision
        )


def test_a_stale_withdrawal_is_refused(talk, employee):
    item = observation(talk)
    with unchanged(), pytest.raises(EditConflict):
        services.observation_withdraw(
            actor=employee.user, observation=item, revision=item.revision - 1
        )


# --- risk_add -------------------------------------------------------------------------------


def test_the_units_manager_adds_a_risk_found_outside_the_talks(dept, manager, employee):
    item = services.risk_add(
        actor=manager.user,
        unit=dept,
        data=ObservationData(category="physical", description="Poor light.", severity="low"),
    )
    assert (item.raised_by, item.talk_id, item.unit_id) == ("unit", None, dept.pk)
    assert item.description_leaves
    assert history(item) == [("observation_raised", manager.user.pk)]


@pytest.mark.parametrize("who", NOT_THE_UNITS_MANAGER)
def test_nobody_else_adds_a_risk_to_the_unit(request, who, dept, manager, employee):
    with unchanged(), pytest.raises(PermissionDenied):
        services.risk_add(
            actor=user_of(request, who),
            unit=dept,
            data=ObservationData(category="physical", description="x", severity="low"),
        )


def test_a_risk_found_outside_the_talks_needs_a_description(dept, manager, employee):
    with unchanged(), pytest.raises(ValidationError) as raised:
        services.risk_add(
            actor=manager.user, unit=dept, data=ObservationData(category="physical", severity="low")
        )
    assert errors_of(raised)["description"] == ["Describe the risk."]


# --- risk_assess ----------------------------------------------------------------------------


def assess_with(item: Observation, actor: Any, **extra: Any) -> Observation:
    """Assess `item` as `actor` (likelihood 2, consequence 4 unless given), on its current
    revision unless `revision` is given."""
    current = fresh(item)
    fields: dict[str, Any] = {
        "likelihood": 2,
        "consequence": 4,
        "no_action_reason": "",
        "revision": current.revision,
        **extra,
    }
    return services.risk_assess(actor=actor, observation=current, **fields)


def test_the_manager_assesses_with_the_default_matrix(talk, manager):
    item = observation(talk)
    assessed = assess_with(item, manager.user)
    assert (assessed.likelihood, assessed.consequence) == (2, 4)
    assert assessed.risk_level == DEFAULT_RISK_MATRIX[1][3] == "high"
    assert assessed.assessed_at is not None
    assert assessed.assessed_by == manager.user
    assert history(item)[-1] == ("risk_assessed", manager.user.pk)


def test_the_level_comes_from_the_configured_matrix(talk, manager, admin_user):
    policy = WorkenvPolicy.current()
    matrix = [["low"] * 4 for _row in range(4)]
    matrix[1][3] = "medium"
    services.workenv_policy_update(
        actor=admin_user,
        routine_sv=policy.routine_sv,
        routine_en=policy.routine_en,
        risk_matrix=matrix,
        revision=policy.revision,
    )
    item = observation(talk)
    assert assess_with(item, manager.user).risk_level == "medium"
    assert assess_with(item, manager.user, likelihood=4, consequence=4).risk_level == "low"


def test_a_risk_keeps_its_level_when_the_matrix_changes(talk, manager, admin_user):
    item = assess_with(observation(talk), manager.user)
    policy = WorkenvPolicy.current()
    services.workenv_policy_update(
        actor=admin_user,
        routine_sv=policy.routine_sv,
        routine_en=policy.routine_en,
        risk_matrix=[["low"] * 4 for _row in range(4)],
        revision=policy.revision,
    )
    assert fresh(item).risk_level == "high"


@pytest.mark.parametrize(
    ("likelihood", "consequence", "fields"),
    [
        (None, 2, {"likelihood"}),
        (0, 2, {"likelihood"}),
        (2, 5, {"consequence"}),
        (None, None, {"likelihood", "consequence"}),
    ],
)
def test_an_assessment_needs_likelihood_and_consequence(
    talk, manager, likelihood, consequence, fields
):
    item = observation(talk)
    with unchanged(), pytest.raises(ValidationError) as raised:
        assess_with(item, manager.user, likelihood=likelihood, consequence=consequence)
    assert set(errors_of(raised)) == fields


@pytest.mark.parametrize("who", NOT_THE_UNITS_MANAGER)
def test_nobody_else_assesses(request, who, talk, manager):
    item = observation(talk)
    with unchanged(), pytest.raises(PermissionDenied):
        assess_with(item, user_of(request, who))


def test_a_stale_assessment_is_refused(talk, manager):
    item = observation(talk)
    with unchanged(), pytest.raises(EditConflict):
        assess_with(item, manager.user, revision=item.revision + 1)


def test_a_withdrawn_observation_is_not_assessed(talk, employee, manager):
    item = observation(talk)
    services.observation_withdraw(actor=employee.user, observation=item, revision=item.revision)
    with unchanged(), pytest.raises(TransitionRefused):
        assess_with(item, manager.user)


def test_no_action_needs_no_open_action(risk, manager):
    reasoned = assess_with(risk, manager.user, no_action_reason="Handled by the new schedule.")
    assert reasoned.no_action_reason == "Handled by the new schedule."
    action(risk, manager)
    with unchanged(), pytest.raises(ValidationError) as raised:
        assess_with(risk, manager.user, no_action_reason="Nothing to do.")
    assert errors_of(raised)["no_action_reason"] == [
        "The risk has open actions; follow them up first."
    ]


# --- action_add -----------------------------------------------------------------------------


def test_the_manager_decides_an_action_and_the_responsible_is_told(risk, manager, employee):
    made = services.action_add(
        actor=manager.user, observation=risk, data=action_data(responsible_id=employee.pk)
    )
    assert made.unit_id == risk.unit_id
    assert made.responsible == employee
    assert made.status == "open"
    assert made.created_by == manager.user
    assert history(made) == [("action_added", manager.user.pk)]
    [email] = OutgoingEmail.objects.all()
    assert (email.kind, email.recipient_id) == ("action_assigned", employee.user_id)
    assert email.params == {"action": made.pk, "responsible": employee.pk}


def test_naming_oneself_sends_no_email(risk, manager):
    services.action_add(
        actor=manager.user, observation=risk, data=action_data(responsible_id=manager.pk)
    )
    assert not OutgoingEmail.objects.exists()


def test_someone_outside_samtal_can_be_responsible(risk, manager):
    made = services.action_add(
        actor=manager.user,
        observation=risk,
        data=action_data(responsible_other="  Facilities office "),
    )
    assert (made.responsible_id, made.responsible_other) == (None, "Facilities office")
    assert made.responsible_label == "Facilities office"


def test_an_action_clears_the_reason_for_no_action(risk, manager):
    assess_with(risk, manager.user, no_action_reason="Nothing needed.")
    services.action_add(
        actor=manager.user, observation=fresh(risk), data=action_data(responsible_id=manager.pk)
    )
    assert fresh(risk).no_action_reason == ""


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({}, "responsible", "Choose who is responsible"),
        ({"responsible_other": "   "}, "responsible", "Choose who is responsible"),
        ({"responsible_id": "manager", "due_on": None}, "due_on", "Give the date"),
        ({"responsible_id": "manager", "what": "  "}, "what", "Write what is to be done"),
        ({"responsible_id": "other_employee"}, "responsible", "a person of the unit"),
        (
            {"responsible_id": "manager", "follow_up_on": TODAY + dt.timedelta(days=1)},
            "follow_up_on",
            "after the action is done",
        ),
        ({"responsible_id": "manager", "cost": Decimal(-1)}, "cost", "Give a cost"),
        (
            {"responsible_id": "manager", "due_on": TODAY.replace(year=TODAY.year + 7)},
            "due_on",
            "years ahead",
        ),
    ],
)
def test_bad_actions_are_refused_at_the_field(request, risk, manager, extra, field, message):
    if "responsible_id" in extra:
        extra["responsible_id"] = request.getfixturevalue(extra["responsible_id"]).pk
    with unchanged(), pytest.raises(ValidationError) as raised:
        services.action_add(actor=manager.user, observation=risk, data=action_data(**extra))
    assert message in " ".join(errors_of(raised)[field])


def test_an_action_needs_an_assessed_risk(talk, manager):
    item = observation(talk)
    with unchanged(), pytest.raises(TransitionRefused) as refused:
        services.action_add(
            actor=manager.user, observation=item, data=action_data(responsible_id=manager.pk)
        )
    assert refused.value.problems == ["Assess the risk before deciding an action."]


@pytest.mark.parametrize("who", NOT_THE_UNITS_MANAGER)
def test_nobody_else_decides_an_action(request, who, risk, manager):
    with unchanged(), pytest.raises(PermissionDenied):
        services.action_add(
            actor=user_of(request, who),
            observation=risk,
            data=action_data(responsible_id=manager.pk),
        )


def test_a_new_action_replaces_only_one_that_was_not_effective(risk, manager):
    first = action(risk, manager)
    with unchanged(), pytest.raises(TransitionRefused):
        services.action_add(
            actor=manager.user,
            observation=risk,
            data=action_data(responsible_id=manager.pk),
            replaces=first,
        )
    first = services.action_follow_up(
        actor=manager.user,
        action=first,
        effective=False,
        outcome="Still late.",
        revision=first.revision,
    )
    second = services.action_add(
        actor=manager.user,
        observation=risk,
        data=action_data(responsible_id=manager.pk),
        replaces=first,
    )
    assert second.replaces_id == first.pk
    with unchanged(), pytest.raises(TransitionRefused) as refused:
        services.action_add(
            actor=manager.user,
            observation=risk,
            data=action_data(responsible_id=manager.pk),
            replaces=first,
        )
    assert refused.value.problems == ["That action has already been replaced."]


def test_an_action_of_another_risk_is_not_replaced(risk, talk, manager):
    first = action(risk, manager)
    first = services.action_follow_up(
        actor=manager.user, action=first, effective=False, outcome="No.", revision=first.revision
    )
    other = assess(observation(talk, category="hours"), manager)
    with unchanged(), pytest.raises(PermissionDenied):
        services.action_add(
            actor=manager.user,
            observation=other,
            data=action_data(responsible_id=manager.pk),
            replaces=first,
        )


# --- action_update --------------------------------------------------------------------------


def test_the_manager_changes_an_action_and_a_new_responsible_is_told(
    risk, manager, employee, colleague
):
    made = action(risk, manager, responsible=employee)
    changed = services.action_update(
        actor=manager.user,
        action=made,
        data=action_data(responsible_id=colleague.pk, what="Hire help."),
        revision=made.revision,
    )
    assert (changed.what, changed.responsible_id) == ("Hire help.", colleague.pk)
    assert changed.revision == made.revision + 1
    assert history(made)[-1] == ("action_changed", manager.user.pk)
    assert sorted(OutgoingEmail.objects.values_list("recipient_id", flat=True)) == sorted(
        [employee.user_id, colleague.user_id]
    )


def test_the_same_responsible_is_not_told_again(risk, manager, employee):
    made = action(risk, manager, responsible=employee)
    services.action_update(
        actor=manager.user,
        action=made,
        data=action_data(responsible_id=employee.pk, what="Another wording."),
        revision=made.revision,
    )
    assert OutgoingEmail.objects.count() == 1


def test_a_stale_or_closed_action_is_not_changed(risk, manager):
    made = action(risk, manager)
    with unchanged(), pytest.raises(EditConflict):
        services.action_update(
            actor=manager.user,
            action=made,
            data=action_data(responsible_id=manager.pk),
            revision=made.revision + 1,
        )
    done = services.action_follow_up(
        actor=manager.user, action=made, effective=True, outcome="Done.", revision=made.revision
    )
    with unchanged(), pytest.raises(TransitionRefused) as refused:
        services.action_update(
            actor=manager.user,
            action=done,
            data=action_data(responsible_id=manager.pk),
            revision=done.revision,
        )
    assert refused.value.problems == ["The action has been followed up and is closed."]


@pytest.mark.parametrize("who", NOT_THE_UNITS_MANAGER)
def test_nobody_else_changes_an_action(request, who, risk, manager):
    made = action(risk, manager)
    with unchanged(), pytest.raises(PermissionDenied):
        services.action_update(
            actor=user_of(request, who),
            action=made,
            data=action_data(responsible_id=manager.pk),
            revision=made.revision,
        )


def test_an_action_without_a_date_is_refused_on_change_too(risk, manager):
    made = action(risk, manager)
    with unchanged(), pytest.raises(ValidationError) as raised:
        services.action_update(
            actor=manager.user,
            action=made,
            data=action_data(responsible_id=None, due_on=None),
            revision=made.revision,
        )
    assert set(errors_of(raised)) == {"responsible", "due_on"}


# --- action_start and action_follow_up ------------------------------------------------------


def test_an_action_is_started_once(risk, manager):
    made = action(risk, manager)
    started = services.action_start(actor=manager.user, action=made, revision=made.revision)
    assert started.status == "in_progress"
    assert history(made)[-1] == ("action_started", manager.user.pk)
    with unchanged(), pytest.raises(TransitionRefused) as refused:
        services.action_start(actor=manager.user, action=started, revision=started.revision)
    assert "in progress cannot be marked that way" in refused.value.problems[0]


def test_a_stale_start_is_refused(risk, manager):
    made = action(risk, manager)
    with unchanged(), pytest.raises(EditConflict):
        services.action_start(actor=manager.user, action=made, revision=made.revision + 1)


@pytest.mark.parametrize("who", NOT_THE_UNITS_MANAGER)
def test_nobody_else_starts_or_follows_up(request, who, risk, manager):
    made = action(risk, manager)
    actor = user_of(request, who)
    with unchanged(), pytest.raises(PermissionDenied):
        services.action_start(actor=actor, action=made, revision=made.revision)
    with unchanged(), pytest.raises(PermissionDenied):
        services.action_follow_up(
            actor=actor, action=made, effective=True, outcome="x", revision=made.revision
        )


@pytest.mark.parametrize(("effective", "status"), [(True, "done"), (False, "not_effective")])
def test_the_follow_up_closes_the_action(risk, manager, effective, status):
    made = services.action_start(actor=manager.user, action=action(risk, manager), revision=1)
    closed = services.action_follow_up(
        actor=manager.user,
        action=made,
        effective=effective,
        outcome=" Workload down. ",
        revision=made.revision,
    )
    assert (closed.status, closed.outcome) == (status, "Workload down.")
    assert closed.followed_up_by == manager.user
    assert closed.followed_up_at is not None
    assert closed.is_closed
    assert history(made)[-1] == ("action_followed_up", manager.user.pk)


def test_a_follow_up_needs_an_outcome(risk, manager):
    made = action(risk, manager)
    with unchanged(), pytest.raises(ValidationError) as raised:
        services.action_follow_up(
            actor=manager.user, action=made, effective=True, outcome="  ", revision=made.revision
        )
    assert errors_of(raised)["outcome"] == ["Write what the follow-up showed."]


@pytest.mark.parametrize("first", [True, False])
def test_a_closed_action_is_not_followed_up_again(risk, manager, first):
    made = action(risk, manager)
    closed = services.action_follow_up(
        actor=manager.user, action=made, effective=first, outcome="Done.", revision=made.revision
    )
    for effective in (True, False):
        with unchanged(), pytest.raises(TransitionRefused) as refused:
            services.action_follow_up(
                actor=manager.user,
                action=closed,
                effective=effective,
                outcome="Again.",
                revision=closed.revision,
            )
        assert refused.value.problems == ["The action has been followed up and is closed."]
    with unchanged(), pytest.raises(TransitionRefused):
        services.action_start(actor=manager.user, action=closed, revision=closed.revision)


def test_a_stale_follow_up_is_refused(risk, manager):
    made = action(risk, manager)
    with unchanged(), pytest.raises(EditConflict):
        services.action_follow_up(
            actor=manager.user, action=made, effective=True, outcome="x", revision=made.revision - 1
        )


# --- annual_follow_up_save ------------------------------------------------------------------


def test_the_manager_writes_the_annual_summary(dept, manager, employee):
    first = services.annual_follow_up_save(
        actor=manager.user, unit=dept, year=TODAY.year, summary=" A calmer year. ", revision=0
    )
    assert (first.summary, first.revision, first.updated_by) == ("A calmer year.", 1, manager.user)
    assert history(first) == [("annual_follow_up_saved", manager.user.pk)]
    second = services.annual_follow_up_save(
        actor=manager.user, unit=dept, year=TODAY.year, summary="Better.", revision=1
    )
    assert (second.pk, second.summary, second.revision) == (first.pk, "Better.", 2)
    with unchanged(), pytest.raises(EditConflict) as conflict:
        services.annual_follow_up_save(
            actor=manager.user, unit=dept, year=TODAY.year, summary="Stale.", revision=1
        )
    assert conflict.value.current.summary == "Better."  # type: ignore[union-attr]


@pytest.mark.parametrize("who", NOT_THE_UNITS_MANAGER)
def test_nobody_else_writes_the_annual_summary(request, who, dept, manager, employee):
    with unchanged(), pytest.raises(PermissionDenied):
        services.annual_follow_up_save(
            actor=user_of(request, who), unit=dept, year=TODAY.year, summary="x", revision=0
        )


# --- the employer's settings ----------------------------------------------------------------


def policy_update(actor: Any, **extra: Any) -> WorkenvPolicy:
    policy = WorkenvPolicy.current()
    fields: dict[str, Any] = {
        "routine_sv": "Vänd dig till HR.",
        "routine_en": "Turn to HR.",
        "risk_matrix": [row[:] for row in DEFAULT_RISK_MATRIX],
        "revision": policy.revision,
    }
    fields.update(extra)
    return services.workenv_policy_update(actor=actor, **fields)


def test_the_admin_sets_the_routine_and_the_matrix(admin_user):
    matrix = [["high"] * 4 for _row in range(4)]
    policy = policy_update(admin_user, risk_matrix=matrix)
    assert (policy.routine_sv, policy.routine_en) == ("Vänd dig till HR.", "Turn to HR.")
    assert policy.risk_matrix == matrix
    assert policy.risk_level(1, 1) == "high"
    assert policy.revision == 2
    assert history(policy) == [("workenv_policy_changed", admin_user.pk)]


@pytest.mark.parametrize("who", NOT_ADMIN)
def test_nobody_else_changes_the_settings(request, who):
    WorkenvPolicy.current()
    with unchanged(), pytest.raises(PermissionDenied):
        policy_update(user_of(request, who))


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"routine_sv": "  "}, "routine_sv"),
        ({"routine_en": ""}, "routine_en"),
        ({"risk_matrix": [["low"] * 4] * 3}, "risk_matrix"),
        ({"risk_matrix": [["low", "low", "low", "extreme"]] * 4}, "risk_matrix"),
        ({"risk_matrix": "low"}, "risk_matrix"),
    ],
)
def test_bad_settings_are_refused(admin_user, extra, field):
    WorkenvPolicy.current()
    with unchanged(), pytest.raises(ValidationError) as raised:
        policy_update(admin_user, **extra)
    assert list(errors_of(raised)) == [field]


def test_stale_settings_are_refused(admin_user):
    policy_update(admin_user, revision=1)
    with unchanged(), pytest.raises(EditConflict) as conflict:
        policy_update(admin_user, routine_en="Mine.", revision=1)
    assert conflict.value.current.routine_en == "Turn to HR."  # type: ignore[union-attr]


def contact_data(**extra: Any) -> ContactData:
    fields: dict[str, Any] = {
        "name_sv": "HR-avdelningen",
        "name_en": "HR office",
        "details_sv": "Ring 090-100",
        "details_en": "Call 090-100",
        "url": "mailto:hr@example.se",
        "position": 1,
    }
    fields.update(extra)
    return ContactData(**fields)


def test_the_admin_adds_changes_and_removes_a_contact(admin_user):
    contact = services.support_contact_save(actor=admin_user, data=contact_data())
    assert (contact.name_en, contact.url, contact.position) == (
        "HR office",
        "mailto:hr@example.se",
        1,
    )
    changed = services.support_contact_save(
        actor=admin_user, data=contact_data(name_en="  HR  ", url=""), contact=contact
    )
    assert (changed.pk, changed.name_en, changed.url) == (contact.pk, "HR", "")
    services.support_contact_delete(actor=admin_user, contact=changed)
    assert not SupportContact.objects.exists()


@pytest.mark.parametrize("who", NOT_ADMIN)
def test_nobody_else_manages_contacts(request, who, admin_user):
    contact = services.support_contact_save(actor=admin_user, data=contact_data())
    actor = user_of(request, who)
    with unchanged(), pytest.raises(PermissionDenied):
        services.support_contact_save(actor=actor, data=contact_data())
    with unchanged(), pytest.raises(PermissionDenied):
        services.support_contact_save(actor=actor, data=contact_data(), contact=contact)
    with unchanged(), pytest.raises(PermissionDenied):
        services.support_contact_delete(actor=actor, contact=contact)


@pytest.mark.parametrize(
    ("extra", "fields"),
    [
        ({"name_sv": " "}, {"name_sv"}),
        ({"name_sv": "", "name_en": ""}, {"name_sv", "name_en"}),
        ({"url": "javascript:alert(1)"}, {"url"}),
        ({"url": "www.example.se"}, {"url"}),
        ({"details_en": "x\x00"}, {"details_en"}),
    ],
)
def test_bad_contacts_are_refused(admin_user, extra, fields):
    with unchanged(), pytest.raises(ValidationError) as raised:
        services.support_contact_save(actor=admin_user, data=contact_data(**extra))
    assert set(errors_of(raised)) == fields
