"""The load test of the busy weeks: gunicorn on PostgreSQL, driven by locust, then checked.

    DEBUG=true .venv/bin/python benchmarks/load/run.py [--people 20000] [--users 30]
        [--spawn-rate 2] [--run-time 3m] [--keep-db]        (or: make load)

1. Creates the PostgreSQL database `samtal_load` on the server of DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432), migrates it and builds the organisation, its launched
   round and the cast (cast.py).
2. Collects the static files and starts gunicorn (config.wsgi, DEBUG off, a throw-away
   SECRET_KEY, plain http on 127.0.0.1) and one task worker, as in production.
3. Runs locust headless (locustfile.py) for --run-time with --users users, at most
   --max-requests requests, against 127.0.0.1 only.
4. Stops gunicorn and the worker, reads the ack log and checks every acknowledged write in the
   database (acklog.py), and writes the table (throughput, p50/p95 per action, errors, writes
   acknowledged/verified/lost) to --results and the terminal.
5. Drops the database unless --keep-db.

Exits non-zero when a request failed, a write was lost or a write was left half done.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import acklog  # noqa: E402  (after the path set-up)
import cast as casting  # noqa: E402
import report  # noqa: E402

DATABASE = "samtal_load"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# Every generated user's password, on a throw-away database.
PASSWORD = "Utvecklingssamtal-2026!"


def seconds(text: str) -> int:
    """'3m', '90s', '1h30m' or a number of seconds."""
    if text.isdigit():
        return int(text)
    parts = re.findall(r"(\d+)([hms])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 3m, 90s)")
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument("--people", type=int, default=int(env("PEOPLE", "20000")))
    parser.add_argument("--users", type=int, default=int(env("USERS", "30")))
    parser.add_argument("--spawn-rate", type=float, default=float(env("SPAWN_RATE", "2")))
    parser.add_argument("--run-time", type=seconds, default=seconds(env("RUN_TIME", "3m")))
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--hr-users", type=int, default=1)
    parser.add_argument("--reports", type=int, default=4, help="employees per manager")
    parser.add_argument("--think", default="1,3", help="seconds between steps: min,max")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=18201)
    parser.add_argument("--results", type=Path, default=HERE / "results.md")
    parser.add_argument("--keep-db", action="store_true", help="keep samtal_load and the logs")
    parser.add_argument(
        "--verify",
        type=Path,
        metavar="DIR",
        help="only check the writes of a run kept with --keep-db (its folder) again",
    )
    args = parser.parse_args()
    if not 18201 <= args.port <= 18209:
        parser.error("--port must be within 18201-18209 (the load test's ports)")
    if args.users < args.hr_users + 2 or args.people < 200:
        parser.error("at least --hr-users + 2 users and 200 people")
    return args


# --- processes --------------------------------------------------------------------------------


class Server:
    """A process group we started (gunicorn and its workers, or the task worker)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        self._out = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603  (our own command line)
            command,
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._out.close()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def server_env(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    """Production settings, on plain http over loopback."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "load-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "SAMTAL_BASE_URL": f"http://127.0.0.1:{args.port}",
        "LOG_LEVEL": "WARNING",
    }


def wait_until_up(url: str, server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} stopped:\n{server.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{server.name} did not answer {url} within {timeout:.0f} s")


# --- the run ----------------------------------------------------------------------------------


def setup(args: argparse.Namespace, work: Path) -> tuple[casting.Cast, float]:
    """Migrate and build the organisation in this process (Django set up)."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    cast = casting.build(
        people=args.people,
        tmp=work,
        managers=args.users,
        reports=args.reports,
        hr_users=args.hr_users,
        password=PASSWORD,
    )
    return cast, time.perf_counter() - started


def run_locust(
    args: argparse.Namespace, work: Path, cast_path: Path, acks: Path
) -> tuple[int, dict[str, Any]]:
    summary = work / "users.json"
    env = {
        **os.environ,
        "LOAD_CAST": str(cast_path),
        "LOAD_ACKS": str(acks),
        "LOAD_SUMMARY": str(summary),
        "LOAD_MAX_REQUESTS": str(args.max_requests),
        "LOAD_THINK": args.think,
        "LOAD_HR_USERS": str(args.hr_users),
    }
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.run_time}s",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--csv",
        str(work / "locust"),
        "--stop-timeout",
        "10",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    with (work / "locust.log").open("w") as log:
        done = subprocess.run(  # noqa: S603  (our own command line)
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=args.run_time + 180,
            check=False,
        )
    users = json.loads(summary.read_text()) if summary.exists() else {}
    return done.returncode, users


def database_figures(cast: casting.Cast, since: dt.datetime) -> dict[str, int]:
    """What the run left in the database, for the report."""
    from samtal.core.models import OutgoingEmail
    from samtal.talks.models import Agreement, Record, RecordVersion, Talk

    talks = cast.talk_ids
    emails = OutgoingEmail.objects.filter(created_at__gte=since)
    return {
        "cast talks held or agreed": Talk.objects.filter(
            pk__in=talks, status__in=("held", "agreed")
        ).count(),
        "cast talks agreed": Talk.objects.filter(pk__in=talks, status="agreed").count(),
        "records agreed at the end": Record.objects.filter(
            talk_id__in=talks, state="agreed"
        ).count(),
        "record versions": RecordVersion.objects.filter(record__talk_id__in=talks).count(),
        "agreements": Agreement.objects.filter(version__record__talk_id__in=talks).count(),
        "emails queued in the run": emails.count(),
        "of them sent by the task worker": emails.filter(status="sent").count(),
    }


