from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from samtal.organisation.models import CareerStage
from samtal.talk_templates.models import (
    ANSWERERS_BY_PHASE,
    CHOICE_TYPES,
    AnsweredBy,
    Audience,
    Question,
    Section,
    TalkTemplate,
)

STAGE_CHOICES = [(c.value, c.label) for c in CareerStage if c.value]


def _require_one_language(form: forms.BaseForm, field: str, label: str) -> None:
    data = form.cleaned_data
    if not (data.get(f"{field}_sv") or "").strip() and not (data.get(f"{field}_en") or "").strip():
        form.add_error(
            f"{field}_sv",
            _("Write the %(label)s in Swedish, English or both (both are needed to publish).")
            % {"label": label},
        )


def _require_revision_when_editing(form: forms.ModelForm) -> None:
    if form.instance.pk and form.cleaned_data.get("revision") is None:
        form.add_error(
            None, _("The form is incomplete: reload the page and make the change again.")
        )


def _set_unique_key(form: forms.ModelForm, *, siblings: QuerySet, text: str, message: Any) -> None:
    """Use the key as given (refused if a sibling has it), or make one from the text that no
    sibling has."""
    data = form.cleaned_data
    taken = set(siblings.exclude(pk=form.instance.pk).values_list("key", flat=True))
    given = data.get("key", "")
    # Cut short, a key must not end in "_" (nor get "__2" when numbered).
    key = slugify(given or text).replace("-", "_")[:60].rstrip("_") or "item"
    if given:
        if key in taken:
            form.add_error("key", message % {"key": key})
    else:
        base, number = key[:55].rstrip("_"), 2
        while key in taken:
            key, number = f"{base}_{number}", number + 1
    data["key"] = key


class TemplateForm(forms.ModelForm):
    """A new template. Unlike a section's title, its name is required in both languages (as
    the model says): everyone sees it in the list of templates, in their own language."""

    class Meta:
        model = TalkTemplate
        fields = ["key", "name_sv", "name_en", "description_sv", "description_en"]
        widgets = {
            "description_sv": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "key": _("A short identifier of letters, digits and _, unique among templates."),
        }


class TemplateEditForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = TalkTemplate
        fields = ["name_sv", "name_en", "description_sv", "description_en"]
        widgets = {
            "description_sv": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }


class SectionForm(forms.ModelForm):
    career_stages = forms.MultipleChoiceField(
        label=_("Career stages"),
        choices=STAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for a section for researchers; none ticked means every stage."),
    )
    # Required when editing (the form carries the revision it was opened at), not when adding.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Section
        fields = [
            "title_sv",
            "title_en",
            "guidance_sv",
            "guidance_en",
            "phase",
            "audience",
            "career_stages",
            "mandatory",
            "key",
        ]
        widgets = {
            "guidance_sv": forms.Textarea(attrs={"rows": 3}),
            "guidance_en": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "key": _(
                "Identifies the section, e.g. work_environment. Left empty, it is made from "
                "the title."
            ),
            "mandatory": _("Marks the section as one every talk must go through."),
        }

    def __init__(self, *args: Any, version: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["key"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _require_one_language(self, "title", str(_("title")))
        if data.get("career_stages") and data.get("audience") != Audience.RESEARCHERS:
            self.add_error(
                "career_stages",
                _("Career stages can only be chosen for a section for researchers."),
            )
        _require_revision_when_editing(self)
        _set_unique_key(
            self,
            siblings=self.version.sections.all(),
            text=data.get("title_en") or data.get("title_sv") or "",
            message=_("Another section in this version has the key “%(key)s”."),
        )
        return data


_QUESTION_TEXT_FIELDS = [
    "text_sv",
    "text_en",
    "help_sv",
    "help_en",
    "question_type",
    "answered_by",
    "scale_low_sv",
    "scale_low_en",
    "scale_high_sv",
    "scale_high_en",
]


class QuestionForm(forms.ModelForm):
    choices_sv = forms.CharField(
        label=_("Options (Swedish)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Single and multiple choice only: one option per line."),
    )
    choices_en = forms.CharField(
        label=_("Options (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The same options in the same order, in English."),
    )
    # Required when editing (the form carries the revision it was opened at), not when adding.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The options belong with the other answer settings, not after the key at the end.
    field_order = [*_QUESTION_TEXT_FIELDS, "choices_sv", "choices_en"]

    class Meta:
        model = Question
        fields = [
            *_QUESTION_TEXT_FIELDS,
            "raises_observation",
            "salary_basis",
            "upward_feedback",
            "key",
        ]
        widgets = {
            "text_sv": forms.Textarea(attrs={"rows": 2}),
            "text_en": forms.Textarea(attrs={"rows": 2}),
            "help_sv": forms.Textarea(attrs={"rows": 2}),
            "help_en": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "key": _(
                "Identifies the question within its section. Left empty, it is made from the text."
            ),
        }

    def __init__(self, *args: Any, section: Section, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        self.fields["key"].required = False
        allowed = ANSWERERS_BY_PHASE[section.phase]
        self.fields["answered_by"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in AnsweredBy.choices if value in allowed
        ]
        if self.instance.pk and not self.is_bound:
            self.initial["choices_sv"] = "\n".join(self.instance.choice_labels("sv"))
            self.initial["choices_en"] = "\n".join(self.instance.choice_labels("en"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _require_one_language(self, "text", str(_("question text")))
        lines = {
            code: [
                line.strip()
                for line in (data.get(f"choices_{code}") or "").splitlines()
                if line.strip()
            ]
            for code in ("sv", "en")
        }
        if data.get("question_type") in CHOICE_TYPES:
            if max(len(lines["sv"]), len(lines["en"])) < 2:
                self.add_error("choices_sv", _("A choice question needs at least two options."))
            elif lines["sv"] and lines["en"] and len(lines["sv"]) != len(lines["en"]):
                self.add_error(
                    "choices_en",
                    _("There are %(sv)s Swedish and %(en)s English options; give the same number.")
                    % {"sv": len(lines["sv"]), "en": len(lines["en"])},
                )
            elif any(len(line) > 200 for line in lines["sv"] + lines["en"]):
                self.add_error("choices_sv", _("An option is longer than 200 characters."))
            count = max(len(lines["sv"]), len(lines["en"]))
            data["choices"] = [
                {
                    "sv": lines["sv"][i] if i < len(lines["sv"]) else "",
                    "en": lines["en"][i] if i < len(lines["en"]) else "",
                }
                for i in range(count)
            ]
        else:
            if lines["sv"] or lines["en"]:
                self.add_error(
                    "choices_sv", _("Only single and multiple choice questions have options.")
                )
            data["choices"] = []
        _require_revision_when_editing(self)
        _set_unique_key(
            self,
            siblings=self.section.questions.all(),
            text=data.get("text_en") or data.get("text_sv") or "",
            message=_("Another question in this section has the key “%(key)s”."),
        )
        return data
