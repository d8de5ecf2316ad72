"""`keyaudit job run` ingest: nothing counted twice, nothing lost, whatever happens to the files or the job."""

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys

import pytest
from helpers.audit import call, key, write_keys
from helpers.job import NOW, USAGE_TABLES, dump, job, job_run, lines, write_gz
from helpers.paths import ROOT

from auditor.state import store

ROWS = "/v1/tablesdb/shop/tables/products/rows"


def calls(n, key_id="k1", day="2026-11-20", start=0):
    """n reads of distinct rows, a second apart from 10:00 on `day`."""
    return [
        call(key_id, "GET", f"{ROWS}/r{i}", time=f"{day}T10:{i // 60 % 60:02d}:{i % 60:02d}.000Z", status=200)
        for i in range(start, start + n)
    ]


@pytest.fixture
def keys(tmp_path):
    return write_keys(tmp_path, [key("k1", ["rows.read", "users.read"])])


def clean_state(tmp_path, keys, text, name="clean.jsonl"):
    """The state of one run over `text` as a single file named like the real one."""
    folder = tmp_path / "clean"
    folder.mkdir(exist_ok=True)
    log = folder / name
    log.write_text(text)
    code, _, err = job_run(folder / "state.db", keys, [log])
    assert code in (0, 1), err
    return folder / "state.db"


def usage_rows(state):
    """Usage tables only: what was counted, not where it was read from."""
    return {t: rows for t, rows in dump(state, ("route_day", "status_day", "unknown_sample")).items()}


def test_same_logs_twice_equal_one_run(tmp_path, keys):
    first = tmp_path / "a.jsonl"
    first.write_text(lines(calls(5) + [call("k1", "GET", "/v1/users", status=200)]) + "not json\n")
    second = write_gz(tmp_path / "b.jsonl.gz", lines(calls(3, day="2026-11-21")))
    state = tmp_path / "state.db"
    code, once, err = job_run(state, keys, [first, second])
    assert code == 0, err
    after_one = dump(state, USAGE_TABLES)
    code, twice, err = job_run(state, keys, [first, second, first])
    assert code == 0
    assert dump(state, USAGE_TABLES) == after_one
    assert err.count("skipped, already ingested") == 3
    assert json.loads(once)["findings"] == json.loads(twice)["findings"]
    assert json.loads(twice)["summary"]["linesRead"] == 0
    checkpoints = after_one["checkpoint"]
    assert [(row[7], row[8], row[9]) for row in checkpoints] == [(7, 1, 6), (3, 0, 3)]  # lines, bad, calls
    assert after_one["bad_line"] == [(1, 7, "not valid JSON")]


def test_grown_file_adds_only_its_new_lines(tmp_path, keys):
    log = tmp_path / "app.jsonl"
    log.write_text(lines(calls(4)))
    state = tmp_path / "state.db"
    job_run(state, keys, [log])
    with open(log, "a") as handle:
        handle.write(lines(calls(3, start=4, day="2026-11-21")))
    code, out, err = job_run(state, keys, [log])
    assert "ingested 3 new lines" in err
    assert usage_rows(state) == usage_rows(clean_state(tmp_path, keys, log.read_text()))
    assert json.loads(out)["keys"][0]["calls"] == 7


def test_rotated_gzipped_copy_adds_only_what_it_has_beyond(tmp_path, keys):
    log = tmp_path / "app.jsonl"
    log.write_text(lines(calls(4)))
    state = tmp_path / "state.db"
    job_run(state, keys, [log])
    rotated = lines(calls(4)) + lines(calls(2, start=4))  # grew by two lines before rotation
    write_gz(tmp_path / "app.jsonl.1.gz", rotated)
    log.write_text(lines(calls(1, day="2026-11-22")))  # the new app.jsonl after rotation
    code, _, err = job_run(state, keys, [tmp_path / "app.jsonl.1.gz", log])
    assert "app.jsonl.1.gz: ingested 2 new lines" in err and "app.jsonl: ingested 1 new lines" in err
    code, _, err = job_run(state, keys, [tmp_path / "app.jsonl.1.gz", log])
    assert err.count("already ingested") == 2
    assert usage_rows(state) == usage_rows(clean_state(tmp_path, keys, rotated + log.read_text()))


