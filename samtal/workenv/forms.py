"""Forms for the work environment. The services validate again; the forms give the first,
field-level messages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from samtal.core.forms import DATE_WIDGET, RevisionMixin
from samtal.organisation.models import Person
from samtal.workenv.models import (
    Category,
    Consequence,
    Likelihood,
    Observation,
    RiskLevel,
    Severity,
    SupportContact,
    WorkenvPolicy,
)
from samtal.workenv.services import (
    MAX_COST,
    MAX_DESCRIPTION,
    MAX_REASON,
    MAX_ROUTINE,
    MAX_SUMMARY,
    MAX_TEXT,
    ActionData,
    ContactData,
    ObservationData,
)


class ObservationForm(RevisionMixin):
    """An observation in a talk (`employee=True` shows the permission for the description),
    or a risk found outside the talks (`outside=True`: the description is required)."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the matter is about. Leave it empty for victimisation, harassment and "
            "discrimination: those follow the employer's routine."
        ),
    )
    severity = forms.ChoiceField(
        label=_("How serious is it, in the employee's view?"),
        choices=[("", _("Choose")), *Severity.choices],
        required=False,
        help_text=_("Not asked for victimisation, harassment and discrimination."),
    )
    description_may_leave = forms.BooleanField(
        label=_("The description may leave the talk"),
        required=False,
        help_text=_(
            "Without this, only the category, the severity and the unit leave the talk, "
            "never your name. With it, the unit's register also shows the description, "
            "without your name."
        ),
    )
    question = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, employee: bool = False, outside: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not employee:
            del self.fields["description_may_leave"]
        if outside:
            del self.fields["question"]
            self.fields["severity"].label = _("How serious is it?")

    def to_data(self) -> ObservationData:
        data = self.cleaned_data
        return ObservationData(
            category=data["category"],
            description=data.get("description", ""),
            severity=data.get("severity", ""),
            description_may_leave=bool(data.get("description_may_leave")),
            question_id=data.get("question"),
        )

    @staticmethod
    def initial_for(observation: Observation) -> dict[str, Any]:
        return {
            "category": observation.category,
            "description": observation.description,
            "severity": observation.severity,
            "description_may_leave": observation.description_may_leave,
            "revision": observation.revision,
        }


class ConsentForm(RevisionMixin):
    may_leave = forms.BooleanField(label=_("The description may leave the talk"), required=False)


