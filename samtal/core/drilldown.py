"""Aggregates by unit with a drill-down, and the k-threshold across its levels.

An aggregate page (competence needs, the SAM overview) shows the units one level below a
chosen unit, or the top units of the viewer's scope, with figures per (unit, column). The
database counts per unit (a constant number of GROUP BY queries whatever the size); the
figures are then rolled up in memory to the units shown: each unit's counts go to its
ancestor-or-self at the level shown. The figures must add up (`Figures.add`), and `size` is
the number of people a cell is about, what the k-threshold looks at.

A drill-down level is linked to the level above: a unit's row there is the totals row here.
So the levels are suppressed top-down along the unit's path (`suppressed`): a figure hidden
above is hidden here too, with at least K people hidden under it, and one shown above is
taken as known here (the cells hidden here must not rely on it being unknown). The same
level always shows the same cells, however the viewer got there.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.utils.translation import gettext as _

from samtal.accounts.permissions import path_in_scope, scope_q
from samtal.core.anonymity import TOTAL, suppress_table
from samtal.organisation.models import Unit


class Figures(Protocol):
    """What a cell holds: figures that add up, about `size` people."""

    @property
    def size(self) -> int: ...

    def add(self, other: Any) -> None: ...


Fig = TypeVar("Fig", bound=Figures)

# The parent (id, path) of a drill-down level, None for the top level of the viewer's scope.
Level = tuple[int, str] | None

# A cell of a level: (shown unit id, column).
CellKey = tuple[int, Hashable]


@dataclass
class Entry(Generic[Fig]):
    """The figures counted in one unit (by its path) for one column."""

    path: str
    col: Hashable
    figures: Fig


@dataclass
class UnitRow:
    """A unit shown at a level, as a table's row header."""

    unit_id: int
    label: str
    code: str
    has_children: bool  # a link to the level below


# --- unit paths -------------------------------------------------------------------------------


def path_ids(path: str) -> list[int]:
    """The unit ids of a materialised path, from the root down: "/1/4/9/" → [1, 4, 9]."""
    return [int(part) for part in path.strip("/").split("/") if part]


def path_prefix(ids: list[int]) -> str:
    """The path made of `ids`, from the root down: [1, 4] → "/1/4/"."""
    return "/" + "".join(f"{unit_id}/" for unit_id in ids)


def scope_unit_paths(paths: tuple[str, ...]) -> dict[int, str]:
    """Every unit's path in scope (one query). Counts are best grouped by unit id alone:
    grouping (and sorting for the distinct counts) by the long path too was most of their
    time."""
    return dict(Unit.objects.filter(scope_q(paths, field="path")).values_list("id", "path"))


def top_unit(path: str, paths: tuple[str, ...]) -> tuple[int, bool] | None:
    """The unit shown for `path` at the top level: its first ancestor-or-self in scope, and
    whether `path` lies below it. None when `path` is out of scope."""
    ids = path_ids(path)
    for depth in range(len(ids)):
        if path_in_scope(path_prefix(ids[: depth + 1]), paths):
            return ids[depth], depth < len(ids) - 1
    return None


def place(path: str, level: Level, paths: tuple[str, ...]) -> tuple[int, bool] | None:
    """The unit shown for `path` at `level` (the parent itself for the parent's own figures),
    and whether `path` lies below that unit; None when `path` is not on the level."""
    if level is None:
        return top_unit(path, paths)
    parent_id, parent_path = level
    if not path.startswith(parent_path):
        return None
    rest = path_ids(path[len(parent_path) - 1 :])
    return (rest[0], len(rest) > 1) if rest else (parent_id, False)


def level_chain(parent: Unit | None, paths: tuple[str, ...]) -> list[Level]:
    """The levels from the top down to the one below `parent`: each level's parent is a row
    of the level above. `parent` must be in scope."""
    if parent is None:
        return [None]
    ids = path_ids(parent.path)
    top = top_unit(parent.path, paths)
    assert top is not None, "the parent is in scope"
    start = ids.index(top[0])
    return [None] + [(ids[i], path_prefix(ids[: i + 1])) for i in range(start, len(ids))]


def level_units(all_paths: Iterable[str], level: Level, paths: tuple[str, ...]) -> dict[int, bool]:
    """Every unit shown at `level` given the units' paths (data or not), each with whether
    it has deeper units below it."""
    shown: dict[int, bool] = {}
    for path in all_paths:
        found = place(path, level, paths)
        if found is not None:
            key, below = found
            shown[key] = shown.get(key, False) or below
    return shown


# --- rolling up and hiding --------------------------------------------------------------------


def roll_up(
    by_path: dict[str, list[Entry[Fig]]],
    level: Level,
    paths: tuple[str, ...],
    empty: Callable[[], Fig],
) -> tuple[dict[CellKey, Fig], set[int]]:
    """The figures per (shown unit, column) of one level, and the shown units with deeper
    units (with data) below them. Each unit's place is worked out once, not once per
    column."""
    cells: dict[CellKey, Fig] = {}
    deeper: set[int] = set()
    for path, entries in by_path.items():
        found = place(path, level, paths)
        if found is None:
            continue
        key, below = found
        for entry in entries:
            cell = cells.get((key, entry.col))
            if cell is None:
                cell = cells[(key, entry.col)] = empty()
            cell.add(entry.figures)
        if below:
            deeper.add(key)
    return cells, deeper


