"""The job state against hostile use (issue #17, class 5): one state by many names, and a clock that goes back.

Two jobs on one state take one lock whatever name each gives it (a symbolic link, `x/../state.db`, a linked
folder), so a file is counted once; a state file with a second hard link is refused. A run as of a time before
the state's newest (a wrong `--now` or clock, then the right one) is one line and exit 2, the state unchanged:
it never reports every key as never used.
"""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime

import pytest
from helpers.audit import call, key, write_keys
from helpers.job import NOW, dump, job, job_run, lines
from helpers.paths import ROOT

from auditor.state.store import job_lock
from auditor.times import iso

ROWS = "/v1/tablesdb/shop/tables/products/rows"
LINES = 40_000


def counted(state) -> int:
    return sqlite3.connect(state).execute("SELECT sum(count) FROM route_day").fetchone()[0]


def _names(tmp_path):
    """name -> (the state's real file, the path the second job gives)."""
    real = tmp_path / "real" / "state.db"
    real.parent.mkdir()
    (tmp_path / "link.db").symlink_to(real)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "linked-folder").symlink_to(real.parent)
    return {
        "symbolic link": tmp_path / "link.db",
        "dot-dot": tmp_path / "real" / ".." / "real" / "." / "state.db",
        "linked folder": tmp_path / "linked-folder" / "state.db",
        "symlink then dot-dot": tmp_path / "linked-folder" / ".." / "real" / "state.db",
    }


@pytest.fixture
def big_log(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "w") as handle:
        for i in range(LINES):
            handle.write(
                json.dumps(
                    {
                        "time": f"2026-11-20T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                        "key": "k1",
                        "method": "GET",
                        "path": f"{ROWS}/r{i}",
                        "status": 200,
                    }
                )
                + "\n"
            )
    return path


@pytest.mark.parametrize("name", ["symbolic link", "dot-dot", "linked folder", "symlink then dot-dot"])
def test_two_concurrent_jobs_through_two_names_count_each_line_once(tmp_path, big_log, name):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    real = tmp_path / "real" / "state.db"
    other = _names(tmp_path)[name]
    jobs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "auditor",
                "job",
                "run",
                "--state",
                str(path),
                "--keys",
                keys,
                "--logs",
                str(big_log),
                "--now",
                NOW,
                "--format",
                "json",
                "--wait",
                "120",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in (real, other)
    ]
    errors = [process.communicate(timeout=300)[1] for process in jobs]
    assert [process.returncode for process in jobs] == [0, 0], errors
    assert counted(real) == LINES
    assert sum("skipped, " in err for err in errors) == 1, errors  # one ingested, the other found it done
    assert not os.path.exists(f"{other}.lock") or os.path.samefile(f"{other}.lock", f"{real}.lock")


def test_a_second_name_waits_for_the_lock_the_first_holds(tmp_path):
    """In-process: the lock taken through the real path refuses a job given another name of it."""
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    for name, other in _names(tmp_path).items():
        with job_lock(str(tmp_path / "real" / "state.db"), 0):
            code, _, err = job_run(other, keys)
        assert code == 2, (name, err)
        assert err.strip() == (
            f"keyaudit: error: {other}: another keyaudit job is running on this state; "
            "let it finish or give --wait SECONDS"
        ), name


