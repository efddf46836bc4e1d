"""Two app instances (gunicorn on two ports) on one PostgreSQL database and one task queue,
with two task workers: the same record version agreed from both at once, the same round
launched from both at once, two reminder runs at once. Each race runs REPEAT times."""

from __future__ import annotations

import datetime as dt
import functools
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone

from samtal.core.models import HistoryEntry, OutgoingEmail
from samtal.organisation.demo import DEMO_PASSWORD
from samtal.talks import services
from samtal.talks.demo import DEMO_EMPLOYEE, DEMO_MANAGER
from samtal.talks.models import Agreement, Party, Record, RecordVersion, Round, Talk
from samtal.talks.record import record_correct, record_passed_on_save, record_send
from samtal.talks.services import round_scope_people, without_manager_q
from tests.ops import scenario
from tests.ops.harness import (
    MANAGE,
    PYTHON,
    ROOT,
    AppServer,
    Browser,
    Process,
    Worker,
    app_env,
    figure,
    sent_counts,
    wait_until,
)

REPEAT = 5
SECTION = "two instances"
TO_BOOK = re.compile(r"(\d+) reminder\(s\) to book")


@dataclass
class Site:
    a: AppServer
    b: AppServer
    sink: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def site(ops_database) -> Iterator[Site]:
    sink = ops_database.log_dir / "two-instances-sink.jsonl"
    env = app_env(ops_database.url, sink)
    started: list[Process] = []
    try:
        a = AppServer("instance-a", 18101, env, ops_database.log_dir)
        started.append(a)
        b = AppServer("instance-b", 18102, env, ops_database.log_dir)
        started.append(b)
        for name in ("worker-a", "worker-b"):
            started.append(Worker(name, env, ops_database.log_dir))
        yield Site(a, b, sink, env)
    finally:
        for process in reversed(started):
            process.stop()


def logged_in(server: AppServer, email: str) -> Browser:
    browser = Browser(server.url, language="en")
    browser.log_in(email, DEMO_PASSWORD)
    return browser


# --- the record agreed from both instances at once -------------------------------------------


@pytest.fixture(scope="module")
def record(site) -> Record:
    """The demo's extra talk between the demo employee and manager, held; the manager takes
    notes and sends version 1."""
    manager = scenario.user(DEMO_MANAGER)
    talk = Talk.objects.get(kind=Talk.Kind.EXTRA, employee__user__email=DEMO_EMPLOYEE)
    services.talk_mark_held(talk=talk, actor=manager, revision=talk.revision, note_taker="manager")
    record = Record.objects.get(talk=talk)
    send_next_version(record)
    return record


def send_next_version(record: Record) -> RecordVersion:
    """The manager corrects the agreed record (or goes on writing) and sends the next version."""
    manager = scenario.user(DEMO_MANAGER)
    record.refresh_from_db()
    if record.state == Record.State.AGREED:
        record_correct(record=record, actor=manager, revision=record.revision)
        record.refresh_from_db()
    record_passed_on_save(
        record=record,
        actor=manager,
        text=f"Passed on, as of {timezone.now().isoformat()}.",
        revision=record.passed_on_revision,
    )
    record.refresh_from_db()
    return record_send(record=record, actor=manager, revision=record.revision)


def record_history(record: Record, action: str, version: int) -> list[HistoryEntry]:
    return list(
        HistoryEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Talk),
            object_id=str(record.talk_id),
            action=action,
            changes__version=version,
        )
    )


AGREED_ONE = "You agreed to version {n}. The other party has not agreed yet."
AGREED_BOTH = "You have both agreed to version {n}. The record is locked."
ALREADY = "You have already agreed to this version."


def test_both_parties_agree_the_same_version_from_two_instances_at_once(site, record):
    employee = logged_in(site.a, DEMO_EMPLOYEE)
    manager = logged_in(site.b, DEMO_MANAGER)
    page = f"/talks/{record.talk_id}/record/"
    overlaps = []
    for _round in range(REPEAT):
        version = RecordVersion.objects.filter(record=record).order_by("-number").first()
        assert version is not None
        n = version.number
        employee_page, manager_page = employee.get(page), manager.get(page)
        (answer_e, answer_m), overlap = scenario.race(
            functools.partial(employee.submit, employee_page, "/record/agree/"),
            functools.partial(manager.submit, manager_page, "/record/agree/"),
        )
        overlaps.append(overlap)
        assert (answer_e.status, answer_m.status) == (302, 302)
        for browser, answer in ((employee, answer_e), (manager, answer_m)):
            shown = browser.follow(answer)
            assert shown.status == 200
            assert shown.contains(AGREED_ONE.format(n=n)) or shown.contains(
                AGREED_BOTH.format(n=n)
            ), shown.text[:2000]
        record.refresh_from_db()
        assert record.state == Record.State.AGREED
        assert record.agreed_version_id == version.pk
        parties = sorted(
            Agreement.objects.filter(version=version, voided_at__isnull=True).values_list(
                "party", flat=True
            )
        )
        assert parties == [Party.EMPLOYEE, Party.MANAGER]
        agreed_by = sorted(
            e.changes["party"] for e in record_history(record, "record_agreed_by", n)
        )
        assert agreed_by == [Party.EMPLOYEE, Party.MANAGER]
        assert (
            OutgoingEmail.objects.filter(
                key__startswith=f"talk:{record.talk_id}:agreed:{n}:"
            ).count()
            == 2
        )
        send_next_version(record)
    talk_agreed = HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Talk),
        object_id=str(record.talk_id),
        action="talk_agreed",
    ).count()
    assert talk_agreed == 1
    figure(
        SECTION,
        f"record agreed by employee (instance A) and manager (instance B) at once: {REPEAT}/"
        f"{REPEAT} versions agreed exactly once, 2 agreements and 2 history entries each, "
        f"talk agreed once; requests in flight together in {sum(o > 0 for o in overlaps)}/"
        f"{REPEAT} races",
    )


