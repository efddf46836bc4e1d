"""The drill-down's suppression (core.drilldown.suppressed) alone, over random unit trees with
synthetic figures, for a table whose rows are no sums (`rows=False`: one person may be
counted in several columns): no shown figure about fewer than K people, a figure hidden at
one level stays hidden one level down, and all levels read together pin down no hidden
figure under K (a linear-algebra audit). Moved from the SAM overview's tests when the
overview came to share the annual follow-up's suppression (workenv.annual)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from samtal.core.anonymity import TOTAL
from samtal.core.drilldown import Entry, level_chain, suppressed
from samtal.core.tests.audit import determined
from samtal.organisation.models import Unit

K = 5
ORG = ("/",)


@dataclass
class People:
    """A cell's figures: the people (its size) and the observations behind them."""

    size: int = 0
    observations: int = 0

    def add(self, other: People) -> None:
        self.size += other.size
        self.observations += other.observations


COLUMNS = ("x", "y", "z")


def _tree(parents: list[int]) -> dict[int, str]:
    """Unit ids 1.. with their paths; each unit's parent is an earlier one or none."""
    paths: dict[int, str] = {}
    for index, parent in enumerate(parents):
        unit_id = index + 1
        above = paths.get(parent + 1) if 0 <= parent < index else None
        paths[unit_id] = f"{above or '/'}{unit_id}/"
    return paths


def _levels(paths: dict[int, str], data: dict[tuple[int, str], int]) -> dict[Any, Any]:
    """Every level of the drill-down (the top, and the level below each unit) as computed
    for the page: its cells, what it hides, and each row's units."""
    entries = [
        Entry(paths[unit], col, People(size=n, observations=n)) for (unit, col), n in data.items()
    ]
    levels: dict[Any, Any] = {}
    for parent in [None, *paths]:
        unit = None if parent is None else Unit(pk=parent, path=paths[parent])
        chain = level_chain(unit, ORG)
        found, _deeper, hidden = suppressed(
            entries,
            chain,
            ORG,
            People,
            rows=False,
            grand_total=False,
            k=K,
        )
        rows = {row for row, _col in (*found, *hidden) if row is not TOTAL}
        members = {
            row: [row]
            if row == parent
            else [u for u, path in paths.items() if path.startswith(paths[row])]
            for row in rows
        }
        levels[parent] = (found, hidden, members)
    return levels


@settings(max_examples=200, deadline=None)
@example(parents=[-1, 0, 0, 1], data={(2, "x"): 3, (4, "x"): 10})
@example(parents=[-1, -1, 0, 1], data={(1, "x"): 1, (1, "y"): 5, (1, "z"): 1, (3, "z"): 4})
@given(
    parents=st.lists(st.integers(-1, 5), min_size=1, max_size=6),
    data=st.dictionaries(
        st.tuples(st.integers(1, 6), st.sampled_from(COLUMNS)),
        st.one_of(st.integers(1, 6), st.integers(5, 25)),
        max_size=12,
    ),
)
def test_the_levels_give_no_small_group_away(parents, data):
    """Over random trees: no shown cell or total is about 0 < n < K people; in every column
    the hidden cells count nobody or at least K (so no shown total minus the shown cells
    gives a small group away), and never just one is hidden; a figure hidden at one level
    stays hidden as the total one level down; and reading all levels together pins down no
    hidden figure under K (a linear-algebra audit)."""
    paths = _tree(parents)
    data = {(unit, col): n for (unit, col), n in data.items() if unit in paths}
    levels = _levels(paths, data)

    def true(units: list[int], col: str) -> int:
        return sum(data.get((u, col), 0) for u in units)

    for parent, (found, hidden, members) in levels.items():
        for col in COLUMNS:
            column = {row: true(units, col) for row, units in members.items()}
            for row, n in column.items():
                if (row, col) not in hidden:
                    assert not 0 < n < K, (parent, row, col, n)
                    assert found.get((row, col), People()).observations == n
            total = sum(column.values())
            hidden_rows = [row for row in column if (row, col) in hidden]
            hidden_people = sum(column[row] for row in hidden_rows)
            if (TOTAL, col) not in hidden:
                assert not 0 < total < K, (parent, col, total)
                # The shown total minus the shown cells: nobody, or at least K people.
                assert not 0 < hidden_people < K, (parent, col, hidden_people)
            items = len(hidden_rows) + ((TOTAL, col) in hidden)
            assert items != 1, (parent, col)
        if parent is not None:
            # The level where the parent is a row: its parent's, or the top.
            above_parent = next(
                (u for u, path in paths.items() if paths[parent] == f"{path}{parent}/"), None
            )
            _found, above_hidden, _members = levels[above_parent]
            for col in COLUMNS:
                if (parent, col) in above_hidden:
                    assert (TOTAL, col) in hidden, (parent, col)

    # All the levels read together: a level's totals row is its parent's row above.
    def var(level: Any, row: Any, col: str) -> Any:
        if level is not None and row is TOTAL:
            above = next(
                (u for u, path in paths.items() if paths[level] == f"{path}{level}/"), None
            )
            return (above, level, col)
        return (level, row, col)

    values: dict[Any, int] = {}
    hidden_everywhere: dict[Any, bool] = {}
    equations = []
    for level, (_found, hidden, members) in levels.items():
        for col in COLUMNS:
            parts = []
            for row, units in members.items():
                name = var(level, row, col)
                values[name] = true(units, col)
                hidden_everywhere[name] = hidden_everywhere.get(name, True) and (
                    (row, col) in hidden
                )
                parts.append(name)
            total = var(level, TOTAL, col)
            values[total] = sum(values[name] for name in parts)
            hidden_everywhere[total] = hidden_everywhere.get(total, True) and (
                (TOTAL, col) in hidden
            )
            equations.append([(total, -1)] + [(name, 1) for name in parts])
    unknown = {name for name, is_hidden in hidden_everywhere.items() if is_hidden}
    for name in determined(equations, unknown):
        assert not 0 < values[name] < K, (name, values[name])
