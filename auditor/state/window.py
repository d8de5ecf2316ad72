"""The rolling window (`--window 90d`): usage of its days rebuilt from the state; older days pruned.

Days are whole UTC days: a 90-day window judged on 2026-11-25 holds 2026-08-27 to 2026-11-25. The window the
audit states (unused-scope, never-used) starts when the state began observing if that is later: a job that
has run for ten days has not seen ninety. It ends at the last call ingested, not at the run's time: when log
shipping stalls, the logs cover nothing after their last line, and "unused for N days" must not grow with the
stall (stale-logs reports the stall itself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.analysis.evidence import denial_route, event_route
from auditor.analysis.topkeys import TopKeys
from auditor.analysis.usage import MAX_UNKNOWN_SAMPLES, Usage
from auditor.catalog.catalog import Catalog, Route
from auditor.errors import InputError
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.logs.calllog import ReadStats
from auditor.loaders.logs.records import AUDIT, UNLOGGED
from auditor.state.store import stored_time
from auditor.state.unknown_keys import window_dropped
from auditor.times import DAY, utc_day

DEFAULT = "90d"
_WINDOW = re.compile(r"([1-9][0-9]{0,4})d")


@dataclass(frozen=True)
class Window:
    days: int
    now: float  # the run's time, seconds since the epoch

    @property
    def start(self) -> float:
        return self.now - self.days * DAY

    @property
    def first_day(self) -> str:
        return utc_day(self.start)


def parse_window(text: str) -> int:
    match = _WINDOW.fullmatch(text.strip())
    if not match:
        raise InputError(f"--window {text!r}: give whole days, e.g. 90d")
    return int(match.group(1))


def window_usage(db, catalog: Catalog, window: Window, stats: ReadStats, options: LogOptions) -> Usage | None:
    """The usage of the window's days; None when the state has never ingested anything.

    `options`: the defined keys (and how many unknown keys to keep), as the audit reads logs."""
    observed = {
        name: stored_time(value)
        for name, value in db.execute("SELECT name, value FROM meta WHERE name IN ('observed_since', 'observed_until')")
    }
    if "observed_since" not in observed:
        return None
    end = min(window.now, observed.get("observed_until", window.now))
    start = min(max(window.start, observed["observed_since"]), end)
    since = (window.first_day,)
    statuses: dict[tuple, dict[int, int]] = {}
    for *slot, status, count in db.execute(
        "SELECT project, key, method, route, status, sum(count) FROM status_day WHERE day >= ? "
        "GROUP BY project, key, method, route, status",
        since,
    ):
        statuses.setdefault(tuple(slot), {})[status] = count
    samples: dict[tuple[str, str], list[str]] = {}
    for project, key, sample in db.execute(
        "SELECT project, key, sample FROM unknown_sample WHERE day >= ? ORDER BY day, sample", since
    ):
        kept = samples.setdefault((project, key), [])
        if len(kept) < MAX_UNKNOWN_SAMPLES and sample not in kept:
            kept.append(sample)
    usage = Usage(stats=stats, window=(start, end), defined=options.defined, unknown=TopKeys(options.keep_unknown))
    for project, key, method, template, count, denied, first, last in db.execute(
        "SELECT project, key, method, route, sum(count), sum(denied), min(first), max(last) FROM route_day "
        "WHERE day >= ? GROUP BY project, key, method, route ORDER BY project, key, method, route",
        since,
    ):
        route = stored_route(catalog, method, template) if template else None
        shown = tuple(samples.get((project, key), ())) if not template else (f"{method} {template}",)
        usage.add_aggregate(
            project or None,
            key,
            route,
            count,
            first=stored_time(first),
            last=stored_time(last),
            statuses=statuses.get((project, key, method, template)),
            denied=denied,
            samples=shown,
        )
    for calls, bound, keys in window_dropped(db, window.first_day):
        usage.unknown.add_uncounted(calls, bound, keys)
    return usage


def stored_route(catalog: Catalog, method: str, template: str) -> Route | None:
    """A stored route resolved again (the catalog may be another version than the one that stored it).

    Stand-in routes of calls a log names without a path are stored as analysis/evidence.py words them
    (loaders/logs/records.py): `audit` `event row.create`, `unlogged` `route (rows.read or documents.read)`.
    """
    if method == AUDIT:
        return event_route(catalog, template.removeprefix("event "))
    if method == UNLOGGED:
        return denial_route(template, tuple(template.removeprefix("route (").removesuffix(")").split(" or ")))
    return catalog.match(method, template)


def prune(db, window: Window) -> None:
    """Forget the usage of days before the window (within the caller's transaction)."""
    for table in ("route_day", "status_day", "unknown_sample", "unknown_day"):
        db.execute(f"DELETE FROM {table} WHERE day < ?", (window.first_day,))
