"""Property-based: any text (control characters, NUL, every plane of Unicode but lone
surrogates) in the free-text fields of any form, in the search fields of any page and in the
text kwargs of the URLs. The prober's rules must hold for every example: no 5xx, no markup,
nothing changed on refusal. The number of examples is bounded so the suite stays fast."""

from __future__ import annotations

from functools import cache

from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.catalogue import TARGETS, project_urls
from tests.hostile.forms import FormSpec
from tests.hostile.probe import Prober

ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@cache
def _forms(prober: Prober, method: str) -> tuple[tuple[str, str, FormSpec], ...]:
    """(role, path, form) for every form with free text that a role saw on a page."""
    found = []
    for role, forms in prober.forms.items():
        for (form_method, path), form in sorted(forms.items()):
            if form_method == method and any(f.is_text for f in form.fields.values()):
                found.append((role, path, form))
    return tuple(found)


@SETTINGS
@given(data=st.data())
def test_any_text_in_any_form(probe: Prober, data: st.DataObject) -> None:
    probe.failures = []  # each example on its own
    forms = _forms(probe, "post")
    assert len(forms) > 50
    role, path, form = data.draw(st.sampled_from(forms), label="form")
    values = {f.name: data.draw(ANY_TEXT, label=f.name) for f in form.fields.values() if f.is_text}
    probe.request("POST", path, role, data={**form.defaults(), **values}, label="hypothesis")
    assert not probe.failures, probe.failures


@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_any_text_in_any_search(probe: Prober, data: st.DataObject) -> None:
    probe.failures = []
    forms = _forms(probe, "get")
    assert forms
    role, path, form = data.draw(st.sampled_from(forms), label="search")
    values = {f.name: data.draw(ANY_TEXT, label=f.name) for f in form.fields.values() if f.is_text}
    outcome = probe.request("GET", path, role, data=values, label="hypothesis")
    assert not outcome.changed
    assert not probe.failures, probe.failures


TEXT_KWARGS = [
    (url, key)
    for url in project_urls()
    for key, kind in url.converters.items()
    if kind == "str" and not TARGETS[url.name].document
]


@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_any_text_in_any_url(probe: Prober, data: st.DataObject) -> None:
    probe.failures = []
    url, key = data.draw(st.sampled_from(TEXT_KWARGS), label="url")
    role = data.draw(st.sampled_from(["manager", "hr", "admin"]), label="role")
    mine = TARGETS[url.name].fill(probe.world, probe.world.a, role)[0]
    value = data.draw(ANY_TEXT.filter(bool), label=key)
    try:
        path = reverse(url.name, kwargs={**mine, key: value})
    except NoReverseMatch:
        return  # the converter does not let it through
    outcome = probe.request("GET", path, role, label="hypothesis")
    assert not outcome.changed
    assert not probe.failures, probe.failures
