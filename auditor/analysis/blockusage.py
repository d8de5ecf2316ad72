"""Blocks of keyaudit JSONL lines added up per key and route: what one reader hands back, once.

Lines with the same key, method, project, status, error and path shape make one group. The compiled
scanner (loaders/logs/_scan.c) finds the groups of a block in C, without the GIL, so threads scan blocks
at once (`scan`) while one thread adds them up in file order (`add_scanned`). Without it the fast grammar
(loaders/logs/fastjsonl.py) turns a block into one tuple per line, and groups are found, counted and their
first and last lines located by `dict.setdefault`, `Counter` and `dict(zip(...))` over the tuples, with no
Python code per line. Each group is then read once, as the exact reader would read any of its lines (its
route through analysis/evidence.py, from the path's shape). Lines neither takes are read one by one by that
exact reader, attributed by loaders/logs/__init__.py. So the blocks give what reading their lines one by one
gives.

Line numbers are the file's: each block is added with the number of its first line.
A reader adds any blocks of a file, in the order of the file; usage.py merges the
parts of several readers by line number.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from heapq import merge
from itertools import chain, compress, count, islice, starmap
from operator import attrgetter, itemgetter, le

from auditor.analysis import evidence
from auditor.analysis.topkeys import DEFAULT_KEEP, TopKeys
from auditor.catalog.catalog import Catalog
from auditor.loaders.logs import without_secret
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.logs.calllog import LONG_LINE, MAX_BAD_SAMPLES, BadRecord, Call, ReadStats, call_of_line
from auditor.loaders.logs.fastjsonl import Grammar, Layout
from auditor.loaders.logs.records import UNAUTHORIZED_SCOPE
from auditor.loaders.source import MAX_LINE_BYTES
from auditor.times import parse_time

RouteId = tuple[str, str]  # (method, template) of a catalog route
_CACHE_LIMIT = 100_000  # routes of shapes, keys, and seconds of times remembered
MAX_PIECE_LINES = 1 << 16  # lines the regex reads at once (see _pieces)
_PIECE = re.compile(rb"(?:[^\n]*\n){1,%d}" % MAX_PIECE_LINES)


@dataclass(slots=True)
class RoutePart:
    """The calls of one key to one route."""

    count: int = 0
    first: float | None = None
    last: float | None = None
    statuses: dict[int, int] = field(default_factory=dict)
    denied: int = 0
    first_line: int = 0
    first_denied_line: int = 0  # 0: no denied call


@dataclass(slots=True)
class KeyPart:
    """The calls of one key; unknown routes are counted here, with their first distinct samples and lines."""

    first_line: int
    calls: int = 0
    first: float | None = None
    last: float | None = None
    unknown_calls: int = 0
    unknown_denied: int = 0
    unknown_succeeded: int = 0  # answered 2xx: a route the catalog lacks, whose needs are unknown
    samples: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class PartialUsage:
    """`keys` and `routes`: the defined keys' calls (every key's when LogOptions.defined is None); `unknown`:
    the busiest other keys' (analysis/topkeys.py), their routes not kept."""

    stats: ReadStats = field(default_factory=ReadStats)  # bad samples: the first ones by line
    keys: dict[tuple[str | None, str], KeyPart] = field(default_factory=dict)
    routes: dict[tuple[str | None, str, RouteId], RoutePart] = field(default_factory=dict)
    unknown: TopKeys[KeyPart] = field(default_factory=lambda: TopKeys(DEFAULT_KEEP))
    first: float | None = None  # of every call read, the keys not kept included
    last: float | None = None

    def __getstate__(self) -> tuple:
        """Plain tuples for pickle (a worker's part crosses a pipe): a slotted object pickles several times slower."""
        return (
            self.stats,
            list(self.keys),
            list(map(_KEY_FIELDS, self.keys.values())),
            list(self.routes),
            list(map(_ROUTE_FIELDS, self.routes.values())),
            self.unknown,
            self.first,
            self.last,
        )

    def __setstate__(self, state: tuple) -> None:
        self.stats, keys, key_parts, routes, route_parts, self.unknown, self.first, self.last = state
        self.keys = dict(zip(keys, starmap(KeyPart, key_parts)))
        self.routes = dict(zip(routes, starmap(RoutePart, route_parts)))


