"""Faults beyond tests/test_job_ingest.py: kill -9 inside each of the job's transactions, and a full disk (a file
size limit) under every file keyaudit writes besides the state: reports, baselines, fixed key files.

test_job_ingest.py kills the job between files and fills the disk under the state; here the job dies with its
rows written but not committed, in each transaction a run makes, and then resumes; and a write that fails
leaves the file the user named as it was, with no temporary file beside it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys

import pytest
from helpers.audit import call, key, write_keys
from helpers.cli import invoke
from helpers.job import NOW, dump, job_run, lines
from helpers.paths import ROOT

ROWS = "/v1/tablesdb/shop/tables/products/rows"

# Runs `keyaudit ARGS` and sends itself SIGKILL in the Nth transaction on the state: at its start ("before"), or
# once every statement of it ran, just before its COMMIT ("inside").
DIE_IN_TRANSACTION = """
import os, signal, sys
from contextlib import contextmanager
import auditor.state.store as store
from auditor.cli.main import cli

dying_in, when, seen = int(sys.argv[1]), sys.argv[2], 0
plain = store.State.transaction

@contextmanager
def transaction(self):
    global seen
    seen += 1
    if seen == dying_in and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    with plain(self) as db:
        yield db
        if seen == dying_in:
            os.kill(os.getpid(), signal.SIGKILL)

