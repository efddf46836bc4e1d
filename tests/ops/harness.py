"""Real processes for the operations tests: gunicorn app instances, task workers and management
commands started from the venv on loopback, a small HTTP client with cookies and CSRF tokens,
and the figures the suite reports at the end."""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")
GUNICORN = str(VENV_BIN / "gunicorn")
MANAGE = str(ROOT / "manage.py")
HOST = "127.0.0.1"
# The ports this suite may use (the brief's 18101-18109).
PORTS = range(18101, 18110)
SECRET_KEY = "ops-" + secrets.token_urlsafe(48)

# Lines collected by the tests, printed at the end of the run (see conftest.py).
FIGURES: list[tuple[str, str]] = []


def figure(section: str, line: str) -> None:
    FIGURES.append((section, line))


def app_env(database_url: str, sink: Path | None = None, **extra: str) -> dict[str, str]:
    """Production mode on plain HTTP on loopback, against `database_url`; emails go to the
    test sink (tests/ops/sink.py) when one is given."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SAMTAL_", "EMAIL_", "DATABASE_", "PYTEST", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url,
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if sink is not None:
        env["EMAIL_BACKEND"] = "tests.ops.sink.EmailBackend"
        env["SAMTAL_OPS_EMAIL_SINK"] = str(sink)
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    """Run a management command to completion; its output, or an error with the output."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, MANAGE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


class Process:
    """A process of ours in its own session (so gunicorn's workers go with their master),
    with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - fixed arguments, our own binaries
                args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive():
            os.kill(self.pid, signum)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM, then SIGKILL to its whole process group if it does not end in time."""
        if self.alive():
            self.signal(signal.SIGTERM)
            if self.wait(timeout) is None:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(10)
        # Children left behind by a killed master (gunicorn workers) go with the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class AppServer(Process):
    """One Samtal instance: gunicorn with `workers` sync workers on HOST:port."""

    def __init__(
        self, name: str, port: int, env: dict[str, str], log_dir: Path, workers: int = 2
    ) -> None:
        assert port in PORTS, port
        self.port = port
        self.url = f"http://{HOST}:{port}"
        args = [
            GUNICORN,
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            "-",
        ]
        super().__init__(name, args, {**env, "SAMTAL_BASE_URL": self.url}, log_dir)
        self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            try:
                if Browser(self.url).get("/accounts/login/").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.tail()}")

    def worker_pids(self) -> set[int]:
        """gunicorn's worker processes (children of the master), from /proc."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:
                children.add(int(stat.parent.name))
        return children


class Worker(Process):
    """`manage.py db_worker`, polling often so that tests do not wait for it."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        args = [
            PYTHON,
            MANAGE,
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--worker-id",
            f"{name}-{secrets.token_hex(4)}",
        ]
        super().__init__(name, args, env, log_dir)


def wait_until(condition: Any, *, timeout: float, interval: float = 0.2, what: str) -> float:
    """Poll `condition()` until true; the seconds it took, or AssertionError naming `what`."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# --- the email sink -----------------------------------------------------------------------


def sink_lines(sink: Path) -> list[dict[str, Any]]:
    if not sink.exists():
        return []
    lines = []
    for raw in sink.read_text().splitlines():
        if raw.strip():
            lines.append(json.loads(raw))
    return lines


def email_pk(message_id: str) -> int:
    """The OutgoingEmail id in a Samtal Message-ID (<samtal.PK.HASH@host>)."""
    return int(message_id.strip("<>").split(".")[1])


def sent_counts(sink: Path) -> Counter[int]:
    """How many times each outgoing email (by id) reached the sink."""
    return Counter(
        email_pk(line["message_id"]) for line in sink_lines(sink) if "message_id" in line
    )


# --- HTTP -----------------------------------------------------------------------------------


@dataclass
class Response:
    path: str
    status: int
    headers: dict[str, str]
    text: str
    elapsed: float

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def contains(self, text: str) -> bool:
        return text in html.unescape(self.text)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return  # a browser sends only what is checked
            if kind not in ("submit", "button", "image", "file"):
                self._form.fields[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.fields[a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select is not None:
            current = self._form.fields.get(self._select)
            if current is None or "selected" in a:
                self._form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.fields[self._textarea] += data


def forms_in(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


class Browser:
    """One person's browser on one instance: cookies (session, CSRF, language), no redirects
    followed unless asked, a new connection per request (gunicorn's sync workers close it)."""

    def __init__(self, base_url: str, *, language: str | None = None, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or HOST, parts.port or 80
        self.base_url = base_url
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.language = language
        if language:
            self.cookies["samtal_language"] = language

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None, *, referer: str = ""
    ) -> Response:
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.language:
            headers["Accept-Language"] = self.language
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = referer or f"{self.base_url}{path}"
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            text = raw.read().decode("utf-8", errors="replace")
            response_headers = {k.lower(): v for k, v in raw.getheaders()}
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    self._store_cookie(value)
        finally:
            connection.close()
        return Response(path, raw.status, response_headers, text, time.monotonic() - started)

    def _store_cookie(self, header: str) -> None:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            elif not (name == "samtal_language" and self.language):
                self.cookies[name] = morsel.value

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def follow(self, response: Response) -> Response:
        """GET the page a redirect points to (same instance)."""
        assert response.status in (301, 302, 303), (response.status, response.text[:500])
        location = urlsplit(response.location)
        return self.get(location.path + (f"?{location.query}" if location.query else ""))

    def form(self, page: Response, action: str) -> Form:
        """The form on `page` that posts to a URL ending with `action`."""
        for form in forms_in(page.text):
            form.action = form.action or page.path  # an empty action posts to the page itself
            if form.method == "post" and form.action.endswith(action):
                return form
        actions = [f.action for f in forms_in(page.text)]
        raise AssertionError(f"no form posting to …{action} on the page (forms: {actions})")

    def submit(self, page: Response, action: str, **overrides: str) -> Response:
        """Post the form on `page` that posts to …`action`, with its own values (the CSRF
        token among them) and `overrides`."""
        form = self.form(page, action)
        return self.request(
            "POST", form.action, {**form.fields, **overrides}, referer=self.base_url + page.path
        )

    def log_in(self, email: str, password: str) -> Response:
        page = self.get("/accounts/login/")
        assert page.status == 200, page.status
        answer = self.submit(page, "/accounts/login/", username=email, password=password)
        assert answer.status == 302, (answer.status, answer.text[:800])
        return answer
