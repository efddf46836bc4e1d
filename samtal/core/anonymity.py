"""The k-threshold: no statistic about fewer than K people, and no total that gives one away.

`suppress` takes the people counted in each cell of a table and returns the cells to hide:
every cell under K, and then (complementary suppression) more of the smallest cells until
the hidden cells together count either nobody or at least K people — so subtracting the shown
cells from a shown total reveals a group of at least K, never a smaller one. `suppress_table`
does the same for a two-way table, row by row and column by column, with its totals.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from django.conf import settings


def threshold() -> int:
    return int(settings.SAMTAL_ANONYMITY_K)


def suppress(counts: Mapping[Hashable, int], *, k: int | None = None) -> set[Hashable]:
    k = k or threshold()
    hidden = {key for key, n in counts.items() if 0 < n < k}
    hidden_total = sum(counts[key] for key in hidden)
    shown = sorted(
        (key for key in counts if key not in hidden and counts[key] > 0),
        key=lambda key: (counts[key], str(key)),
    )
    while hidden and hidden_total < k and shown:
        key = shown.pop(0)
        hidden.add(key)
        hidden_total += counts[key]
    return hidden


def total_may_show(counts: Mapping[Hashable, int], *, k: int | None = None) -> bool:
    """A total is shown only if it counts at least K people and hides no group under K."""
    k = k or threshold()
    total = sum(counts.values())
    hidden = suppress(counts, k=k)
    return total >= k and (not hidden or sum(counts[key] for key in hidden) >= k)


# --- two-way tables -------------------------------------------------------------------------


class _Total:
    """The key of a total in `suppress_table`'s result: (row, TOTAL), (TOTAL, col) and
    (TOTAL, TOTAL)."""

    def __repr__(self) -> str:
        return "TOTAL"

    __str__ = __repr__


TOTAL: Any = _Total()
_FREE = ("free",)

Cell = tuple[Any, Any]


def suppress_table(
    counts: Mapping[Cell, int],
    *,
    k: int | None = None,
    rows: bool = True,
    grand_total: bool = False,
    hidden_rows: Iterable[Hashable] = (),
    hidden_cols: Iterable[Hashable] = (),
    known_rows: Iterable[Hashable] = (),
    known_cols: Iterable[Hashable] = (),
) -> set[Cell]:
    """The cells of a two-way table to hide, and the totals that must not be shown.

    `counts` holds the people counted in each (row, column) cell; a missing cell counts
    nobody. Every row and every column is taken to have a known total (a reader may add it
    up elsewhere), so:

    - every cell (and total) under K is hidden;
    - in every row and column the hidden cells count either nobody or at least K people
      (or all of a line that counts fewer than K, whose total is then hidden too), and a
      line never hides exactly one item: that one would be its total minus the others;
    - no hidden cell can be worked out from the totals through other rows and columns
      either. With the totals as a row and a column of their own, a table's line sums make
      its hidden cells the edges of a graph between its lines, and exactly the edges on no
      cycle (the bridges) are determined; each gets another cell hidden to close a cycle.

    The result also holds (row, TOTAL) and (TOTAL, col) for each row and column total that
    must not be shown. `rows=False` is for a table whose rows are not sums (one person
    counted in several columns): only the columns are lines, and no row total exists. With
    `grand_total` (the row totals, the column totals and their sum are all shown) the
    margins are two more lines under (TOTAL, TOTAL). `hidden_rows`/`hidden_cols` name
    totals hidden elsewhere (the same unit's figures at the level above in a drill-down):
    their lines then hide at least K people, so that the hidden figure cannot be added up
    from this table; `hidden_rows=[TOTAL]` is the grand total. `known_rows`/`known_cols`
    name totals shown elsewhere: they are never hidden here, since hiding them would protect
    nothing. Zero cells are shown unless a cycle needs one (a line's one hidden figure takes
    its hidden total as a partner rather than a zero, which its other line may well show to
    be 0: no count is negative).
    """
    k = k or threshold()
    assert rows or not grand_total, "a grand total needs rows that are sums"
    row_keys = list(dict.fromkeys(row for row, _col in counts))
    col_keys = list(dict.fromkeys(col for _row, col in counts))
    values: dict[Cell, int] = {}
    lines: list[tuple[Cell, list[Cell]]] = []
    for row in row_keys:
        parts = [(row, col) for col in col_keys]
        for part in parts:
            values[part] = counts.get(part, 0)
        if rows:
            values[(row, TOTAL)] = sum(values[part] for part in parts)
            lines.append(((row, TOTAL), parts))
    for col in col_keys:
        parts = [(row, col) for row in row_keys]
        values[(TOTAL, col)] = sum(values[part] for part in parts)
        lines.append(((TOTAL, col), parts))
    if grand_total:
        values[(TOTAL, TOTAL)] = sum(values[(TOTAL, col)] for col in col_keys)
        lines.append(((TOTAL, TOTAL), [(row, TOTAL) for row in row_keys]))
        lines.append(((TOTAL, TOTAL), [(TOTAL, col) for col in col_keys]))

    known = {key for row in known_rows if (key := (row, TOTAL)) in values}
    known.update(key for col in known_cols if (key := (TOTAL, col)) in values)
    hidden = {key for key, n in values.items() if 0 < n < k and key not in known}
    hidden.update(key for row in hidden_rows if (key := (row, TOTAL)) in values)
    hidden.update(key for col in hidden_cols if (key := (TOTAL, col)) in values)
    assert not hidden & known, "a total is either hidden or known elsewhere"

    def ends(key: Cell) -> tuple[Any, Any]:
        """The two lines a cell adds up in, as the ends of its edge. Lines that are no sums
        (rows with `rows=False`, the margins without a grand total) are one free end."""
        row, col = key
        if row is TOTAL:
            a = ("row", TOTAL) if grand_total else _FREE
        else:
            a = ("row", row) if rows else _FREE
        if col is not TOTAL:
            return a, ("col", col)
        return a, (("col", TOTAL) if grand_total else _FREE)

    # A bridge no shown cell can close is fixed by the totals known elsewhere alone (a
    # drill-down with a single row: its cells are the totals above): it stays as it is.
    fixed: set[Cell] = set()
    while True:
        _complete_lines(values, lines, hidden, known, k)
        bridge = _first_bridge(hidden, ends, fixed)
        if bridge is None:
            return hidden
        extra = _closing_cell(values, hidden, known, bridge, ends)
        if extra is None:
            fixed.add(bridge)
        else:
            hidden.add(extra)


def _complete_lines(
    values: Mapping[Cell, int],
    lines: list[tuple[Cell, list[Cell]]],
    hidden: set[Cell],
    known: set[Cell],
    k: int,
) -> None:
    """Hide more of each line (its total is the sum of its parts) until it hides no item or
    at least two, and its hidden parts count 0 or at least K people — at least K when its
    total is hidden, so that the total cannot be added up from the parts — repeating until
    no line changes."""
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            hidden_parts = [part for part in parts if part in hidden]
            items = len(hidden_parts) + (total in hidden)
            if items == 0:
                continue
            hidden_sum = sum(values[part] for part in hidden_parts)
            shown = [part for part in parts if part not in hidden and part not in known]
            positive = sorted(
                (part for part in shown if values[part] > 0),
                key=lambda part: (values[part], str(part)),
            )
            zeros = sorted((part for part in shown if values[part] == 0), key=str)
            while True:
                short = hidden_sum < k and (hidden_sum > 0 or total in hidden)
                if not short and items != 1:
                    break
                if positive:
                    extra = positive.pop(0)
                elif total not in hidden and total not in known:
                    # The parts cannot make up K, or the one hidden part needs a partner: the
                    # total goes too. Not a zero: where the zero's other line shows its total
                    # and no other hidden count, the zero is known to be 0 (no count is
                    # negative) and would protect nothing.
                    extra = total
                elif items == 1 and zeros:
                    extra = zeros.pop(0)
                else:
                    break
                hidden.add(extra)
                items += 1
                hidden_sum += values[extra] if extra != total else 0
                changed = True


Ends = Callable[[Cell], tuple[Any, Any]]


def _first_bridge(hidden: set[Cell], ends: Ends, fixed: set[Cell]) -> Cell | None:
    """A hidden cell on no cycle of hidden cells, other than the `fixed` ones (Tarjan's
    bridges, without recursion)."""
    adjacency: dict[Any, list[tuple[Any, Cell]]] = {}
    for key in sorted(hidden, key=str):
        a, b = ends(key)
        if a == b:
            continue
        adjacency.setdefault(a, []).append((b, key))
        adjacency.setdefault(b, []).append((a, key))
    order: dict[Any, int] = {}
    low: dict[Any, int] = {}
    for start in adjacency:
        if start in order:
            continue
        order[start] = low[start] = len(order)
        stack: list[tuple[Any, Cell | None, int]] = [(start, None, 0)]
        while stack:
            vertex, via, index = stack[-1]
            if index < len(adjacency[vertex]):
                stack[-1] = (vertex, via, index + 1)
                other, key = adjacency[vertex][index]
                if key == via:
                    continue
                if other in order:
                    low[vertex] = min(low[vertex], order[other])
                else:
                    order[other] = low[other] = len(order)
                    stack.append((other, key, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[vertex])
                if low[vertex] > order[parent] and via not in fixed:
                    return via
    return None


def _closing_cell(
    values: Mapping[Cell, int], hidden: set[Cell], known: set[Cell], bridge: Cell, ends: Ends
) -> Cell | None:
    """A shown cell (not a total known elsewhere) joining the two sides of `bridge`, which
    puts the bridge on a cycle: the smallest positive one, else a zero."""
    adjacency: dict[Any, list[Any]] = {}
    for key in hidden:
        if key != bridge:
            a, b = ends(key)
            adjacency.setdefault(a, []).append(b)
            adjacency.setdefault(b, []).append(a)

    def reach(start: Any) -> set[Any]:
        seen, todo = {start}, [start]
        while todo:
            for other in adjacency.get(todo.pop(), []):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen

    end_a, end_b = ends(bridge)
    side_a, side_b = reach(end_a), reach(end_b)
    candidates = []
    for key in values:
        if key not in hidden and key not in known:
            a, b = ends(key)
            if (a in side_a and b in side_b) or (a in side_b and b in side_a):
                candidates.append(key)
    if not candidates:
        return None
    return min(candidates, key=lambda key: (values[key] == 0, values[key], str(key)))
