"""`keyaudit job report` as one dict: the last run against the previous one, worst findings first, key names
beside ids, and the history the HTML page charts (state/history.py). Every format renders this dict."""

from __future__ import annotations

from auditor.rules.registry import SEVERITIES
from auditor.state.history import OTHER, calls_per_day, findings_per_run
from auditor.state.key_names import name_of, stored_names
from auditor.state.runs import Recorded, compare
from auditor.state.store import CorruptState
from auditor.state.window import Window
from auditor.times import iso, utc_day

TOP_KEYS = 8  # keys charted one by one; the rest are "other"


def job_report(db, top: int = TOP_KEYS) -> dict | None:
    """None before the first run."""
    comparison = compare(db)
    if comparison is None:
        return None
    names = stored_names(db)
    last = comparison.last

    def findings(found: list[Recorded]) -> list[dict]:
        worst_first = sorted(found, key=lambda r: -_rank(r.severity))  # stable: compare's order within
        return [{**r.as_dict(), "keyName": name_of(names, r.project, r.key)} for r in worst_first]

    daily = calls_per_day(db, Window(last["windowDays"], last["at"]).first_day, utc_day(last["at"]), top)
    return {
        "lastRun": _run(last),
        "previousRun": _run(comparison.previous),
        "new": findings(comparison.new),
        "fixed": findings(comparison.fixed),
        "open": findings(comparison.open),
        "findingsPerRun": [
            {"run": r.run, "at": iso(r.at), "bySeverity": r.by_severity} for r in findings_per_run(db, last)
        ],
        "callsPerDay": {
            "days": daily.days,
            "keys": [
                {"project": key[0] or None, "key": key[1], "keyName": name_of(names, *key), "calls": calls}
                for key, calls in daily.series
                if key is not OTHER
            ],
            "other": next((calls for key, calls in daily.series if key is OTHER), None),
        },
    }


def _run(run: dict | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run["id"],
        "at": iso(run["at"]),
        "windowDays": run["windowDays"],
        "windowStart": iso(run["windowStart"]),
        "linesRead": run["linesRead"],
        "badLines": run["badLines"],
    }


def _rank(severity: str) -> int:
    if severity not in SEVERITIES:
        raise CorruptState
    return SEVERITIES.index(severity)
