"""Sends one request as one role inside a savepoint, judges the answer, and rolls back.

What every request must satisfy:
- no 5xx (an exception the view lets out counts as a 500);
- no HTML answer shows a hostile payload as markup, side B's data to a role scoped to side A,
  or a private text (private note, unshared answer, self-evaluation) to anyone but its author;
- a refused request (4xx, an error message, or a page with form errors) changed nothing, and
  nobody logged in changes anything;
- a request that changed something answers with a page or a redirect whose target renders
  without a 5xx and without the payload as markup.
"""

from __future__ import annotations

import re
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.contrib.messages import constants as message_levels
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.hostile import db_state
from tests.hostile.catalogue import TARGETS, Url, allowed_methods
from tests.hostile.forms import FormSpec, forms_on
from tests.hostile.payloads import contains_markup, escaped_tags
from tests.hostile.world import ORG_WIDE_ROLES, ROLES, World, private_mark, side_mark

# What a refused form looks like in a page (templates/partials/form_fields.html, the base
# template's error messages, the autosave partials' "not saved").
_REFUSAL_MARKUP = re.compile(
    r'class="[^"]*\b(error-list|message-error|answer-conflict|record-conflict)\b|role="alert"'
)
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Outcome:
    method: str
    path: str
    role: str
    label: str
    status: int
    refused: bool
    changed: list[db_state.Change]
    body: str = ""
    location: str = ""
    error: str = ""

    @property
    def accepted(self) -> bool:
        return bool(self.changed)

    def __str__(self) -> str:
        what = ", ".join(c.describe() for c in self.changed) or "nothing changed"
        return f"{self.method} {self.path} as {self.role} [{self.label}] -> {self.status} ({what})"


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)
    post_urls: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)  # (POST URL, role) reached
    labels: Counter[str] = field(default_factory=Counter)
    accepted: int = 0
    columns_seeded: int = 0
    columns_shown: int = 0


STATS = Stats()


def _messages(response: Any) -> list[Any]:
    storage = getattr(getattr(response, "wsgi_request", None), "_messages", None)
    return list(getattr(storage, "_queued_messages", []))


def _body(response: Any) -> str:
    """The answer as text when a browser would render it as a page (a CSV or calendar file
    is not markup: the export tests check those)."""
    if "html" not in response.get("Content-Type", "") or getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", "replace")


