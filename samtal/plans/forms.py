"""Forms for the development plan and unit goals. Each form that changes an existing item
carries the item's `revision`, so a change on a page that is stale is refused (EditConflict).
The services validate again; the forms give the first, field-level messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from samtal.core.forms import DATE_WIDGET, RevisionMixin
from samtal.plans.models import (
    ActivityStatus,
    ActivityType,
    GoalStatus,
    Horizon,
    PlanActivity,
    PlanGoal,
    Responsible,
    UnitGoal,
)
from samtal.plans.selectors import default_goal_year
from samtal.plans.services import (
    MAX_COST,
    MAX_HOURS,
    MAX_MEETING_MINUTES,
    MAX_OUTCOME,
    MAX_TEXT,
    MAX_TOPIC,
    MIN_MEETING_MINUTES,
    ActivityData,
    CheckpointData,
    GoalData,
    UnitGoalData,
)


class GoalForm(RevisionMixin):
    text = forms.CharField(
        label=_("Goal"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Phrase it so that you can tell whether it has been reached."),
    )
    horizon = forms.ChoiceField(label=_("Horizon"), choices=Horizon.choices, initial=Horizon.SHORT)
    unit_goal = forms.TypedChoiceField(
        label=_("Linked to the unit's goal"),
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args: Any, unit_goals: Iterable[UnitGoal] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit_goal"]).choices = [("", _("No link"))] + [
            (g.pk, f"{g.year} · {g.unit.name}: {g.title}") for g in unit_goals
        ]

    def to_data(self) -> GoalData:
        data = self.cleaned_data
        return GoalData(text=data["text"], horizon=data["horizon"], unit_goal_id=data["unit_goal"])

    @staticmethod
    def initial_for(goal: PlanGoal) -> dict[str, Any]:
        return {
            "text": goal.text,
            "horizon": goal.horizon,
            "unit_goal": goal.unit_goal_id or "",
            "revision": goal.revision,
        }


class ActivityForm(RevisionMixin):
    activity_type = forms.ChoiceField(label=_("Type"), choices=ActivityType.choices)
    description = forms.CharField(
        label=_("Description"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    goal = forms.TypedChoiceField(
        label=_("For the goal"), required=False, coerce=int, empty_value=None
    )
    responsible = forms.ChoiceField(
        label=_("Responsible"), choices=Responsible.choices, initial=Responsible.EMPLOYEE
    )
    responsible_other = forms.CharField(
        label=_("Responsible (if someone else)"), max_length=200, required=False
    )
    starts_on = forms.DateField(label=_("Planned start"), required=False, widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Planned end"), required=False, widget=DATE_WIDGET)
    hours = forms.DecimalField(
        label=_("Estimated time (hours)"),
        required=False,
        min_value=0,
        max_value=MAX_HOURS,
        decimal_places=1,
    )
    cost = forms.DecimalField(
        label=_("Estimated cost (SEK)"),
        required=False,
        min_value=0,
        max_value=MAX_COST,
        decimal_places=0,
    )

    def __init__(self, *args: Any, goals: Iterable[PlanGoal] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["goal"]).choices = [("", _("No particular goal"))] + [
            (g.pk, g.text[:80]) for g in goals
        ]

    def to_data(self) -> ActivityData:
        data = self.cleaned_data
        return ActivityData(
            activity_type=data["activity_type"],
            description=data["description"],
            responsible=data["responsible"],
            responsible_other=data.get("responsible_other") or "",
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            hours=data.get("hours"),
            cost=data.get("cost"),
            goal_id=data.get("goal"),
        )

    @staticmethod
    def initial_for(activity: PlanActivity) -> dict[str, Any]:
        return {
            "activity_type": activity.activity_type,
            "description": activity.description,
            "goal": activity.goal_id or "",
            "responsible": activity.responsible,
            "responsible_other": activity.responsible_other,
            "starts_on": activity.starts_on,
            "ends_on": activity.ends_on,
            "hours": activity.hours,
            "cost": activity.cost,
            "revision": activity.revision,
        }


class CheckpointForm(RevisionMixin):
    due_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    topic = forms.CharField(label=_("What to check"), max_length=MAX_TOPIC)
    activity = forms.TypedChoiceField(
        label=_("For the activity"), required=False, coerce=int, empty_value=None
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, activities: Iterable[PlanActivity] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["activity"]).choices = [("", _("The whole plan"))] + [
            (a.pk, f"{a.get_activity_type_display()}: {a.description[:60]}") for a in activities
        ]

    def to_data(self) -> CheckpointData:
        data = self.cleaned_data
        return CheckpointData(
            due_on=data["due_on"], topic=data["topic"], activity_id=data.get("activity")
        )


class GoalFollowUpForm(RevisionMixin):
    status = forms.ChoiceField(label=_("The goal is"), choices=GoalStatus.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=MAX_OUTCOME,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActivityStatusForm(RevisionMixin):
    status = forms.ChoiceField(label=_("New status"), choices=ActivityStatus.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=MAX_OUTCOME,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What came of it (shown in next year's talk and the salary-talk basis)."),
    )
    reason = forms.CharField(
        label=_("Reason for dropping"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the activity is dropped."),
    )

    def __init__(self, *args: Any, activity: PlanActivity | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if activity is not None:
            allowed = activity.allowed_statuses()
            cast(forms.ChoiceField, self.fields["status"]).choices = [
                (value, label) for value, label in ActivityStatus.choices if value in allowed
            ]


class CheckpointCompleteForm(RevisionMixin):
    outcome = forms.CharField(
        label=_("Outcome of the follow-up"),
        max_length=MAX_OUTCOME,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CheckpointCancelForm(RevisionMixin):
    reason = forms.CharField(
        label=_("Why is the checkpoint cancelled?"),
        max_length=MAX_OUTCOME,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CheckpointMeetingForm(RevisionMixin):
    meeting_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    meeting_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        min_value=MIN_MEETING_MINUTES,
        max_value=MAX_MEETING_MINUTES,
        initial=30,
    )
    place = forms.CharField(
        label=_("Place"), max_length=300, help_text=_("A room or a video link.")
    )


class UnitGoalForm(RevisionMixin):
    year = forms.IntegerField(label=_("Year"))
    title_sv = forms.CharField(label=_("Goal (Swedish)"), max_length=300)
    title_en = forms.CharField(label=_("Goal (English)"), max_length=300)
    description_sv = forms.CharField(
        label=_("Description (Swedish)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_en = forms.CharField(
        label=_("Description (English)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = default_goal_year()

    def to_data(self) -> UnitGoalData:
        data = self.cleaned_data
        return UnitGoalData(
            year=data["year"],
            title_sv=data["title_sv"],
            title_en=data["title_en"],
            description_sv=data.get("description_sv") or "",
            description_en=data.get("description_en") or "",
        )

    @staticmethod
    def initial_for(goal: UnitGoal) -> dict[str, Any]:
        return {
            "year": goal.year,
            "title_sv": goal.title_sv,
            "title_en": goal.title_en,
            "description_sv": goal.description_sv,
            "description_en": goal.description_en,
            "revision": goal.revision,
        }
