"""Forms for one talk (booking, answers, status changes) and for starting an extra talk.

Every form that changes a talk carries the talk's `revision` in a hidden field, so a change
made on a page that someone else has changed since is refused (services raise EditConflict).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from samtal.organisation.models import Person
from samtal.talk_templates.models import TemplateVersion
from samtal.talks import selectors
from samtal.talks.forms.rounds import TemplateVersionChoiceField
from samtal.talks.models import Party, Room, Talk
from samtal.talks.services import MAX_MINUTES, MAX_TEXT, MIN_MINUTES, Booking


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors ({field: [messages]}) on the form's fields, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class RevisionForm(forms.Form):
    """A change with nothing to fill in: only the revision the page was showing."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HeldForm(RevisionForm):
    """The manager marks the talk as held and says who takes notes for the shared record."""

    note_taker = forms.ChoiceField(
        label=_("Who takes notes for the record?"),
        choices=Party.choices,
        initial=Party.MANAGER,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Either of you can write the record; you can change this later."),
    )

    def clean_note_taker(self) -> str:
        # Without a choice the manager takes notes (as the form offers by default).
        return self.cleaned_data.get("note_taker") or Party.MANAGER


class BookingForm(RevisionForm):
    """The manager proposes a time and a place. The time is local (Europe/Stockholm)."""

    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        min_value=MIN_MINUTES,
        max_value=MAX_MINUTES,
        help_text=_("An hour is recommended: a development talk needs time."),
    )
    room = forms.ModelChoiceField(
        label=_("Room"),
        queryset=Room.objects.none(),
        required=False,
        empty_label=_("No room from the list (write the place below)"),
    )
    place = forms.CharField(
        label=_("Other place"),
        required=False,
        max_length=300,
        help_text=_(
            "Choose a neutral room where nobody can overhear or interrupt, rather than the "
            "manager's office, so that both can speak freely. Write a place here only if none "
            "of the rooms suits."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        room = self.fields["room"]
        assert isinstance(room, forms.ModelChoiceField)
        room.queryset = selectors.rooms_active()
        if not room.queryset.exists():
            # No rooms configured: the place is written instead (the help text guides it).
            del self.fields["room"]
        self.fields["duration_minutes"].initial = settings.SAMTAL_TALK_MINUTES

    @staticmethod
    def initial_for(talk: Talk) -> dict[str, Any]:
        """The current booking when there is one (changing the time), else the defaults."""
        initial: dict[str, Any] = {
            "revision": talk.revision,
            "duration_minutes": settings.SAMTAL_TALK_MINUTES,
        }
        if talk.starts_at is not None:
            initial.update(
                starts_at=talk.starts_at,
                duration_minutes=talk.duration_minutes,
                room=talk.room_id,
                place=talk.place,
            )
        return initial

    def booking(self) -> Booking:
        data = self.cleaned_data
        return Booking(
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            room=data.get("room"),
            place=data["place"] or "",
        )


class RequestChangeForm(RevisionForm):
    message = forms.CharField(
        label=_("Which times would suit you better?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeclineForm(RevisionForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("You do not have to say why. A declined talk can be opened again."),
    )


class CancelForm(RevisionForm):
    reason = forms.CharField(
        label=_("Why is the talk cancelled?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Both parties are told, with this reason."),
    )


def _versions_field(form: forms.Form) -> None:
    """Offer the published template versions, the newest published one chosen."""
    field = form.fields["template_version"]
    assert isinstance(field, forms.ModelChoiceField)
    versions = selectors.published_versions()
    field.queryset = versions
    if not form.is_bound and "template_version" not in form.initial:
        newest = versions.order_by("-published_at", "-pk").values_list("pk", flat=True).first()
        form.initial["template_version"] = newest


class ExtraRequestForm(forms.Form):
    """The employee asks their manager for a talk outside the yearly round."""

    message = forms.CharField(
        label=_("What would you like to talk about? (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your manager sees this message, e.g. “times of change in the unit”."),
    )
    template_version = TemplateVersionChoiceField(
        label=_("Template"),
        queryset=TemplateVersion.objects.none(),
        empty_label=None,
        help_text=_("The questions you both prepare. The newest template is usually right."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _versions_field(self)


class ReportChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.unit.name})"


class ExtraStartForm(forms.Form):
    """The manager starts a talk outside the yearly round with one of their reports."""

    employee = ReportChoiceField(
        label=_("Employee"), queryset=Person.objects.none(), empty_label=None
    )
    template_version = TemplateVersionChoiceField(
        label=_("Template"), queryset=TemplateVersion.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("Reason for the talk (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The employee sees this, e.g. “a new role from the autumn”."),
    )

    def __init__(self, *args: Any, reports: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        employee = self.fields["employee"]
        assert isinstance(employee, forms.ModelChoiceField)
        employee.queryset = reports
        _versions_field(self)
