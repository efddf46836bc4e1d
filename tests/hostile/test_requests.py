"""Hostile input to every URL of Samtal, as every role that reaches it.

For each URL and each role that gets past its access checks with its own objects (side A):
- a POST URL gets the form the page offers (read from the page's HTML) bent every way in
  payloads (script tags, SQL fragments, NUL bytes, a megabyte, wrong types, lists, missing
  and extra fields), as an htmx request where the view answers htmx, and with the other
  side's ids in every id field; a GET URL gets its query parameters (from its search forms and
  the view's source) with the same kinds of values;
- the URL with the other side's objects in its kwargs (all of them, and one at a time) must
  answer 403 or 404 and change nothing, unless the role's scope is the whole organisation;
- the URL with junk in each kwarg (0, huge numbers, NUL, markup...) must not fail and must
  change nothing;
- a POST without the CSRF token is refused.
probe.Prober judges every answer: no 5xx, no payload as markup, nothing changed on refusal,
an accepted change renders escaped where it leads.

The first role that reaches a URL gets every payload; further roles get the script tags, the
NUL bytes, the other side's ids and the CSRF check; a GET URL's parameters are attacked as its
first role (the suite runs in every `make test` and must stay fast).
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.hostile import db_state
from tests.hostile.catalogue import (
    TARGETS,
    Kwargs,
    Url,
    allowed_methods,
    junk_values,
    project_urls,
)
from tests.hostile.fields import other_side_data
from tests.hostile.forms import FieldSpec, FormSpec
from tests.hostile.payloads import MUTATIONS, NUL, SQL, XSS, nul, xss_all, xss_each
from tests.hostile.probe import STATS, Prober
from tests.hostile.raw_params import raw_params
from tests.hostile.world import ORG_WIDE_ROLES, ROLES

URLS = project_urls()
LOGIN_PATH = "/accounts/login/"
GET_VALUES = (f"{XSS} {SQL[0]}", NUL, "²", "99999999999999999999999")
REFUSED = (403, 404)
FULL_BATTERY_ROLES = 1


def reached(status: int, location: str = "") -> bool:
    """The role got past the access checks (a refusal of the data still counts); being sent
    to the login page with ?next= is not getting past them (logging out is)."""
    if status in (403, 404, 405):
        return False
    return not (status == 302 and location.startswith(f"{LOGIN_PATH}?next="))


def _declared_form(url: Url, path: str) -> FormSpec | None:
    names = TARGETS[url.name].fields
    if not names:
        return None
    return FormSpec(action=path, fields={n: FieldSpec(n, "text", default=["x"]) for n in names})


def _form(probe: Prober, url: Url, method: str, path: str, role: str) -> tuple[FormSpec, bool]:
    """The form for `path` plus the parameters the view reads outside it (as "raw" fields);
    and whether a page offered the form at all."""
    seen = probe.form_for(path, role, method.lower()) or _declared_form(url, path)
    spec = FormSpec(action=path, method=method.lower())
    if seen is not None:
        spec.merge(seen)
    for name in raw_params(url.view, method):
        spec.fields.setdefault(name, FieldSpec(name, "raw"))
    return spec, seen is not None


def _answers_htmx(url: Url) -> bool:
    view = inspect.unwrap(url.view)
    module = sys.modules.get(getattr(view, "__module__", ""))
    return module is not None and "htmx" in inspect.getsource(module).lower()


# --- what a reaching role sends -------------------------------------------------------------


def _post_battery(
    probe: Prober, url: Url, path: str, role: str, form: FormSpec, full: bool
) -> None:
    """Every payload (full) or the script tags, NUL bytes and the other side's ids."""
    for label, data in xss_all(form):
        stored = probe.request("POST", path, role, data=data, label=label)
        if _answers_htmx(url):
            probe.request("POST", path, role, data=data, label=f"htmx-{label}", htmx=True)
        if stored.refused and full:
            for label_each, data_each in xss_each(form):
                probe.request("POST", path, role, data=data_each, label=label_each)
    for mutation in MUTATIONS if full else (nul,):
        for label, data in mutation(form):
            if full or label == "nul:all":
                probe.request("POST", path, role, data=data, label=label)
    if full:
        _csrf(probe, path, role, form)
    if not full and role in ORG_WIDE_ROLES:
        return  # side B is theirs to act on: the full battery's role tried it
    data, unknown = other_side_data(form, probe.world)
    for name in unknown:
        probe.failures.append(
            f"{url.name}: id field {name!r} is not in tests/hostile/fields.py; say which "
            "object of the other side to send in it (or list it in NOT_IDS)"
        )
    outcome = probe.request("POST", path, role, data=data, label="their-ids")
    if role not in ORG_WIDE_ROLES:
        for problem in db_state.touches(outcome.changed, probe.world.b_rows):
            probe.failures.append(f"{outcome}: {problem}")


def _get_battery(probe: Prober, path: str, role: str, form: FormSpec) -> None:
    names = [n for n, f in form.fields.items() if f.kind not in ("submit", "file")]
    if not names:
        return
    for value in GET_VALUES:
        data: dict[str, Any] = dict.fromkeys(names, value)
        outcome = probe.request("GET", path, role, data=data, label=f"get:{value[:6]}")
        if outcome.changed:
            probe.failures.append(f"{outcome}: a GET changed the database")


