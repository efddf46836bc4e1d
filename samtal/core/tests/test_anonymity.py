"""The k-threshold helpers: one-way `suppress`, and `suppress_table` for two-way tables with
totals, checked against random tables (hypothesis) and an independent linear-algebra audit:
no hidden figure can be worked out exactly from the shown cells and totals."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from samtal.core.anonymity import TOTAL, suppress, suppress_table, total_may_show
from samtal.core.tests.audit import determined

# --- suppress (one way) ---------------------------------------------------------------------


def test_suppress_hides_small_cells_and_enough_others():
    assert suppress({"a": 3, "b": 10, "c": 20}, k=5) == {"a", "b"}
    assert suppress({"a": 3, "b": 4, "c": 20}, k=5) == {"a", "b"}
    assert suppress({"a": 5, "b": 0, "c": 20}, k=5) == set()


def test_total_may_show():
    assert total_may_show({"a": 3, "b": 10}, k=5)
    assert not total_may_show({"a": 3}, k=5)
    assert not total_may_show({"a": 2, "b": 2}, k=5)


# --- suppress_table: examples ---------------------------------------------------------------


def test_a_small_cell_takes_a_second_cell_of_its_column():
    counts = {("u1", "course"): 4, ("u2", "course"): 12, ("u1", "mentor"): 9}
    hidden = suppress_table(counts, k=5, rows=False)
    assert ("u1", "course") in hidden
    assert ("u2", "course") in hidden
    assert ("u1", "mentor") not in hidden
    assert (TOTAL, "course") not in hidden  # 16 people, 16 hidden: nothing small to subtract


def test_with_margins_a_rectangle_is_hidden():
    counts = {("a", "x"): 3, ("a", "y"): 0, ("b", "x"): 10, ("b", "y"): 10}
    hidden = suppress_table(counts, k=5, grand_total=True)
    # Row a's total (3) is under K as well; the rectangle a/b × x/total closes the cycle.
    assert hidden == {("a", "x"), ("a", TOTAL), ("b", "x"), ("b", TOTAL)}


def test_a_cell_hidden_only_for_its_column_gets_a_partner_in_its_row():
    counts = {("a", "x"): 3, ("a", "y"): 20, ("b", "x"): 10, ("b", "y"): 10}
    hidden = suppress_table(counts, k=5)
    # b/x alone in row b would be row b's total minus b/y, and then a/x would follow.
    assert {("a", "x"), ("b", "x"), ("b", "y"), ("a", "y")} <= hidden


def test_a_total_hidden_at_the_level_above_is_not_added_up_here():
    hidden = suppress_table({("a", "x"): 6, ("b", "x"): 9}, k=5, rows=False, hidden_cols=["x"])
    assert ("a", "x") in hidden
    assert (TOTAL, "x") in hidden


def test_a_zero_that_a_shown_total_gives_away_protects_nothing():
    """A unit's own 1 person and a sub-unit's 6 in column x, another sub-unit's 5 in y, and
    the unit's figures known from the level above. The 6 is hidden with the 1; to hide more
    than one figure of its row, a zero of column z would do — but z's total is 0 and shown,
    so every cell of it is known to be 0: the row's total is hidden instead."""
    counts = {(row, col): 0 for row in ("own", "a", "b") for col in "xyz"}
    counts.update({("own", "x"): 1, ("a", "x"): 6, ("b", "y"): 5})
    hidden = suppress_table(
        counts,
        k=5,
        grand_total=True,
        hidden_rows=["own"],
        known_rows=[TOTAL],
        known_cols=["x", "y", "z"],
    )
    assert {("own", "x"), ("a", "x"), ("a", TOTAL)} <= hidden
    assert not {("a", "z"), ("own", "z"), ("b", "z")} & hidden


def test_nothing_is_hidden_without_small_cells():
    counts = {("a", "x"): 5, ("a", "y"): 0, ("b", "x"): 7, ("b", "y"): 30}
    assert suppress_table(counts, k=5, grand_total=True) == set()


# --- suppress_table: properties over random tables ------------------------------------------


def _lines(
    counts: dict[tuple[Any, Any], int], rows: bool, grand_total: bool
) -> tuple[dict[tuple[Any, Any], int], list[tuple[tuple[Any, Any], list[tuple[Any, Any]]]]]:
    """Every figure of the table (cells and totals) and every sum relation between them."""
    row_keys = sorted({row for row, _ in counts})
    col_keys = sorted({col for _, col in counts})
    values = {(r, c): counts.get((r, c), 0) for r in row_keys for c in col_keys}
    lines = []
    for c in col_keys:
        values[(TOTAL, c)] = sum(values[(r, c)] for r in row_keys)
        lines.append(((TOTAL, c), [(r, c) for r in row_keys]))
    if rows:
        for r in row_keys:
            values[(r, TOTAL)] = sum(values[(r, c)] for c in col_keys)
            lines.append(((r, TOTAL), [(r, c) for c in col_keys]))
    if grand_total:
        values[(TOTAL, TOTAL)] = sum(counts.values())
        lines.append(((TOTAL, TOTAL), [(r, TOTAL) for r in row_keys]))
        lines.append(((TOTAL, TOTAL), [(TOTAL, c) for c in col_keys]))
    return values, lines


