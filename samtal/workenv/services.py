"""Writes for the work environment: observations from talks, risks found outside them, the
manager's risk assessment and actions with their follow-up, the annual summary, and the
employer's settings.

Every change is checked against workenv.permissions, made in a transaction on a locked row,
refused when the form is stale (EditConflict) and written to the object's history. History of
an observation is shown to the talk's parties only: it names who registered it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samtal.accounts.permissions import get_roles
from samtal.core.exceptions import EditConflict, TransitionRefused
from samtal.core.services import history_record
from samtal.core.text import clean_text
from samtal.organisation.models import Person, Unit
from samtal.talk_templates.models import Question
from samtal.talks.models import Talk
from samtal.workenv.models import (
    ACTION_TRANSITIONS,
    OPEN_ACTION_STATUSES,
    ROUTINE_CATEGORIES,
    Action,
    ActionStatus,
    AnnualFollowUp,
    Category,
    Consequence,
    Likelihood,
    Observation,
    Party,
    Severity,
    SupportContact,
    WorkenvPolicy,
    validate_risk_matrix,
)
from samtal.workenv.permissions import (
    can_keep_register,
    can_manage_settings,
    can_observe,
    talk_party,
)

MAX_DESCRIPTION = 4000
MAX_TEXT = 2000
MAX_REASON = 4000
MAX_SUMMARY = 10000
MAX_ROUTINE = 10000
MAX_COST = Decimal("1000000000")
# A date further ahead than this is surely a typing error in the year.
MAX_YEARS_AHEAD = 5
MAX_YEARS_BACK = 2

Row = TypeVar("Row", bound=models.Model)


# --- what a form sends ----------------------------------------------------------------------


@dataclass
class ObservationData:
    category: str
    description: str = ""
    severity: str = ""
    description_may_leave: bool = False  # taken from the employee only
    question_id: int | None = None


@dataclass
class ActionData:
    what: str
    due_on: date | None
    responsible_id: int | None = None
    responsible_other: str = ""
    cost: Decimal | None = None
    follow_up_on: date | None = None


# --- shared ---------------------------------------------------------------------------------


def _locked(row: Row, revision: int | None) -> Row:
    current = type(row)._default_manager.select_for_update().get(pk=row.pk)
    if revision is not None and current.revision != revision:  # type: ignore[attr-defined]
        raise EditConflict(current)
    return current


def _diff(row: models.Model, new: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [getattr(row, name), value]
        for name, value in new.items()
        if getattr(row, name) != value
    }


def _apply(row: Row, fields: dict[str, Any], actor: Any, action: str) -> dict[str, list[Any]]:
    """Save the changed fields of a locked row with one history row; nothing if nothing."""
    changes = _diff(row, fields)
    if changes:
        for name, value in fields.items():
            setattr(row, name, value)
        row.revision += 1  # type: ignore[attr-defined]
        row.save(update_fields=[*fields, "revision", "updated_at"])
        history_record(obj=row, actor=actor, action=action, changes=changes)
    return changes


def _check_date(errors: dict[str, list[str]], name: str, value: date | None) -> None:
    if value is None:
        return
    this_year = timezone.localdate().year
    if value.year > this_year + MAX_YEARS_AHEAD:
        errors[name] = [
            _("The date is more than %(years)d years ahead.") % {"years": MAX_YEARS_AHEAD}
        ]
    elif value.year < this_year - MAX_YEARS_BACK:
        errors[name] = [
            _("The date is more than %(years)d years back.") % {"years": MAX_YEARS_BACK}
        ]


# --- observations ---------------------------------------------------------------------------


def _clean_observation(data: ObservationData, *, talk: Talk | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    description = clean_text(data.description, limit=MAX_DESCRIPTION, field="description").strip()
    fields: dict[str, Any] = {"category": data.category}
    if data.category not in Category.values:
        errors["category"] = [_("Choose the category of the observation.")]
    elif data.category in ROUTINE_CATEGORIES:
        if description:
            errors["description"] = [
                _(
                    "For victimisation, harassment and discrimination Samtal keeps no "
                    "details: empty the description and follow the routine shown."
                )
            ]
        fields.update(description="", severity="", handed_on=True, description_may_leave=False)
    else:
        if talk is None and not description:
            errors["description"] = [_("Describe the risk.")]
        if data.severity not in Severity.values:
            errors["severity"] = [_("Choose how serious the matter is.")]
        fields.update(description=description, severity=data.severity, handed_on=False)
    if talk is not None:
        question = None
        if data.question_id is not None:
            question = Question.objects.filter(
                pk=data.question_id,
                section__version_id=talk.template_version_id,
                raises_observation=True,
            ).first()
            if question is None:
                errors["question"] = [
                    _("The question is not one of this talk's work-environment questions.")
                ]
        fields["question"] = question
    if errors:
        raise ValidationError(errors)
    return fields


def observation_raise(*, actor: Any, talk: Talk, data: ObservationData) -> Observation:
    """Register an observation in `talk` by one of its parties. Only the employee can let the
    description leave the talk; a routine category keeps no details."""
    with transaction.atomic():
        talk = Talk.objects.select_for_update().get(pk=talk.pk)
        roles = get_roles(actor)
        party = talk_party(roles, talk)
        if not party:
            raise PermissionDenied
        if not can_observe(roles, talk):
            raise TransitionRefused([_("Observations are registered once the talk has been held.")])
        fields = _clean_observation(data, talk=talk)
        if party == Party.EMPLOYEE and fields["category"] not in ROUTINE_CATEGORIES:
            fields["description_may_leave"] = bool(data.description_may_leave)
        else:
            fields["description_may_leave"] = False
        observation = Observation.objects.create(
            unit_id=talk.unit_id,
            talk=talk,
            raised_by=party,
            observed_on=timezone.localdate(),
            created_by=actor,
            **fields,
        )
        history_record(
            obj=observation,
            actor=actor,
            action="observation_raised",
            changes={"category": observation.category, "severity": observation.severity},
        )
    return observation


def _party_lock(
    actor: Any, observation: Observation, revision: int | None
) -> tuple[str, Observation]:
    if observation.talk_id is None:
        raise PermissionDenied
    party = talk_party(get_roles(actor), observation.talk)  # type: ignore[arg-type]
    if not party:
        raise PermissionDenied
    current = _locked(observation, revision)
    if current.withdrawn_at is not None:
        raise TransitionRefused([_("The observation was withdrawn.")])
    return party, current


def observation_update(
    *, actor: Any, observation: Observation, data: ObservationData, revision: int
) -> Observation:
    """Change an observation of the talk (either party). The employee's permission for the
    description covers the text they allowed: when the manager changes the description, the
    permission lapses until the employee gives it again."""
    with transaction.atomic():
        party, current = _party_lock(actor, observation, revision)
        fields = _clean_observation(data, talk=current.talk)
        fields.pop("question", None)
        if fields["category"] not in ROUTINE_CATEGORIES:
            if party == Party.EMPLOYEE:
                fields["description_may_leave"] = bool(data.description_may_leave)
            elif fields["description"] != current.description:
                fields["description_may_leave"] = False
            else:
                fields["description_may_leave"] = current.description_may_leave
        _apply(current, fields, actor, "observation_changed")
    return current


def observation_set_consent(
    *, actor: Any, observation: Observation, may_leave: bool, revision: int
) -> Observation:
    """The employee allows the description to leave the talk (the unit register shows it,
    without name), or takes the permission back."""
    with transaction.atomic():
        party, current = _party_lock(actor, observation, revision)
        if party != Party.EMPLOYEE:
            raise PermissionDenied
        if current.is_routine:
            raise TransitionRefused([_("This observation keeps no description.")])
        _apply(current, {"description_may_leave": may_leave}, actor, "observation_consent")
    return current


def observation_withdraw(*, actor: Any, observation: Observation, revision: int) -> Observation:
    """Withdraw an observation registered by mistake, before the manager has assessed it."""
    with transaction.atomic():
        _party, current = _party_lock(actor, observation, revision)
        if current.assessed_at is not None or current.actions.exists():
            raise TransitionRefused(
                [_("The risk has been assessed; the observation stays in the unit's register.")]
            )
        current.withdrawn_at = timezone.now()
        current.revision += 1
        current.save(update_fields=["withdrawn_at", "revision", "updated_at"])
        history_record(obj=current, actor=actor, action="observation_withdrawn")
    return current


# --- the unit register ----------------------------------------------------------------------


def _require_register(actor: Any, unit: Unit) -> None:
    if not can_keep_register(get_roles(actor), unit):
        raise PermissionDenied


def risk_add(*, actor: Any, unit: Unit, data: ObservationData) -> Observation:
    """A risk the unit's manager found outside the talks (a safety round, an incident): the
    same fields as an observation, with a description."""
    with transaction.atomic():
        _require_register(actor, unit)
        fields = _clean_observation(data, talk=None)
        observation = Observation.objects.create(
            unit=unit,
            raised_by=Party.UNIT,
            observed_on=timezone.localdate(),
            created_by=actor,
            **fields,
        )
        history_record(
            obj=observation,
            actor=actor,
            action="observation_raised",
            changes={"category": observation.category, "severity": observation.severity},
        )
    return observation


def risk_assess(
    *,
    actor: Any,
    observation: Observation,
    likelihood: int | None,
    consequence: int | None,
    no_action_reason: str,
    revision: int,
) -> Observation:
    """The unit's manager assesses a risk: likelihood × consequence gives the level through
    the employer's matrix. A reason for no action may be documented here."""
    with transaction.atomic():
        _require_register(actor, observation.unit)
        reason = clean_text(no_action_reason, limit=MAX_REASON, field="no_action_reason").strip()
        errors: dict[str, list[str]] = {}
        if likelihood not in Likelihood.values:
            errors["likelihood"] = [_("Choose the likelihood (1–4).")]
        if consequence not in Consequence.values:
            errors["consequence"] = [_("Choose the consequence (1–4).")]
        if errors:
            raise ValidationError(errors)
        assert likelihood is not None
        assert consequence is not None
        current = _locked(observation, revision)
        if current.withdrawn_at is not None:
            raise TransitionRefused([_("The observation was withdrawn.")])
        if reason and current.actions.filter(status__in=OPEN_ACTION_STATUSES).exists():
            raise ValidationError(
                {"no_action_reason": [_("The risk has open actions; follow them up first.")]}
            )
        level = WorkenvPolicy.current().risk_level(likelihood, consequence)
        fields: dict[str, Any] = {
            "likelihood": likelihood,
            "consequence": consequence,
            "risk_level": level,
            "no_action_reason": reason,
        }
        if _apply(current, fields, actor, "risk_assessed") or current.assessed_at is None:
            current.assessed_at = timezone.now()
            current.assessed_by = actor
            current.save(update_fields=["assessed_at", "assessed_by", "updated_at"])
    return current