_KEY_FIELDS = attrgetter(*(item.name for item in fields(KeyPart)))
_ROUTE_FIELDS = attrgetter(*(item.name for item in fields(RoutePart)))


@dataclass(frozen=True, slots=True)
class _Meaning:
    """What a group's method, status, error and path shape mean, as the exact reader reads them."""

    method: str  # as Call holds it: upper case
    status: int | None
    route: RouteId | None
    denied: bool


@dataclass(slots=True)
class _Chunk:
    """The lines of a block from byte `start` on that one pass grouped.

    `groups`: (first, size, earliest and latest time in microseconds since the epoch or None, group key), in
    the order of their first lines; `others`: the lines left to the exact reader, as (index, line) pairs or,
    from the compiled scanner, as (index, start, end) offsets in a row; `firsts`: per line, its group's first
    line (lines left or blank: none of them). Indexes count from `start`.
    """

    start: int
    lines: int
    groups: list[tuple]
    others: list[tuple[int, bytes]] | memoryview
    firsts: Sequence[int]

    def other_lines(self, block: bytes) -> list[tuple[int, bytes]]:
        if not isinstance(self.others, memoryview):
            return self.others
        at = self.others
        text = memoryview(block)
        return [(at[i], bytes(text[at[i + 1] : at[i + 2]])) for i in range(0, len(at), 3)]


@dataclass(slots=True)
class Scanned:
    """A block as BlockReader.scan found it (block None: one over-long line), to be added in file order. The
    regex's chunks come as they are added (an iterator), the compiled scanner's as a list its threads made."""

    block: bytes | memoryview | None
    chunks: Iterable[_Chunk]