class AssessmentForm(RevisionMixin):
    likelihood = forms.TypedChoiceField(
        label=_("Likelihood"),
        choices=[("", _("Choose")), *Likelihood.choices],
        coerce=int,
        empty_value=None,
        help_text=_("How likely is it that the risk leads to ill health or an accident?"),
    )
    consequence = forms.TypedChoiceField(
        label=_("Consequence"),
        choices=[("", _("Choose")), *Consequence.choices],
        coerce=int,
        empty_value=None,
        help_text=_("How serious would the ill health or the accident be?"),
    )
    no_action_reason = forms.CharField(
        label=_("Reason for no action"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when no action is needed: say why, so the decision is documented."),
    )

    @staticmethod
    def initial_for(observation: Any) -> dict[str, Any]:
        return {
            "likelihood": observation.likelihood or "",
            "consequence": observation.consequence or "",
            "no_action_reason": observation.no_action_reason,
            "revision": observation.revision,
        }


class ActionForm(RevisionMixin):
    what = forms.CharField(
        label=_("What is to be done"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsible = forms.ModelChoiceField(
        label=_("Responsible"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Someone else (write below)"),
    )
    responsible_other = forms.CharField(
        label=_("Responsible, if someone else (person or function)"),
        max_length=200,
        required=False,
    )
    due_on = forms.DateField(label=_("To be done by"), widget=DATE_WIDGET)
    cost = forms.DecimalField(
        label=_("Estimated cost (SEK)"),
        required=False,
        min_value=0,
        max_value=MAX_COST,
        decimal_places=0,
    )
    follow_up_on = forms.DateField(
        label=_("Follow-up date"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("When to check whether the action had the intended effect."),
    )

    def __init__(self, *args: Any, people: QuerySet[Person] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["responsible"])
        field.queryset = (
            people.order_by("last_name", "first_name")
            if people is not None
            else Person.objects.none()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("responsible") and not (data.get("responsible_other") or "").strip():
            self.add_error(
                "responsible", _("Choose who is responsible, or write a person or function.")
            )
        return data

    def to_data(self) -> ActionData:
        data = self.cleaned_data
        responsible = data.get("responsible")
        return ActionData(
            what=data["what"],
            due_on=data["due_on"],
            responsible_id=responsible.pk if responsible else None,
            responsible_other=data.get("responsible_other", ""),
            cost=data.get("cost"),
            follow_up_on=data.get("follow_up_on"),
        )

    @staticmethod
    def initial_for(action: Any) -> dict[str, Any]:
        return {
            "what": action.what,
            "responsible": action.responsible_id,
            "responsible_other": action.responsible_other,
            "due_on": action.due_on,
            "cost": action.cost,
            "follow_up_on": action.follow_up_on,
            "revision": action.revision,
        }


class FollowUpForm(RevisionMixin):
    effective = forms.TypedChoiceField(
        label=_("Did the action have the intended effect?"),
        choices=[("yes", _("Yes: the action is done")), ("no", _("No: it was not effective"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(
        label=_("Outcome of the follow-up"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StartForm(RevisionMixin):
    pass


class SummaryForm(RevisionMixin):
    summary = forms.CharField(
        label=_("The manager's summary of the year"),
        max_length=MAX_SUMMARY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What the year's work-environment management found and did, and what comes next. "
            "Write it so that nobody can be recognised: it goes to the safety representatives."
        ),
    )


def _cell_name(likelihood: int, consequence: int) -> str:
    return f"cell_{likelihood}_{consequence}"


class PolicyForm(RevisionMixin):
    """The routine in both languages and the risk matrix, one choice per cell."""

    routine_sv = forms.CharField(
        label=_("Routine (Swedish)"),
        max_length=MAX_ROUTINE,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    routine_en = forms.CharField(
        label=_("Routine (English)"),
        max_length=MAX_ROUTINE,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for likelihood, likelihood_label in Likelihood.choices:
            for consequence, consequence_label in Consequence.choices:
                self.fields[_cell_name(likelihood, consequence)] = forms.ChoiceField(
                    label=_("Likelihood %(likelihood)s, consequence %(consequence)s")
                    % {"likelihood": likelihood_label, "consequence": consequence_label},
                    choices=RiskLevel.choices,
                )

    def matrix_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The cells' fields as the table rows of the matrix."""
        return [
            (
                str(likelihood_label),
                [self[_cell_name(likelihood, consequence)] for consequence in Consequence.values],
            )
            for likelihood, likelihood_label in Likelihood.choices
        ]

    def matrix(self) -> list[list[str]]:
        return [
            [self.cleaned_data[_cell_name(li, co)] for co in Consequence.values]
            for li in Likelihood.values
        ]

    @staticmethod
    def initial_for(policy: WorkenvPolicy) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "routine_sv": policy.routine_sv,
            "routine_en": policy.routine_en,
            "revision": policy.revision,
        }
        for li in Likelihood.values:
            for co in Consequence.values:
                initial[_cell_name(li, co)] = policy.risk_level(li, co)
        return initial


class ContactForm(forms.Form):
    name_sv = forms.CharField(label=_("Name (Swedish)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    details_sv = forms.CharField(
        label=_("How to reach (Swedish)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    details_en = forms.CharField(
        label=_("How to reach (English)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    url = forms.CharField(label=_("Link"), max_length=500, required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=0)

    def to_data(self) -> ContactData:
        return ContactData(**self.cleaned_data)

    @staticmethod
    def initial_for(contact: SupportContact) -> dict[str, Any]:
        return {
            name: getattr(contact, name)
            for name in ("name_sv", "name_en", "details_sv", "details_en", "url", "position")
        }
