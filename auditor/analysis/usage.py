"""Aggregate call logs into per-key route usage.

Memory grows with defined keys × routes: each call is reduced to its route template
at once, and unknown paths are only counted (plus a few samples per key). Keys no
definition names are anyone's to invent, so they are kept in a TopKeys of fixed
size (analysis/topkeys.py): the busiest in full (calls, times, unknown routes; no
rule reads their routes), the rest as counts.

keyaudit's JSONL is read in blocks (analysis/blockusage.py): scanned in threads by the
compiled scanner, else in worker processes when there is more than one block
(analysis/parallel.py); the other formats call by call. Both give what reading the
calls one by one with Usage.add gives.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO

from auditor.analysis import evidence
from auditor.analysis.blockusage import BlockReader, KeyPart, PartialUsage, RoutePart, combine, earliest, latest
from auditor.analysis.parallel import accumulate, cpu_count, in_own_thread, mapped_in_threads
from auditor.analysis.topkeys import DEFAULT_KEEP, TopKeys
from auditor.catalog.catalog import Catalog, Route
from auditor.loaders.logs import HEAD_BYTES, open_log, read_calls
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.logs.calllog import JSONL, Call, ReadStats
from auditor.loaders.logs.fastjsonl import learn_layout
from auditor.loaders.source import BLOCK_BYTES, decompressed, iter_block_texts, iter_blocks, position
from auditor.loaders.usage_file import UsageRow, read_usage_rows
from auditor.model import Location
from auditor.output.progress import Progress

UNAUTHORIZED_SCOPE = "general_unauthorized_scope"
GRAPHQL_TEMPLATES = {"/v1/graphql", "/v1/graphql/mutation"}
MAX_UNKNOWN_SAMPLES = 5
# Worker processes read a log's blocks when its first block has at most this many groups (lines of one key,
# route and status) per line. Near one group per line (a log of 100 000 keys) each worker's part is about as
# big as its lines, and handing parts back and combining them costs more than a second core saves.
MAX_GROUPS_PER_LINE_IN_PARALLEL = 0.25
# Blocks the compiled scanner's threads take: smaller than a worker process's, so that both threads stay busy
# to the end of a small log and fewer bytes wait in memory; large enough that handing a block over costs little
# beside its scan (2 MiB read 10M lines about 10% faster than 1 MiB, and than 3 or 4 MiB, on 2 cores).
SCAN_BLOCK_BYTES = 2 << 20
READ_AHEAD_BLOCKS = 2  # blocks a gzipped log's inflating thread has ready at most
TICK_CALLS = 1 << 16  # calls read between progress updates, for the formats read call by call


@dataclass
class RouteUsage:
    route: Route
    count: int = 0
    first: float | None = None
    last: float | None = None
    denied: int = 0  # answered 401 general_unauthorized_scope
    statuses: dict[int, int] = field(default_factory=dict)
    # The first denied call, else the first call, as read: where missing-scope points in the logs.
    first_location: Location | None = None

    @property
    def refused(self) -> int:
        """Calls Appwrite refused: 401 general_unauthorized_scope, or a 401 whose error type the log lacks."""
        return max(self.denied, self.statuses.get(401, 0))

    @property
    def passed(self) -> int:
        """Calls Appwrite did not refuse (their outcome may still be unknown: no status in the log)."""
        return self.count - self.refused

    @property
    def succeeded(self) -> int:
        """Calls answered 2xx: proof the key passed the route's scope check (a 3xx may be a proxy's or
        Appwrite's HTTPS redirect, answered before any scope is checked)."""
        return sum(times for status, times in self.statuses.items() if 200 <= status < 300)

    def add(self, call: Call, file: str | None = None, line: int = 0) -> None:
        if file is not None and (self.first_location is None or (call.error == UNAUTHORIZED_SCOPE and not self.denied)):
            self.first_location = Location(file, line)
        self.count += 1
        if call.time is not None:
            if self.first is None or call.time < self.first:
                self.first = call.time
            if self.last is None or call.time > self.last:
                self.last = call.time
        if call.status is not None:
            self.statuses[call.status] = self.statuses.get(call.status, 0) + 1
        if call.error == UNAUTHORIZED_SCOPE:
            self.denied += 1

    def add_aggregate(
        self, count: int, first: float | None, last: float | None, statuses: dict[int, int], denied: int
    ) -> None:
        """Add calls counted elsewhere (a usage file, the job's state, another key's usage)."""
        self.count += count
        self.denied += denied
        for status, times in statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + times
        self.first = earliest(self.first, first)
        self.last = latest(self.last, last)

    def add_part(self, part: RoutePart, file: str) -> None:
        """Add the calls a reader of `file` counted, as adding them one by one would."""
        if part.first_denied_line and not self.denied:
            self.first_location = Location(file, part.first_denied_line)
        elif self.first_location is None:
            self.first_location = Location(file, part.first_line)
        self.add_aggregate(part.count, part.first, part.last, part.statuses, part.denied)