class BlockReader:
    """Adds blocks of one file's lines (in file order) into a PartialUsage.

    The grammar takes a key or project only when it is shorter than any secret, so loaders/logs/__init__.py's
    without_secret would pass the lines of a group untouched; the lines it does not take go through it.
    """

    def __init__(self, layout: Layout, catalog: Catalog, options: LogOptions, max_samples: int):
        self.grammar = Grammar.for_catalog(layout, catalog)
        self.catalog = catalog
        self.options = options
        self.max_samples = max_samples
        self.part = PartialUsage(unknown=TopKeys(options.keep_unknown))
        _, self._fraction, self._zone = layout.time_format
        self._meanings: dict[tuple, _Meaning] = {}
        self._keys: dict[tuple[bytes, bytes], tuple[str | None, str]] = {}
        self._seconds_of: dict[bytes, int] = {}
        self._groups = 0

    def result(self) -> PartialUsage:
        return self.part

    def groups_per_line(self) -> float:
        """The groups of the blocks added so far per line read; how much grouping saves."""
        return self._groups / max(self.part.stats.lines_read, 1)

    def add(self, item: tuple[int, bytes | None]) -> None:
        """A block of whole lines (iter_blocks), or one over-long line (None), and the number of its first line."""
        first_line, block = item
        self.add_scanned(first_line, self.scan(block))

    def scan(self, block: bytes | None) -> Scanned:
        """What `add` makes of a block before it counts anything: it changes no state, so threads may run it."""
        if block is None:
            return Scanned(None, [])
        if self.grammar.scanner is None:  # piece by piece as they are added: only one piece's rows at a time
            return Scanned(
                block, (self._chunk_of_rows(start, self.grammar.rows(piece)) for start, piece in _pieces(block))
            )
        chunks, start = [], 0
        while start < len(block):
            end, lines, groups, others, firsts = self.grammar.scanner.groups(block, start)
            others = memoryview(others).cast("q")
            chunks.append(_Chunk(start, lines, groups, others, memoryview(firsts).cast("i")))
            start = end
        return Scanned(block, chunks)

    def add_scanned(self, first_line: int, scanned: Scanned) -> None:
        """Count a scanned block whose first line is `first_line`; blocks are added in the order of the file."""
        block = scanned.block
        if block is None:
            self.part.stats.lines_read += 1
            self.part.stats.bad("", first_line, LONG_LINE)
            return
        for chunk in scanned.chunks:
            self._add_chunk(first_line, block, chunk)
            first_line += chunk.lines

    def _chunk_of_rows(self, start: int, rows: list[tuple]) -> _Chunk:
        """The groups of the regex's rows of the lines of a block from byte `start` on, as the compiled scanner
        finds them."""
        group_key = self.grammar.group_key()
        keys = list(map(group_key, rows))
        groups: dict[tuple, int] = {}
        firsts = list(map(groups.setdefault, keys, count()))  # per line: its group's first line
        sizes = Counter(firsts)
        lasts = dict(zip(firsts, count()))
        others = []  # the lines the grammar did not take: they share the group of empty fields
        untaken = group_key((b"",) * self.grammar.line.groups)  # a line not taken captures nothing
        if untaken in groups:
            others = list(compress(count(), map(groups[untaken].__eq__, firsts)))
            del sizes[others[0]]
        spans = self._spans(rows, firsts, lasts, others)
        found = [
            (first, size, *map(self._micro, spans.get(first, (b"", b""))), keys[first]) for first, size in sizes.items()
        ]
        other = self.grammar.field("other")
        return _Chunk(start, len(rows), found, [(index, rows[index][other]) for index in others], firsts)

    def _spans(
        self, rows: list[tuple], firsts: list[int], lasts: dict[int, int], others: list[int]
    ) -> dict[int, tuple[bytes, bytes]]:
        """Per group (its first line): the text of its earliest and latest time (b"": none).

        When every line the grammar took has a time and they never go back, a group's first and last
        lines hold them; otherwise each time is compared.
        """
        times = list(map(itemgetter(self.grammar.field("time")), rows))
        present = list(filter(None, times))
        if len(present) == len(rows) - len(others) and all(map(le, present, islice(present, 1, None))):
            return {first: (times[first], times[last]) for first, last in lasts.items()}
        spans: dict[int, tuple[bytes, bytes]] = {}
        for first, time in zip(firsts, times):
            if time:
                low, high = spans.get(first, (time, time))
                spans[first] = (min(low, time), max(high, time))
        return spans

    def _add_chunk(self, first_line: int, block: bytes, chunk: _Chunk) -> None:
        self.part.stats.lines_read += chunk.lines
        self._groups += len(chunk.groups)
        unknown: dict[int, tuple] = {}  # (KeyPart, method) of groups of no known route, by their first line's index
        samples: list[tuple[int, KeyPart, str, str | None]] = []  # (line, key, method, path) of lines not taken
        for entry in merge(chunk.groups, chunk.other_lines(block), key=itemgetter(0)):
            if len(entry) == 2:
                index, line = entry
                samples.extend(self._add_line(line, first_line + index))
            else:
                index, size, low, high, group = entry
                key = self._add_group(group, size, low, high, first_line + index)
                if key is not None and len(key[0].samples) < self.max_samples:
                    unknown[index] = key
        if unknown or samples:
            self._add_samples(bytes(block[chunk.start :]), first_line, chunk.firsts, unknown, samples)

    def _add_group(self, group: tuple, size: int, low: int | None, high: int | None, line: int) -> tuple | None:
        """Add a group's `size` calls, the first on `line`; (its key's KeyPart, method) when its route is unknown."""
        meaning = self._meanings.get(group[2:]) or self._meaning(group[2:])
        key = self._keys.get(group[:2])
        if key is None:  # one tuple per key: cheaper to hash, and pickled once however many routes it called
            if len(self._keys) >= _CACHE_LIMIT:
                self._keys.clear()
            key_id, project = group[:2]
            key = self._keys[group[:2]] = (_text(project), key_id.decode())
        first = None if low is None else low / 1_000_000  # as datetime.timestamp() makes it of its microseconds
        calls = _add(
            self.part,
            self.options.defined,
            key,
            meaning.status,
            meaning.route,
            meaning.denied,
            size,
            first,
            first if high == low else high / 1_000_000,
            line,
        )
        return None if meaning.route else (calls, meaning.method)

    def _meaning(self, fields: tuple) -> _Meaning:
        """The exact reader's reading of a method, status, error and path shape (the path a `{}` per id)."""
        if len(self._meanings) >= _CACHE_LIMIT:
            self._meanings.clear()
        method, status, error, *shape = fields
        path = "/v1" + "".join(segment.decode() if segment != b"/" else "/{}" for segment in shape)
        code = None if status in (b"", b"null") else int(status)
        call, route = evidence.resolve(
            Call("", method.decode().upper(), path, None, code, _text(error), None), self.catalog
        )
        meaning = self._meanings[fields] = _Meaning(
            call.method, code, route and (route.method, route.template), call.error == UNAUTHORIZED_SCOPE
        )
        return meaning

    def _add_line(self, line: bytes, number: int) -> list[tuple[int, KeyPart, str, str | None]]:
        """A line the grammar did not take, read as read_call_stream and iter_calls read it; its sample if any."""
        stats = self.part.stats
        if len(line) > MAX_LINE_BYTES:
            stats.bad("", number, LONG_LINE)
            return []
        try:
            call = call_of_line(line.rstrip(b"\r"))
        except BadRecord as error:
            stats.bad("", number, str(error))
            return []
        if call is not None:
            call = without_secret(call, stats, self.options)
        if call is None:  # a blank line, or a call attributed to no key
            return []
        call, route = evidence.resolve(call, self.catalog)
        route_id = route and (route.method, route.template)
        key = (call.project, call.key)
        calls = _add(
            self.part,
            self.options.defined,
            key,
            call.status,
            route_id,
            call.error == UNAUTHORIZED_SCOPE,
            1,
            call.time,
            call.time,
            number,
        )
        return [] if route_id else [(number, calls, call.method, call.path)]

    def _add_samples(
        self,
        block: bytes,
        first_line: int,
        firsts: list[int],
        unknown: dict[int, tuple],
        others: list[tuple[int, KeyPart, str, str | None]],
    ) -> None:
        """The first distinct samples of unknown routes per key, in line order, from lines taken or not.

        A taken line's path is read from its text again, and only while its key lacks samples.
        """
        lines = block.split(b"\n") if unknown else []
        taken = self._taken(first_line, firsts, unknown)
        for number, key, method, path in merge(taken, others, key=itemgetter(0)):
            if len(key.samples) < self.max_samples:
                if path is None:
                    path = json.loads(lines[number - first_line])["path"]
                sample = _sample(method, path)
                if all(sample != seen for _, seen in key.samples):
                    key.samples.append((number, sample))

    def _taken(self, first_line: int, firsts: list[int], unknown: dict[int, tuple]) -> Iterator[tuple]:
        """(line, key, method, None: path to read) of each line the grammar took in a group of no known route."""
        for index in compress(count(), map(unknown.__contains__, firsts)):
            calls, method = unknown[firsts[index]]
            yield first_line + index, calls, method, None

    def _micro(self, text: bytes) -> int | None:
        """Microseconds since the epoch of a time in the grammar's format (its whole seconds parsed once), as
        datetime reads it (a fraction beyond six digits is cut); None for b"" (no time)."""
        if not text:
            return None
        seconds = self._seconds_of.get(text[:19])
        if seconds is None:
            if len(self._seconds_of) >= _CACHE_LIMIT:
                self._seconds_of.clear()
            seconds = self._seconds_of[text[:19]] = int(parse_time(text[:19].decode() + self._zone))
        micro = int(text[20 : 20 + min(self._fraction, 6)].ljust(6, b"0")) if self._fraction else 0
        return seconds * 1_000_000 + micro