def action_responsible_q(unit: Unit, actor: Any) -> models.Q:
    """Who may be named responsible: the manager and the active people of the unit."""
    q = models.Q(unit=unit, is_active=True)
    person_id = get_roles(actor).person_id
    if person_id is not None:
        q |= models.Q(pk=person_id)
    return q


def _clean_action(actor: Any, unit: Unit, data: ActionData) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    what = clean_text(data.what, limit=MAX_TEXT, field="what").strip()
    other = clean_text(data.responsible_other, limit=200, field="responsible_other").strip()
    if not what:
        errors["what"] = [_("Write what is to be done.")]
    responsible = None
    if data.responsible_id is not None:
        responsible = (
            Person.objects.filter(action_responsible_q(unit, actor))
            .filter(pk=data.responsible_id)
            .first()
        )
        if responsible is None:
            errors["responsible"] = [_("Choose a person of the unit, or write who is responsible.")]
    elif not other:
        errors["responsible"] = [_("Choose who is responsible, or write a person or function.")]
    if data.due_on is None:
        errors["due_on"] = [_("Give the date by which the action is to be done.")]
    _check_date(errors, "due_on", data.due_on)
    _check_date(errors, "follow_up_on", data.follow_up_on)
    if data.follow_up_on and data.due_on and data.follow_up_on < data.due_on:
        errors["follow_up_on"] = [_("The follow-up comes after the action is done.")]
    if data.cost is not None and not Decimal(0) <= data.cost <= MAX_COST:
        errors["cost"] = [_("Give a cost from 0 to %(high)s SEK.") % {"high": MAX_COST}]
    if errors:
        raise ValidationError(errors)
    return {
        "what": what,
        "responsible": responsible,
        "responsible_other": "" if responsible else other,
        "due_on": data.due_on,
        "cost": data.cost,
        "follow_up_on": data.follow_up_on,
    }


