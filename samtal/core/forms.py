"""Form pieces every app uses."""

from __future__ import annotations

from django import forms

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RevisionMixin(forms.Form):
    """Carries the revision the page showed, so a change made on a stale page is refused
    (core.exceptions.EditConflict) instead of overwriting someone else's."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    @property
    def revision_value(self) -> int:
        return int(self.cleaned_data.get("revision") or 0)