@dataclass
class KeyUsage:
    key: str
    project: str | None
    routes: dict[tuple[str, str], RouteUsage] = field(default_factory=dict)
    calls: int = 0
    unknown_route_calls: int = 0
    unknown_samples: list[str] = field(default_factory=list)
    unknown_denied: int = 0
    unknown_succeeded: int = 0  # calls to no known route answered 2xx: needs the catalog cannot name
    first: float | None = None
    last: float | None = None

    def slot(self, route: Route) -> RouteUsage:
        """The usage of `route`, created at its first call."""
        slot = self.routes.get((route.method, route.template))
        if slot is None:
            slot = self.routes[(route.method, route.template)] = RouteUsage(route)
        return slot

    def add_sample(self, sample: str) -> None:
        """Keep "METHOD path" of a call to no known route: the first MAX_UNKNOWN_SAMPLES distinct ones."""
        if len(self.unknown_samples) < MAX_UNKNOWN_SAMPLES and sample not in self.unknown_samples:
            self.unknown_samples.append(sample)

    @property
    def graphql_calls(self) -> int:
        return sum(u.count for (_, template), u in self.routes.items() if template in GRAPHQL_TEMPLATES)


@dataclass
class Usage:
    """Everything the logs said, and how much of them could be read.

    `defined`: the key ids definitions name; their usage is kept in `by_key`, any other key's in `unknown`.
    None: every key is kept in `by_key` (readers compared with each other, knowing no definitions).
    """

    by_key: dict[tuple[str | None, str], KeyUsage] = field(default_factory=dict)
    defined: frozenset[str] | None = None
    unknown: TopKeys[KeyUsage] = field(default_factory=lambda: TopKeys(DEFAULT_KEEP))
    stats: ReadStats = field(default_factory=ReadStats)
    first: float | None = None
    last: float | None = None
    files: list[str] = field(default_factory=list)
    # The period the usage stands for when it is known beyond the first and last
    # call: a scheduled job's rolling window, as far back as it has been observing.
    window: tuple[float, float] | None = None
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _index_built_for: tuple[int, int] | None = field(default=None, init=False, repr=False, compare=False)

    def add_aggregate(
        self,
        project: str | None,
        key: str,
        route: Route | None,
        count: int,
        *,
        first: float | None = None,
        last: float | None = None,
        statuses: dict[int, int] | None = None,
        denied: int = 0,
        samples: tuple[str, ...] = (),
    ) -> None:
        """Add `count` calls of one key to one route, already aggregated (a usage file, the job's state).

        `route` None: calls to no known route, shown by up to MAX_UNKNOWN_SAMPLES `samples` ("METHOD path").
        """
        usage = self.key_usage(project, key, count)
        usage.calls += count
        self.first, usage.first = earliest(self.first, first), earliest(usage.first, first)
        self.last, usage.last = latest(self.last, last), latest(usage.last, last)
        if route is None:
            usage.unknown_route_calls += count
            usage.unknown_denied += denied
            usage.unknown_succeeded += sum(times for status, times in (statuses or {}).items() if 200 <= status < 300)
            for sample in samples:
                usage.add_sample(sample)
        elif self.is_defined(key):
            usage.slot(route).add_aggregate(count, first, last, statuses or {}, denied)

    def is_defined(self, key: str) -> bool:
        return self.defined is None or key in self.defined

    def key_usage(self, project: str | None, key: str, calls: int) -> KeyUsage:
        """The usage of a logged key about to get `calls` calls, created at its first call (or when an unknown
        key takes a counter of `unknown`)."""
        if not self.is_defined(key):
            return self.unknown.track((project, key), calls, lambda: KeyUsage(key, project))
        usage = self.by_key.get((project, key))
        if usage is None:
            usage = self.by_key[(project, key)] = KeyUsage(key, project)
        return usage

    def span(self) -> tuple[float, float] | None:
        """(start, end) of the period the usage covers: the job's window, else the first and last call."""
        if self.window is not None:
            return self.window
        return None if self.first is None else (self.first, self.last)

    def add(self, call: Call, route: Route | None, file: str | None = None, line: int = 0) -> None:
        usage = self.key_usage(call.project, call.key, 1)
        usage.calls += 1
        if call.time is not None:
            if self.first is None or call.time < self.first:
                self.first = call.time
            if self.last is None or call.time > self.last:
                self.last = call.time
            if usage.first is None or call.time < usage.first:
                usage.first = call.time
            if usage.last is None or call.time > usage.last:
                usage.last = call.time
        if route is None:
            usage.unknown_route_calls += 1
            if call.error == UNAUTHORIZED_SCOPE:
                usage.unknown_denied += 1
            if call.status is not None and 200 <= call.status < 300:
                usage.unknown_succeeded += 1
            usage.add_sample(f"{call.method} {call.path.split('?', 1)[0]}")
        elif self.is_defined(call.key):
            usage.slot(route).add(call, file, line)

    def add_part(self, part: PartialUsage, file: str, routes: dict[tuple[str, str], Route]) -> None:
        """Add what a reader of `file` counted (its keys and routes in the order of their first calls), as adding
        the calls one by one would; `routes` by (method, template)."""
        self.stats.merge(part.stats, file)
        self.first, self.last = earliest(self.first, part.first), latest(self.last, part.last)
        for (project, key_id), piece in part.keys.items():
            _add_key_part(self.key_usage(project, key_id, piece.calls), piece)
        self.unknown.merge(part.unknown, lambda key, _: KeyUsage(key[1], key[0]), _add_key_part)
        for (project, key_id, route_id), piece in part.routes.items():
            slots = self.by_key[(project, key_id)].routes
            slot = slots.get(route_id)
            if slot is None:  # at once: a million keys × routes make this the merge's cost
                slots[route_id] = RouteUsage(
                    routes[route_id],
                    piece.count,
                    piece.first,
                    piece.last,
                    piece.denied,
                    dict(piece.statuses),
                    Location(file, piece.first_denied_line or piece.first_line),
                )
            else:
                slot.add_part(piece, file)

    def unknown_keys(self) -> list[tuple[KeyUsage, bool]]:
        """(usage, exact) of the keys no definition names that are surely among the busiest `unknown.capacity`
        (all of them while `unknown.complete`), busiest first; not `exact`: the key may have made more calls
        before it was counted (analysis/topkeys.py)."""
        return [(counter.value, not counter.error) for counter in self.unknown.guaranteed()]

    def unknown_summary(self) -> dict:
        """How many unknown keys and calls the logs held, and how many of them were counted together (the
        report's summary.unknownKeys)."""
        reported = [usage for usage, _ in self.unknown_keys()]
        keys = self.unknown.distinct
        return {
            "keys": keys,
            "keysEstimated": not self.unknown.complete,
            "calls": self.unknown.calls,
            "keep": self.unknown.capacity,
            "reported": len(reported),
            "aggregatedKeys": max(keys - len(reported), 0),
            "aggregatedCalls": self.unknown.calls - sum(usage.calls for usage in reported),
            "bound": self.unknown.bound,
        }

    def for_key(self, key_id: str, project: str | None) -> list[KeyUsage]:
        """Usage recorded for a defined key: same id, and same project where both name one."""
        return [
            usage
            for logged_project, usage in self._by_key_id().get(key_id, ())
            if project is None or logged_project in (None, project)
        ]

    def _by_key_id(self) -> dict[str, list[tuple[str | None, KeyUsage]]]:
        """`by_key` indexed by key id, rebuilt only when entries were added since: asking once per defined key
        must not scan every logged key each time (100 000 keys would take minutes)."""
        built_for = (id(self.by_key), len(self.by_key))
        if self._index_built_for != built_for:
            index: dict[str, list[tuple[str | None, KeyUsage]]] = {}
            for (logged_project, logged_key), usage in self.by_key.items():
                index.setdefault(logged_key, []).append((logged_project, usage))
            self._index, self._index_built_for = index, built_for
        return self._index