def action_add_problems(*, observation: Observation, replaces: Action | None) -> list[str]:
    """Why no action can be decided now (empty when one can): the forms offer the step only
    when this is empty, and action_add refuses with it."""
    if observation.withdrawn_at is not None:
        return [_("The observation was withdrawn.")]
    if observation.assessed_at is None:
        return [_("Assess the risk before deciding an action.")]
    if replaces is not None:
        if replaces.status != ActionStatus.NOT_EFFECTIVE:
            return [_("Only an action that was not effective is replaced by a new one.")]
        if Action.objects.filter(replaces=replaces).exists():
            return [_("That action has already been replaced.")]
    return []


def action_add(
    *, actor: Any, observation: Observation, data: ActionData, replaces: Action | None = None
) -> Action:
    """Decide an action for an assessed risk; `replaces` an action that was not effective."""
    with transaction.atomic():
        _require_register(actor, observation.unit)
        current = _locked(observation, None)
        if replaces is not None:
            replaces = _locked(replaces, None)
            if replaces.observation_id != current.pk:
                raise PermissionDenied
        problems = action_add_problems(observation=current, replaces=replaces)
        if problems:
            raise TransitionRefused(problems)
        fields = _clean_action(actor, current.unit, data)
        action = Action.objects.create(
            observation=current,
            unit_id=current.unit_id,
            replaces=replaces,
            created_by=actor,
            **fields,
        )
        if current.no_action_reason:
            current.no_action_reason = ""
            current.revision += 1
            current.save(update_fields=["no_action_reason", "revision", "updated_at"])
        history_record(
            obj=action,
            actor=actor,
            action="action_added",
            changes={"what": action.what, "due_on": action.due_on},
        )
        _notify_responsible(action, actor)
    return action