store.State.transaction = transaction
sys.argv = ["keyaudit", *sys.argv[3:]]
cli()
"""


def _logs(folder):
    first, second = folder / "a.jsonl", folder / "b.jsonl"
    first.write_text(
        lines(
            call(f"k{i % 3}", "GET", f"{ROWS}/{i}", time=f"2026-11-2{i % 4}T10:00:00Z", status=200) for i in range(40)
        )
        + "not json\n"
    )
    second.write_text(
        lines(
            call("k1", "GET", "/v1/users", time="2026-11-23T10:00:00Z", status=401, error="general_unauthorized_scope")
            for _ in range(5)
        )
    )
    return [first, second]


def _killed(state, keys, logs, transaction: int, when: str) -> None:
    args = ["job", "run", "--state", str(state), "--keys", keys, "--now", NOW, "--format", "json"]
    args += [arg for log in logs for arg in ("--logs", str(log))]
    killed = subprocess.run(
        [sys.executable, "-c", DIE_IN_TRANSACTION, str(transaction), when, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr


@pytest.mark.parametrize(
    "transaction", [1, 2, 3], ids=["first file's ingest", "second file's ingest", "the run's findings and pruning"]
)
def test_kill_9_inside_a_transaction_loses_and_double_counts_nothing(tmp_path, transaction):
    keys = write_keys(tmp_path, [key(f"k{i}", ["rows.read"]) for i in range(3)])
    logs = _logs(tmp_path)
    state, before = tmp_path / "state.db", tmp_path / "before.db"
    _killed(before, keys, logs, transaction, "before")
    _killed(state, keys, logs, transaction, "inside")
    assert dump(state) == dump(before)  # the transaction in progress left nothing
    code, out, err = job_run(state, keys, logs)  # resumed
    assert code in (0, 1), err
    clean = tmp_path / "clean.db"
    assert job_run(clean, keys, logs)[0] == code
    assert dump(state) == dump(clean)
    assert json.loads(out)["summary"]["linesRead"] == 46 and json.loads(out)["summary"]["badLines"] == 1


def _limited(limit_bytes):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply


def _keyaudit_on_a_full_disk(folder, *args, room=2048, env=None):
    return subprocess.run(
        [sys.executable, "-m", "auditor", *map(str, args)],
        cwd=folder,
        capture_output=True,
        text=True,
        preexec_fn=_limited(room),
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def many_keys(tmp_path):
    """Key files whose report, baseline and fixed text are all larger than the 2 KiB the disk has room for."""
    keys = [key(f"k{i}", ["documents.read", "users.read", "global"]) for i in range(30)]
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "keys:\n"
        + "".join(f"  - id: m{i}\n    name: m{i}\n    scopes: [documents.read]\n    expire: null\n" for i in range(60))
    )
    return write_keys(tmp_path, keys), manifest


@pytest.mark.parametrize("what", ["baseline create --output", "audit --output", "audit --output FORMAT=", "fix FILE"])
def test_a_write_on_a_full_disk_leaves_the_named_file_as_it_was(tmp_path, monkeypatch, many_keys, what):
    keys, manifest = many_keys
    target = manifest if what == "fix FILE" else tmp_path / "out.json"
    if what != "fix FILE":
        target.write_text('{"old": true}\n')
    old, files = target.read_bytes(), sorted(tmp_path.iterdir())
    args = {
        "baseline create --output": ["baseline", "create", "--output", target, "--keys", keys, "--now", NOW],
        "audit --output": ["audit", "--keys", keys, "--format", "json", "--output", target, "--now", NOW],
        "audit --output FORMAT=": ["audit", "--keys", keys, "--output", f"json={target}", "--now", NOW],
        "fix FILE": ["fix", "--appwrite-version", "1.9", target],
    }[what]
    proc = _keyaudit_on_a_full_disk(tmp_path, *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines()[-1] == f"keyaudit: error: {target}: cannot write (File too large)"
    assert target.read_bytes() == old
    assert sorted(tmp_path.iterdir()) == files  # no temporary file left behind
    monkeypatch.chdir(tmp_path)
    unlimited = invoke(list(map(str, args)))
    assert unlimited.exit_code in (0, 1) and target.read_bytes() != old  # the same run with room writes it whole


@pytest.mark.parametrize(
    "args", [["audit", "--keys", "KEYS", "--now", NOW], ["rules"], ["--version"], ["--help"], []], ids=" ".join
)
def test_standard_output_on_a_full_disk_is_one_line_and_exit_2(tmp_path, many_keys, args):
    """`keyaudit ... > report.json` on a full disk: one line, not an internal error (or a traceback for --help)."""
    args = [many_keys[0] if arg == "KEYS" else arg for arg in args]
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "auditor", *map(str, args)], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE
        )
    assert proc.returncode == 2
    assert proc.stderr.decode() == "keyaudit: error: standard output: cannot write (No space left on device)\n"


def test_fetch_keys_output_on_a_full_disk_is_left_as_it_was(tmp_path, monkeypatch, httpserver):
    keys = [
        {
            "$id": f"k{i}",
            "name": f"n{i}",
            "scopes": ["users.read", "rows.read"],
            "expire": "",
            "secret": "standard_" + f"{i:02x}" * 128,
        }
        for i in range(30)
    ]  # written: > 2 KiB
    httpserver.expect_request("/v1/health/version").respond_with_json({"version": "1.9.6"})
    httpserver.expect_request("/v1/project/keys").respond_with_json({"total": 30, "keys": keys})
    target = tmp_path / "keys.json"
    target.write_text('{"old": true}\n')
    old, files = target.read_bytes(), sorted(tmp_path.iterdir())
    args = ["fetch-keys", "--endpoint", httpserver.url_for("/v1"), "--project", "p", "--output", target]
    proc = _keyaudit_on_a_full_disk(tmp_path, *args, env={"APPWRITE_API_KEY": "k"})
    assert (proc.returncode, proc.stderr) == (2, f"keyaudit: error: {target}: cannot write (File too large)\n")
    assert target.read_bytes() == old
    assert sorted(tmp_path.iterdir()) == files  # no temporary file left behind
    monkeypatch.chdir(tmp_path)
    unlimited = invoke(list(map(str, args)), env={"APPWRITE_API_KEY": "k"})
    assert unlimited.exit_code == 0 and len(json.loads(target.read_text())["keys"]) == 30, unlimited.stderr


def test_job_report_on_a_full_disk_is_left_as_it_was_and_the_run_not_recorded(tmp_path, monkeypatch, many_keys):
    """The disk has room for the state (made by a first run) but not for the report: the old report stays, no
    temporary file is left, and the run whose report could not be written is not recorded."""
    keys, _ = many_keys
    state = tmp_path / "state.db"
    assert job_run(state, keys, _logs(tmp_path))[0] in (0, 1)
    target = tmp_path / "report.json"
    target.write_text('{"old": true}\n')
    old, files, before = target.read_bytes(), sorted(tmp_path.iterdir()), dump(state)
    room = state.stat().st_size + 16384
    args = ["job", "run", "--state", state, "--keys", keys, "--now", NOW, "--format", "json", "--output", target]
    proc = _keyaudit_on_a_full_disk(tmp_path, *args, room=room)
    assert (proc.returncode, proc.stderr) == (2, f"keyaudit: error: {target}: cannot write (File too large)\n")
    assert target.read_bytes() == old and dump(state) == before
    assert sorted(tmp_path.iterdir()) == files  # no temporary file left behind
    monkeypatch.chdir(tmp_path)
    unlimited = invoke(list(map(str, args)))
    assert unlimited.exit_code in (0, 1) and len(target.read_bytes()) > room, unlimited.stderr
