"""Keys no definition names, in the job's state: the busiest `keep` in route_day, the rest counted per day.

An ingest counts unknown keys in a TopKeys (analysis/topkeys.py); the calls of a key it evicts are `Dropped`
on their days. After the ingest's rows are written, `trim` keeps in route_day (and status_day,
unknown_sample) only the `keep` unknown keys with the most calls over all days, and drops the others' rows
the same way. So the state holds at most `keep` unknown keys however many were logged, and nothing is
lost from the counts: per day, unknown_day holds the dropped calls, a HyperLogLog of the dropped keys, and
a bound on the calls any one key lost there (what an ingest's TopKeys could evict of one key, plus the most
one key had on that day when trimmed); the window adds those up (state/window.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.analysis.topkeys import REGISTERS, remember
from auditor.state.store import CorruptState, has_table


@dataclass
class Dropped:
    calls: int = 0
    bound: int = 0
    keys: bytearray = field(default_factory=lambda: bytearray(REGISTERS))


class DroppedDays(dict):
    """Dropped by day."""

    def __missing__(self, day: str) -> Dropped:
        dropped = self[day] = Dropped()
        return dropped

    def drop(self, day: str, project: str, key: str, calls: int) -> None:
        dropped = self[day]
        dropped.calls += calls
        remember(dropped.keys, (project or None, key))  # as analysis/usage.py names it


def trim(db, defined: frozenset[str] | None, keep: int, dropped: DroppedDays) -> None:
    """Drop from the usage tables the unknown keys beyond the `keep` busiest (within the caller's transaction),
    then add `dropped` (the ingest's and the trim's) to unknown_day."""
    if defined is not None:
        db.execute("CREATE TEMP TABLE IF NOT EXISTS defined_key (id TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS excess_key (project TEXT, key TEXT, PRIMARY KEY (project, key)) "
            "WITHOUT ROWID"
        )
        db.execute("DELETE FROM defined_key")
        db.execute("DELETE FROM excess_key")
        db.executemany("INSERT INTO defined_key VALUES (?)", ((key,) for key in defined))
        db.execute(
            "INSERT INTO excess_key SELECT project, key FROM route_day "
            "WHERE key NOT IN (SELECT id FROM defined_key) GROUP BY project, key "
            "ORDER BY sum(count) DESC, project, key LIMIT -1 OFFSET ?",
            (keep,),
        )
        most: dict[str, int] = {}
        for day, project, key, calls in db.execute(
            "SELECT day, project, key, sum(count) FROM route_day JOIN excess_key USING (project, key) "
            "GROUP BY day, project, key"
        ).fetchall():
            dropped.drop(day, project, key, calls)
            most[day] = max(most.get(day, 0), calls)
        for day, calls in most.items():
            dropped[day].bound += calls
        for table in ("route_day", "status_day", "unknown_sample"):
            db.execute(f"DELETE FROM {table} WHERE (project, key) IN (SELECT project, key FROM excess_key)")
    for day, more in dropped.items():
        row = db.execute("SELECT calls, bound, keys FROM unknown_day WHERE day = ?", (day,)).fetchone()
        calls, bound, keys = row if row else (0, 0, bytes(REGISTERS))
        db.execute(
            "INSERT OR REPLACE INTO unknown_day VALUES (?, ?, ?, ?)",
            (day, calls + more.calls, bound + more.bound, bytes(map(max, _registers(keys), more.keys))),
        )


def window_dropped(db, first_day: str) -> list[tuple[int, int, bytes]]:
    """(calls, bound, keys) of the days from `first_day` on; none in a state file of schema 1 (read, not upgraded)."""
    if not has_table(db, "unknown_day"):
        return []
    rows = db.execute("SELECT calls, bound, keys FROM unknown_day WHERE day >= ?", (first_day,)).fetchall()
    if not all(type(calls) is int and type(bound) is int and calls >= 0 and bound >= 0 for calls, bound, _ in rows):
        raise CorruptState
    return [(calls, bound, _registers(keys)) for calls, bound, keys in rows]


def _registers(keys) -> bytes:
    if type(keys) is not bytes or len(keys) != REGISTERS:
        raise CorruptState
    return keys
