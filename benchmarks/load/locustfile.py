"""The busy weeks of a round, as locust users: employees, their managers and HR.

Run by benchmarks/load/run.py (`make load`), which builds the organisation, writes the cast
(LOAD_CAST) and starts gunicorn. Every locust user is a distinct person of the cast:

- an employee logs in, opens the start page and the talk, accepts the booked time, prepares
  (autosaves answers, shares some), reads the record its manager writes, comments on it,
  agrees to each version sent, and afterwards writes the self-evaluation and private notes and
  adds checkpoints to the development plan;
- a manager (the employees' real manager) opens the team overview, prepares, waits until the
  employee has shared answers, marks the talk held, writes the record (autosaves entries and
  what may be passed on), sends it, agrees to it, waits for the employee's agreement, and then
  keeps correcting agreed records (a new version both agree to again);
- HR watches the round's coverage.

They fill in the pages' own forms (CSRF token, revisions, the version and hash to agree to).
A response counts as an error unless it is the expected status, redirect or saved state; a
refused step (an error message on the page it redirects to) is an error too. Each write the
server acknowledged goes to the ack log (LOAD_ACKS) for the lost-write check.

Bounded: locust's --run-time and --users, and LOAD_MAX_REQUESTS requests at most; the host
must be a loopback address.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import os
import random
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))

from acklog import AckLog
from cast import Cast, CastEmployee, CastManager
from htmlforms import Form, error_messages, find_form, forms_under, parse_forms

CAST = Cast.load(Path(os.environ["LOAD_CAST"]))
ACKS = AckLog(Path(os.environ["LOAD_ACKS"]))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "200000"))
REPORTS = len(CAST.managers[0].reports) if CAST.managers else 1
THINK = tuple(float(s) for s in os.environ.get("LOAD_THINK", "1,3").split(","))
# How long a manager waits for the other party before going on (polls of a page).
PATIENCE = 12

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
HTMX_HEADERS = {**FORM_HEADERS, "HX-Request": "true"}

_manager_numbers = itertools.count()
_employee_numbers = itertools.count()
_hr_numbers = itertools.count()
_requests = itertools.count(1)
STARTED = {"employee": 0, "manager": 0, "hr": 0}
_stopping = False
_environment: Environment | None = None

PHRASES = [
    "Arbetsbelastningen har varit hög under hösten, särskilt inför kursstarten",
    "Jag vill utveckla min förmåga att leda projekt och fördela arbetet i gruppen",
    "Samarbetet med kollegorna på avdelningen fungerar bra, men mötena blir för många",
    "Kompetensutveckling: en kurs i forskningsfinansiering och ansökningsskrivande",
    "Vi är överens om att se över fördelningen av undervisning och administration",
    "Återhämtningen räcker inte alltid till; vi prövar att samla möten till två dagar",
    "Målet för året är att publicera två artiklar och handleda en doktorand",
    "Önskar tydligare prioriteringar från ledningen när uppdragen krockar",
    "Studiebesök hos en annan myndighet för att lära av deras arbetssätt",
    "Lika villkor: möjligheten att förena arbete och föräldraskap fungerar väl",
]


def _loopback(host: str) -> bool:
    name = urlsplit(host).hostname or ""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@events.init.add_listener
def _check_host(environment: Environment, **_kwargs: Any) -> None:
    global _environment
    if not environment.host or not _loopback(environment.host):
        raise SystemExit(f"The load test runs against loopback only, not {environment.host!r}.")
    _environment = environment


@events.request.add_listener
def _bound(**_kwargs: Any) -> None:
    """Stop the whole run after MAX_REQUESTS requests, whatever --run-time says."""
    global _stopping
    if next(_requests) >= MAX_REQUESTS and not _stopping:
        _stopping = True
        runner = _environment.runner if _environment is not None else None
        if runner is not None:
            gevent.spawn(runner.quit)


@events.test_stop.add_listener
def _summary(**_kwargs: Any) -> None:
    """Tell run.py who took part. (The ack log stays open: a user finishing its step during
    the stop timeout still logs what the server acknowledged; every line is flushed.)"""
    summary = os.environ.get("LOAD_SUMMARY")
    if summary:
        paired = min(STARTED["employee"], STARTED["manager"] * REPORTS)
        Path(summary).write_text(json.dumps({**STARTED, "paired": paired}))


def _text(rng: random.Random, who: str, number: int) -> str:
    """A unique, realistic answer: a sentence or three, Swedish letters, a line break."""
    parts = rng.sample(PHRASES, rng.randint(1, 3))
    return f"{'. '.join(parts)}.\n({who}, skrivning {number})"


def _location(response: Any) -> str:
    return (response.headers.get("Location") or "").split("#")[0]


def _fill_value(form: Form, rng: random.Random) -> tuple[list[tuple[str, str]], Any]:
    """Pick an answer for a scale/yes-no/choice field: the posted pairs and the value the
    service stores (an int, a bool or a sorted list of ints)."""
    kind, options = form.choices("value")
    if kind == "radio" and options:
        chosen = rng.choice(options)
        stored: Any = chosen == "yes" if chosen in ("yes", "no") else int(chosen)
        return [("value", chosen)], stored
    if kind == "checkbox" and options:
        picked = sorted(rng.sample(options, rng.randint(1, min(2, len(options)))), key=int)
        return [("value", v) for v in picked], sorted(int(v) for v in picked)
    return [], None


def _pairs(
    form: Form, replace: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """The form's own values with some replaced, as (name, value) pairs."""
    replace = replace or {}
    pairs: list[tuple[str, str]] = []
    for name, values in form.values().items():
        if name in drop or name in replace:
            continue
        pairs.extend((name, v) for v in values)
    pairs.extend(replace.items())
    return pairs


