"""The environment helpers behind config/settings.py: defaults, parsing, and loud failures."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from samtal.core.env import env_bool, env_int, env_list, env_str

NAME = "SAMTAL_TEST_VARIABLE"


@pytest.fixture(autouse=True)
def _unset(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)


def test_env_str_default_and_value(monkeypatch):
    assert env_str(NAME) == ""
    assert env_str(NAME, "fallback") == "fallback"
    monkeypatch.setenv(NAME, " kept as is ")
    assert env_str(NAME, "fallback") == " kept as is "


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on", "True"])
def test_env_bool_true(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "off", ""])
def test_env_bool_false(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, True) is False


def test_env_bool_default_when_unset():
    assert env_bool(NAME, True) is True
    assert env_bool(NAME) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "ja", "tru"])
def test_env_bool_refuses_other_values(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_bool(NAME, False)


def test_env_int(monkeypatch):
    assert env_int(NAME, 7) == 7
    monkeypatch.setenv(NAME, "  ")
    assert env_int(NAME, 7) == 7
    monkeypatch.setenv(NAME, "42")
    assert env_int(NAME, 7) == 42
    monkeypatch.setenv(NAME, "-3")
    assert env_int(NAME, 7) == -3


@pytest.mark.parametrize("raw", ["4.5", "ten", "1e3", "0x10"])
def test_env_int_refuses_non_integers(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured, match="must be an integer"):
        env_int(NAME, 7)


def test_env_int_minimum(monkeypatch):
    monkeypatch.setenv(NAME, "1")
    with pytest.raises(ImproperlyConfigured, match="at least 2"):
        env_int(NAME, 5, minimum=2)
    monkeypatch.setenv(NAME, "2")
    assert env_int(NAME, 5, minimum=2) == 2


def test_env_list(monkeypatch):
    assert env_list(NAME) == []
    assert env_list(NAME, ["a", "b"]) == ["a", "b"]
    monkeypatch.setenv(NAME, " samtal.example.se , ,localhost,")
    assert env_list(NAME, ["ignored"]) == ["samtal.example.se", "localhost"]
    monkeypatch.setenv(NAME, "")
    assert env_list(NAME, ["ignored"]) == []


def test_env_list_default_is_copied():
    default = ["a"]
    env_list(NAME, default).append("b")
    assert default == ["a"]
