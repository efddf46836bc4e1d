from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from samtal.organisation.models import EmploymentCategory, Person


class PeopleFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("active", _("Active")),
        ("inactive", _("Not active")),
        ("no_manager", _("Active without manager")),
        ("all", _("All")),
    ]
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    unit = forms.CharField(
        label=_("Unit code"),
        required=False,
        max_length=40,
        help_text=_("Includes sub-units unless you tick “only this unit”."),
    )
    only_unit = forms.BooleanField(label=_("Only this unit"), required=False)
    category = forms.ChoiceField(
        label=_("Employment category"),
        required=False,
        choices=[("", _("All categories")), *EmploymentCategory.choices],
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def clean_q(self) -> str:
        value = self.cleaned_data["q"]
        if "\x00" in value:
            raise ValidationError(_("The search contains a character that is not allowed."))
        return value


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("File from the HR system"),
        help_text=_("CSV (UTF-8, separated by ; or ,) or Excel (.xlsx), with a header row."),
    )
    full_sync = forms.BooleanField(
        label=_("Full sync: deactivate active people who are not in the file"), required=False
    )
    dry_run = forms.BooleanField(label=_("Only check the file, change nothing"), required=False)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx", ".txt")):
            raise ValidationError(_("Choose a .csv or .xlsx file."))
        if upload.size and upload.size > settings.SAMTAL_IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB.")
                % {"mb": settings.SAMTAL_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class SafetyRepForm(forms.Form):
    person = forms.CharField(
        label=_("Employee number or email"),
        max_length=254,
        help_text=_("The person becomes safety representative for this unit and its sub-units."),
    )

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        # Only people the user may see: HR scoped to a unit must not find, or learn the
        # names of, people outside it by guessing employee numbers.
        super().__init__(*args, **kwargs)
        self.people = people

    def clean_person(self) -> Person:
        value = self.cleaned_data["person"].strip()
        people = self.people.select_related("user")
        person = (
            people.filter(employee_number=value).first()
            or people.filter(user__email__iexact=value).first()
        )
        if person is None:
            raise ValidationError(_("No person has that employee number or email."))
        return person