def _pieces(block: bytes | memoryview) -> Iterator[tuple[int, bytes | memoryview]]:
    """(offset, lines) of a block in pieces of at most MAX_PIECE_LINES lines, for the regex: it makes a tuple of
    captures and a group key per line (over 1 KB together, a blank line's too), so a block of 4 MiB of newlines
    took 1.8 GB at once. A block of fewer lines (ordinary log lines: some 28 000 in 4 MiB) is one piece."""
    if block.count(b"\n") <= MAX_PIECE_LINES:
        yield 0, block
        return
    for piece in _PIECE.finditer(block):
        yield piece.start(), memoryview(block)[piece.start() : piece.end()]


def _text(value: bytes) -> str | None:
    """A captured string member (with its quotes), null or absent."""
    return value[1:-1].decode() if value[:1] == b'"' else None


def _sample(method: str, path: str) -> str:
    return f"{method} {path.split('?', 1)[0]}"


def _add(
    part: PartialUsage,
    defined: frozenset[str] | None,
    key: tuple[str | None, str],
    status: int | None,
    route: RouteId | None,
    denied: bool,
    size: int,
    first: float | None,
    last: float | None,
    line: int,
) -> KeyPart:
    """`size` calls of `key` ((project, id)), the first on `line`, their times from `first` to `last`; the key's
    KeyPart. A key `defined` does not name counts in `part.unknown`, without its routes."""
    part.first, part.last = earliest(part.first, first), latest(part.last, last)
    full = defined is None or key[1] in defined
    if full:
        calls = part.keys.get(key)
        if calls is None:
            calls = part.keys[key] = KeyPart(line)
    else:
        calls = part.unknown.track(key, size, lambda: KeyPart(line))
    calls.calls += size
    if first is not None:  # then last is too
        if calls.first is None or first < calls.first:
            calls.first = first
        if calls.last is None or last > calls.last:
            calls.last = last
    if route is None:
        calls.unknown_calls += size
        calls.unknown_denied += size if denied else 0
        calls.unknown_succeeded += size if status is not None and 200 <= status < 300 else 0
        return calls
    if not full:
        return calls
    slot = part.routes.get((*key, route))
    if slot is None:
        slot = part.routes[(*key, route)] = RoutePart(first_line=line)
    slot.count += size
    if first is not None:
        if slot.first is None or first < slot.first:
            slot.first = first
        if slot.last is None or last > slot.last:
            slot.last = last
    if status is not None:
        slot.statuses[status] = slot.statuses.get(status, 0) + size
    if denied:
        if not slot.denied:
            slot.first_denied_line = line
        slot.denied += size
    return calls