def test_an_earlier_copy_of_a_grown_file_is_not_counted_again(tmp_path, keys):
    log = tmp_path / "app.jsonl"
    log.write_text(lines(calls(2)))
    state = tmp_path / "state.db"
    job_run(state, keys, [log])
    (tmp_path / "snapshot.jsonl").write_text(lines(calls(3)))  # copied between the two runs
    log.write_text(lines(calls(5)))
    job_run(state, keys, [log])
    before = dump(state, USAGE_TABLES)
    code, _, err = job_run(state, keys, [tmp_path / "snapshot.jsonl"])
    assert "skipped, an earlier copy" in err
    assert dump(state, USAGE_TABLES) == before


def test_an_unterminated_last_line_waits_until_it_is_complete(tmp_path, keys):
    log = tmp_path / "app.jsonl"
    whole = lines(calls(3))
    cut = len(whole) - 20
    log.write_text(whole[:cut])  # the writer is mid-line
    state = tmp_path / "state.db"
    code, out, err = job_run(state, keys, [log])
    assert "held back" in err
    assert json.loads(out)["summary"]["badLines"] == 0 and json.loads(out)["keys"][0]["calls"] == 2
    log.write_text(whole)
    code, out, err = job_run(state, keys, [log])
    assert "ingested 1 new lines (0 bad)" in err
    assert usage_rows(state) == usage_rows(clean_state(tmp_path, keys, whole))


def test_a_file_ending_in_a_complete_record_without_newline_is_read_whole(tmp_path, keys):
    log = tmp_path / "app.jsonl"
    log.write_text(lines(calls(3)).rstrip("\n"))
    code, out, err = job_run(tmp_path / "state.db", keys, [log])
    assert "held back" not in err and json.loads(out)["keys"][0]["calls"] == 3


def _big_logs(folder, files=3, per_file=25_000):
    paths = []
    for index in range(files):
        path = folder / f"big-{index}.jsonl"
        with open(path, "w") as handle:
            for i in range(per_file):
                minute = i % 1440
                handle.write(
                    json.dumps(
                        {
                            "time": f"2026-11-{10 + index}T{minute // 60:02d}:{minute % 60:02d}:00Z",
                            "key": f"k{i % 7}",
                            "method": "GET",
                            "path": f"{ROWS}/{index}-{i}",
                            "status": 200,
                        }
                    )
                    + "\n"
                )
        paths.append(path)
    return paths


def _job_process(state, keys, logs):
    args = [
        sys.executable,
        "-m",
        "auditor",
        "job",
        "run",
        "--state",
        str(state),
        "--keys",
        keys,
        "--now",
        NOW,
        "--format",
        "json",
    ] + [arg for log in logs for arg in ("--logs", str(log))]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _kill_when(process, marker):
    """SIGKILL the job as soon as its stderr shows `marker`: it is then reading the next file."""
    for line in process.stderr:
        if marker in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL


def test_kill_9_during_ingest_then_resume_equals_one_clean_run(tmp_path):
    keys = write_keys(tmp_path, [key(f"k{i}", ["rows.read"]) for i in range(7)])
    logs = _big_logs(tmp_path)
    state = tmp_path / "killed.db"
    _kill_when(_job_process(state, keys, logs), "big-0.jsonl: ingested")
    partial = dump(state)
    assert len(partial["checkpoint"]) == 1 and partial["run"] == []
    _kill_when(_job_process(state, keys, logs), "big-0.jsonl: skipped")
    assert len(dump(state)["checkpoint"]) <= 2
    code, _, err = job_run(state, keys, logs)  # resumed
    assert code == 0, err
    clean = tmp_path / "clean.db"
    assert job_run(clean, keys, logs)[0] == 0
    assert dump(state) == dump(clean)