def _determined(values, lines, hidden) -> set[Any]:
    """The hidden figures that the shown ones and the sum relations pin down exactly."""
    equations = [[*((part, 1) for part in parts), (total, -1)] for total, parts in lines]
    return determined(equations, {key for key in values if key in hidden})


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 4))
    cell = st.one_of(st.just(0), st.integers(1, 6), st.integers(5, 30))
    counts = {(r, c): draw(cell) for r in range(n_rows) for c in range(n_cols)}
    k = draw(st.integers(2, 6))
    rows = draw(st.booleans())
    grand_total = rows and draw(st.booleans())
    hidden_cols = draw(st.sets(st.integers(0, n_cols - 1), max_size=2))
    hidden_rows: set[Any] = draw(st.sets(st.integers(0, n_rows - 1), max_size=2)) if rows else set()
    if grand_total and draw(st.booleans()):
        hidden_rows.add(TOTAL)
    # Totals shown elsewhere (at the level above) count 0 or at least K people.
    known_cols = {
        c
        for c in range(n_cols)
        if c not in hidden_cols
        and sum(counts[(r, c)] for r in range(n_rows)) not in range(1, k)
        and draw(st.booleans())
    }
    return counts, k, rows, grand_total, hidden_rows, hidden_cols, known_cols


@settings(max_examples=300, deadline=None)
@given(tables())
def test_suppress_table_properties(table):
    counts, k, rows, grand_total, hidden_rows, hidden_cols, known_cols = table
    hidden = suppress_table(
        counts,
        k=k,
        rows=rows,
        grand_total=grand_total,
        hidden_rows=hidden_rows,
        hidden_cols=hidden_cols,
        known_cols=known_cols,
    )
    values, lines = _lines(counts, rows, grand_total)
    assert hidden <= set(values)
    assert not hidden & {(TOTAL, c) for c in known_cols}
    # Every shown cell and total is 0 or at least K.
    for key, n in values.items():
        if key not in hidden:
            assert n == 0 or n >= k, key
    known = {(TOTAL, c) for c in known_cols}
    forced = {(r, TOTAL) for r in hidden_rows} | {(TOTAL, c) for c in hidden_cols}
    # The zeros hidden elsewhere and the hidden zeros that share a line with them, and so on.
    zero_partners = {key for key in forced if values.get(key) == 0}
    grown = True
    while grown:
        grown = False
        for total, parts in lines:
            figures = [total, *parts]
            if zero_partners.intersection(figures):
                found = {f for f in figures if f in hidden and values[f] == 0} - zero_partners
                if found:
                    zero_partners |= found
                    grown = True
    for total, parts in lines:
        hidden_parts = [part for part in parts if part in hidden]
        hidden_sum = sum(values[part] for part in hidden_parts)
        hideable = [part for part in parts if part not in known]
        all_positive_hidden = all(values[p] == 0 or p in hidden for p in hideable)
        if total not in hidden and total not in known:
            # A shown total minus the shown cells gives nobody or at least K people ...
            assert hidden_sum == 0 or hidden_sum >= k, (total, parts)
        if total not in hidden and not hidden_sum:
            # ... and a shown total does not show that hidden cells protecting something are
            # 0 (no count is negative): only the partners of a zero hidden elsewhere may be.
            for part in hidden_parts:
                assert part in zero_partners, (total, part)
        if total in hidden and values[total] > 0:
            # ... and a hidden total cannot be added up from the shown cells ...
            assert hidden_sum >= k or all_positive_hidden, (total, parts)
        # ... and a line never hides exactly one figure (unless a total shown elsewhere
        # already gives it: a column of one row).
        if not known_cols:
            assert len(hidden_parts) + (total in hidden) != 1, (total, parts)
    # No hidden figure follows exactly from the shown ones, and with totals shown elsewhere
    # at least none under K.
    found = _determined(values, lines, hidden)
    if known_cols:
        assert not [key for key in found if 0 < values[key] < k], found
    else:
        assert found == set()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(2, 6),
    st.data(),
)
def test_suppress_table_hides_nothing_when_no_cell_is_small(n_rows, n_cols, k, data):
    cell = st.one_of(st.just(0), st.integers(k, 40))
    counts = {(r, c): data.draw(cell) for r in range(n_rows) for c in range(n_cols)}
    for rows, grand_total in ((True, True), (True, False), (False, False)):
        assert suppress_table(counts, k=k, rows=rows, grand_total=grand_total) == set()


def test_suppress_table_uses_the_setting(settings):
    settings.SAMTAL_ANONYMITY_K = 3
    assert suppress_table({("a", "x"): 3, ("b", "x"): 2}) == {
        ("a", "x"),
        ("b", "x"),
        ("b", TOTAL),
        ("a", TOTAL),
    }
