"""Run `keyaudit job` in-process and read its state file back as plain rows."""

import gzip
import json
import sqlite3

from helpers.cli import invoke

NOW = "2026-11-25T00:00:00Z"
USAGE_TABLES = ("checkpoint", "bad_line", "route_day", "status_day", "unknown_sample", "unknown_day", "meta")
ALL_TABLES = USAGE_TABLES + ("run", "run_finding")


def job(*args):
    """(exit code, stdout, stderr) of `keyaudit job ARGS`."""
    result = invoke(["job", *args])
    return result.exit_code, result.stdout, result.stderr


def job_run(state, keys, logs=(), *extra, now=NOW):
    args = ["run", "--state", str(state), "--keys", keys, "--now", now, "--format", "json", *extra]
    for path in logs:
        args += ["--logs", str(path)]
    return job(*args)


def dump(state, tables=ALL_TABLES):
    """Every row of the state's tables, sorted: two states are equal when their dumps are."""
    db = sqlite3.connect(state)
    try:
        return {table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}
    finally:
        db.close()


def lines(calls):
    return "".join(json.dumps(c) + "\n" for c in calls)


def write_gz(path, text):
    with gzip.open(path, "wt") as handle:
        handle.write(text)
    return path
