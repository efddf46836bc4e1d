"""The k-threshold: no statistic about fewer than K people, and no total that gives one away.

`suppress` takes the people counted in each cell of a table and returns the cells to hide:
every cell under K, and then (complementary suppression) more of the smallest cells until
the hidden cells together count either nobody or at least K people — so subtracting the shown
cells from a shown total reveals a group of at least K, never a smaller one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

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