def test_the_same_person_agreeing_twice_at_once_agrees_once(site, record):
    tab_a = logged_in(site.a, DEMO_EMPLOYEE)
    tab_b = logged_in(site.b, DEMO_EMPLOYEE)
    manager = logged_in(site.b, DEMO_MANAGER)
    page = f"/talks/{record.talk_id}/record/"
    overlaps = []
    winners = {"A": 0, "B": 0}
    for _round in range(REPEAT):
        record.refresh_from_db()
        if record.state != Record.State.SENT:
            send_next_version(record)
        version = RecordVersion.objects.filter(record=record).order_by("-number").first()
        assert version is not None
        n = version.number
        page_a, page_b = tab_a.get(page), tab_b.get(page)
        (answer_a, answer_b), overlap = scenario.race(
            functools.partial(tab_a.submit, page_a, "/record/agree/"),
            functools.partial(tab_b.submit, page_b, "/record/agree/"),
        )
        overlaps.append(overlap)
        assert (answer_a.status, answer_b.status) == (302, 302)
        shown_a, shown_b = tab_a.follow(answer_a), tab_b.follow(answer_b)
        agreed = [s.contains(AGREED_ONE.format(n=n)) for s in (shown_a, shown_b)]
        refused = [s.contains(ALREADY) for s in (shown_a, shown_b)]
        assert sorted(agreed) == [False, True], (shown_a.text[:1500], shown_b.text[:1500])
        assert refused == [not a for a in agreed]
        winners["A" if agreed[0] else "B"] += 1
        assert Agreement.objects.filter(version=version, party=Party.EMPLOYEE).count() == 1
        assert len(record_history(record, "record_agreed_by", n)) == 1
        # The manager agrees too; the record is agreed once.
        answer = manager.submit(manager.get(page), "/record/agree/")
        assert manager.follow(answer).contains(AGREED_BOTH.format(n=n))
        record.refresh_from_db()
        assert record.state == Record.State.AGREED
        assert record.agreed_version_id == version.pk
        send_next_version(record)
    figure(
        SECTION,
        f"the employee agreeing the same version twice at once (a tab on each instance): "
        f"{REPEAT}/{REPEAT} one agreement, the other request told "
        f'"{ALREADY}" (302 to the record page, no 500); winner A {winners["A"]}, '
        f"B {winners['B']}; in flight together in {sum(o > 0 for o in overlaps)}/{REPEAT}",
    )


# --- a round launched from both instances at once ------------------------------------------


def launch_tasks(round_: Round) -> list[dict[str, Any]]:
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.filter(
        task_path="samtal.talks.tasks.launch_round", args_kwargs__kwargs__round_id=round_.pk
    )
    return [dict(row) for row in tasks.values("status", "started_at", "finished_at")]


