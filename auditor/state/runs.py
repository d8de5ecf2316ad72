"""Each run's findings by fingerprint: what is new since the previous run, what was fixed, how long open.

A finding is open since the first of the unbroken series of runs that found it: fixed and found again, it is
new again. The findings of runs older than the window are pruned; the last two runs are always kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.loaders.logs.calllog import MAX_BAD_SAMPLES, ReadStats
from auditor.model import Finding
from auditor.state.store import CorruptState, stored_time
from auditor.state.window import Window
from auditor.times import DAY, iso

_COLUMNS = "fingerprint, open_since, rule, severity, key, project, scope, message"


@dataclass(frozen=True)
class Recorded:
    run: int
    at: float
    fingerprint: str
    open_since: float
    rule: str
    severity: str
    key: str | None
    project: str | None
    scope: str | None
    message: str

    @property
    def open_days(self) -> int:
        return int((self.at - self.open_since) // DAY)

    def as_dict(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "severity": self.severity,
            "key": self.key,
            "project": self.project,
            "scope": self.scope,
            "message": self.message,
            "openSince": iso(self.open_since),
            "openDays": self.open_days,
        }


@dataclass(frozen=True)
class Comparison:
    """The last run against the one before it."""

    last: dict  # id, at, windowDays, windowStart, linesRead, badLines
    previous: dict | None
    new: list[Recorded]
    fixed: list[Recorded]
    open: list[Recorded]


def _integer(value) -> bool:
    return type(value) is int


def _moment(value) -> bool:
    try:
        return stored_time(value) is not None
    except CorruptState:
        return False


def _text(value) -> bool:
    return type(value) is str


def _text_or_none(value) -> bool:
    return value is None or type(value) is str


_RUN = (_integer, _moment, _integer, _moment, _integer, _integer)
_FINDING = (_text, _moment, _text, _text, _text_or_none, _text_or_none, _text_or_none, _text)


def _checked(row: tuple, kinds: tuple) -> tuple:
    """A row as keyaudit wrote it; a corrupt file may hold anything where SQLite does not check (NULL, blobs)."""
    if not all(kind(value) for kind, value in zip(kinds, row)):
        raise CorruptState
    return row


def _runs(db, limit: int) -> list[dict]:
    rows = db.execute(
        "SELECT id, at, window_days, window_start, lines_read, bad_lines FROM run ORDER BY id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [
        dict(zip(("id", "at", "windowDays", "windowStart", "linesRead", "badLines"), _checked(row, _RUN)))
        for row in rows
    ]


def _findings(db, run: dict) -> dict[str, Recorded]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM run_finding WHERE run = ?", (run["id"],))
    return {row[0]: Recorded(run["id"], run["at"], *_checked(row, _FINDING)) for row in rows}


def ingested_since_last_run(db) -> ReadStats:
    """Lines and bad lines of the ingests since the last recorded run: this run's, and those of a run killed
    since, so a resumed run reports what one clean run would have."""
    since = "(SELECT coalesce(max(last_checkpoint), 0) FROM run)"
    lines, bad = db.execute(
        f"SELECT coalesce(sum(lines_read), 0), coalesce(sum(bad_lines), 0) FROM checkpoint WHERE id > {since}"
    ).fetchone()
    samples = db.execute(
        f"SELECT c.path, b.line, b.reason FROM bad_line b JOIN checkpoint c ON c.id = b.checkpoint "
        f"WHERE c.id > {since} ORDER BY c.id, b.line LIMIT ?",
        (MAX_BAD_SAMPLES,),
    )
    return ReadStats(
        lines_read=lines,
        bad_lines=bad,
        bad_samples=[{"file": file, "line": line, "reason": reason} for file, line, reason in samples],
    )


def record_run(db, findings: list[Finding], window: Window) -> Comparison:
    """Store this run's findings (within the caller's transaction) and compare them with the previous run."""
    previous = _runs(db, 1)
    before = _findings(db, previous[0]) if previous else {}
    stats = ingested_since_last_run(db)
    run = db.execute(
        "INSERT INTO run (at, window_days, window_start, lines_read, bad_lines, last_checkpoint) "
        "VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(id), 0) FROM checkpoint))",
        (window.now, window.days, window.start, stats.lines_read, stats.bad_lines),
    ).lastrowid
    db.executemany(
        f"INSERT OR IGNORE INTO run_finding (run, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                run,
                f.fingerprint,
                before[f.fingerprint].open_since if f.fingerprint in before else window.now,
                f.rule,
                f.severity,
                f.key,
                f.project,
                f.scope,
                f.message,
            )
            for f in findings
        ),
    )
    db.execute(
        "DELETE FROM run_finding WHERE run IN (SELECT id FROM run WHERE at < ? AND id < ?)",
        (window.start, previous[0]["id"] if previous else run),
    )
    return compare(db)


def compare(db) -> Comparison | None:
    """The last run's findings against the previous run's; None before the first run."""
    runs = _runs(db, 2)
    if not runs:
        return None
    last = _findings(db, runs[0])
    before = _findings(db, runs[1]) if len(runs) > 1 else {}

    def order(found: list[Recorded]) -> list[Recorded]:
        return sorted(found, key=lambda r: (r.open_since, r.rule, r.project or "", r.key or "", r.scope or ""))

    return Comparison(
        runs[0],
        runs[1] if len(runs) > 1 else None,
        new=order([r for fp, r in last.items() if fp not in before]),
        fixed=order([r for fp, r in before.items() if fp not in last]),
        open=order(list(last.values())),
    )
