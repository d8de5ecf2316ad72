"""Ingest one call log or usage file into the state: only what no earlier ingest counted, in one transaction.

The file is read twice: once to recognise its content (content.py), once through the ordinary readers
(auditor.loaders.logs.iter_calls with the audit's log options, so every log format the audit reads works
here too; usage_file for `--usage`). Readers count each line in `stats.lines_read` before they yield its
call, so line numbers say which calls the state already holds. Lines are aggregated per day × project × key
× route in memory (memory grows with those, never with lines) and written with the new checkpoint in one
transaction. Keys no definition names are counted in a TopKeys of the `keep_unknown` busiest, and the state
keeps only that many of them (state/unknown_keys.py): a log of made-up keys cannot grow it without end.

An unterminated last line of a plain file that does not read as a record is most likely still being
written: it is held back until the file grows, and then read whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from auditor.analysis import evidence
from auditor.analysis.topkeys import DEFAULT_KEEP, TopKeys
from auditor.analysis.usage import UNAUTHORIZED_SCOPE
from auditor.catalog.catalog import Catalog, Route
from auditor.errors import InputError
from auditor.loaders.logs import iter_calls
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.logs.calllog import Call, ReadStats
from auditor.loaders.source import display_name
from auditor.loaders.usage_file import read_usage_rows
from auditor.secrets import redact
from auditor.state.content import Extent, load_checkpoints, plan, scan
from auditor.state.store import State
from auditor.state.unknown_keys import DroppedDays, trim
from auditor.times import DAY, utc_day

MAX_SAMPLES = 5  # unknown-route samples kept per day, project and key

SQLITE_MAX = (1 << 63) - 1  # the largest INTEGER SQLite keeps


@dataclass
class Tally:
    count: int = 0
    denied: int = 0
    first: float | None = None
    last: float | None = None
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, count: int, first: float | None, last: float | None, status: int | None, denied: bool) -> None:
        self.count += count
        if denied:
            self.denied += count
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + count
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last


@dataclass
class SliceStats(ReadStats):
    """Counts only the bad lines this ingest reads: after `skip`, up to `limit`, except a held-back last line."""

    skip: int = 0
    limit: int = 0
    holdable: int | None = None  # the line number of an unterminated last line
    held_back: bool = False

    def bad(self, file: str, line: int, reason: str, count: int = 1) -> None:
        if not self.skip < line <= self.limit:
            return
        if line == self.holdable:
            self.held_back = True
            return
        super().bad(file, line, reason, count)

    @property
    def new_lines(self) -> int:
        return min(self.lines_read, self.limit) - self.skip - self.held_back


@dataclass
class KeyTallies:
    """A key's tallies per (day, project, key, method, route) and unknown-route samples per (day, project, key)."""

    tallies: dict[tuple[str, str, str, str, str], Tally] = field(default_factory=dict)
    samples: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)


@dataclass
class Increment:
    """What one file adds: the defined keys' tallies (`known`), the busiest unknown keys' (`unknown`), what
    was dropped of the others, stats. `defined` None: every key is defined."""

    stats: SliceStats
    defined: frozenset[str] | None = None
    known: KeyTallies = field(default_factory=KeyTallies)
    unknown: TopKeys[KeyTallies] = field(default_factory=lambda: TopKeys(DEFAULT_KEEP))
    dropped: DroppedDays = field(default_factory=DroppedDays)
    calls: int = 0
    earliest: float | None = None
    latest: float | None = None

    def __post_init__(self):
        self.unknown.on_evict = self._drop

    def _drop(self, key: tuple[str, str], evicted: KeyTallies) -> None:
        for (day, *_), tally in evicted.tallies.items():
            self.dropped.drop(day, *key, tally.count)

    def add(
        self,
        day: str,
        project: str | None,
        key: str,
        method: str,
        path: str,
        route: Route | None,
        count: int,
        first: float | None,
        last: float | None,
        status: int | None,
        error: str | None,
    ) -> None:
        project = project or ""
        held = self.known
        if self.defined is not None and key not in self.defined:
            held = self.unknown.track((project, key), count, KeyTallies)
        if route is None:
            slot = (day, project, key, "", "")
            samples = held.samples.setdefault((day, project, key), [])
            sample = redact(f"{method} {path.split('?', 1)[0]}")  # a path is no place for a secret, nor the state
            if len(samples) < MAX_SAMPLES and sample not in samples:
                samples.append(sample)
        else:
            slot = (day, project, key, route.method, route.template)
        tally = held.tallies.get(slot)
        if tally is None:
            tally = held.tallies[slot] = Tally()
        tally.add(count, first, last, status, error == UNAUTHORIZED_SCOPE)
        self.calls += count
        if first is not None and (self.earliest is None or first < self.earliest):
            self.earliest = first
        if last is not None and (self.latest is None or last > self.latest):
            self.latest = last

    def held(self) -> list[KeyTallies]:
        """The tallies to write: the defined keys' and the kept unknown keys'."""
        return [self.known, *(counter.value for counter in self.unknown.counters.values())]

    def finish(self) -> None:
        """Any key's calls that the TopKeys evicted are at most its bound, on any day."""
        for dropped in self.dropped.values():
            dropped.bound += self.unknown.bound


