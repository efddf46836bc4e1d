"""The suite knows every URL: a URL pattern it cannot fill, or a POST URL whose form it
cannot find, fails here, so nobody adds an unprotected URL without this suite attacking it."""

from __future__ import annotations

from django.urls import reverse

from tests.hostile.catalogue import TARGETS, all_url_names, project_urls
from tests.hostile.world import ROLES

# Django's own URLs outside the project's namespaces: none are routed today; a new one must be
# listed here on purpose (and attacked by a test of its own).
NOT_PROJECT_URLS: frozenset[str] = frozenset()


def test_every_url_pattern_has_a_target():
    names = all_url_names()
    project = {url.name for url in project_urls()}
    unknown = sorted(set(names) - set(TARGETS) - NOT_PROJECT_URLS)
    assert not unknown, (
        f"URL patterns the hostile suite does not know how to fill: {unknown}. "
        "Add them to tests/hostile/catalogue.py TARGETS."
    )
    stale = sorted(set(TARGETS) - project)
    assert not stale, f"TARGETS names URLs that no longer exist: {stale}"


def test_every_kwarg_of_every_pattern_is_filled(world, db):
    for url in project_urls():
        target = TARGETS[url.name]
        for role in ROLES:
            # Side B's variants pair with side A's, one for one.
            assert len(target.fill(world, world.a, role)) == len(
                target.fill(world, world.b, role)
            ), url.name
        for side in (world.a, world.b):
            for role in ROLES:
                variants = target.fill(world, side, role)
                assert variants, url.name
                for kwargs in variants:
                    assert set(kwargs) == set(url.converters), (url.name, kwargs)
                    reverse(url.name, kwargs=kwargs)
