"""Forms for what each party writes alone: one answer to one question, and the private notes.

An answer form builds the widget the question's type needs and hands the services what
`preparation.clean_value` expects: an int for a scale step or a chosen option, a bool for
yes/no, a list of ints for several options. Every form carries the `revision` it was opened
with (0 before the first save), so a save over a newer version is refused, never silent.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samtal.talk_templates.models import Question, QuestionType
from samtal.talks.models import Answer, PrivateNote
from samtal.talks.preparation import MAX_ANSWER, MAX_NOTE

TEXT_TYPES = frozenset({QuestionType.TEXT, QuestionType.PLAN_ITEM})
YES, NO = "yes", "no"


def _yes_no(value: str) -> bool:
    return value == YES


class AnswerForm(forms.Form):
    """One question of a talk: a text box, or the scale/yes-no/options it asks for."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        # Several of these share one page: every id starts with the question's.
        kwargs.setdefault("auto_id", f"q{question.pk}_%s")
        super().__init__(*args, **kwargs)
        self.question = question
        kind = question.question_type
        label, help_text = question.text or question.key, question.help
        if kind in TEXT_TYPES:
            self.fields["text"] = forms.CharField(
                label=label,
                help_text=help_text,
                required=False,
                strip=False,
                max_length=MAX_ANSWER,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
            return
        common: dict[str, Any] = {"label": label, "help_text": help_text, "required": False}
        field: forms.Field
        if kind == QuestionType.SCALE:
            field = forms.TypedChoiceField(
                choices=scale_choices(question),
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                **common,
            )
        elif kind == QuestionType.YES_NO:
            field = forms.TypedChoiceField(
                choices=[(YES, _("Yes")), (NO, _("No"))],
                coerce=_yes_no,
                empty_value=None,
                widget=forms.RadioSelect,
                **common,
            )
        elif kind == QuestionType.SINGLE_CHOICE:
            field = forms.TypedChoiceField(
                choices=list(enumerate(question.choice_labels())),
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                **common,
            )
        elif kind == QuestionType.MULTIPLE_CHOICE:
            field = forms.TypedMultipleChoiceField(
                choices=list(enumerate(question.choice_labels())),
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        else:  # a type this form does not know: nothing to answer with
            return
        self.fields["value"] = field

    @classmethod
    def for_answer(cls, question: Question, answer: Answer | None) -> AnswerForm:
        """An unbound form showing the saved answer (or an empty one)."""
        initial: dict[str, Any] = {"revision": answer.revision if answer else 0}
        if answer is not None:
            initial["text"] = answer.text
            initial["value"] = initial_value(question, answer.value)
        return cls(question=question, initial=initial)

    def answer(self) -> tuple[str, Any]:
        """The (text, value) to save, as the services expect them."""
        data = self.cleaned_data
        value = data.get("value")
        return data.get("text", ""), value if value not in ("", []) else None


class PrivateNoteForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    text = forms.CharField(
        label=_("Your private notes"),
        help_text=_("Only you can ever read these notes."),
        required=False,
        strip=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)

    @classmethod
    def for_note(cls, note: PrivateNote | None) -> PrivateNoteForm:
        return cls(
            initial={"revision": note.revision if note else 0, "text": note.text if note else ""}
        )


def scale_choices(question: Question) -> list[tuple[int, str]]:
    """1–5, the ends carrying the question's labels ("1 – Too high")."""
    ends = {1: question.scale_low, 5: question.scale_high}
    return [
        (step, f"{step} – {ends[step]}" if ends.get(step) else str(step)) for step in range(1, 6)
    ]


def initial_value(question: Question, value: Any) -> Any:
    """A saved value as the form's widget shows it."""
    if question.question_type == QuestionType.YES_NO and isinstance(value, bool):
        return YES if value else NO
    return value


def value_label(
    *,
    kind: str,
    value: Any,
    choices: list[str],
    low: str = "",
    high: str = "",
) -> str:
    """A saved value in words, for reading (a shared answer, an agreed record)."""
    if value in (None, "", []):
        return ""
    if kind == QuestionType.SCALE and isinstance(value, int):
        ends = {1: low, 5: high}
        label = gettext("%(step)s of 5") % {"step": value}
        return f"{label} ({ends[value]})" if ends.get(value) else label
    if kind == QuestionType.YES_NO and isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    chosen = value if isinstance(value, list) else [value]
    return ", ".join(
        choices[i]
        for i in chosen
        if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(choices)
    )


def question_value_label(question: Question, value: Any) -> str:
    return value_label(
        kind=question.question_type,
        value=value,
        choices=question.choice_labels(),
        low=question.scale_low,
        high=question.scale_high,
    )