def test_a_state_file_with_a_second_hard_link_is_refused(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    state = tmp_path / "state.db"
    assert job_run(state, keys)[0] == 0
    os.link(state, tmp_path / "again.db")
    before = dump(state)
    for path in (state, tmp_path / "again.db"):
        code, _, err = job_run(path, keys)
        assert code == 2 and err.strip() == (
            f"keyaudit: error: {path}: the state file has 2 hard links; give it one name (a symbolic link is fine)"
        )
    assert dump(state) == before


def _usage_log(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text(lines([call("k1", "GET", f"{ROWS}/r1", time="2026-11-20T10:00:00Z")]))
    return log


def _refused(err, path, newest, now):
    assert err.strip() == (
        f"keyaudit: error: {path}: the state holds a run as of {newest}, later than this run's "
        f"time {now}; a job's clock cannot go back (a wrong --now or system clock?). Fix the "
        "clock, or start a new state file"
    )


@pytest.mark.parametrize("future", ["2027-11-25T00:00:00Z", "2026-11-25T00:00:01Z", "8999-01-01T00:00:00Z"])
def test_a_run_in_the_future_then_one_at_the_right_time_is_refused(tmp_path, future):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    state = tmp_path / "state.db"
    log = _usage_log(tmp_path)
    code, out, err = job_run(state, keys, [log], now=NOW)
    assert code == 0 and json.loads(out)["keys"][0]["calls"] == 1, err
    job_run(state, keys, [], now=future)  # a wrong --now: it prunes the window of its own time
    before = dump(state)
    code, out, err = job_run(state, keys, [log], now=NOW)
    assert code == 2 and out == ""
    _refused(err, state, _iso(future), _iso(NOW))
    assert dump(state) == before
    code, out, _ = job("report", "--state", str(state), "--format", "json")  # report still reads the state
    assert code == 0


def _iso(text):
    return iso(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def test_an_ingest_in_the_future_whose_run_was_never_recorded_is_refused_too(tmp_path):
    """A future run that ingested and then failed (here: its report could not be written) left checkpoints."""
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    state = tmp_path / "state.db"
    log = _usage_log(tmp_path)
    (tmp_path / "report.json").mkdir()
    code, _, err = job_run(state, keys, [log], "--output", str(tmp_path / "report.json"), now="2030-01-01T00:00:00Z")
    assert code == 2 and "ingested 1 new lines" in err
    assert dump(state)["run"] == []
    code, _, err = job_run(state, keys, [log], now=NOW)
    assert code == 2
    _refused(err, state, _iso("2030-01-01T00:00:00Z"), _iso(NOW))


def test_the_same_time_again_and_later_times_run(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    state = tmp_path / "state.db"
    log = _usage_log(tmp_path)
    for now in (NOW, NOW, "2026-11-26T00:00:00Z"):
        code, out, err = job_run(state, keys, [log], now=now)
        assert code == 0 and json.loads(out)["keys"][0]["calls"] == 1, (now, err)


@pytest.mark.parametrize(
    "table, column, value",
    [
        ("run", "at", "'soon'"),
        ("run", "at", "1e300"),
        ("checkpoint", "ingested_at", "x'00'"),
        ("checkpoint", "ingested_at", "9e15"),
    ],
)
def test_a_tampered_time_is_a_corrupt_state(tmp_path, table, column, value):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    state = tmp_path / "state.db"
    assert job_run(state, keys, [_usage_log(tmp_path)])[0] == 0
    db = sqlite3.connect(state)
    db.execute(f"UPDATE {table} SET {column} = {value}")
    db.commit()
    db.close()
    code, _, err = job_run(state, keys)
    assert code == 2 and err.strip() == f"keyaudit: error: {state}: the state file is corrupt"


@pytest.mark.parametrize("points_to", ["victim.txt", "nowhere.txt"])
def test_a_link_planted_as_the_lock_file_is_refused_and_nothing_is_created(tmp_path, points_to):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    (tmp_path / "victim.txt").write_text("victim\n")
    (tmp_path / "state.db.lock").symlink_to(tmp_path / points_to)
    code, _, err = job_run(tmp_path / "state.db", keys)
    assert code == 2 and err.strip() == (
        f"keyaudit: error: {tmp_path}/state.db.lock: the job's lock file is a "
        f"symbolic link (to {tmp_path / points_to}); remove it"
    )
    assert (tmp_path / "victim.txt").read_text() == "victim\n" and not (tmp_path / "nowhere.txt").exists()
    assert not (tmp_path / "state.db").exists()
