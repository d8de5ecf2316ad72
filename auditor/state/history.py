"""What `job report --format html` charts, read back from the state: findings per run by severity, and calls
per key per day over the window.

Both come from what the job keeps anyway, so both are bounded as the state is: runs whose findings are still
held (those within the last run's window, and always the last two: state/runs.py prunes the rest), and the
window's days of route_day (the defined keys and at most `keep` unknown ones) plus unknown_day (the calls of
the unknown keys the state does not keep, shown as part of "other").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from auditor.state.store import CorruptState, has_table, stored_time

OTHER = None  # the series of every key beyond the busiest ones, and of the unknown keys the state drops


@dataclass(frozen=True)
class RunCounts:
    run: int
    at: float
    by_severity: dict[str, int]


@dataclass(frozen=True)
class DailyCalls:
    days: list[str]  # every day from the first with calls to the last, in order
    series: list[tuple[tuple[str, str] | None, list[int]]]  # (project, key) or OTHER -> calls per day


def findings_per_run(db, last: dict) -> list[RunCounts]:
    """The runs whose findings are held, oldest first, with their findings counted by severity."""
    runs = db.execute(
        "SELECT id, at FROM run WHERE at >= ? OR id >= (SELECT min(id) FROM (SELECT id FROM run ORDER BY id DESC "
        "LIMIT 2)) ORDER BY id",
        (last["windowStart"],),
    ).fetchall()
    counts: dict[int, dict[str, int]] = {run: {} for run, _ in runs}
    for run, severity, count in db.execute(
        "SELECT run, severity, count(*) FROM run_finding WHERE run >= ? GROUP BY run, severity",
        (runs[0][0] if runs else 0,),
    ):
        if run in counts:
            if type(severity) is not str:
                raise CorruptState
            counts[run][severity] = count
    return [RunCounts(run, stored_time(at), counts[run]) for run, at in runs]


def calls_per_day(db, first_day: str, last_day: str, top: int) -> DailyCalls:
    """Calls per day of the `top` keys with the most calls from `first_day` to `last_day` (the last run's), the
    rest summed as OTHER. A call stamped after the run (a log line may say 8999-12-31) is left off the chart:
    days are drawn one by one, and such a line would otherwise make millions of them."""
    per_key: dict[tuple[str, str], dict[str, int]] = {}
    other: dict[str, int] = {}
    for day, project, key, calls in db.execute(
        "SELECT day, project, key, sum(count) FROM route_day WHERE day BETWEEN ? AND ? GROUP BY day, project, key",
        (first_day, last_day),
    ):
        if not (type(day) is str and type(project) is str and type(key) is str and _count(calls)):
            raise CorruptState
        per_key.setdefault((project, key), {})[day] = calls
    dropped = "SELECT day, calls FROM unknown_day WHERE day BETWEEN ? AND ? AND calls > 0"
    for day, calls in db.execute(dropped, (first_day, last_day)) if has_table(db, "unknown_day") else ():  # schema 1
        if not (type(day) is str and _count(calls)):
            raise CorruptState
        other[day] = other.get(day, 0) + calls
    ranked = sorted(per_key, key=lambda k: (-sum(per_key[k].values()), k))
    for key in ranked[top:]:
        for day, calls in per_key.pop(key).items():
            other[day] = other.get(day, 0) + calls
    days = _every_day({day for calls in per_key.values() for day in calls} | set(other))
    series = [(key, [per_key[key].get(day, 0) for day in days]) for key in ranked[:top]]
    if other:
        series.append((OTHER, [other.get(day, 0) for day in days]))
    return DailyCalls(days, series)


def _count(value) -> bool:
    return type(value) is int and value >= 0


def _every_day(seen: set[str]) -> list[str]:
    """The days from the first of `seen` to the last, none skipped (a day without calls is a gap on the chart)."""
    if not seen:
        return []
    try:
        first, last = date.fromisoformat(min(seen)), date.fromisoformat(max(seen))
    except ValueError:
        raise CorruptState from None
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