def verify_again(folder: Path, database_url: str) -> int:
    """Check the ack log of a kept run against the kept database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    cast = casting.Cast.load(folder / "cast.json")
    result = acklog.verify(acklog.read_log(folder / "acks.jsonl"), talk_ids=cast.talk_ids)
    print("\n".join(result.table()))
    for problem in result.problems + result.partial:
        print(f"- {problem}")
    return 0 if result.ok else 1


def main() -> int:
    args = parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        server_url = DEFAULT_SERVER
    database_url, admin_url = casting.database_urls(server_url, DATABASE)
    if args.verify:
        return verify_again(args.verify, database_url)
    work = Path(tempfile.mkdtemp(prefix="samtal-load-"))
    casting.database_create(admin_url, DATABASE)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "true"  # only to load the settings here without a SECRET_KEY
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections
    from django.utils import timezone

    settings.DEBUG = False  # do not keep every query of the set-up in memory
    servers: list[Server] = []
    status = 1
    try:
        print(f"Building {args.people} people on PostgreSQL ({DATABASE}) …", flush=True)
        cast, setup_seconds = setup(args, work)
        cast_path = work / "cast.json"
        cast.save(cast_path)
        pg_version = connection.cursor().connection.info.server_version
        connections.close_all()
        print(
            f"  {cast.talks} talks in the round, {cast.booked} booked; cast of "
            f"{len(cast.managers)} managers × {args.reports} employees; {setup_seconds:.0f} s",
            flush=True,
        )
        env = server_env(args, database_url)
        python = sys.executable
        subprocess.run(  # noqa: S603
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        gunicorn = Server(
            "gunicorn",
            [
                str(Path(python).parent / "gunicorn"),
                "config.wsgi:application",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{args.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "10",
            ],
            env,
            work / "gunicorn.log",
        )
        servers.append(gunicorn)
        worker = Server(
            "task worker",
            [python, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
            env,
            work / "worker.log",
        )
        servers.append(worker)
        wait_until_up(f"http://127.0.0.1:{args.port}/accounts/login/", gunicorn)
        run_started = timezone.now()

        print(
            f"Locust: {args.users} users, {args.spawn_rate:g}/s, {args.run_time} s, "
            f"gunicorn {args.workers} workers on 127.0.0.1:{args.port} …",
            flush=True,
        )
        acks = work / "acks.jsonl"
        acks.touch()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        locust_status, users = run_locust(args, work, cast_path, acks)
        ran = time.perf_counter() - started
        # The machine's other work skews the figures: say how busy it was.
        users["load"] = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} at the end"
        for server in reversed(servers):
            server.stop()
        servers.clear()

        rows, total = report.read_stats(work / "locust_stats.csv")
        failures = report.read_failures(work / "locust_failures.csv")
        entries = acklog.read_log(acks)
        verified = acklog.verify(entries, talk_ids=cast.talk_ids)
        figures = database_figures(cast, run_started)
        connections.close_all()

        lines = results(
            args,
            cast=cast,
            pg_version=pg_version,
            ran=ran,
            users=users,
            rows=rows,
            total=total,
            failures=failures,
            verified=verified,
            figures=figures,
        )
        text = "\n".join(lines) + "\n"
        args.results.write_text(text, encoding="utf-8")
        print()
        print(text)
        print(f"Written to {args.results}")
        errors = total.failures if total else 1
        status = 0 if locust_status == 0 and errors == 0 and verified.ok else 1
        if locust_status not in (0, 1):
            print((work / "locust.log").read_text(errors="replace")[-3000:])
    finally:
        for server in reversed(servers):
            server.stop()
        connections.close_all()
        if args.keep_db:
            print(f"Kept the database {DATABASE} and the run's files in {work}")
        else:
            casting.database_drop(admin_url, DATABASE)
            shutil.rmtree(work, ignore_errors=True)
    return status


def results(
    args: argparse.Namespace,
    *,
    cast: casting.Cast,
    pg_version: int,
    ran: float,
    users: dict[str, Any],
    rows: list[report.Row],
    total: report.Row | None,
    failures: list[str],
    verified: acklog.VerifyResult,
    figures: dict[str, int],
) -> list[str]:
    requests = total.requests if total else 0
    errors = total.failures if total else 0
    lines = [
        "# Load test: the busy weeks",
        "",
        f"{dt.date.today().isoformat()}, {platform.node() or 'this machine'} "
        f"({os.cpu_count()} CPUs), PostgreSQL {pg_version // 10000}, "
        f"gunicorn {args.workers} workers + 1 task worker, locust on the same machine "
        f"(load average {users.get('load', '?')}).",
        "",
        f"- organisation: {cast.people} people; round of {cast.talks} talks, "
        f"{cast.booked} booked before the run",
        f"- users: {args.users} ({users.get('employee', '?')} employees, "
        f"{users.get('manager', '?')} managers, {users.get('hr', '?')} HR; "
        f"{users.get('paired', '?')} employees with their manager in the run), "
        f"spawned at {args.spawn_rate:g}/s, think time {args.think.replace(',', '–')} s",
        f"- duration: {ran:.0f} s; **{requests} requests, "
        f"{(total.per_second if total else 0):.1f} req/s, {errors} errors**",
        "",
        *report.table(rows, total),
        "",
        "## Writes: acknowledged and found in the database",
        "",
        *verified.table(),
        "",
        f"- lost: **{verified.lost}**; applied without acknowledgement: "
        f"{verified.applied_unacknowledged}; half-done writes: **{len(verified.partial)}**",
        *[f"- {name}: {value}" for name, value in figures.items()],
    ]
    if verified.problems or verified.partial:
        lines += ["", "## Problems", ""] + [f"- {p}" for p in verified.problems + verified.partial]
    if failures:
        lines += ["", "## Failed requests (locust)", ""] + [f"- {f}" for f in failures]
    return lines


if __name__ == "__main__":
    sys.exit(main())