def _notify_responsible(action: Action, actor: Any) -> None:
    from samtal.workenv.emails import action_assigned_queue

    action_assigned_queue(action=action, actor=actor)


def action_update(*, actor: Any, action: Action, data: ActionData, revision: int) -> Action:
    with transaction.atomic():
        _require_register(actor, action.unit)
        current = _locked(action, revision)
        if current.is_closed:
            raise TransitionRefused([_("The action has been followed up and is closed.")])
        fields = _clean_action(actor, current.unit, data)
        old_responsible = current.responsible_id
        _apply(current, fields, actor, "action_changed")
        if current.responsible_id != old_responsible:
            _notify_responsible(current, actor)
    return current


def action_start(*, actor: Any, action: Action, revision: int) -> Action:
    """Open → in progress."""
    with transaction.atomic():
        _require_register(actor, action.unit)
        current = _locked(action, revision)
        _require_transition(current, ActionStatus.IN_PROGRESS)
        _apply(current, {"status": ActionStatus.IN_PROGRESS}, actor, "action_started")
    return current


def action_follow_up(
    *, actor: Any, action: Action, effective: bool, outcome: str, revision: int
) -> Action:
    """Record the follow-up: what came of the action, and whether it was effective (done) or
    not (a new action may then replace it). A closed action is not followed up again."""
    with transaction.atomic():
        _require_register(actor, action.unit)
        outcome = clean_text(outcome, limit=MAX_REASON, field="outcome").strip()
        current = _locked(action, revision)
        status = ActionStatus.DONE if effective else ActionStatus.NOT_EFFECTIVE
        _require_transition(current, status)
        if not outcome:
            raise ValidationError({"outcome": [_("Write what the follow-up showed.")]})
        current.followed_up_at = timezone.now()
        current.followed_up_by = actor
        current.save(update_fields=["followed_up_at", "followed_up_by"])
        _apply(current, {"status": status, "outcome": outcome}, actor, "action_followed_up")
    return current