@dataclass(frozen=True)
class Outcome:
    path: str
    lines: int = 0
    bad_lines: int = 0
    calls: int = 0
    skipped_because: str | None = None
    held_back: bool = False


class _Days:
    """UTC day of a timestamp, cached per day number (most lines of a log share a few days)."""

    def __init__(self, default: str):
        self.default = default
        self.cache: dict[int, str] = {}

    def __call__(self, moment: float | None) -> str:
        if moment is None:
            return self.default
        number = int(moment // DAY)
        day = self.cache.get(number)
        if day is None:
            day = self.cache[number] = utc_day(number * DAY)
        return day


def _records(path: str, kind: str, catalog: Catalog, stats: SliceStats, options: LogOptions) -> Iterator[tuple]:
    """(project, key, method, path, count, first, last, status, error, route) of each call or usage row.

    Calls resolve to routes as the audit resolves them (analysis/usage.py read_usage): by the catalog, or by
    analysis/evidence.py for calls a log names without a path (audit events, missing-scope error lines).
    """
    match = catalog.match
    if kind == "logs":
        for call in iter_calls(path, stats, options):
            if type(call) is Call and call.error is None:
                route = match(call.method, call.path)
            else:
                call, route = evidence.resolve(call, catalog)
            yield (
                call.project,
                call.key,
                call.method,
                call.path,
                1,
                call.time,
                call.time,
                call.status,
                call.error,
                route,
            )
    else:
        for row in read_usage_rows(path, stats):
            error = UNAUTHORIZED_SCOPE if evidence.refused(row.status, row.error) else None
            yield (
                row.project,
                row.key,
                row.method,
                row.path,
                row.count,
                row.first,
                row.last,
                row.status,
                error,
                match(row.method, row.path),
            )


def _read(path: str, kind: str, catalog: Catalog, stats: SliceStats, days: _Days, options: LogOptions) -> Increment:
    increment = Increment(stats, options.defined, unknown=TopKeys(options.keep_unknown))
    for project, key, method, request, count, first, last, status, error, route in _records(
        path, kind, catalog, stats, options
    ):
        line = stats.lines_read
        if line <= stats.skip:
            continue
        if line > stats.limit:  # written after the content was recognised: the next run reads it
            break
        # a usage row counts on the day it was last seen (the shipped SQL groups rows by day)
        increment.add(
            days(last if last is not None else first),
            project,
            key,
            method,
            request,
            route,
            count,
            first,
            last,
            status,
            error,
        )
    return increment


def ingest(state: State, path: str, kind: str, catalog: Catalog, now: float, options: LogOptions) -> Outcome:
    """Add what `path` holds beyond what the state has counted; `kind` is "logs" or "usage".

    Calls without a timestamp are counted on the day of the run (`now`).
    """
    if path == "-":
        raise InputError("the job cannot read stdin (-): it recognises files by content on later runs; give a file")
    name = display_name(path)
    before = _identity(path)
    checkpoints = load_checkpoints(state.db)
    found = scan(path, checkpoints)
    todo = plan(found, checkpoints)
    if todo.nothing_because:
        return Outcome(name, skipped_because=todo.nothing_because)
    holdable = found.whole.lines if found.unterminated_last_line and not found.gzip else None
    stats = SliceStats(skip=todo.skip, limit=found.whole.lines, holdable=holdable)
    increment = _read(path, kind, catalog, stats, _Days(utc_day(now)), options)
    after = _identity(path)
    if after[:2] != before[:2] or after[2] < before[2]:
        return Outcome(name, skipped_because="changed while being read (rotated or rewritten); the next run reads it")
    reached = found.complete_lines if stats.held_back else found.whole
    if reached.lines <= todo.skip:  # nothing new but a held-back line
        return Outcome(name, held_back=stats.held_back)
    _commit(state, name, todo.stream, reached, increment, now)
    return Outcome(name, stats.new_lines, stats.bad_lines, increment.calls, held_back=stats.held_back)


def _identity(path: str) -> tuple[int, int, int]:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or type(error).__name__})") from None
    return status.st_dev, status.st_ino, status.st_size


