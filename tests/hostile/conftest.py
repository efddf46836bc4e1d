"""The hostile-input suite's world: built once for the package inside a transaction that is
rolled back after its last test, so the rest of the test run never sees it. Every request of
the suite runs in a savepoint of its own (probe.Prober), so each one meets the same world.

Every test that uses the world also uses the `db` fixture (directly or through `probe`):
pytest-django runs database tests before the others, and the package's tests must stay
together so that the world is built once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from tests.hostile.catalogue import project_urls
from tests.hostile.probe import STATS, Prober
from tests.hostile.world import FAST_SETTINGS, World, build_world

# Thousands of refused requests: Django would log a warning with a traceback for each 403 and
# 404. A 500 is not missed: the test client raises it and the prober records it.
QUIET_LOGGERS = ("django.request", "django.security.csrf")


@pytest.fixture(scope="package")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    for logger in loggers:
        logger.disabled = True
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(**FAST_SETTINGS),
            translation.override("en"),
            transaction.atomic(),
        ):
            yield build_world()
            transaction.set_rollback(True)
    finally:
        for logger in loggers:
            logger.disabled = False


@pytest.fixture(scope="package")
def prober(world: World) -> Prober:
    probe = Prober(world)
    probe.crawl(project_urls())
    return probe


@pytest.fixture
def probe(prober: Prober, db: None) -> Iterator[Prober]:
    """The module's prober for one test; the test fails on what the prober found."""
    prober.failures = []
    yield prober
    failures, prober.failures = prober.failures, []
    if failures:
        shown = "\n".join(failures[:40])
        more = f"\n... and {len(failures) - 40} more" if len(failures) > 40 else ""
        pytest.fail(f"{len(failures)} problem(s):\n{shown}{more}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not STATS.requests:
        return
    total = sum(STATS.requests.values())
    terminalreporter.write_sep("-", "hostile input")
    terminalreporter.write_line(
        f"{total} requests ({', '.join(f'{m} {n}' for m, n in sorted(STATS.requests.items()))}); "
        f"{len(STATS.post_urls)} POST URLs, {len(STATS.pairs)} (POST URL, role) pairs reached; "
        f"{STATS.accepted} accepted changes followed to their page"
    )
    if STATS.columns_seeded:
        terminalreporter.write_line(
            f"stored XSS: {STATS.columns_seeded} text columns seeded with markup, "
            f"{STATS.columns_shown} of them shown (escaped) on the crawled pages"
        )
    terminalreporter.write_line(
        "payloads: " + ", ".join(f"{k} {v}" for k, v in sorted(STATS.labels.items()))
    )
