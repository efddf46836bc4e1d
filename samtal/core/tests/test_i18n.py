"""The translation catalogs: complete, up to date with the code, compiled, and in use.

Swedish is the default language and English must be complete too. The catalogs are made with

    DEBUG=true .venv/bin/python manage.py makemessages -l sv -l en --no-obsolete \
        --add-location file --ignore=.venv --ignore=node_modules --ignore=staticfiles \
        --ignore=benchmarks
    .venv/bin/python scripts/i18n_fill_en.py
    DEBUG=true .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules

The up-to-date check runs makemessages (GNU gettext's xgettext, msguniq, msgmerge) on a copy of
the project: without those tools it is skipped locally and fails under CI=true.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parents[3]
LOCALE_DIR = BASE_DIR / "locale"
LANGUAGES = ("sv", "en")
# The same options as the Makefile's `messages` target (minus the languages).
MAKEMESSAGES_OPTIONS = [
    "--no-obsolete",
    "--add-location",
    "file",
    "--ignore=.venv",
    "--ignore=node_modules",
    "--ignore=staticfiles",
    "--ignore=benchmarks",
]
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

Key = tuple[str, str, str]


def _po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def _mo_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"


def _key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _describe(keys: set[Key]) -> str:
    return "\n".join(
        f"  {msgid!r}" + (f" (context {ctx!r})" if ctx else "") for ctx, msgid, _ in sorted(keys)
    )


def _missing_prerequisite(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (required under CI=true)", pytrace=False)
    pytest.skip(message)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_has_no_fuzzy_entries(language):
    po = polib.pofile(str(_po_path(language)))
    assert not po.metadata_is_fuzzy, f"{language}: the header is still marked fuzzy"
    assert po.metadata.get("Language") == language
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    # A plural entry with one form left empty counts as untranslated too.
    half_plural = [
        e.msgid
        for e in po
        if e.msgid_plural and not e.obsolete and not all(e.msgstr_plural.get(i) for i in (0, 1))
    ]
    assert not untranslated, f"{language}: untranslated entries: {untranslated}"
    assert not fuzzy, f"{language}: fuzzy entries: {fuzzy}"
    assert not obsolete, f"{language}: obsolete entries (run makemessages --no-obsolete)"
    assert not half_plural, f"{language}: plural entries missing a form: {half_plural}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    """Each translation uses exactly the %(name)s placeholders of its source string."""
    wrong = []
    for entry in polib.pofile(str(_po_path(language))):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            wanted = set(PLACEHOLDER.findall(entry.msgid_plural))
            forms = list(entry.msgstr_plural.values())
        else:
            wanted = set(PLACEHOLDER.findall(entry.msgid))
            forms = [entry.msgstr]
        wrong += [(entry.msgid, form) for form in forms if set(PLACEHOLDER.findall(form)) != wanted]
    assert not wrong, f"{language}: placeholders differ from the source: {wrong}"


def test_catalogs_are_up_to_date_with_the_code(tmp_path):
    """makemessages on a copy of the project finds no msgid the committed catalogs lack.

    Also the other way: a msgid no longer in the code should have been dropped (--no-obsolete).
    """
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        _missing_prerequisite(
            f"GNU gettext is not installed ({', '.join(missing_tools)} missing): "
            "apt-get install gettext"
        )
    copy = tmp_path / "project"
    shutil.copytree(
        BASE_DIR,
        copy,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".*",  # .venv, .git, caches, .env
            "node_modules",
            "staticfiles",
            "__pycache__",
            "*.pyc",
            "*.sqlite3",
            "*.sqlite3-*",
            "*.mo",
            "test-results",
        ),
    )
    env = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("PYTHONPATH", None)  # settings and code must come from the copy
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "sv",
            "--keep-pot",
            *MAKEMESSAGES_OPTIONS,
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    pot = copy / "locale" / "django.pot"
    assert pot.is_file(), f"makemessages wrote no {pot}:\n{result.stdout}\n{result.stderr}"
    in_code = {_key(e) for e in polib.pofile(str(pot)) if e.msgid}
    assert in_code, "makemessages found no strings at all: wrong directory?"
    for language in LANGUAGES:
        committed = {_key(e) for e in polib.pofile(str(_po_path(language))) if not e.obsolete}
        missing = in_code - committed
        stale = committed - in_code
        assert not missing, (
            f"{language}: strings in the code are missing from {_po_path(language)}; run "
            "makemessages, translate, run scripts/i18n_fill_en.py and compilemessages:\n"
            + _describe(missing)
        )
        assert not stale, (
            f"{language}: {_po_path(language)} has strings no longer in the code; run "
            "makemessages --no-obsolete and compilemessages:\n" + _describe(stale)
        )


def _translations(mo: polib.MOFile) -> dict[Key, object]:
    table: dict[Key, object] = {}
    for entry in mo:
        if not entry.msgid:
            continue  # the header
        if entry.msgid_plural:
            table[_key(entry)] = tuple(sorted(entry.msgstr_plural.items()))
        else:
            table[_key(entry)] = entry.msgstr
    return table


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language, tmp_path):
    """The committed .mo holds exactly what the .po says (compilemessages was run after the
    last edit)."""
    assert _mo_path(language).is_file(), f"{_mo_path(language)} is missing: run compilemessages"
    fresh = tmp_path / "django.mo"
    polib.pofile(str(_po_path(language))).save_as_mofile(str(fresh))
    expected = polib.mofile(str(fresh))
    committed = polib.mofile(str(_mo_path(language)))
    assert committed.metadata.get("Plural-Forms") == expected.metadata.get("Plural-Forms")
    want, have = _translations(expected), _translations(committed)
    differing = sorted(k[1] for k in set(want) | set(have) if want.get(k) != have.get(k))
    assert not differing, (
        f"{_mo_path(language)} is older than {_po_path(language)}: run "
        f"compilemessages. Differing: {differing[:20]}"
    )


def test_swedish_and_english_are_both_served():
    source = "Log in"  # a variable, so that xgettext does not collect it from this file
    with translation.override("sv"):
        swedish = translation.gettext(source)
    with translation.override("en"):
        english = translation.gettext(source)
    assert swedish == "Logga in"
    assert english == "Log in"
    assert swedish != english


def test_templates_render_plurals_in_both_languages():
    template = Template(
        "{% load i18n %}{% blocktranslate count n=n %}{{ n }} person{% plural %}"
        "{{ n }} people{% endblocktranslate %}"
    )
    rendered = {}
    for language in LANGUAGES:
        with translation.override(language):
            rendered[language] = [template.render(Context({"n": n})) for n in (1, 2)]
    assert rendered["sv"] == ["1 person", "2 personer"]
    assert rendered["en"] == ["1 person", "2 people"]