def _csrf(probe: Prober, path: str, role: str, form: FormSpec) -> None:
    client = Client(enforce_csrf_checks=True)
    user = probe.world.users[role]
    if user is not None:
        client.force_login(user)
    STATS.requests["POST"] += 1
    STATS.labels["no-csrf"] += 1
    response = client.post(path, form.defaults())
    if response.status_code != 403:
        probe.failures.append(
            f"POST {path} as {role} without a CSRF token -> {response.status_code}"
        )


# --- other side's objects and junk in the kwargs ----------------------------------------------


def _their_variants(mine: Kwargs, theirs: Kwargs) -> list[Kwargs]:
    """Side B's kwargs, and side A's with one of side B's objects put in (the same URL with
    a mismatched object: a question of another talk, a unit's assignment under another)."""
    if theirs == mine:
        return []
    variants = [theirs]
    if len(theirs) > 1:
        variants += [{**mine, k: theirs[k]} for k in theirs if theirs[k] != mine.get(k)]
    return variants


def _theirs(probe: Prober, url: Url, method: str, role: str, index: int) -> None:
    """Refused with 403 or 404 for a role scoped to side A, and nothing changed."""
    target = TARGETS[url.name]
    world = probe.world
    mine = target.fill(world, world.a, role)[index]
    theirs_all = target.fill(world, world.b, role)
    theirs = theirs_all[min(index, len(theirs_all) - 1)]
    form, _seen = _form(probe, url, method, reverse(url.name, kwargs=mine), role)
    if role in target.theirs_allowed:
        return  # side B is in the role's scope: the battery covers it as its own
    for kwargs in _their_variants(mine, theirs):
        path = reverse(url.name, kwargs=kwargs)
        outcome = probe.request(method, path, role, data=form.defaults(), label="their-object")
        if outcome.status not in REFUSED:
            probe.failures.append(f"{outcome}: the other side's object is not refused")
        if outcome.changed:
            probe.failures.append(f"{outcome}: the other side's object was changed")


def _junk(probe: Prober, url: Url, method: str, role: str, mine: Kwargs) -> None:
    form, _seen = _form(probe, url, method, reverse(url.name, kwargs=mine), role)
    for key, kind in url.converters.items():
        for value in junk_values(kind):
            try:
                path = reverse(url.name, kwargs={**mine, key: value})
            except NoReverseMatch:
                continue  # the converter does not let it through: nothing to send
            outcome = probe.request(method, path, role, data=form.defaults(), label="junk-kwarg")
            if outcome.changed:
                probe.failures.append(f"{outcome}: junk in {key!r} changed the database")


# --- the test ----------------------------------------------------------------------------------


def _reach(probe: Prober, url: Url, method: str, path: str, role: str, form: FormSpec) -> bool:
    if method == "GET":
        crawled = probe.crawled.get((role, path))
        if crawled is not None:
            return reached(*crawled)
        outcome = probe.request("GET", path, role, label="page")
    else:
        outcome = probe.request("POST", path, role, data=form.defaults(), label="browser")
        STATS.post_urls.add(url.name)
    return reached(outcome.status, outcome.location)


@pytest.mark.parametrize("url", URLS, ids=[u.name for u in URLS])
def test_hostile_input(url: Url, probe: Prober) -> None:
    methods = allowed_methods(url.view)
    world = probe.world
    target = TARGETS[url.name]
    junked = False
    reached_variants: set[int] = set()
    checked = False
    for method in ("POST", "GET"):
        if methods is not None and method not in methods:
            continue
        if method == "GET" and target.document:
            _document_access(probe, url)
            continue
        reaching = 0
        for role in ROLES:
            role_reached = False
            for index, mine in enumerate(target.fill(world, world.a, role)):
                if role == "anonymous" and index > 0:
                    break  # nobody logged in: the login page, whatever the object
                path = reverse(url.name, kwargs=mine)
                form, seen = _form(probe, url, method, path, role)
                if not _reach(probe, url, method, path, role, form):
                    continue
                role_reached = True
                reached_variants.add(index)
                full = reaching < FULL_BATTERY_ROLES
                if method == "POST":
                    STATS.pairs.add((url.name, role))
                    if not seen:
                        probe.failures.append(
                            f"{url.name} ({path}) takes a POST from {role}, but no page offers "
                            "a form for it: the suite cannot know its fields"
                        )
                    _post_battery(probe, url, path, role, form, full)
                elif full and index == 0:
                    _get_battery(probe, path, role, form)
                if url.converters and (method == "POST" or index == 0):
                    _theirs(probe, url, method, role, index)
                    if not junked:
                        _junk(probe, url, method, role, mine)
                        junked = True
            reaching += role_reached
        checked = True
    if checked:
        # The world is right: each of the URL's own objects is there for some role (a URL that
        # refuses every role would test nothing but the refusal).
        variants = max(len(target.fill(world, world.a, role)) for role in ROLES)
        missing = sorted(set(range(variants)) - reached_variants)
        assert not missing, f"no role reaches {url.name} with variant(s) {missing}"


def _document_access(probe: Prober, url: Url) -> None:
    """A document (PDF, Word, CSV, calendar): the other side's object is refused, junk does
    not fail. Its own objects are rendered by test_exports (a PDF takes a second)."""
    target = TARGETS[url.name]
    world = probe.world
    if url.converters:
        for role in ("employee", "manager", "hr", "safety_rep"):
            for index in range(len(target.fill(world, world.a, role))):
                _theirs(probe, url, "GET", role, index)
        _junk(probe, url, "GET", "manager", target.fill(world, world.a, "manager")[0])