LevelResult = tuple[dict[CellKey, Fig], set[int], set[tuple[Any, Any]]]


def suppressed(
    entries: list[Entry[Fig]],
    chain: list[Level],
    paths: tuple[str, ...],
    empty: Callable[[], Fig],
    *,
    rows: bool,
    grand_total: bool,
    k: int | None = None,
) -> LevelResult[Fig]:
    """The last level of `chain`: its cells, its units with deeper units, and what to hide in
    it (cell keys, and (row, TOTAL)/(TOTAL, col)/(TOTAL, TOTAL) for hidden totals as from
    `core.anonymity.suppress_table`), each level hiding what the level above hid of its
    parent. `rows`/`grand_total`/`k` as for `suppress_table`: `rows=False` when one person
    may be counted in several columns; `k` for sizes counted in other units than people."""
    return suppressed_levels(entries, chain, paths, empty, rows=rows, grand_total=grand_total, k=k)[
        -1
    ]


def suppressed_levels(
    entries: list[Entry[Fig]],
    chain: list[Level],
    paths: tuple[str, ...],
    empty: Callable[[], Fig],
    *,
    rows: bool,
    grand_total: bool,
    k: int | None = None,
) -> list[LevelResult[Fig]]:
    """Every level of `chain`, from the top down, as `suppressed` gives the last."""
    found: list[LevelResult[Fig]] = []
    by_path: dict[str, list[Entry[Fig]]] = {}
    for entry in entries:
        by_path.setdefault(entry.path, []).append(entry)
    cells: dict[CellKey, Fig] = {}
    deeper: set[int] = set()
    hidden: set[tuple[Any, Any]] = set()
    for level in chain:
        hidden_rows: list[Any] = []
        hidden_cols: list[Hashable] = []
        known_rows: list[Any] = []
        if level is not None:
            parent_id, parent_path = level
            hidden_cols = [col for row, col in hidden if row == parent_id and col is not TOTAL]
            # The level above shows the parent's row: here it is the totals row.
            if (parent_id, TOTAL) in hidden:
                hidden_rows = [TOTAL]
            elif grand_total:
                known_rows = [TOTAL]
            by_path = {
                path: found for path, found in by_path.items() if path.startswith(parent_path)
            }
        cells, deeper = roll_up(by_path, level, paths, empty)
        counts = {key: figures.size for key, figures in cells.items()}
        present = {col for _row, col in counts}
        first_row = next(iter(counts), (None, None))[0]
        for col in hidden_cols:
            if col not in present and first_row is not None:
                # A zero hidden above (to close a cycle) must not show as zero here.
                counts[(first_row, col)] = 0
        hidden = suppress_table(
            counts,
            k=k,
            rows=rows,
            grand_total=grand_total,
            hidden_rows=hidden_rows,
            hidden_cols=hidden_cols,
            known_rows=known_rows,
            known_cols=[] if level is None else sorted(present - set(hidden_cols), key=str),
        )
        found.append((cells, deeper, hidden))
    return found


def sum_figures(figures: Iterable[Fig], empty: Callable[[], Fig]) -> Fig:
    """The figures added up into a new `empty()`."""
    total = empty()
    for item in figures:
        total.add(item)
    return total


# --- naming the units shown -------------------------------------------------------------------


@dataclass
class NamedUnits:
    rows: dict[int, UnitRow]
    breadcrumbs: list[Unit]  # the parent and its ancestors within the viewer's scope

    def ordered(self, ids: Iterable[int]) -> list[UnitRow]:
        """The rows of `ids` by name."""
        return sorted((self.rows[i] for i in set(ids)), key=lambda row: (row.label, row.unit_id))


def name_units(
    shown_ids: Iterable[int],
    *,
    parent: Unit | None,
    deeper: set[int],
    paths: tuple[str, ...],
) -> NamedUnits:
    """Row headers for the units shown (one query, with the breadcrumbs' units): the parent's
    own row reads "… (directly)" and never links deeper."""
    shown = set(shown_ids)
    crumb_ids = path_ids(parent.path) if parent else []
    units = Unit.objects.in_bulk([*shown, *crumb_ids])
    parent_id = parent.pk if parent else None

    def unit_row(unit_id: int) -> UnitRow:
        unit = units.get(unit_id)
        name, code = (unit.name, unit.code) if unit else ("?", "")
        if unit_id == parent_id:
            return UnitRow(unit_id, _("%(unit)s (directly)") % {"unit": name}, code, False)
        return UnitRow(unit_id, name, code, unit_id in deeper)

    crumbs = [units[i] for i in crumb_ids if i in units and path_in_scope(units[i].path, paths)]
    return NamedUnits({unit_id: unit_row(unit_id) for unit_id in shown}, crumbs)