def read_usage(
    paths: list[str],
    catalog: Catalog,
    usage_paths: list[str] = (),
    log_options: LogOptions | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Usage:
    """Usage from raw call logs (`paths`) and pre-aggregated usage files (`usage_paths`).

    `log_options`: forced log format, --key, and the defined keys that access and audit logs are attributed to.
    `progress` is told how far the logs have been read; `workers`: processes for big JSONL logs [all cores].
    """
    options = log_options or LogOptions()
    usage = Usage(files=list(paths) + list(usage_paths), defined=options.defined, unknown=TopKeys(options.keep_unknown))
    progress = progress or Progress()
    progress.expect(_size(paths))
    done = 0  # bytes of the files read before this one
    try:
        for path in paths:
            with open_log(path, usage.stats, options) as (name, stream, log_format):

                def tick(lines: int, before: int = usage.stats.lines_read):
                    if progress.out is not None:  # where it goes is asked only when it is shown
                        progress.update(done + (position(stream) or 0), before + lines)  # noqa: B023 (runs while this file is read)

                if log_format == JSONL:
                    read_jsonl(usage, name, stream, catalog, options, tick, workers or cpu_count())
                else:
                    add_calls(usage, name, read_calls(name, stream, log_format, usage.stats, options), catalog, tick)
                done += position(stream) or 0
    finally:
        progress.finish()
    for path in usage_paths:
        for row in read_usage_rows(path, usage.stats):
            add_usage_row(usage, row, catalog.match(row.method, row.path))
    return usage


def add_calls(
    usage: Usage, name: str, calls: Iterable[Call], catalog: Catalog, tick: Callable[[int], None] = lambda lines: None
) -> None:
    """Add calls one by one, telling `tick` the lines read every TICK_CALLS calls.

    Every reader counts a line in stats.lines_read before it yields that line's call.
    """
    start = usage.stats.lines_read
    for number, call in enumerate(calls, 1):
        if type(call) is Call and call.error is None:
            route = catalog.match(call.method, call.path)
        else:  # an error to read, an audit event or a scope error line: see analysis/evidence.py
            call, route = evidence.resolve(call, catalog)
        usage.add(call, route, name, usage.stats.lines_read - start)
        if not number % TICK_CALLS:
            tick(usage.stats.lines_read - start)


def read_jsonl(
    usage: Usage,
    name: str,
    stream: BinaryIO,
    catalog: Catalog,
    options: LogOptions,
    tick: Callable[[int], None],
    workers: int,
    block_bytes: int | None = None,
) -> None:
    """Add a keyaudit JSONL log read in blocks (analysis/blockusage.py), telling `tick` the lines read.

    With the compiled scanner, `workers` threads scan the blocks (it lets go of the GIL) and this thread adds
    them up; else worker processes read them, where grouping pays for handing their parts back.
    """
    args = (learn_layout(stream.peek(HEAD_BYTES)), catalog, options, MAX_UNKNOWN_SAMPLES)
    first = BlockReader(*args)  # without the scanner: reads the first block, to see whether processes would pay
    scanning = first.grammar.scanner is not None
    if scanning:
        blocks = iter_block_texts(stream, block_bytes or SCAN_BLOCK_BYTES)
        if decompressed(stream):  # inflating is work: a thread of its own, not this one's, which adds up
            blocks = in_own_thread(blocks, READ_AHEAD_BLOCKS)
        for scanned in mapped_in_threads(first.scan, blocks, workers):
            first.add_scanned(first.part.stats.lines_read + 1, scanned)  # it reads the file from its first line
            tick(first.part.stats.lines_read)
        parts = [first.result()]
    else:
        blocks = _ticked(iter_blocks(stream, block_bytes or BLOCK_BYTES), tick)
        for block in islice(blocks, 1):
            first.add(block)
        if first.groups_per_line() <= MAX_GROUPS_PER_LINE_IN_PARALLEL:
            parts = [first.result(), *accumulate(BlockReader, args, blocks, workers)]
        else:
            for block in blocks:
                first.add(block)
            parts = [first.result()]
    usage.add_part(
        combine(parts, MAX_UNKNOWN_SAMPLES), name, {(route.method, route.template): route for route in catalog.routes}
    )


def _add_key_part(usage: KeyUsage, piece: KeyPart) -> None:
    usage.calls += piece.calls
    usage.unknown_route_calls += piece.unknown_calls
    usage.unknown_denied += piece.unknown_denied
    usage.unknown_succeeded += piece.unknown_succeeded
    for _, sample in piece.samples:
        usage.add_sample(sample)
    usage.first, usage.last = earliest(usage.first, piece.first), latest(usage.last, piece.last)


def _ticked(blocks: Iterable[tuple[int, bytes | None]], tick: Callable[[int], None]) -> Iterator[tuple]:
    """The blocks, telling `tick` the lines read once each is handed on."""
    for first_line, block in blocks:
        yield first_line, block
        tick(first_line if block is None else first_line - 1 + block.count(b"\n"))


def _size(paths: list[str]) -> int | None:
    """The bytes of all the files (compressed ones as they are on disk); None when stdin is one."""
    if "-" in paths:
        return None
    try:
        return sum(os.path.getsize(path) for path in paths)
    except OSError:  # open_log says what is wrong with the file
        return None


def add_usage_row(usage: Usage, row: UsageRow, route: Route | None) -> None:
    usage.add_aggregate(
        row.project,
        row.key,
        route,
        row.count,
        first=row.first,
        last=row.last,
        statuses={row.status: row.count} if row.status is not None else None,
        denied=row.count if evidence.refused(row.status, row.error) else 0,
        samples=(f"{row.method} {row.path.split('?', 1)[0]}",),
    )


def merged(usages: list[KeyUsage], key_id: str) -> KeyUsage:
    """One view of a key's usage across the projects its records named."""
    total = KeyUsage(key_id, None)
    for usage in usages:
        total.calls += usage.calls
        total.unknown_route_calls += usage.unknown_route_calls
        total.unknown_denied += usage.unknown_denied
        total.unknown_succeeded += usage.unknown_succeeded
        for sample in usage.unknown_samples:
            total.add_sample(sample)
        for moment in (usage.first, usage.last):
            if moment is not None:
                total.first = moment if total.first is None else min(total.first, moment)
                total.last = moment if total.last is None else max(total.last, moment)
        for route_key, slot in usage.routes.items():
            into = total.routes.setdefault(route_key, RouteUsage(slot.route))
            if slot.first_location and (into.first_location is None or (slot.denied and not into.denied)):
                into.first_location = slot.first_location
            into.add_aggregate(slot.count, slot.first, slot.last, slot.statuses, slot.denied)
    return total