def _require_transition(action: Action, status: str) -> None:
    if status not in ACTION_TRANSITIONS[action.status]:
        if action.is_closed:
            raise TransitionRefused([_("The action has been followed up and is closed.")])
        raise TransitionRefused(
            [
                _("An action that is %(status)s cannot be marked that way.")
                % {"status": action.get_status_display().lower()}
            ]
        )


# --- the annual follow-up -------------------------------------------------------------------


def annual_follow_up_save(
    *, actor: Any, unit: Unit, year: int, summary: str, revision: int
) -> AnnualFollowUp:
    """The unit's manager writes the summary of the year's SAM. `revision` 0 for the first."""
    with transaction.atomic():
        _require_register(actor, unit)
        summary = clean_text(summary, limit=MAX_SUMMARY, field="summary").strip()
        current, _created = AnnualFollowUp.objects.get_or_create(
            unit=unit, year=year, defaults={"revision": 0}
        )
        current = _locked(current, revision)
        if current.summary != summary:  # saving it unchanged does not make one its author
            current.updated_by = actor
            current.save(update_fields=["updated_by"])
        _apply(current, {"summary": summary}, actor, "annual_follow_up_saved")
    return current


# --- the employer's settings ----------------------------------------------------------------


def workenv_policy_update(
    *,
    actor: Any,
    routine_sv: str,
    routine_en: str,
    risk_matrix: list[list[str]],
    revision: int,
) -> WorkenvPolicy:
    """The admin sets the routine for victimisation, harassment and discrimination and the
    risk matrix. Risks already assessed keep their level."""
    with transaction.atomic():
        if not can_manage_settings(get_roles(actor)):
            raise PermissionDenied
        errors: dict[str, list[str]] = {}
        fields: dict[str, Any] = {}
        for name, given in (("routine_sv", routine_sv), ("routine_en", routine_en)):
            text = clean_text(given, limit=MAX_ROUTINE, field=name).strip()
            if not text:
                errors[name] = [_("Write the routine in both languages.")]
            fields[name] = text
        try:
            validate_risk_matrix(risk_matrix)
        except ValidationError as error:
            errors["risk_matrix"] = list(error.messages)
        if errors:
            raise ValidationError(errors)
        fields["risk_matrix"] = risk_matrix
        current = _locked(WorkenvPolicy.current(), revision)
        _apply(current, fields, actor, "workenv_policy_changed")
    return current


@dataclass
class ContactData:
    name_sv: str
    name_en: str
    details_sv: str = ""
    details_en: str = ""
    url: str = ""
    position: int = 0


def _clean_contact(data: ContactData) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    for name, limit in (
        ("name_sv", 200),
        ("name_en", 200),
        ("details_sv", 2000),
        ("details_en", 2000),
    ):
        fields[name] = clean_text(getattr(data, name), limit=limit, field=name).strip()
    for name in ("name_sv", "name_en"):
        if not fields[name]:
            errors[name] = [_("Write the name in both languages.")]
    url = (data.url or "").strip()
    if url and not url.startswith(("https://", "http://", "mailto:", "tel:")):
        errors["url"] = [_("A link starts with https://, http://, mailto: or tel:.")]
    fields["url"] = url
    fields["position"] = data.position
    if errors:
        raise ValidationError(errors)
    return fields


def support_contact_save(
    *, actor: Any, data: ContactData, contact: SupportContact | None = None
) -> SupportContact:
    with transaction.atomic():
        if not can_manage_settings(get_roles(actor)):
            raise PermissionDenied
        fields = _clean_contact(data)
        if contact is None:
            return SupportContact.objects.create(**fields)
        current = SupportContact.objects.select_for_update().get(pk=contact.pk)
        for name, value in fields.items():
            setattr(current, name, value)
        current.save()
    return current


def support_contact_delete(*, actor: Any, contact: SupportContact) -> None:
    if not can_manage_settings(get_roles(actor)):
        raise PermissionDenied
    contact.delete()
