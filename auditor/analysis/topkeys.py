"""The busiest keys of a stream in bounded memory: space-saving (Metwally, Agrawal, El Abbadi, 2005).

Anyone who can reach an Appwrite server can send any number of made-up key ids; keyaudit keeps the
calls of keys no definition names in a `TopKeys` of fixed capacity N instead of one entry per id.

How it works: N counters, each (count, error, value). A call of a counted key adds to its count. A
call of another key, when all N counters are taken, takes over the counter with the smallest count m:
the new key's count starts at m + its calls and its error at m (it may have had up to m calls before,
while not counted); the evicted key's value is dropped. Counts only grow, so m never falls.

Why the keys above the error bound are exact: a key that is not counted had at most m calls (when it
was last evicted its count was at most the minimum then, which is at most m now), so every key with
more than m calls holds a counter. A counted key had between `count - error` and `count` calls, and
`count - error` is exactly the calls added since it took its counter, which is what its value holds.
So a counted key whose `count - error` exceeds `bound` (m, or 0 while nothing was ever evicted) had
more calls than any key not counted: it is one of the true top N, and its value is exact when its
error is 0. Merging another TopKeys (a worker process's) feeds its counters in as weighted calls and
adds its bound to this one's, which keeps both statements true.

Distinct keys: exact while `complete` (the counters are all of them); after that a
HyperLogLog of every key seen (16 384 one-byte registers, about 0.8 % standard error) estimates them.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Generic, TypeVar

Value = TypeVar("Value")
DEFAULT_KEEP = 1000  # keys no definition names kept in full, unless the unknown-key rule's option `keep` says
_REGISTER_BITS = 14
REGISTERS = 1 << _REGISTER_BITS  # bytes of a HyperLogLog


@dataclass(slots=True)
class Counter(Generic[Value]):
    count: int
    error: int
    value: Value


@dataclass
class TopKeys(Generic[Value]):
    capacity: int
    counters: dict[Hashable, Counter] = field(default_factory=dict)
    calls: int = 0  # of every key, counted or not
    evicted: bool = False  # a counter changed hands here
    complete: bool = True  # every key seen holds a counter (here and in everything merged in)
    inherited_bound: int = 0  # the bounds of merged TopKeys and of calls added without their keys
    registers: bytearray = field(default_factory=lambda: bytearray(REGISTERS))
    on_evict: Callable[[Hashable, Value], None] | None = field(default=None, repr=False, compare=False)
    _heap: list = field(default_factory=list, repr=False)  # (count when pushed, tie, key): one per counter
    _tie: Iterator[int] = field(default_factory=count, repr=False)

    def track(self, key: Hashable, calls: int, new_value: Callable[[], Value], error: int = 0) -> Value:
        """The value of `key` after adding `calls` calls (a new value from `new_value` when it takes a counter).

        `error`: how many of `calls` may not have been this key's (when they come from another TopKeys).
        """
        self.calls += calls
        counter = self.counters.get(key)
        if counter is not None:
            counter.count += calls
            counter.error += error
            return counter.value
        remember(self.registers, key)
        floor = 0
        if len(self.counters) >= self.capacity:
            floor = self._pop_smallest()
            self.evicted, self.complete = True, False
        counter = self.counters[key] = Counter(floor + calls, floor + error, new_value())
        heapq.heappush(self._heap, (counter.count, next(self._tie), key))
        return counter.value

    def merge(
        self, other: TopKeys, new_value: Callable[[Hashable, Any], Value], add: Callable[[Value, Any], None]
    ) -> None:
        """Add what `other` counted: `add(value, theirs)` adds each of its values to this one's value of that key
        (`new_value(key, theirs)` when the key takes a counter here)."""
        for key, theirs in other.counters.items():
            # track calls new_value at once, inside this iteration
            add(self.track(key, theirs.count, lambda: new_value(key, theirs.value), theirs.error), theirs.value)  # noqa: B023
        uncounted = other.calls - sum(c.count for c in other.counters.values())
        self.add_uncounted(uncounted, other.bound, other.registers, other.complete)

    def add_uncounted(self, calls: int, bound: int, registers: bytes, complete: bool = False) -> None:
        """Calls of keys no counter holds (the job's state keeps only the top keys): at most `bound` per key,
        the keys in the HyperLogLog `registers`."""
        self.calls += calls
        self.complete = self.complete and complete
        self.inherited_bound += bound
        self.registers = bytearray(map(max, self.registers, registers))

    @property
    def bound(self) -> int:
        """At least the calls of any key not counted (0: every key seen is counted, exactly)."""
        return self.inherited_bound + (self._smallest() if self.evicted else 0)

    @property
    def distinct(self) -> int:
        """Distinct keys seen: exact when `complete`, else estimated."""
        return len(self.counters) if self.complete else max(_estimate(self.registers), len(self.counters))

    def guaranteed(self) -> list[Counter]:
        """The counters of the keys whose calls added since they took their counter exceed `bound`: true
        top-N keys, busiest first (then by key, so the order does not depend on the order keys came in). Their
        value is exact where their error is 0, else a lower bound."""
        bound = self.bound
        kept = [
            (counter.error - counter.count, repr(key), counter)
            for key, counter in self.counters.items()
            if counter.count - counter.error > bound
        ]
        kept.sort(key=lambda item: item[:2])
        return [counter for _, _, counter in kept]

    def _smallest(self) -> int:
        """The smallest count; heap entries are refreshed where the count grew since they were pushed."""
        while True:
            pushed, _, key = self._heap[0]
            now = self.counters[key].count
            if now == pushed:
                return now
            heapq.heapreplace(self._heap, (now, next(self._tie), key))

    def _pop_smallest(self) -> int:
        smallest = self._smallest()
        _, _, key = heapq.heappop(self._heap)
        evicted = self.counters.pop(key)
        if self.on_evict is not None:
            self.on_evict(key, evicted.value)
        return smallest

    def __getstate__(self) -> dict:
        """For pickle (a worker's result crosses a pipe): the tie counter cannot be pickled, and need not be."""
        state = dict(self.__dict__)
        state["_tie"] = next(self._tie)
        return state

    def __setstate__(self, state: dict) -> None:
        state["_tie"] = count(state["_tie"])
        self.__dict__.update(state)


def remember(registers: bytearray, key: Hashable) -> None:
    """HyperLogLog: the register the key's hash picks keeps the longest run of leading zeros seen after it."""
    digest = int.from_bytes(hashlib.blake2b(repr(key).encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")
    index = digest >> (64 - _REGISTER_BITS)
    rest = digest & ((1 << (64 - _REGISTER_BITS)) - 1)
    rank = 64 - _REGISTER_BITS - rest.bit_length() + 1
    if rank > registers[index]:
        registers[index] = rank


def _estimate(registers: bytearray) -> int:
    """HyperLogLog's estimate, with linear counting for small numbers (Flajolet et al., 2007)."""
    size = len(registers)
    raw = 0.7213 / (1 + 1.079 / size) * size * size / sum(2.0**-r for r in registers)
    empty = registers.count(0)
    if raw <= 2.5 * size and empty:
        return round(size * math.log(size / empty))
    return round(raw)