def test_a_round_launched_from_both_instances_at_once_offers_each_talk_once(site):
    hr_a = logged_in(site.a, scenario.HR_EMAIL)
    hr_b = logged_in(site.b, scenario.HR_EMAIL)
    units = scenario.generated_subtrees()
    assert len(units) >= REPEAT
    deadline = timezone.localdate() + dt.timedelta(days=400)
    overlapping_tasks = 0
    all_email_ids: list[int] = []
    talks_total = 0
    for index in range(REPEAT):
        round_ = scenario.round_create(label="launch race", units=[units[index]], deadline=deadline)
        page = f"/talks/rounds/{round_.pk}/"
        page_a, page_b = hr_a.get(page), hr_b.get(page)
        (answer_a, answer_b), _overlap = scenario.race(
            functools.partial(hr_a.submit, page_a, f"/rounds/{round_.pk}/launch/"),
            functools.partial(hr_b.submit, page_b, f"/rounds/{round_.pk}/launch/"),
        )
        assert (answer_a.status, answer_b.status) == (302, 302)
        for browser, answer in ((hr_a, answer_a), (hr_b, answer_b)):
            assert browser.follow(answer).status == 200

        def both_launches_done(round_=round_) -> bool:
            tasks = launch_tasks(round_)
            return len(tasks) == 2 and all(t["status"] == "SUCCESSFUL" for t in tasks)

        wait_until(both_launches_done, timeout=120, what="both launch tasks")
        round_.refresh_from_db()
        assert round_.launch_count == 2
        assert not round_.is_launching
        talks = Talk.objects.filter(round=round_)
        expected = round_scope_people(round_).exclude(without_manager_q()).count()
        assert expected > 0
        assert talks.count() == expected
        assert not talks.values("employee").annotate(n=Count("id")).filter(n__gt=1).exists()
        talk_ids = list(talks.values_list("id", flat=True))
        offers = OutgoingEmail.objects.filter(
            kind="talk_offered", key__in=[f"talk:{talk_id}:offered" for talk_id in talk_ids]
        )
        assert offers.count() == len(talk_ids)
        assert OutgoingEmail.objects.filter(
            kind="talk_offered", params__talk__in=talk_ids
        ).count() == len(talk_ids)
        summaries = OutgoingEmail.objects.filter(key__startswith=f"round:{round_.pk}:launch:")
        managers = talks.values("manager").distinct().count()
        assert summaries.count() == managers
        assert HistoryEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Talk),
            object_id__in=[str(t) for t in talk_ids],
            action="talk_offered",
        ).count() == len(talk_ids)
        tasks = launch_tasks(round_)
        first_end = min(t["finished_at"] for t in tasks)
        last_start = max(t["started_at"] for t in tasks)
        overlapping_tasks += last_start < first_end
        all_email_ids += scenario.round_email_ids(round_)
        talks_total += len(talk_ids)
    wait_until(
        lambda: scenario.all_finished(all_email_ids), timeout=300, what="the offers to be sent"
    )
    counts = sent_counts(site.sink)
    assert scenario.statuses(all_email_ids) == {"sent": len(all_email_ids)}
    assert sorted({counts[pk] for pk in all_email_ids}) == [1]
    figure(
        SECTION,
        f"round launched by HR from instance A and B at once: {REPEAT}/{REPEAT} rounds with "
        f"every talk once ({talks_total} talks), each offer queued once and sent once "
        f"({len(all_email_ids)} emails incl. manager summaries), both launches ran (launch "
        f"count 2); the two launch tasks ran at the same time on the two workers in "
        f"{overlapping_tasks}/{REPEAT} (the round row lock serialises them)",
    )


# --- two reminder runs at once -------------------------------------------------------------


def test_two_reminder_runs_at_once_queue_each_reminder_once(site):
    units = scenario.generated_subtrees()
    base = timezone.localdate() + dt.timedelta(days=100)
    reported: list[tuple[int, int]] = []
    reminder_ids: list[int] = []
    for index in range(REPEAT):
        deadline = base + dt.timedelta(days=30 * index)
        round_ = scenario.round_launched(
            label="reminder race", units=[units[index]], deadline=deadline
        )
        talk_ids = list(Talk.objects.filter(round=round_).values_list("id", flat=True))
        today = (deadline - dt.timedelta(days=1)).isoformat()
        runs = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
                [PYTHON, MANAGE, "send_reminders", "--today", today],
                cwd=ROOT,
                env=site.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _run in range(2)
        ]
        outputs = [run.communicate(timeout=180) for run in runs]
        for run, (out, err) in zip(runs, outputs, strict=True):
            assert run.returncode == 0, (out, err)
        queued = [int(TO_BOOK.search(out).group(1)) for out, _err in outputs]  # type: ignore[union-attr]
        keys = [f"talk:{talk_id}:remind_unbooked" for talk_id in talk_ids]
        reminders = OutgoingEmail.objects.filter(key__in=keys)
        assert reminders.count() == len(talk_ids)
        assert not (
            OutgoingEmail.objects.filter(kind="talk_remind_unbooked", params__talk__in=talk_ids)
            .values("params__talk")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .exists()
        )
        reported.append((queued[0], queued[1]))
        reminder_ids += list(reminders.values_list("id", flat=True))
    wait_until(
        lambda: scenario.all_finished(reminder_ids), timeout=300, what="the reminders to be sent"
    )
    counts = sent_counts(site.sink)
    assert sorted({counts[pk] for pk in reminder_ids}) == [1]
    assert not OutgoingEmail.objects.values("key").annotate(n=Count("id")).filter(n__gt=1).exists()
    figure(
        SECTION,
        f"two send_reminders processes at once: {REPEAT}/{REPEAT} runs with one reminder per "
        f"talk ({len(reminder_ids)} reminders, each sent once); what the two runs reported as "
        f"queued: {reported} (a run counts what it tried to add, so both may count a reminder "
        f"the database stored once)",
    )
