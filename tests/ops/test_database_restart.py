"""PostgreSQL restarted while people use Samtal: requests fail cleanly (503 with Retry-After
in the reader's language, quickly), no acknowledged write is lost, and the same gunicorn
processes serve again as soon as the database is back.

The shared server on 5432 is never touched: the test starts a private cluster (initdb into a
temporary directory, port 55432, as the postgres user when run as root) and removes it after.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
import pytest

from samtal.accounts.models import User
from samtal.core.database_unavailable import RETRY_AFTER_SECONDS
from samtal.organisation.demo import DEMO_DOMAIN, DEMO_PASSWORD
from samtal.organisation.models import Person
from samtal.talks.demo import DEMO_EMPLOYEE, DEMO_MANAGER
from samtal.talks.models import RecordComment, Talk
from tests.ops.conftest import require
from tests.ops.harness import AppServer, Browser, Response, app_env, figure, manage

PORT = 55432
DATABASE = "samtal_ops_restart"
SECTION = "PostgreSQL restart under load"
POSTGRES_BIN = Path(os.environ.get("SAMTAL_OPS_PG_BIN", "/usr/lib/postgresql/15/bin"))
# A request must end within this, database down or not (connect_timeout is 5 s).
BOUND_SECONDS = 10
UNAVAILABLE_EN = "Temporarily unavailable"


@dataclass
class Cluster:
    directory: Path
    url: str
    as_postgres: list[str]

    def pg_ctl(self, *args: str) -> float:
        """Run pg_ctl and wait for it; the seconds it took. Its output, and the server's when
        it starts one, go to the cluster's log file (a pipe would be held open by the server)."""
        started = time.monotonic()
        with (self.directory / "pg_ctl.log").open("ab") as log:
            subprocess.run(  # noqa: S603 - fixed arguments, PostgreSQL's own tool
                [
                    *self.as_postgres,
                    str(POSTGRES_BIN / "pg_ctl"),
                    "-D",
                    str(self.directory / "data"),
                    "-w",
                    "-t",
                    "60",
                    *args,
                ],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=90,
            )
        return time.monotonic() - started

    def _server(self) -> list[str]:
        options = f"-p {PORT} -k {self.directory} -c listen_addresses=127.0.0.1"
        return ["-o", options, "-l", str(self.directory / "server.log")]

    def start(self) -> float:
        return self.pg_ctl(*self._server(), "start")

    def restart(self) -> float:
        return self.pg_ctl(*self._server(), "-m", "fast", "restart")

    def stop(self, mode: str = "fast") -> float:
        return self.pg_ctl("-m", mode, "stop")

    def query(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(
            self.url.replace("postgres://", "postgresql://"), connect_timeout=5
        ) as c:
            return c.execute(sql, params).fetchall()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def cluster(ops_database) -> Iterator[Cluster]:
    require((POSTGRES_BIN / "initdb").exists(), f"PostgreSQL's initdb in {POSTGRES_BIN}")
    require(_port_free(PORT), f"port {PORT} free for a private PostgreSQL cluster")
    as_postgres: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="samtal_ops_pg_", dir="/tmp"))
    if os.geteuid() == 0:
        require(shutil.which("runuser"), "runuser (util-linux), to run PostgreSQL as postgres")
        account = pwd.getpwnam("postgres")
        os.chown(directory, account.pw_uid, account.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    result = Cluster(directory, f"postgres://postgres@127.0.0.1:{PORT}/{DATABASE}", as_postgres)
    started = False
    try:
        subprocess.run(  # noqa: S603 - fixed arguments, PostgreSQL's own tool
            [
                *as_postgres,
                str(POSTGRES_BIN / "initdb"),
                "-D",
                str(directory / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        result.start()
        started = True
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{PORT}/postgres", autocommit=True, connect_timeout=5
        ) as admin:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
        env = app_env(result.url)
        manage("migrate", "--noinput", env=env)
        manage("load_demo", env=env)
        yield result
    finally:
        if started:
            with contextlib.suppress(subprocess.SubprocessError):  # e.g. the test left it down
                result.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Outcome:
    who: str
    what: str
    started: float
    ended: float
    status: int | str
    retry_after: str = ""
    page_ok: bool = True
    written: str = ""


class Driver(threading.Thread):
    """One person using Samtal in a loop until told to stop, recording every request."""

    def __init__(self, who: str, steps: Callable[[Driver], None]) -> None:
        super().__init__(name=who, daemon=True)
        self.who = who
        self.steps = steps
        self.outcomes: list[Outcome] = []
        self.stopping = threading.Event()
        self.counter = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            self.steps(self)

    def call(
        self, what: str, do: Callable[[], Response], *, language: str, written: str = ""
    ) -> Response | None:
        started = time.monotonic()
        try:
            response = do()
        except OSError as error:  # no answer at all: refused, reset, timed out
            self.outcomes.append(
                Outcome(self.who, what, started, time.monotonic(), f"no answer: {error}")
            )
            return None
        page_ok = True
        if response.status == 503:
            page_ok = f'<html lang="{language}">' in response.text and (
                language != "en" or response.contains(UNAVAILABLE_EN)
            )
        self.outcomes.append(
            Outcome(
                self.who,
                what,
                started,
                time.monotonic(),
                response.status,
                response.headers.get("retry-after", ""),
                page_ok,
                written,
            )
        )
        return response


def extra_talk_id(cluster: Cluster) -> int:
    rows = cluster.query(
        f"SELECT t.id FROM {Talk._meta.db_table} t "  # noqa: S608 - table names of our models
        f"JOIN {Person._meta.db_table} p ON p.id = t.employee_id "
        f"JOIN {User._meta.db_table} u ON u.id = p.user_id "
        "WHERE t.kind = %s AND u.email = %s",
        Talk.Kind.EXTRA.value,
        DEMO_EMPLOYEE,
    )
    assert len(rows) == 1
    return int(rows[0][0])


def commenter(browser: Browser, talk_id: int, language: str) -> Callable[[Driver], None]:
    """Open the start page and the record, then add a comment with a text of its own."""
    record = f"/talks/{talk_id}/record/"
    form_page: list[Response] = []

    def steps(driver: Driver) -> None:
        driver.call("read", lambda: browser.get("/"), language=language)
        page = driver.call("read", lambda: browser.get(record), language=language)
        if page is not None and page.status == 200:
            form_page[:] = [page]
        if form_page:
            driver.counter += 1
            text = f"ops-{driver.who}-{driver.counter}"
            driver.call(
                "write",
                lambda: browser.submit(form_page[0], "/record/comments/", text=text),
                language=language,
                written=text,
            )

    return steps


def reader(browser: Browser, paths: list[str], language: str) -> Callable[[Driver], None]:
    def steps(driver: Driver) -> None:
        for path in paths:
            driver.call("read", functools.partial(browser.get, path), language=language)

    return steps


def logging_in(base_url: str, email: str, language: str) -> Callable[[Driver], None]:
    """A fresh browser logs in (a session written) and opens the start page."""

    def steps(driver: Driver) -> None:
        browser = Browser(base_url, language=language)
        page = driver.call("read", lambda: browser.get("/accounts/login/"), language=language)
        if page is None or page.status != 200:
            time.sleep(0.05)
            return
        driver.call(
            "login",
            lambda: browser.submit(
                page, "/accounts/login/", username=email, password=DEMO_PASSWORD
            ),
            language=language,
        )
        driver.call("read", lambda: browser.get("/"), language=language)

    return steps


def test_a_database_restart_under_load_fails_cleanly_and_recovers(cluster, ops_database):
    app = AppServer("restart-app", 18105, app_env(cluster.url), ops_database.log_dir, workers=3)
    try:
        _under_load(cluster, app)
    finally:
        app.stop()


def _under_load(cluster: Cluster, app: AppServer) -> None:
    talk_id = extra_talk_id(cluster)
    manager = Browser(app.url, language="sv")
    manager.log_in(DEMO_MANAGER, DEMO_PASSWORD)
    talk_page = manager.get(f"/talks/{talk_id}/")
    assert manager.submit(talk_page, f"/talks/{talk_id}/held/").status == 302
    employee = Browser(app.url, language="en")
    employee.log_in(DEMO_EMPLOYEE, DEMO_PASSWORD)
    hr = Browser(app.url, language="en")
    hr.log_in(f"helena.berglund@{DEMO_DOMAIN}", DEMO_PASSWORD)
    processes_before = (app.pid, app.worker_pids())
    assert len(processes_before[1]) == 3

    drivers = [
        Driver("employee", commenter(employee, talk_id, "en")),
        Driver("manager", commenter(manager, talk_id, "sv")),
        Driver("hr", reader(hr, ["/talks/rounds/", "/"], "en")),
        Driver("login", logging_in(app.url, f"oskar.nordin@{DEMO_DOMAIN}", "sv")),
    ]
    begin = time.monotonic()
    for driver in drivers:
        driver.start()
    try:
        time.sleep(4)
        restart_begin = time.monotonic()
        restart_took = cluster.restart()
        restart_end = time.monotonic()
        time.sleep(4)
        stop_begin = time.monotonic()
        cluster.stop()
        time.sleep(3)
        cluster.start()
        back = time.monotonic()
        time.sleep(6)
    finally:
        for driver in drivers:
            driver.stopping.set()
        for driver in drivers:
            driver.join(60)
    outcomes = [o for driver in drivers for o in driver.outcomes]
    with (app.log.parent / "restart-outcomes.jsonl").open("w") as dump:
        dump.write(
            json.dumps(
                {
                    "restart": [restart_begin - begin, restart_end - begin],
                    "stop_start": [stop_begin - begin, back - begin],
                }
            )
            + "\n"
        )
        for o in sorted(outcomes, key=lambda o: o.started):
            dump.write(
                json.dumps(
                    {**asdict(o), "started": o.started - begin, "ended": o.ended - begin},
                    default=str,
                )
                + "\n"
            )
    windows = [(restart_begin, restart_end + 1), (stop_begin, back + 1)]

    def in_window(o: Outcome) -> bool:
        return any(o.started <= end and o.ended >= begin for begin, end in windows)

    statuses = Counter(o.status for o in outcomes)
    unexpected = [o for o in outcomes if o.status not in (200, 302, 503)]
    assert unexpected == [], unexpected[:10]
    unavailable = [o for o in outcomes if o.status == 503]
    assert unavailable, "no request met the database down; the test proved nothing"
    assert all(o.retry_after == str(RETRY_AFTER_SECONDS) and o.page_ok for o in unavailable), [
        o for o in unavailable if not (o.retry_after and o.page_ok)
    ][:5]
    assert all(in_window(o) for o in unavailable), [o for o in unavailable if not in_window(o)]
    # Failing is quick: a refused or dropped connection, or connect_timeout at worst.
    slowest_refusal = max(o.ended - o.started for o in unavailable)
    assert slowest_refusal < BOUND_SECONDS
    slowest = max(o.ended - o.started for o in outcomes)
    # Served again, by the same processes, without a restart of the app.
    after = [o for o in outcomes if o.started > back + 1]
    assert after
    assert all(o.status in (200, 302) for o in after)
    first_served = [
        min(o.ended for o in driver.outcomes if o.started >= back and o.status in (200, 302)) - back
        for driver in drivers
    ]
    assert (app.pid, app.worker_pids()) == processes_before
    assert app.alive()
    # Every comment acknowledged (302 to the record) is stored, once.
    acknowledged = {o.written for o in outcomes if o.written and o.status == 302}
    refused = {o.written for o in outcomes if o.written and o.status != 302}
    stored = Counter(
        text
        for (text,) in cluster.query(
            f"SELECT text FROM {RecordComment._meta.db_table} WHERE text LIKE 'ops-%%'"  # noqa: S608
        )
    )
    lost = acknowledged - set(stored)
    assert lost == set()
    assert all(n == 1 for n in stored.values())
    during = [o for o in outcomes if in_window(o)]
    figure(SECTION, f"private cluster on port {PORT}; gunicorn with 3 workers, 4 users in loops")
    figure(
        SECTION,
        f"pg_ctl restart -m fast took {restart_took:.1f} s; then pg_ctl stop -m fast, 3 s "
        f"down, start",
    )
    figure(
        SECTION,
        f"{len(outcomes)} requests: {dict(sorted(statuses.items(), key=str))}; during the two "
        f"outages {len(during)} requests, {len(unavailable)} answered 503 with Retry-After "
        f"and the sv/en page; no 500, no request unanswered",
    )
    figure(
        SECTION,
        f"slowest 503 {slowest_refusal:.2f} s (bound {BOUND_SECONDS} s; slowest request of "
        f"all {slowest:.2f} s); after the database was back the first request was served in "
        f"{min(first_served):.2f} s and every user within {max(first_served):.2f} s, by the "
        f"same gunicorn master and workers (pids unchanged)",
    )
    figure(
        SECTION,
        f"writes (record comments): {len(acknowledged)} acknowledged, all stored once (lost 0); "
        f"{len(refused)} answered 503 of which {len(refused & set(stored))} were stored anyway "
        f"(committed before the connection dropped)",
    )