class SamtalUser(FastHttpUser):
    abstract = True
    wait_time = between(*THINK)
    role = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rng = random.Random()
        self.writes = 0

    # --- requests -------------------------------------------------------------------------------

    def page(self, path: str, name: str, *, must_have: str = "") -> str | None:
        """GET a page: 200 (and `must_have` in it) or an error."""
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} for {path}")
                return None
            text = r.text or ""
            if must_have and must_have not in text:
                r.failure(f"{path} lacks {must_have!r}")
                return None
            r.success()
            return text

    def submit(
        self,
        action: str,
        pairs: Any,
        *,
        name: str,
        then: str,
        expect: str,
        success: str = "",
    ) -> str | None:
        """POST a form as the browser does without JavaScript: the answer must redirect to
        `expect`, and the page it leads to (fetched as `then`) must show no error message
        (and `success` when given). Returns that page, or None after an error."""
        with self.client.post(
            action,
            data=urlencode(pairs),
            headers=FORM_HEADERS,
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code != 302 or _location(r) != expect:
                r.failure(f"{r.status_code} to {_location(r)!r}, expected a redirect to {expect}")
                return None
            page = self.page(expect, then)
            if page is None:
                r.failure(f"the page after {name} failed")
                return None
            errors = error_messages(page)
            if errors:
                r.failure(f"refused: {errors[0][:120]}")
                return None
            if success and success not in page:
                r.failure(f"no {success!r} after {name}")
                return None
            r.success()
            return page

    def autosave(self, action: str, pairs: Any, *, name: str, saved: str) -> str | None:
        """POST a form as htmx autosaves it: 200 with the saved state (`saved` in it)."""
        with self.client.post(
            action,
            data=urlencode(pairs),
            headers=HTMX_HEADERS,
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as r:
            text = r.text or ""
            if r.status_code != 200 or saved not in text:
                r.failure(f"{r.status_code}, not saved: {re.sub(r'<[^>]+>', ' ', text)[:160]}")
                return None
            r.success()
            return text

    def login(self, email: str) -> None:
        html = self.page("/accounts/login/", "login page")
        form = find_form(parse_forms(html or ""), "")
        if form is None:
            raise StopUser
        pairs = _pairs(form, {"username": email, "password": CAST.password})
        with self.client.post(
            "/accounts/login/",
            data=urlencode(pairs),
            headers=FORM_HEADERS,
            name="log in",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code != 302 or _location(r) != "/":
                r.failure(f"login of {email}: {r.status_code} to {_location(r)!r}")
                raise StopUser
            r.success()
        self.page("/", f"start page ({self.role})", must_have="logout")

    def ack(self, kind: str, **fields: Any) -> None:
        self.writes += 1
        ACKS.write(kind, user=f"{self.role}:{getattr(self, 'person', '')}", **fields)


# --- the employee ------------------------------------------------------------------------------


class Employee(SamtalUser):
    weight = REPORTS
    role = "employee"

    def on_start(self) -> None:
        number = next(_employee_numbers)
        if number >= len(CAST.managers) * REPORTS:
            raise StopUser  # more users than the cast: run.py sizes the cast to --users
        me: CastEmployee = CAST.managers[number // REPORTS].reports[number % REPORTS]
        STARTED["employee"] += 1
        self.person, self.talk, self.email = me.person, me.talk, me.email
        self.base = f"/talks/{self.talk}/"
        self.answered = False  # the booked time (accepted or not)
        self.answers: dict[int, tuple[Form, int]] = {}  # question -> (form, revision)
        self.saves_wanted = self.rng.randint(4, 7)
        self.saves = 0
        self.shared: set[int] = set()
        self.commented: set[int] = set()  # versions commented on
        self.agreed: set[int] = set()
        self.has_record = False  # the talk was marked held: the record exists
        self.record_agreed = False
        self.evaluation: dict[int, tuple[Form, int]] = {}
        self.checkpoints = 0
        self.login(self.email)

    @staticmethod
    def _answer_forms(html: str, prefix: str) -> dict[int, Form]:
        found = {}
        for form in forms_under(parse_forms(html), prefix):
            m = re.fullmatch(r".*/answers/(\d+)/", form.action)
            if m:
                found[int(m.group(1))] = form
        return found

    def prepare_page(self) -> None:
        html = self.page(f"{self.base}prepare/", "prepare page")
        if html is None:
            return
        forms = self._answer_forms(html, f"{self.base}answers/")
        self.answers = {q: (f, int(f.first("revision") or 0)) for q, f in forms.items()}

    def save_answer(self, forms: dict[int, tuple[Form, int]], name: str) -> int | None:
        """Autosave one answer (a new text and, for a choice question, a choice)."""
        if not forms:
            return None
        question = self.rng.choice(sorted(forms))
        form, revision = forms[question]
        # A scale or choice question has no text box: only the choice is saved.
        text = ""
        fields = {"revision": str(revision)}
        if form.has("text"):
            text = fields["text"] = _text(self.rng, f"medarbetare {self.person}", self.writes + 1)
        extra, value = _fill_value(form, self.rng)
        pairs = _pairs(form, fields, drop=("value",)) + extra
        saved = self.autosave(form.action, pairs, name=name, saved='name="revision"')
        if saved is None:
            return None
        m = re.search(r'name="revision" value="(\d+)"', saved)
        new_revision = int(m.group(1)) if m else -1
        forms[question] = (form, new_revision)
        self.ack(
            "answer",
            talk=self.talk,
            question=question,
            author=self.person,
            text=text,
            value=value,
            revision=new_revision,
        )
        return question

    def share_one(self) -> None:
        """Reload the page (as one does before sharing) and share one saved answer."""
        html = self.page(f"{self.base}prepare/", "prepare page")
        if html is None:
            return
        saved = [q for q, (_f, rev) in self.answers.items() if rev > 0 and q not in self.shared]
        if not saved:
            return
        question = self.rng.choice(saved)
        share = next(
            (
                f
                for f in forms_under(parse_forms(html), f"{self.base}answers/share/")
                if f.first("question") == str(question)
            ),
            None,
        )
        if share is None:
            self.environment.events.request.fire(
                request_type="POST",
                name="share answer",
                response_time=0,
                response_length=0,
                exception=RuntimeError(f"no share button for question {question}"),
                context={},
            )
            return
        page = self.submit(
            share.action,
            _pairs(share),
            name="share answer",
            then="prepare page",
            expect=f"{self.base}prepare/",
            success="message-success",
        )
        if page is not None:
            self.shared.add(question)
            self.ack("share", talk=self.talk, question=question, author=self.person)

    def accept_time(self) -> None:
        html = self.page(self.base, "talk page (employee)")
        if html is None:
            return
        self.answered = True
        form = find_form(parse_forms(html), f"{self.base}accept/")
        if form is None:
            return  # accepted already
        page = self.submit(
            form.action,
            _pairs(form),
            name="accept time",
            then="talk page (employee)",
            expect=self.base,
        )
        if page is not None:
            self.ack("accept", talk=self.talk)

    def record(self) -> None:
        """Read the record; agree to a version waiting for it; comment on each new one."""
        html = self.page(f"{self.base}record/", "record page (employee)")
        if html is None:
            return
        forms = parse_forms(html)
        self.record_agreed = find_form(forms, f"{self.base}record/correct/") is not None
        agree = find_form(forms, f"{self.base}record/agree/")
        if agree is None:
            return
        version = int(agree.first("version"))
        comment = find_form(forms, f"{self.base}record/comments/")
        if version not in self.commented and comment is not None and self.rng.random() < 0.5:
            self.commented.add(version)
            text = f"Jag har läst version {version}. {self.rng.choice(PHRASES)}."
            if self.submit(
                comment.action,
                _pairs(comment, {"text": text}),
                name="comment record",
                then="record page (employee)",
                expect=f"{self.base}record/",
            ):
                self.ack("comment", talk=self.talk, author=self.person, text=text)
            return
        if self.submit(
            agree.action,
            _pairs(agree),
            name="agree record",
            then="record page (employee)",
            expect=f"{self.base}record/",
        ):
            self.agreed.add(version)
            self.ack("agree", talk=self.talk, version=version, party="employee")

    def afterwards(self) -> None:
        """The self-evaluation and the private notes (autosaved)."""
        html = self.page(f"{self.base}afterwards/", "afterwards page")
        if html is None:
            return
        forms = parse_forms(html)
        evaluation = self._answer_forms(html, f"{self.base}answers/")
        for question, form in evaluation.items():
            self.evaluation[question] = (form, int(form.first("revision") or 0))
        if self.evaluation and self.rng.random() < 0.5:
            self.save_answer(self.evaluation, "save evaluation")
            return
        note = find_form(forms, f"{self.base}private-note/")
        if note is None:
            return
        text = _text(self.rng, "egna anteckningar", self.writes + 1)
        revision = int(note.first("revision") or 0)
        saved = self.autosave(
            note.action,
            _pairs(note, {"text": text, "revision": str(revision)}),
            name="private note",
            saved='name="revision"',
        )
        if saved is not None:
            m = re.search(r'name="revision" value="(\d+)"', saved)
            self.ack(
                "note",
                talk=self.talk,
                author=self.person,
                text=text,
                value=None,
                revision=int(m.group(1)) if m else -1,
            )

    def add_checkpoint(self) -> None:
        path = f"/plans/{self.person}/"
        html = self.page(path, "plan page")
        if html is None:
            return
        form = find_form(parse_forms(html), f"{path}checkpoints/add/")
        if form is None:
            return
        due = (dt.date.today() + dt.timedelta(days=self.rng.randint(30, 200))).isoformat()
        topic = f"Avstämning {self.checkpoints + 1}: {self.rng.choice(PHRASES)[:80]}"
        with self.client.post(
            form.action,
            data=urlencode(_pairs(form, {"due_on": due, "topic": topic})),
            headers=FORM_HEADERS,
            name="add checkpoint",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code != 302 or _location(r) != path:
                r.failure(f"{r.status_code} to {_location(r)!r}")
                return
            r.success()
        if self.page(path, "plan page", must_have=topic.split(":")[0]) is not None:
            self.checkpoints += 1
            self.ack("checkpoint", person=self.person, topic=topic, due_on=due)

    def talk_page(self) -> None:
        html = self.page(self.base, "talk page (employee)")
        if html is not None and f'href="{self.base}record/"' in html:
            self.has_record = True

    def on_task(self) -> None:
        roll = self.rng.random()
        # Preparing only until the employee has agreed to the record: after both agree the
        # talk is agreed and preparation closes (a save then would rightly be refused).
        preparing = not self.agreed
        if not self.answered:
            self.accept_time()
        elif not self.answers:
            self.prepare_page()
        elif self.saves < self.saves_wanted:
            if self.save_answer(self.answers, "save answer") is not None:
                self.saves += 1
        elif len(self.shared) < 2:
            self.share_one()
        elif roll < 0.15:
            self.page("/", "start page (employee)", must_have="logout")
        elif roll < 0.25 or not self.has_record:
            if preparing and roll > 0.6:
                self.save_answer(self.answers, "save answer")
            else:
                self.talk_page()
        elif roll < 0.6 or not self.record_agreed:
            # Reading the record, agreeing to it, or still preparing while the talk is held.
            if self.record_agreed or roll < 0.45 or not preparing:
                self.record()
            else:
                self.save_answer(self.answers, "save answer")
        elif roll < 0.8:
            self.afterwards()
        elif self.checkpoints < 3:
            self.add_checkpoint()
        else:
            self.page(f"/plans/{self.person}/", "plan page")

    @task
    def step(self) -> None:
        self.on_task()


# --- the manager -------------------------------------------------------------------------------


class Manager(SamtalUser):
    weight = 1
    role = "manager"

    def on_start(self) -> None:
        number = next(_manager_numbers)
        if number >= len(CAST.managers):
            raise StopUser
        me: CastManager = CAST.managers[number]
        STARTED["manager"] += 1
        self.person, self.email = me.person, me.email
        self.talks = [r.talk for r in me.reports]
        self.current = 0  # index of the talk being worked on
        self.state = "prepare"
        self.polls = 0
        self.entries: dict[int, dict[int, str]] = {t: {} for t in self.talks}
        self.passed_on: dict[int, str] = dict.fromkeys(self.talks, "")
        self.written = 0
        self.to_write = 0
        self.prep_saves = 0
        self.record_forms: dict[int, tuple[Form, int]] = {}
        self.passed_form: tuple[Form, int] | None = None
        self.agree_form: Form | None = None
        self.login(self.email)

    @property
    def talk(self) -> int:
        return self.talks[self.current % len(self.talks)]

    @property
    def base(self) -> str:
        return f"/talks/{self.talk}/"

    def next_talk(self) -> None:
        self.current += 1
        self.polls = 0
        # Forms read from the last talk's pages post to that talk: forget them.
        self.record_forms, self.passed_form, self.agree_form = {}, None, None
        # The first round through the reports takes each talk from preparation to agreement;
        # after that the manager corrects agreed records.
        self.state = "prepare" if self.current < len(self.talks) else "correct"

    def prepare(self) -> None:
        """Answer a couple of the manager's own preparation questions for the talk."""
        html = self.page(f"{self.base}prepare/", "prepare page (manager)")
        if html is None:
            return
        forms = {
            int(m.group(1)): f
            for f in forms_under(parse_forms(html), f"{self.base}answers/")
            if (m := re.fullmatch(r".*/answers/(\d+)/", f.action))
        }
        if forms and self.prep_saves < 2:
            question = self.rng.choice(sorted(forms))
            form = forms[question]
            text = ""
            if form.has("text"):
                text = _text(self.rng, f"chef {self.person}", self.writes + 1)
            extra, value = _fill_value(form, self.rng)
            pairs = _pairs(form, {"text": text} if text else {}, drop=("value",)) + extra
            saved = self.autosave(
                form.action, pairs, name="save answer (manager)", saved='name="revision"'
            )
            if saved is not None:
                m = re.search(r'name="revision" value="(\d+)"', saved)
                self.ack(
                    "answer",
                    talk=self.talk,
                    question=question,
                    author=self.person,
                    text=text,
                    value=value,
                    revision=int(m.group(1)) if m else -1,
                )
            self.prep_saves += 1
            return
        # Hold the talk once the employee has shared their preparation (or after a while).
        start = html.find('aria-labelledby="shared-heading"')
        shared = start >= 0 and "<dl>" in html[start : html.find("</section>", start)]
        self.polls += 1
        if shared or self.polls > PATIENCE:
            self.state, self.polls, self.prep_saves = "held", 0, 0

    def mark_held(self) -> None:
        html = self.page(self.base, "talk page (manager)")
        if html is None:
            return
        form = find_form(parse_forms(html), f"{self.base}held/")
        if form is None:
            self.state = "write"  # held already
            return
        if self.submit(
            form.action,
            _pairs(form),
            name="mark held",
            then="talk page (manager)",
            expect=self.base,
        ):
            self.ack("held", talk=self.talk)
            self.state = "write"

    def open_record(self) -> str | None:
        html = self.page(f"{self.base}record/", "record page (manager)")
        if html is None:
            return None
        forms = parse_forms(html)
        self.record_forms = {
            int(m.group(1)): (f, int(f.first("revision") or 0))
            for f in forms_under(forms, f"{self.base}record/entries/")
            if (m := re.fullmatch(r".*/entries/(\d+)/", f.action))
        }
        passed = find_form(forms, f"{self.base}record/passed-on/")
        self.passed_form = (passed, int(passed.first("revision") or 0)) if passed else None
        self.agree_form = find_form(forms, f"{self.base}record/agree/")
        return html

    def write(self) -> None:
        """Autosave the record, one question per step, then what may be passed on."""
        if not self.record_forms:
            if self.open_record() is None:
                return
            if not self.record_forms:
                self.state = "send"  # nothing to write here (sent or agreed already)
                return
            self.to_write = self.rng.randint(4, 7) if self.state == "write" else 2
            self.written = 0
        if self.written < self.to_write:
            question = self.rng.choice(sorted(self.record_forms))
            form, revision = self.record_forms[question]
            text = _text(self.rng, f"anteckningar {self.talk}", self.writes + 1)
            extra, value = _fill_value(form, self.rng)
            pairs = _pairs(form, {"revision": str(revision), "text": text}, drop=("value",)) + extra
            saved = self.autosave(form.action, pairs, name="write record", saved="muted")
            self.written += 1
            if saved is None:
                return
            new_revision = int(re.search(r'name="revision" value="(\d+)"', saved).group(1))  # type: ignore[union-attr]
            self.record_forms[question] = (form, new_revision)
            self.entries[self.talk][question] = text
            self.ack(
                "entry",
                talk=self.talk,
                question=question,
                text=text,
                value=value,
                revision=new_revision,
            )
            return
        if self.passed_form is not None:
            form, revision = self.passed_form
            text = f"Vi är överens om att berätta om planen för gruppen. ({self.rng.random():.6f})"
            saved = self.autosave(
                form.action,
                _pairs(form, {"revision": str(revision), "text": text}),
                name="write record",
                saved="muted",
            )
            if saved is not None:
                new_revision = int(re.search(r'name="revision" value="(\d+)"', saved).group(1))  # type: ignore[union-attr]
                self.passed_on[self.talk] = text
                self.ack("passed_on", talk=self.talk, text=text, value=None, revision=new_revision)
        self.record_forms, self.passed_form = {}, None
        self.state = "send"

    def send(self) -> None:
        html = self.open_record()
        if html is None:
            return
        form = find_form(parse_forms(html), f"{self.base}record/send/")
        if form is None:
            self.state = "agree"  # sent already
            return
        page = self.submit(
            form.action,
            _pairs(form),
            name="send record",
            then="record page (manager)",
            expect=f"{self.base}record/",
        )
        if page is None:
            return
        agree = find_form(parse_forms(page), f"{self.base}record/agree/")
        version = int(agree.first("version")) if agree else -1
        self.ack(
            "send",
            talk=self.talk,
            version=version,
            entries={str(q): t for q, t in self.entries[self.talk].items()},
            passed_on=self.passed_on[self.talk],
        )
        self.agree_form = agree
        self.state = "agree"

    def agree(self) -> None:
        form = self.agree_form
        if form is None:
            if self.open_record() is None:
                return
            form = self.agree_form
        if form is None:
            self.state = "wait"
            return
        version = int(form.first("version"))
        if self.submit(
            form.action,
            _pairs(form),
            name="agree record",
            then="record page (manager)",
            expect=f"{self.base}record/",
        ):
            self.ack("agree", talk=self.talk, version=version, party="manager")
        self.agree_form = None
        self.state, self.polls = "wait", 0

    def wait(self) -> None:
        """Until the employee has agreed too (the record offers a correction then)."""
        roll = self.rng.random()
        if roll < 0.3:
            self.page("/talks/team/", "team overview")
            return
        if roll < 0.4:
            self.page("/", "start page (manager)", must_have="logout")
            return
        html = self.page(f"{self.base}record/", "record page (manager)")
        self.polls += 1
        agreed = html is not None and f"{self.base}record/correct/" in html
        if agreed or self.polls > PATIENCE:
            self.next_talk()

    def correct(self) -> None:
        """Reopen an agreed record for a correction: a new version both agree to."""
        html = self.page(f"{self.base}record/", "record page (manager)")
        if html is None:
            return
        form = find_form(parse_forms(html), f"{self.base}record/correct/")
        if form is None:
            self.next_talk()  # not agreed (the employee never came): try the next one
            return
        if self.submit(
            form.action,
            _pairs(form),
            name="correct record",
            then="record page (manager)",
            expect=f"{self.base}record/",
        ):
            self.ack("correct", talk=self.talk)
            self.record_forms, self.passed_form = {}, None
            self.state = "rewrite"

    def on_task(self) -> None:
        if self.rng.random() < 0.12:
            if self.rng.random() < 0.6:
                self.page("/talks/team/", "team overview")
            else:
                self.page("/plans/follow-up/", "plan follow-up")
            return
        {
            "prepare": self.prepare,
            "held": self.mark_held,
            "write": self.write,
            "rewrite": self.write,
            "send": self.send,
            "agree": self.agree,
            "wait": self.wait,
            "correct": self.correct,
        }[self.state]()

    @task
    def step(self) -> None:
        self.on_task()


# --- HR ----------------------------------------------------------------------------------------


class HR(SamtalUser):
    fixed_count = int(os.environ.get("LOAD_HR_USERS", "1"))
    wait_time = between(THINK[0] * 3, THINK[1] * 3)
    role = "hr"

    def on_start(self) -> None:
        number = next(_hr_numbers)
        self.person = f"hr{number}"
        STARTED["hr"] += 1
        self.login(CAST.hr[number % len(CAST.hr)])
        self.round = f"/talks/rounds/{CAST.round}/"

    @task(6)
    def coverage(self) -> None:
        self.page(self.round, "round coverage (HR)")

    @task(2)
    def talk_list(self) -> None:
        self.page(f"{self.round}talks/", "round talk list (HR)")

    @task(1)
    def start_page(self) -> None:
        self.page("/", "start page (hr)", must_have="logout")
