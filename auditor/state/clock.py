"""A job's time never goes back: a run as of a moment before what the state already holds is refused.

The window is pruned relative to each run's time. A run as of a time in the future (a wrong `--now`, a clock
set years ahead) prunes every day before it and records its checkpoints then; the runs after it, back at the
right time, would find every file "already ingested" and no call in their window, and report every key as
never used. Refusing the run whose time is before the state's newest makes that visible at once.
"""

from __future__ import annotations

from auditor.errors import InputError
from auditor.state.runs import _moment as valid_moment
from auditor.state.store import CorruptState, State
from auditor.times import iso


def newest_time(state: State) -> float | None:
    """The latest run or ingest time the state records; None for a new state."""
    newest = state.db.execute(
        "SELECT max(coalesce((SELECT max(at) FROM run), 0), coalesce((SELECT max(ingested_at) FROM checkpoint), 0)),"
        " (SELECT count(*) FROM run) + (SELECT count(*) FROM checkpoint)"
    ).fetchone()
    value, rows = newest
    if not rows:
        return None
    if not valid_moment(value):  # a tampered state may hold anything
        raise CorruptState
    return value


def refuse_going_back(state: State, now: float) -> None:
    newest = newest_time(state)
    if newest is not None and now < newest:
        raise InputError(
            f"{state.path}: the state holds a run as of {iso(newest)}, later than this run's time "
            f"{iso(now)}; a job's clock cannot go back (a wrong --now or system clock?). Fix the "
            "clock, or start a new state file"
        )
