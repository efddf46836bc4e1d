"""Forms for HR's rounds (create, change, the drill-down filter) and the rooms offered."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from samtal.core.forms import DATE_WIDGET
from samtal.organisation.models import EmploymentCategory, Unit
from samtal.talk_templates.models import TemplateVersion, VersionStatus
from samtal.talks.models import Room, Round, TalkStatus

# Only these can change once a round is launched (services refuse anything else).
OPEN_AFTER_LAUNCH = ("name", "year", "start_date", "deadline")


class UnitChoiceField(forms.ModelMultipleChoiceField):
    """Units in tree order, indented by depth so the list reads as the organisation chart."""

    def label_from_instance(self, obj: Any) -> str:
        return "\u00a0\u00a0\u00a0" * obj.depth + f"{obj.name} ({obj.code})"


class TemplateVersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(
            _("%(template)s, version %(number)s")
            % {"template": obj.template.name, "number": obj.number}
        )


class RoundForm(forms.Form):
    """A round. Once launched (`locked`), only the name, year and period are offered: the
    units, categories and template stay as launched."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("As employees and managers will see it, e.g. “Development talks 2027”."),
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    template_version = TemplateVersionChoiceField(
        label=_("Template"),
        queryset=TemplateVersion.objects.none(),
        empty_label=None,
        help_text=_("Only published template versions can be used."),
    )
    units = UnitChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Choose one or more units (hold Ctrl, or Cmd on a Mac, to choose several)."),
    )
    include_subunits = forms.BooleanField(
        label=_("Include sub-units"), required=False, initial=True
    )
    employment_categories = forms.MultipleChoiceField(
        label=_("Employment categories"),
        choices=EmploymentCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means every category."),
    )
    start_date = forms.DateField(label=_("Start"), widget=DATE_WIDGET)
    deadline = forms.DateField(
        label=_("Deadline"),
        widget=DATE_WIDGET,
        help_text=_("Talks not held by this day are shown as overdue."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        round_: Round | None = None,
        locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.locked = locked
        if locked:
            for name in list(self.fields):
                if name not in (*OPEN_AFTER_LAUNCH, "revision"):
                    del self.fields[name]
            return
        versions = TemplateVersion.objects.filter(status=VersionStatus.PUBLISHED)
        if round_ is not None:
            # The round's own version stays choosable (the service says why if it was retired).
            versions = TemplateVersion.objects.filter(
                Q(status=VersionStatus.PUBLISHED) | Q(pk=round_.template_version_id)
            )
        field = self.fields["template_version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = versions.select_related("template").order_by(
            "template__name_sv", "-number"
        )
        units_field = self.fields["units"]
        assert isinstance(units_field, forms.ModelMultipleChoiceField)
        units_field.queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, deadline = data.get("start_date"), data.get("deadline")
        if start and deadline and deadline < start:
            self.add_error("deadline", _("The deadline must not be before the start."))
        return data


def round_initial(round_: Round) -> dict[str, Any]:
    """The form's values for a saved round (also what is shown after an edit conflict)."""
    return {
        "name": round_.name,
        "year": round_.year,
        "template_version": round_.template_version_id,
        "units": list(round_.units.values_list("pk", flat=True)),
        "include_subunits": round_.include_subunits,
        "employment_categories": list(round_.employment_categories),
        "start_date": round_.start_date,
        "deadline": round_.deadline,
        "revision": round_.revision,
    }


class TalkFilterForm(forms.Form):
    """The drill-down filter, read from the query string. An invalid value is refused (404)."""

    unit = forms.CharField(required=False, max_length=40)
    manager = forms.IntegerField(required=False, min_value=1)
    status = forms.ChoiceField(required=False, choices=[("", ""), *TalkStatus.choices])
    overdue = forms.BooleanField(required=False)
    manager_changed = forms.BooleanField(required=False)


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "location", "is_active"]
        labels = {"name": _("Name"), "location": _("Where"), "is_active": _("In use")}
        help_texts = {
            "location": _("Building, floor, how to find it."),
            "is_active": _("A room not in use is no longer offered when booking a talk."),
        }