def test_stdin_and_bad_window_are_refused(tmp_path, keys):
    code, _, err = job_run(tmp_path / "s.db", keys, ["-"])
    assert code == 2 and "cannot read stdin" in err
    code, _, err = job_run(tmp_path / "s.db", keys, [], "--window", "3 months")
    assert code == 2 and err.strip() == "keyaudit: error: --window '3 months': give whole days, e.g. 90d"


def test_a_window_reaching_back_before_1970_is_a_valid_state(tmp_path, keys):
    """The window starts at a negative time since the epoch; reading the run back must not call the file corrupt."""
    code, _, err = job_run(tmp_path / "s.db", keys, [], "--window", "30000d")
    assert code in (0, 1) and "corrupt" not in err, err
    code, out, err = job("report", "--state", str(tmp_path / "s.db"), "--format", "json")
    assert code in (0, 1) and "no run" not in err, err


def test_not_a_state_file_is_refused(tmp_path, keys):
    other = tmp_path / "other.db"
    other.write_text("just text\n")
    code, _, err = job_run(other, keys)
    assert code == 2 and err.strip() == f"keyaudit: error: {other}: not a keyaudit state file"
    assert other.read_text() == "just text\n"


def _limited(limit_bytes):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the job
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply


def test_a_write_that_fails_leaves_the_old_state_intact(tmp_path, keys):
    """A file size limit makes SQLite's writes fail (EFBIG) half-way through the second file, as a full disk does."""
    state = tmp_path / "state.db"
    first = tmp_path / "a.jsonl"
    first.write_text(lines(calls(3)))
    job_run(state, keys, [first])
    before = dump(state)
    more = tmp_path / "b.jsonl"
    more.write_text(lines(c for day in range(1, 29) for c in calls(40, key_id=f"x{day}", day=f"2026-11-{day:02d}")))
    args = [
        sys.executable,
        "-m",
        "auditor",
        "job",
        "run",
        "--state",
        str(state),
        "--keys",
        keys,
        "--now",
        NOW,
        "--logs",
        str(first),
        "--logs",
        str(more),
    ]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, preexec_fn=_limited(4096))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"keyaudit: error: {state}: cannot write the state file (disk full or I/O error); "
        "the state is unchanged since the last complete step"
    )
    assert dump(state) == before


def test_full_database_leaves_the_old_state_intact(tmp_path, keys, monkeypatch):
    """SQLite's own "database or disk is full" (its page cap stands in for the disk)."""
    state = tmp_path / "state.db"
    first = tmp_path / "a.jsonl"
    first.write_text(lines(calls(3)))
    job_run(state, keys, [first])
    before = dump(state)
    connect = sqlite3.connect

    def capped(*args, **kwargs):
        db = connect(*args, **kwargs)
        db.execute("PRAGMA max_page_count = " + str(db.execute("PRAGMA page_count").fetchone()[0]))
        return db

    monkeypatch.setattr(store.sqlite3, "connect", capped)
    more = tmp_path / "b.jsonl"  # more new rows than the free pages hold
    more.write_text(
        lines(c for day in range(1, 29) for k in range(100) for c in calls(1, f"x{k}", f"2026-11-{day:02d}"))
    )
    code, _, err = job_run(state, keys, [first, more])
    assert code == 2
    assert (
        err.strip().splitlines()[-1]
        == f"keyaudit: error: {state}: the disk is full; the state is unchanged since the last complete step"
    )
    monkeypatch.undo()
    assert dump(state) == before


def test_read_only_state_file_is_refused_and_left_intact(tmp_path, keys, monkeypatch):
    state = tmp_path / "state.db"
    log = tmp_path / "a.jsonl"
    log.write_text(lines(calls(3)))
    job_run(state, keys, [log])
    os.chmod(state, 0o444)
    before = dump(state)
    if os.geteuid() == 0:  # root may write any file: judge by the permission bits, as for any other user
        monkeypatch.setattr(
            store.os, "access", lambda path, mode: not (mode & os.W_OK and not os.stat(path).st_mode & 0o222)
        )
    more = tmp_path / "b.jsonl"
    more.write_text(lines(calls(2, day="2026-11-21")))
    code, _, err = job_run(state, keys, [log, more])
    assert code == 2
    assert err.strip() == f"keyaudit: error: {state}: the state file is read-only; the job needs to write it"
    assert dump(state) == before


