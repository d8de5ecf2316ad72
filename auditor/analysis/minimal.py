"""The minimal scope set: fewest scopes such that every call's any-of set is hit.

This is a hitting-set problem, NP-hard in general but tiny here: a key's
distinct needs are a few dozen any-of sets of one to four scopes. Sets that
contain a smaller needed set are implied by it and dropped first; the rest is
searched exactly by branching on the scopes of the first set not yet hit,
with the best answer so far as the bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

MAX_BRANCH_STEPS = 200_000


def minimal_cover(needs: Iterable[frozenset[str]], cost: Callable[[str], tuple]) -> list[str]:
    """The smallest set hitting every need; ties go to the lowest total `cost`.

    `cost(scope)` orders equally small answers, e.g. current names before
    deprecated ones, then scopes the key already holds.
    """
    sets = sorted({frozenset(s) for s in needs if s}, key=lambda s: (len(s), sorted(s)))
    reduced: list[frozenset[str]] = []
    for candidate in sets:
        if not any(kept <= candidate for kept in reduced):
            reduced.append(candidate)
    best: list[list[str] | None] = [None]
    best_key: list[tuple | None] = [None]
    steps = [0]

    def score(chosen: list[str]) -> tuple:
        return (len(chosen), sorted(cost(s) for s in chosen), sorted(chosen))

    def search(chosen: list[str], remaining: list[frozenset[str]]) -> None:
        steps[0] += 1
        if best[0] is not None and (len(chosen) > len(best[0]) or steps[0] > MAX_BRANCH_STEPS):
            return
        if not remaining:
            key = score(chosen)
            if best_key[0] is None or key < best_key[0]:
                best[0], best_key[0] = list(chosen), key
            return
        if best[0] is not None and len(chosen) == len(best[0]):
            return
        first = remaining[0]
        for scope in sorted(first, key=lambda s: (cost(s), s)):
            search(chosen + [scope], [s for s in remaining if scope not in s])

    search([], reduced)
    return sorted(best[0] or [])
