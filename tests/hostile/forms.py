"""The forms a page offers, read from its HTML the way a browser sees them: where each posts
to, its fields with their kind, options and the values a browser would submit."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

# "raw" is a parameter the view reads outside any form (raw_params), sent as text.
TEXT_KINDS = frozenset({"text", "textarea", "search", "email", "url", "tel", "password", "raw"})


@dataclass
class FieldSpec:
    name: str
    kind: str  # an <input> type, "textarea", "select", "select-multiple" or "submit"
    options: list[str] = field(default_factory=list)  # select and radio values, in order
    default: list[str] = field(default_factory=list)  # what a browser submits as it stands

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def is_choice(self) -> bool:
        return self.kind in ("select", "select-multiple", "radio")


@dataclass
class FormSpec:
    action: str  # a path
    method: str = "post"
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    multipart: bool = False

    def merge(self, other: FormSpec) -> None:
        for name, spec in other.fields.items():
            mine = self.fields.setdefault(name, spec)
            if mine is not spec:
                mine.options = list(dict.fromkeys([*mine.options, *spec.options]))
        self.multipart = self.multipart or other.multipart

    def defaults(self) -> dict[str, list[str]]:
        data = {name: list(spec.default) for name, spec in self.fields.items() if spec.default}
        return {k: v for k, v in data.items() if self.fields[k].kind not in ("submit", "file")}


class _Parser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[FormSpec] = []
        self._form: FormSpec | None = None
        self._select: FieldSpec | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: FieldSpec | None = None
        self._text: list[str] = []

    def _action(self, raw: str | None) -> str:
        return urlsplit(urljoin(self.page_path, raw or self.page_path)).path

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            method = "post" if a.get("hx-post") else (a.get("method") or "get").lower()
            self._form = FormSpec(
                action=self._action(a.get("hx-post") or a.get("action")),
                method=method,
                multipart="multipart" in (a.get("enctype") or ""),
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            spec = form.fields.setdefault(name, FieldSpec(name, kind))
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("radio", "checkbox"):
                spec.options.append(value)
                if "checked" in a:
                    spec.default.append(value)
            elif kind in ("submit", "image"):
                spec.kind = "submit"
                spec.options.append(value)
            else:
                spec.default = [value]
        elif tag == "button" and name and (a.get("type") or "submit") == "submit":
            spec = form.fields.setdefault(name, FieldSpec(name, "submit"))
            spec.options.append(a.get("value", ""))
            target = a.get("formaction")
            if target:
                # A button posting elsewhere: that URL takes the same fields.
                other = FormSpec(action=self._action(target), method="post", fields=form.fields)
                self.forms.append(other)
        elif tag == "textarea" and name:
            self._textarea = form.fields.setdefault(name, FieldSpec(name, "textarea"))
            self._text = []
        elif tag == "select" and name:
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = form.fields.setdefault(name, FieldSpec(name, kind))
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a}
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self._textarea.default = [text[1:] if text.startswith("\n") else text]
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value = self._option["value"]
            value = "".join(self._text).strip() if value is None else value
            self._select.options.append(value)
            if self._option["selected"]:
                self._select.default.append(value)
            self._option = None
        elif tag == "select" and self._select is not None:
            if not self._select.default and self._select.options and self._select.kind == "select":
                self._select.default = [self._select.options[0]]
            self._select = None


def forms_on(html: str, page_path: str) -> list[FormSpec]:
    parser = _Parser(page_path)
    parser.feed(html)
    parser.close()
    return parser.forms