def test_no_secret_reaches_the_state(tmp_path):
    secret = "standard_" + "5e" * 128
    keys = write_keys(tmp_path, [key("k1", ["rows.read"], secret=secret)])
    log = tmp_path / "calls.jsonl"
    log.write_text(lines([call("k1", "GET", f"/v1/keys/{secret}/nowhere?key={secret}", status=404)]))
    code, out, err = job_run(tmp_path / "state.db", keys, [log])
    report = json.loads(out)
    assert {"secret-in-file", "unknown-route"} <= {f["rule"] for f in report["findings"]}
    stored = (tmp_path / "state.db").read_bytes()
    assert secret.encode() not in stored and secret[9:40].encode() not in stored
    assert secret not in out + err


_SHAPES = (
    "GET /v1/tablesdb/shop/tables/products/rows/{}",
    "GET /v1/users/{}",
    "DELETE /v1/storage/buckets/b/files/{}",
    "POST /v1/functions/{}/executions",
    "GET /v1/tablesdb/{}/tables/t/rows",
    "GET /v1/nowhere/{}/x",
)


def _distinct_paths_log(path, n, keys=5, days=4):
    """`n` calls, every path distinct (ids never repeat): 5 routes and one unknown shape × `keys` keys × `days`
    days × 2 statuses, each combination every 240 lines; a bad line every 97."""
    with open(path, "w") as handle:
        for i in range(n):
            method, template = _SHAPES[i % 6].split(" ")
            record = {
                "time": f"2026-11-{20 + i // 30 % days:02d}T10:00:{i % 60:02d}Z",
                "key": f"k{i // 6 % keys}",
                "method": method,
                "path": template.format(f"id{i:x}"),
                "status": (200, 403)[i // 120 % 2],
            }
            handle.write(json.dumps(record) + "\n" + ("not json\n" if i % 97 == 0 else ""))


def test_the_state_grows_with_keys_routes_and_days_never_with_lines_or_distinct_paths(tmp_path):
    """The same 5 keys, 5 routes (and unknown paths), 4 days and 2 statuses in 1 200 lines and in 4 800: every
    path distinct. The state holds one row per day × key × route (× status), at most MAX_SAMPLES unknown paths
    per day and key, at most MAX_BAD_SAMPLES bad lines per file: the two states have the same rows."""
    from auditor.loaders.logs.calllog import MAX_BAD_SAMPLES
    from auditor.state.ingest import MAX_SAMPLES

    keys = write_keys(tmp_path, [key(f"k{i}", ["rows.read", "users.read"]) for i in range(5)])
    counts = {}
    for n in (1_200, 4_800):
        log = tmp_path / f"{n}.jsonl"
        _distinct_paths_log(log, n)
        code, out, err = job_run(tmp_path / f"{n}.db", keys, [log])
        assert code in (0, 1), err
        assert json.loads(out)["summary"]["linesRead"] == n + len(range(0, n, 97))
        state = dump(tmp_path / f"{n}.db")
        counts[n] = {table: len(rows) for table, rows in state.items()}
        samples = {}
        for day, project, key_id, _ in state["unknown_sample"]:
            samples[day, project, key_id] = samples.get((day, project, key_id), 0) + 1
        assert len(samples) == 4 * 5 and set(samples.values()) == {MAX_SAMPLES}, samples
        assert sum(row[5] for row in state["route_day"]) == n  # every call counted
    assert counts[1_200] == counts[4_800], counts
    assert counts[1_200]["route_day"] == 4 * 5 * (5 + 1)  # days × keys × (routes + the unknown-route slot)
    assert counts[1_200]["status_day"] == 4 * 5 * (5 + 1) * 2
    assert counts[1_200]["unknown_sample"] == 4 * 5 * MAX_SAMPLES
    assert counts[1_200]["bad_line"] == MAX_BAD_SAMPLES and counts[1_200]["checkpoint"] == 1