class Prober:
    def __init__(self, world: World) -> None:
        self.world = world
        self.clients: dict[str, Client] = {}
        for role in ROLES:
            client = Client()
            user = world.users[role]
            if user is not None:
                client.force_login(user)
            client.cookies["samtal_language"] = "en"
            self.clients[role] = client
        self.baseline = db_state.snapshot()
        # role -> (method, action path) -> the form
        self.forms: dict[str, dict[tuple[str, str], FormSpec]] = {role: {} for role in ROLES}
        self.failures: list[str] = []
        self.crawl_failures: list[str] = []
        # (role, path) -> (status, redirect target) of the crawl
        self.crawled: dict[tuple[str, str], tuple[int, str]] = {}
        self.shown: set[int] = set()  # payload tags some page shows (escaped)
        # Words only some roles may ever see: side B's data, and each author's private texts.
        self.marks: dict[str, frozenset[str]] = {
            side_mark("b"): ORG_WIDE_ROLES,
            private_mark("a", "employee"): frozenset({"employee"}),
            private_mark("a", "manager"): frozenset({"manager"}),
            private_mark("b", "employee"): frozenset(),
            private_mark("b", "manager"): frozenset(),
        }
        self.marks_seen: set[tuple[str, str]] = set()  # (mark, role) on some crawled page

    def leaks(self, role: str, body: str) -> list[str]:
        """What the page shows that the role may not see."""
        return [
            mark for mark, allowed in self.marks.items() if role not in allowed and mark in body
        ]

    # --- one request ------------------------------------------------------------------------

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)

    def request(
        self,
        method: str,
        path: str,
        role: str,
        *,
        data: Any = None,
        label: str = "",
        htmx: bool = False,
        follow_up: bool = True,
        check: bool = True,
        allow: frozenset[str] = frozenset(),
    ) -> Outcome:
        """One request, judged by the rules above; violations go to self.failures. Changes to
        the tables in `allow` are by design even on refusal (a log of rejected imports)."""
        client = self.clients[role]
        # The request's writes are rolled back; so are its cookies (a logout, a new session).
        cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        cookies.pop("messages", None)
        client.cookies.pop("messages", None)
        STATS.requests[method] += 1
        STATS.labels[label.split(":")[0] or "plain"] += 1
        extra: dict[str, Any] = HTMX if htmx else {}
        with self._savepoint(), db_state.watch_writes() as writes:
            try:
                if method == "GET":
                    response = client.get(path, data or {}, **extra)
                else:
                    response = client.post(path, data or {}, **extra)
            except Exception:
                outcome = Outcome(method, path, role, label, 500, True, [])
                outcome.error = traceback.format_exc(limit=-6)
                self._fail(outcome, "raised (a 500)\n" + outcome.error)
                self._restore(client, cookies)
                return outcome
            body = _body(response)
            errors = [m for m in _messages(response) if m.level >= message_levels.ERROR]
            refused = (
                response.status_code >= 400
                or bool(errors)
                or (response.status_code == 200 and bool(_REFUSAL_MARKUP.search(body)))
            )
            outcome = Outcome(
                method,
                path,
                role,
                label,
                response.status_code,
                refused,
                [c for c in db_state.changes(self.baseline, writes) if c.table not in allow],
                body=body,
                location=response.get("Location", ""),
            )
            if check:
                self._judge(outcome)
            # An accepted payload: the page it leads to shows it escaped.
            if check and follow_up and outcome.accepted and label.startswith("xss"):
                STATS.accepted += 1
                self._follow(outcome)
        self._restore(client, cookies)
        return outcome

    @staticmethod
    def _restore(client: Client, cookies: dict[str, str]) -> None:
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies[name] = value

    def _fail(self, outcome: Outcome, problem: str) -> None:
        self.failures.append(f"{outcome}: {problem}")

    def _judge(self, outcome: Outcome) -> None:
        if outcome.status >= 500:
            self._fail(outcome, "server error")
        markup = contains_markup(outcome.body)
        if markup:
            shown = ", ".join(self._column(m) for m in markup)
            self._fail(outcome, f"answer shows {shown} unescaped")
        leaks = self.leaks(outcome.role, outcome.body)
        if leaks:
            self._fail(outcome, f"answer shows what the role may not see: {leaks}")
        if outcome.refused and outcome.changed:
            self._fail(outcome, "refused, yet the database changed")
        elif outcome.role == "anonymous" and outcome.changed:
            self._fail(outcome, "nobody is logged in, yet the database changed")

    def _follow(self, outcome: Outcome) -> None:
        """The page an accepted change leads to renders the stored text escaped."""
        if not outcome.location:
            return
        target = urlsplit(outcome.location).path
        response = self.clients[outcome.role].get(target)
        STATS.requests["GET"] += 1
        if response.status_code >= 500:
            self._fail(
                outcome, f"the page it redirects to ({target}) answers {response.status_code}"
            )
        body = _body(response)
        markup = contains_markup(body)
        if markup:
            shown = ", ".join(self._column(m) for m in markup)
            self._fail(outcome, f"the page it redirects to ({target}) shows {shown} unescaped")
        leaks = self.leaks(outcome.role, body)
        if leaks:
            self._fail(outcome, f"the page it redirects to ({target}) shows {leaks}")

    # --- forms ------------------------------------------------------------------------------

    def crawl(self, urls: list[Url]) -> None:
        """GETs every page as every role with the world's side A objects: reads the forms the
        page offers (what the POST battery sends), and judges the page itself. The world holds
        a numbered payload in every stored text (world.seed_hostile_text), so this is also the
        stored-XSS check of every page as every role."""
        for url in urls:
            target = TARGETS[url.name]
            methods = allowed_methods(url.view)
            if target.document or (methods is not None and "GET" not in methods):
                continue
            for role in ROLES:
                for kwargs in target.fill(self.world, self.world.a, role):
                    path = reverse(url.name, kwargs=kwargs)
                    STATS.requests["GET"] += 1
                    STATS.labels["crawl"] += 1
                    try:
                        response = self.clients[role].get(path)
                    except Exception:
                        self.crawl_failures.append(
                            f"GET {path} as {role} raised (a 500)\n{traceback.format_exc(-6)}"
                        )
                        continue
                    if response.status_code >= 500:
                        self.crawl_failures.append(f"GET {path} as {role}: {response.status_code}")
                    self.crawled[(role, path)] = (
                        response.status_code,
                        response.get("Location", ""),
                    )
                    body = _body(response)
                    markup = contains_markup(body)
                    if markup:
                        self.crawl_failures.append(
                            f"GET {path} as {role} shows stored text as markup: "
                            + ", ".join(self._column(m) for m in markup)
                        )
                    self.shown.update(escaped_tags(body))
                    self.marks_seen.update((m, role) for m in self.marks if m in body)
                    leaks = self.leaks(role, body)
                    if leaks:
                        self.crawl_failures.append(
                            f"GET {path} as {role} shows what the role may not see: {leaks}"
                        )
                    if response.status_code != 200 or "html" not in response.get(
                        "Content-Type", ""
                    ):
                        continue
                    for form in forms_on(body, path):
                        key = (form.method, form.action)
                        known = self.forms[role].get(key)
                        if known is None:
                            self.forms[role][key] = form
                        else:
                            known.merge(form)

    def _column(self, markup: str) -> str:
        tag = int(re.findall(r"\d+", markup)[0])
        return f"{markup} ({self.world.hostile_columns.get(tag, 'posted just now')})"

    def form_for(self, path: str, role: str, method: str = "post") -> FormSpec | None:
        """The form that sends to `path` as the role saw it, else as any role saw it."""
        for who in (role, *ROLES):
            form = self.forms[who].get((method, path))
            if form is not None:
                return form
        return None