def _commit(state: State, name: str, stream: int | None, reached: Extent, increment: Increment, now: float) -> None:
    """Write the increment in one transaction; a count SQLite cannot hold (usage rows may claim up to 10**18 calls
    or bad lines each, and many rows add up) is bad input, and nothing of the file is kept."""
    try:
        _write(state, name, stream, reached, increment, now)
    except OverflowError:
        raise InputError(
            f"{name}: counts beyond {SQLITE_MAX:,} calls or bad lines, more than any log holds; not recorded"
        ) from None


def _write(state: State, name: str, stream: int | None, reached: Extent, increment: Increment, now: float) -> None:
    with state.transaction() as db:
        db.executemany(
            """INSERT INTO route_day VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (day, project, key, method, route) DO UPDATE SET
                 count = count + excluded.count, denied = denied + excluded.denied,
                 first = coalesce(min(first, excluded.first), first, excluded.first),
                 last = coalesce(max(last, excluded.last), last, excluded.last)""",
            (
                slot + (t.count, t.denied, t.first, t.last)
                for held in increment.held()
                for slot, t in held.tallies.items()
            ),
        )
        db.executemany(
            """INSERT INTO status_day VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (day, project, key, method, route, status) DO UPDATE SET count = count + excluded.count""",
            _status_rows(increment),
        )
        db.executemany(
            "INSERT OR IGNORE INTO unknown_sample VALUES (?, ?, ?, ?)",
            (
                slot + (sample,)
                for held in increment.held()
                for slot, samples in held.samples.items()
                for sample in samples
            ),
        )
        increment.finish()
        trim(db, increment.defined, increment.unknown.capacity, increment.dropped)
        if stream is None:
            stream = db.execute("SELECT coalesce(max(stream), 0) + 1 FROM checkpoint").fetchone()[0]
        stats = increment.stats
        checkpoint = db.execute(
            "INSERT INTO checkpoint (stream, bytes, lines, sha256, path, ingested_at, lines_read, bad_lines, calls) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                stream,
                reached.bytes,
                reached.lines,
                reached.sha256,
                redact(name),
                now,
                stats.new_lines,
                stats.bad_lines,
                increment.calls,
            ),
        ).lastrowid
        db.executemany(
            "INSERT INTO bad_line VALUES (?, ?, ?)", ((checkpoint, s["line"], s["reason"]) for s in stats.bad_samples)
        )
        earliest = increment.earliest if increment.earliest is not None else now
        db.execute(
            "INSERT INTO meta VALUES ('observed_since', ?) "
            "ON CONFLICT (name) DO UPDATE SET value = min(value, excluded.value)",
            (earliest,),
        )
        if increment.calls:  # the last call ingested, where the logs' coverage ends (state/window.py)
            latest = increment.latest if increment.latest is not None else now
            db.execute(
                "INSERT INTO meta VALUES ('observed_until', ?) "
                "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
                (latest,),
            )


def _status_rows(increment: Increment) -> Iterator[tuple]:
    for held in increment.held():
        for slot, tally in held.tallies.items():
            for status, count in tally.statuses.items():
                yield slot + (status, count)
