"""Manifests: what they record, how they are read back, and how two are compared."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from samtal.core.backup.databases import BackupError, Database
from samtal.core.backup.manifest import (
    Manifest,
    manifest_compare,
    manifest_of,
    manifest_path,
    manifest_read,
)


def _manifest(counts, checksums=None, engine="sqlite"):
    return Manifest(
        engine=engine,
        taken_at="2027-01-01T00:00:00+00:00",
        counts=counts,
        checksums=checksums or {},
    )


def test_manifest_survives_its_file(tmp_path):
    manifest = _manifest({"talks_talk": 3, "django_migrations": 40}, {"talks_talk": "ab" * 32})
    backup = tmp_path / "samtal.dump"
    manifest_path(backup).write_text(manifest.to_json())
    assert manifest_read(backup) == manifest
    assert manifest.rows == 43


@pytest.mark.parametrize(
    "text",
    ["not json", "{}", '{"format": 1, "engine": "oracle"}', '{"format": 1, "engine": "sqlite"}'],
)
def test_unreadable_manifest_is_refused(tmp_path, text):
    backup = tmp_path / "samtal.dump"
    manifest_path(backup).write_text(text)
    with pytest.raises(BackupError, match="not a readable backup manifest"):
        manifest_read(backup)


def test_missing_manifest_says_where_it_was_looked_for(tmp_path):
    with pytest.raises(BackupError, match=r"samtal\.dump\.manifest\.json not found"):
        manifest_read(tmp_path / "samtal.dump")


def test_comparison_names_every_kind_of_difference():
    expected = _manifest(
        {"same": 1, "fewer": 2, "changed": 3, "gone": 4},
        {"changed": "a", "same": "s"},
    )
    actual = _manifest(
        {"same": 1, "fewer": 1, "changed": 3, "new": 5},
        {"changed": "b", "same": "s", "fewer": "x"},
    )

    comparison = manifest_compare(expected, actual)

    by_table = {table.table: table for table in comparison.tables}
    assert sorted(by_table) == ["changed", "fewer", "gone", "new", "same"]
    assert by_table["same"].same
    assert by_table["same"].content_checked
    assert not by_table["fewer"].same
    assert not by_table["fewer"].content_checked
    assert by_table["changed"].expected_rows == by_table["changed"].actual_rows
    assert not by_table["changed"].content_same
    assert by_table["gone"].actual_rows is None
    assert by_table["new"].expected_rows is None
    assert [t.table for t in comparison.differences] == ["changed", "fewer", "gone", "new"]
    assert not comparison.same
    assert manifest_compare(expected, expected).same


def test_engines_are_not_compared_across():
    with pytest.raises(BackupError, match="cannot compare"):
        manifest_compare(_manifest({}), _manifest({}, engine="postgresql"))


def test_sqlite_checksum_follows_content_not_row_order(tmp_path):
    def database(name, rows):
        path = tmp_path / name
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE talks_talk (id INTEGER PRIMARY KEY, note TEXT)")
            conn.executemany("INSERT INTO talks_talk VALUES (?, ?)", rows)
            conn.commit()
        return manifest_of(Database.from_url(f"sqlite:///{path}"))

    rows = [(1, "a"), (2, "b"), (3, "c")]
    original = database("a.sqlite3", rows)
    reordered = database("b.sqlite3", list(reversed(rows)))
    changed = database("c.sqlite3", [(1, "a"), (2, "B"), (3, "c")])
    invalid_text = database("d.sqlite3", [(1, b"\xff\xfe")])

    assert original.counts == {"talks_talk": 3}
    assert reordered.checksums == original.checksums
    assert changed.counts == original.counts
    assert changed.checksums != original.checksums
    assert invalid_text.checksums["talks_talk"].startswith("sha256:")
