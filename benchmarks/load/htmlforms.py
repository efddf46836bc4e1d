"""Read the forms of a Samtal page as a browser would submit them.

The load test fills in the pages' real forms (CSRF token, hidden revisions, the version and
hash to agree to) instead of building POST bodies by hand, so a change to a template that
breaks a form breaks the load test too. Standard library only: the verifier's tests import
this module without locust installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # input type ("text", "hidden", "radio", "checkbox", ...), "textarea", "select"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)  # a select's option values


@dataclass
class Form:
    action: str
    method: str
    hx_post: str = ""
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons

    def values(self) -> dict[str, list[str]]:
        """What the form submits untouched: text, hidden and textarea values, checked radios
        and checkboxes, a select's selected (or first) option. Named buttons are left out."""
        data: dict[str, list[str]] = {}
        for f in self.fields:
            if f.kind in ("radio", "checkbox"):
                if f.checked:
                    data.setdefault(f.name, []).append(f.value)
            elif f.kind == "select":
                chosen = f.value or (f.options[0] if f.options else "")
                data.setdefault(f.name, []).append(chosen)
            elif f.kind not in ("submit", "button", "reset", "file", "image"):
                data.setdefault(f.name, []).append(f.value)
        return data

    def choices(self, name: str) -> tuple[str, list[str]]:
        """The widget kind ("radio"/"checkbox"/"") and the option values of a choice field."""
        found = [f for f in self.fields if f.name == name and f.kind in ("radio", "checkbox")]
        if not found:
            return "", []
        return found[0].kind, [f.value for f in found]

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    def first(self, name: str) -> str:
        values = self.values().get(name, [])
        return values[0] if values else ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                # A browser never sends the fragment ("/plans/1/goals/add/#add-goal").
                action=a.get("action", "").split("#")[0],
                method=a.get("method", "get").lower(),
                hx_post=a.get("hx-post", ""),
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button"):
                form.buttons.append((name, a.get("value", "")))
                return
            form.fields.append(Field(name, kind, a.get("value", ""), "checked" in a))
        elif tag == "button" and name:
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea")
            form.fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = Field(name, "select")
            form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._select is not None:
            self._end_option()
        elif tag == "select":
            if self._option_value is not None or self._option_text:
                self._end_option()
            self._select = None

    def _end_option(self) -> None:
        assert self._select is not None
        value = self._option_value
        if value is None:
            value = "".join(self._option_text).strip()
        self._select.options.append(value)
        if self._option_selected:
            self._select.value = value
        self._option_value, self._option_selected, self._option_text = None, False, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._select is not None:
            self._option_text.append(data)


def parse_forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    for form in parser.forms:
        for f in form.fields:
            # Django renders a textarea's content after a newline that browsers drop.
            if f.kind == "textarea" and f.value.startswith("\n"):
                f.value = f.value[1:]
    return parser.forms


def find_form(forms: list[Form], action: str) -> Form | None:
    """The form that posts to `action` (a path), or None."""
    return next((f for f in forms if f.action == action or (action and f.hx_post == action)), None)


def forms_under(forms: list[Form], prefix: str) -> list[Form]:
    """The forms whose action starts with `prefix` (e.g. every answer form of one talk)."""
    return [f for f in forms if f.action.startswith(prefix)]


_ERROR = re.compile(r'class="message message-error"[^>]*>(.*?)</p>', re.S)
_TAG = re.compile(r"<[^>]+>")


def error_messages(html: str) -> list[str]:
    """The error messages Django's message framework put on the page (a refused step)."""
    return [unescape(_TAG.sub("", m)).strip() for m in _ERROR.findall(html)]


def has_success_message(html: str) -> bool:
    return 'class="message message-success"' in html
