"""The hostile values and the ways a form's data is bent with them.

Each mutation takes a form (its fields and the values a browser would submit) and returns
named request bodies: the form as the browser sends it with one thing changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from tests.hostile.forms import FieldSpec, FormSpec

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_ATTRIBUTE = '"><img src=x onerror=alert(1)>'
# What must never appear in a page as markup: the payloads unescaped. The number in alert()
# says which stored column it came from (world.seed_hostile_text); 1 is a payload just posted.
_MARKUP = re.compile(r"<script>alert\((\d+)\)</script>|<img src=x onerror=alert\((\d+)\)>")
_ESCAPED = re.compile(r"&lt;script&gt;alert\((\d+)\)&lt;/script&gt;")
XSS = f"{XSS_ATTRIBUTE} {XSS_SCRIPT}"
SQL = ("' OR 1=1 --", "'; DROP TABLE x; --")
NUL = "a\x00b"
MEGABYTE = "A" * (1024 * 1024)
WRONG_TYPES = (
    "abc",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2024-13-45",
    "²",
    "0x10",
    " ",
    "[]",
)
# Fields no browser form has, as someone guessing at what the model holds would send them.
EXTRA_FIELDS = {
    "id": "1",
    "pk": "1",
    "is_superuser": "on",
    "is_staff": "on",
    "status": "agreed",
    "author": "1",
    "employee": "1",
    "manager": "1",
    "unit": "1",
    "created_by": "1",
    "state": "agreed",
}

Data = dict[str, Any]
Mutation = Callable[[FormSpec], Iterator[tuple[str, Data]]]


def _editable(form: FormSpec) -> list[FieldSpec]:
    return [f for f in form.fields.values() if f.kind not in ("submit", "file")]


def _text_fields(form: FormSpec) -> list[FieldSpec]:
    return [f for f in _editable(form) if f.is_text]


def _with(form: FormSpec, **values: Any) -> Data:
    data: Data = form.defaults()
    data.update(values)
    return data


def xss_all(form: FormSpec) -> Iterator[tuple[str, Data]]:
    """Every free-text field holds an attribute breakout and a script tag."""
    texts = _text_fields(form)
    if texts:
        yield "xss:all", _with(form, **{f.name: XSS for f in texts})


def xss_each(form: FormSpec) -> Iterator[tuple[str, Data]]:
    """One field at a time, the rest as the browser sends it: a field that validates more
    strictly (an email, a key) cannot keep the payload out of the others. (Sent only when
    xss_all was refused.)"""
    texts = _text_fields(form)
    if len(texts) > 1:
        for f in texts:
            yield f"xss:{f.name}", _with(form, **{f.name: XSS})


def sql_and_extra(form: FormSpec) -> Iterator[tuple[str, Data]]:
    """SQL fragments in every field, and fields no form has (mass assignment)."""
    fields = _editable(form)
    data = _with(form, **{f.name: SQL[n % 2] for n, f in enumerate(fields)})
    yield "sql+extra", {**EXTRA_FIELDS, **data}


def nul(form: FormSpec) -> Iterator[tuple[str, Data]]:
    """A NUL byte (PostgreSQL refuses it in text) in every field; then in each parameter the
    view reads outside its form, one at a time, since no form field validates those."""
    fields = _editable(form)
    if fields:
        yield "nul:all", _with(form, **{f.name: NUL for f in fields})
    for f in fields:
        if f.kind == "raw":
            yield f"nul:{f.name}", _with(form, **{f.name: NUL})


def megabyte(form: FormSpec) -> Iterator[tuple[str, Data]]:
    texts = _text_fields(form)
    if texts:
        # Up to four fields: more would pass DATA_UPLOAD_MAX_MEMORY_SIZE, a 400 by design.
        yield "1mb", _with(form, **{f.name: MEGABYTE for f in texts[:4]})


def wrong_types(form: FormSpec) -> Iterator[tuple[str, Data]]:
    """Text where a number, a date, a choice or a checkbox is expected: the wrong values are
    dealt out over those fields, twice, so that each field gets two different ones."""
    typed = [f for f in _editable(form) if not f.is_text]
    for turn in range(2):
        if typed:
            yield (
                f"type:{turn}",
                _with(
                    form,
                    **{
                        f.name: WRONG_TYPES[(n + turn * 5) % len(WRONG_TYPES)]
                        for n, f in enumerate(typed)
                    },
                ),
            )


def lists(form: FormSpec) -> Iterator[tuple[str, Data]]:
    """Two values where one is expected (a forged form or a repeated parameter)."""
    fields = _editable(form)
    if fields:
        data = _with(form)
        for f in fields:
            values = data.get(f.name)
            first = values[0] if isinstance(values, list) and values else (values or "x")
            data[f.name] = [first, XSS_SCRIPT]
        yield "lists", data


def missing(form: FormSpec) -> Iterator[tuple[str, Data]]:
    """Nothing at all; and the form without its hidden fields (revision, ids), as a forged
    form would come."""
    yield "missing:all", {}
    hidden = [f.name for f in _editable(form) if f.kind in ("hidden", "raw")]
    if hidden:
        data = _with(form)
        for name in hidden:
            data.pop(name, None)
        yield "missing:hidden", data


MUTATIONS: tuple[Mutation, ...] = (sql_and_extra, nul, megabyte, wrong_types, lists, missing)


def contains_markup(body: str) -> list[str]:
    """The payloads the page shows as markup (it must show none)."""
    return sorted({m.group(0) for m in _MARKUP.finditer(body)})


def escaped_tags(body: str) -> set[int]:
    """The numbers of the payloads the page shows as text, escaped."""
    return {int(tag) for tag in _ESCAPED.findall(body)}
