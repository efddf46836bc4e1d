"""Linear algebra for the suppression audits: which hidden figures a reader could work out
exactly from everything a page (or several) shows."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction


def rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    found = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(found, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[found], rows[pivot] = rows[pivot], rows[found]
        for i in range(len(rows)):
            if i != found and rows[i][col] != 0:
                factor = rows[i][col] / rows[found][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[found], strict=True)]
        found += 1
    return found


def determined(
    equations: Iterable[Sequence[tuple[Hashable, int]]], unknown: set[Hashable]
) -> set[Hashable]:
    """The unknowns that the equations (each a list of (variable, coefficient) summing to
    zero; the known variables left out) pin down exactly."""
    names = sorted(unknown, key=str)
    index = {name: i for i, name in enumerate(names)}
    matrix = []
    for equation in equations:
        row = [Fraction(0)] * len(names)
        for name, coefficient in equation:
            if name in index:
                row[index[name]] += coefficient
        if any(row):
            matrix.append(row)
    if not names or not matrix:
        return set()
    base = rank(matrix)
    found = set()
    for name in names:
        unit = [Fraction(0)] * len(names)
        unit[index[name]] = Fraction(1)
        if rank([*matrix, unit]) == base:
            found.add(name)
    return found
