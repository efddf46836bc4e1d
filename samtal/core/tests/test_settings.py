"""Production mode: settings refuse to start without a real secret, and pass Django's deploy
checks. Each case runs in a fresh interpreter because settings are read once per process."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]


def _production_env(**extra: str) -> dict[str, str]:
    """A clean environment: only what Python needs plus the given variables."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update({"DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings"})
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(["-c", "import config.settings"], env)


def _good_key() -> str:
    key = secrets.token_urlsafe(45)
    assert len(key) == 60
    return key


def test_production_without_secret_key_refuses_to_start():
    result = _import_settings(_production_env())
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["short-secret", "a" * 49, "django-insecure-" + "k" * 60],
    ids=["short", "49-chars", "django-insecure-prefix"],
)
def test_production_with_weak_secret_key_refuses_to_start(key):
    result = _import_settings(_production_env(SECRET_KEY=key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_development_runs_without_secret_key():
    result = _import_settings(_production_env(DEBUG="true"))
    assert result.returncode == 0, result.stderr


def test_bad_boolean_in_environment_refuses_to_start():
    result = _import_settings(_production_env(DEBUG="maybe"))
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_production_is_secure_by_default():
    script = (
        "import json; from django.conf import settings as s; import django; django.setup(); "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'LANGUAGE_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'ALLOWED_HOSTS', 'EMAIL_BACKEND')}))"
    )
    result = _run(
        ["-c", script],
        _production_env(SECRET_KEY=_good_key(), ALLOWED_HOSTS="samtal.example.se"),
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["ALLOWED_HOSTS"] == ["samtal.example.se"]
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_check_deploy_passes_without_warnings():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production_env(SECRET_KEY=_good_key(), ALLOWED_HOSTS="samtal.example.se"),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified no issues" in output
