#!/usr/bin/env python3
"""Fill the English catalog: every msgstr becomes its msgid (msgid_plural for the plural form).

The source strings are English, so English needs no translator, but a complete catalog keeps
the tests and `msgfmt --statistics` honest and lets English differ from the source later.

Re-runnable: only empty entries are filled. A fuzzy entry (msgmerge's guess from a similar
string) is always wrong for English, so it is refilled and its fuzzy flag removed. Entries
that already hold a translation are left alone. The file is written only when something
changed, so running it after an up-to-date `makemessages` leaves the file as msgmerge wrote it.

Usage: .venv/bin/python scripts/i18n_fill_en.py [path/to/en/django.po ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = [ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"]


def fill(path: Path) -> int:
    po = polib.pofile(str(path), wrapwidth=79)
    changed = 0
    header_fixed = False
    if (
        po.metadata_is_fuzzy
        or po.metadata.get("Language") != "en"
        or "YEAR" in po.metadata.get("PO-Revision-Date", "")
    ):
        # makemessages' template header: fuzzy, no language.
        po.metadata_is_fuzzy = False
        po.header = "English catalog of Samtal: the source strings, see scripts/i18n_fill_en.py."
        po.metadata["Project-Id-Version"] = "Samtal"
        po.metadata["PO-Revision-Date"] = po.metadata.get("POT-Creation-Date", "")
        po.metadata["Last-Translator"] = "scripts/i18n_fill_en.py"
        po.metadata["Language-Team"] = "English"
        po.metadata["Language"] = "en"
        po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
        header_fixed = True
    for entry in po:
        if entry.obsolete:
            continue
        fuzzy = "fuzzy" in entry.flags
        if entry.msgid_plural:
            forms = entry.msgstr_plural or {}
            if fuzzy or not forms or not all(forms.get(i) for i in (0, 1)):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                changed += 1
        elif fuzzy or not entry.msgstr:
            entry.msgstr = entry.msgid
            changed += 1
        if fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    if changed or header_fixed:
        po.save(str(path))
    return changed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or DEFAULT_PATHS
    for path in paths:
        if not path.is_file():
            print(f"{path}: not found (run makemessages first)", file=sys.stderr)
            return 1
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown}: {fill(path)} entries filled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
