"""Forms of the shared record: one form per question for the note-taker, what may be passed
on, comments, the note-taker, and agreeing to one exact version.

The entry form turns the posted strings into the types `preparation.clean_value` checks (a
scale step as int, yes/no as bool, a choice as its index, several choices as a list of
indexes); the service checks the value against the question again and the text for NUL and
length, so the form never has the last word.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samtal.talk_templates.models import Question, QuestionType
from samtal.talks.models import Party
from samtal.talks.record import MAX_COMMENT, MAX_ENTRY, MAX_PASSED_ON

VALUE_TYPES = frozenset(
    {
        QuestionType.SCALE,
        QuestionType.YES_NO,
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
    }
)


def _yes_no(value: str) -> bool:
    return value == "yes"


def scale_choices(question: Question) -> list[tuple[int, str]]:
    """1-5, the two ends with the template's labels ("1 – Too high")."""
    labels = {1: question.scale_low, 5: question.scale_high}
    return [
        (step, f"{step} – {labels[step]}" if labels.get(step) else str(step))
        for step in range(1, 6)
    ]


def value_label(question_type: str, value: Any, choices: list[str]) -> str:
    """A stored value as the reader sees it (for read-only pages and conflicts)."""
    if value in (None, "", []):
        return ""
    if question_type == QuestionType.SCALE:
        return str(_("%(step)s of 5") % {"step": value})
    if question_type == QuestionType.YES_NO:
        return str(_("Yes") if value else _("No"))
    indexes = value if isinstance(value, list) else [value]
    return ", ".join(choices[i] for i in indexes if isinstance(i, int) and 0 <= i < len(choices))


class RecordEntryForm(forms.Form):
    """The note-taker's text (and scale step, yes/no or choice) for one question.

    `revision` is the entry's revision when the page was opened (0 for a question not yet
    written). `take_over` is posted only by the "Save my text instead" button shown after a
    conflict: the revision the user has now seen."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    take_over = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    text = forms.CharField(
        label=_("Notes"),
        required=False,
        strip=False,
        max_length=MAX_ENTRY,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"q{question.pk}_%s")
        super().__init__(*args, **kwargs)
        self.question = question
        kind = question.question_type
        self.has_value = kind in VALUE_TYPES
        if not self.has_value:
            # A free-text question: the question itself labels the text box.
            self.fields["text"].label = question.text
        label = question.text
        if kind == QuestionType.SCALE:
            self.fields["value"] = forms.TypedChoiceField(
                label=label,
                required=False,
                choices=scale_choices(question),
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
            )
        elif kind == QuestionType.YES_NO:
            self.fields["value"] = forms.TypedChoiceField(
                label=label,
                required=False,
                choices=[("yes", _("Yes")), ("no", _("No"))],
                coerce=_yes_no,
                empty_value=None,
                widget=forms.RadioSelect,
            )
        elif kind == QuestionType.SINGLE_CHOICE:
            self.fields["value"] = forms.TypedChoiceField(
                label=label,
                required=False,
                choices=list(enumerate(question.choice_labels())),
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
            )
        elif kind == QuestionType.MULTIPLE_CHOICE:
            self.fields["value"] = forms.TypedMultipleChoiceField(
                label=label,
                required=False,
                choices=list(enumerate(question.choice_labels())),
                coerce=int,
                empty_value=None,
                widget=forms.CheckboxSelectMultiple,
            )

    @staticmethod
    def initial_for(entry: Any) -> dict[str, Any]:
        if entry is None:
            return {"revision": 0, "text": "", "value": None}
        value = entry.value
        if isinstance(value, bool):
            value = "yes" if value else "no"
        return {"revision": entry.revision, "text": entry.text, "value": value}

    def saved_revision(self) -> int:
        """The revision to save against: the conflict's if the user chose to take over."""
        take_over = self.cleaned_data.get("take_over")
        return take_over if take_over is not None else self.cleaned_data["revision"]

    def value(self) -> Any:
        return self.cleaned_data.get("value") if self.has_value else None


class PassedOnForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    take_over = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    text = forms.CharField(
        label=_("What may be passed on to others"),
        required=False,
        strip=False,
        max_length=MAX_PASSED_ON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Write what the two of you agree may be told to others (e.g. a colleague, the "
            "next manager or HR). Everything else stays between you."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "passed_on_%s")
        super().__init__(*args, **kwargs)

    def saved_revision(self) -> int:
        take_over = self.cleaned_data.get("take_over")
        return take_over if take_over is not None else self.cleaned_data["revision"]


class NoteTakerForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note_taker = forms.ChoiceField(
        label=_("Who takes notes?"), choices=Party.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note_taker_%s")
        super().__init__(*args, **kwargs)


class RecordCommentForm(forms.Form):
    """A comment on the record, or on one question of it (`question` is its id)."""

    question = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    text = forms.CharField(
        label=_("Your comment"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RecordStepForm(forms.Form):
    """Sending for agreement or starting a correction: only the record's revision."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AgreeForm(forms.Form):
    """Agreeing to the exact version the reader saw: its number and content hash."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    content_hash = forms.RegexField(
        widget=forms.HiddenInput, regex=r"^[0-9a-f]{64}$", max_length=64
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "agree_%s")
        super().__init__(*args, **kwargs)