def earliest(current: float | None, moment: float | None) -> float | None:
    return moment if current is None or (moment is not None and moment < current) else current


def latest(current: float | None, moment: float | None) -> float | None:
    return moment if current is None or (moment is not None and moment > current) else current


def combine(parts: list[PartialUsage], max_samples: int) -> PartialUsage:
    """The parts of several readers of one file as one reader of all their lines, in order, makes them.

    Keys and routes come in the order of their first line; a route's first denied line is the earliest of
    the parts'; the first bad lines and unknown-route samples are the earliest of the parts' (each part
    keeps its own first ones, so the earliest overall are among them). The biggest part is added to.
    """
    whole, *others = sorted(parts, key=lambda part: len(part.routes), reverse=True)
    if not others:
        return whole
    for part in others:
        whole.stats.lines_read += part.stats.lines_read
        whole.stats.bad_lines += part.stats.bad_lines
        whole.stats.bad_samples += part.stats.bad_samples
        for reason, times in part.stats.unattributed.items():
            whole.stats.unattributed[reason] = whole.stats.unattributed.get(reason, 0) + times
        for key, piece in part.keys.items():
            into = whole.keys.setdefault(key, piece)
            if into is not piece:
                _add_key_part(into, piece)
        whole.unknown.merge(part.unknown, lambda key, piece: KeyPart(piece.first_line), _add_key_part)
        whole.first, whole.last = earliest(whole.first, part.first), latest(whole.last, part.last)
        for route, piece in part.routes.items():
            into = whole.routes.setdefault(route, piece)
            if into is not piece:
                into.first_line = min(into.first_line, piece.first_line)
                into.count += piece.count
                into.first, into.last = earliest(into.first, piece.first), latest(into.last, piece.last)
                for status, times in piece.statuses.items():
                    into.statuses[status] = into.statuses.get(status, 0) + times
                if piece.denied and (not into.denied or piece.first_denied_line < into.first_denied_line):
                    into.first_denied_line = piece.first_denied_line
                into.denied += piece.denied
    whole.stats.bad_samples = sorted(whole.stats.bad_samples, key=itemgetter("line"))[:MAX_BAD_SAMPLES]
    whole.keys = dict(sorted(whole.keys.items(), key=_first_line))
    whole.routes = dict(sorted(whole.routes.items(), key=_first_line))
    for piece in chain(whole.keys.values(), (counter.value for counter in whole.unknown.counters.values())):
        if piece.samples:
            distinct: dict[str, int] = {}
            for line, sample in sorted(piece.samples):
                distinct.setdefault(sample, line)
            piece.samples = sorted((line, sample) for sample, line in distinct.items())[:max_samples]
    return whole


def _add_key_part(into: KeyPart, piece: KeyPart) -> None:
    into.first_line = min(into.first_line, piece.first_line)
    into.calls += piece.calls
    into.unknown_calls += piece.unknown_calls
    into.unknown_denied += piece.unknown_denied
    into.unknown_succeeded += piece.unknown_succeeded
    into.first, into.last = earliest(into.first, piece.first), latest(into.last, piece.last)
    into.samples += piece.samples


def _first_line(entry: tuple) -> int:
    return entry[1].first_line
