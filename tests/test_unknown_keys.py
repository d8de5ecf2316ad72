"""Made-up keys cost a bounded amount: memory, findings, report and job state stay bounded whatever their number.

Anyone who can reach the server can send any key id (or any secret in X-Appwrite-Key). Over every way usage
comes in (JSONL read line by line, in blocks and in worker processes; Traefik access logs; Appwrite audit logs;
usage files; the job's state), 5 000 made-up keys with `keep: 100` must give at most 100 keys kept, one
unknown-key-burst finding, and the defined keys' usage exactly as without them.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
from collections import Counter

import pytest
from helpers.audit import NOW, call, key, write_keys, write_logs
from helpers.cli import invoke
from helpers.job import job_run
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.analysis.topkeys import TopKeys
from auditor.analysis.usage import Usage, read_jsonl
from auditor.audit import run_audit
from auditor.audit.report import build
from auditor.catalog.catalog import load
from auditor.loaders.logs import open_log
from auditor.loaders.logs.attribution import LogOptions
from auditor.rules.registry import configured_rules
from auditor.secrets import fingerprint
from auditor.state import store
from auditor.validation.schemas import violations

UNKNOWN, KEEP = 5000, 100
BUSY = {f"busy{i}": 100 + 10 * i for i in range(5)}  # made-up keys that call more than any bound
ROWS = "/v1/tablesdb/shop/tables/products/rows"
SECRET = "standard_" + "ab" * 128
CONFIG = {"rules": {"unknown-key": {"options": {"keep": KEEP}}}}


def _times(n):
    return [f"2026-11-20T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000Z" for i in range(n)]


def made_up_stream(seed=1):
    """(key id, n) of UNKNOWN made-up keys, 1 call each except the BUSY ones, in a shuffled order of calls."""
    rng = random.Random(seed)
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(UNKNOWN - len(BUSY))]
    stream = ids + [busy for busy, calls in BUSY.items() for _ in range(calls)]
    rng.shuffle(stream)
    return stream


def defined_calls():
    return [("GET", ROWS)] * 30 + [("GET", "/v1/users")] * 7 + [("GET", "/v1/nothing/here")] * 2


def jsonl_log(tmp_path, with_unknown=True, name="calls.jsonl"):
    mine = [("k1", method, path) for method, path in defined_calls()]
    theirs = [(made_up, "GET", "/v1/users") for made_up in made_up_stream()] if with_unknown else []
    calls = mine + theirs
    random.Random(2).shuffle(calls)
    return write_logs(
        tmp_path, [call(k, m, p, time=t, status=200) for (k, m, p), t in zip(calls, _times(len(calls)))], name=name
    )


def made_up_secret(made_up):
    return "standard_" + hashlib.sha256(made_up.encode()).hexdigest() * 4


def traefik_log(tmp_path, with_unknown=True):
    mine = [(SECRET, method, path) for method, path in defined_calls()]
    theirs = [(made_up_secret(made_up), "GET", "/v1/users") for made_up in made_up_stream()] if with_unknown else []
    calls = mine + theirs
    random.Random(2).shuffle(calls)
    path = tmp_path / "access.json"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "ClientHost": "203.0.113.7",
                    "DownstreamStatus": 200,
                    "RequestMethod": m,
                    "RequestPath": p,
                    "RequestProtocol": "HTTP/1.1",
                    "StartUTC": t,
                    "request_X-Appwrite-Key": s,
                    "request_X-Appwrite-Project": "shop-prod",
                }
            )
            + "\n"
            for (s, m, p), t in zip(calls, _times(len(calls)))
        )
    )
    return str(path)


def audit_log(tmp_path, with_unknown=True):
    """Appwrite audit events: keys act under their names (name:<name> when no definition has it)."""
    mine = [("name-k1", "row.create")] * 12
    theirs = [(made_up, "user.create") for made_up in made_up_stream()] if with_unknown else []
    events = mine + theirs
    random.Random(2).shuffle(events)
    path = tmp_path / "audit.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "event": event,
                    "userId": "",
                    "userEmail": "app.shop-prod@service.appwrite.shop.example",
                    "userName": name,
                    "mode": "default",
                    "ip": "203.0.113.7",
                    "time": t.replace("Z", "+00:00"),
                }
            )
            + "\n"
            for (name, event), t in zip(events, _times(len(events)))
        )
    )
    return str(path)


def usage_file(tmp_path, with_unknown=True):
    rows = [("k1", "GET", ROWS, 30), ("k1", "GET", "/v1/users", 7)]
    if with_unknown:
        rows += [(made_up, "GET", "/v1/users", n) for made_up, n in sorted(Counter(made_up_stream()).items())]
    path = tmp_path / "usage.csv"
    path.write_text(
        "key,method,path,count,first_seen,last_seen\n"
        + "".join(f"{k},{m},{p},{n},2026-11-20T09:00:00Z,2026-11-20T10:00:00Z\n" for k, m, p, n in rows)
    )
    return str(path)


LOGS = {"keyaudit-jsonl": jsonl_log, "traefik-json": traefik_log, "appwrite-audit": audit_log}


def keys_file(tmp_path):
    return write_keys(
        tmp_path,
        [
            key(
                "k1",
                ["rows.read", "users.read", "rows.write"],
                secretSha256=hashlib.sha256(SECRET.encode()).hexdigest(),
            )
        ],
    )


def audit(tmp_path, logs=(), usage=()):
    return run_audit(
        [keys_file(tmp_path)],
        list(logs),
        version="1.9",
        rules=configured_rules(CONFIG),
        now=NOW,
        usage_paths=list(usage),
    )


def defined_usage(result):
    """The defined key's usage as the report gives it (calls, routes and their times, needs), and its findings."""
    return build(result)["keys"], sorted((f.rule, f.scope) for f in result.findings if f.key == "k1")


NAMES = {
    "keyaudit-jsonl": str,
    "traefik-json": lambda made_up: fingerprint(made_up_secret(made_up)),
    "appwrite-audit": lambda made_up: f"name:{made_up}",
}  # how each log names a made-up key


def assert_bounded(result, name=str):
    """At most KEEP unknown keys kept, one burst finding, the BUSY keys reported one by one with their calls."""
    usage = result.usage
    assert len(usage.unknown.counters) <= KEEP
    unknown = [f for f in result.findings if f.rule == "unknown-key"]
    bursts = [f for f in result.findings if f.rule == "unknown-key-burst"]
    assert len(unknown) <= KEEP and len(bursts) == 1
    summary = usage.unknown_summary()
    assert summary["calls"] == UNKNOWN - len(BUSY) + sum(BUSY.values())
    assert summary["keysEstimated"] and abs(summary["keys"] - UNKNOWN) < UNKNOWN * 0.05
    assert summary["aggregatedKeys"] == summary["keys"] - summary["reported"]
    reported = {f.key: f.message for f in unknown}
    assert set(reported) == {name(busy) for busy in BUSY}
    for busy, calls in BUSY.items():  # exact, or a lower bound when it was counted after its first call
        said = reported[name(busy)].split(" call(s)")[0]
        assert int(said) == calls if said.isdigit() else int(said.removeprefix("at least ")) <= calls
    assert bursts[0].message.startswith("about ")


MINE = {"keyaudit-jsonl": '"key": "k1"', "traefik-json": SECRET, "appwrite-audit": '"userName": "name-k1"'}


def without_made_up(path, mine, header=False):
    """The same log (or usage file, its `header` kept) with only the lines of the defined key."""
    folder, name = os.path.split(path)
    clean = os.path.join(folder, f"clean-{name}")
    with open(path) as source, open(clean, "w") as out:
        out.writelines(line for number, line in enumerate(source) if mine in line or (header and not number))
    return clean


@pytest.mark.parametrize("log_format", LOGS)
def test_made_up_keys_are_bounded_and_leave_defined_usage_alone(tmp_path, log_format):
    log = LOGS[log_format](tmp_path)
    flooded = audit(tmp_path, [log])
    assert set(flooded.usage.stats.formats.values()) == {log_format}
    clean = audit(tmp_path, [without_made_up(log, MINE[log_format])])
    assert_bounded(flooded, NAMES[log_format])
    assert defined_usage(flooded) == defined_usage(clean)
    assert not [f for f in clean.findings if f.rule.startswith("unknown-key")]


def test_usage_files_are_bounded_too(tmp_path):
    usage = usage_file(tmp_path)
    flooded = audit(tmp_path, usage=[usage])
    clean = audit(tmp_path, usage=[without_made_up(usage, "k1,", header=True)])
    assert_bounded(flooded)
    assert defined_usage(flooded) == defined_usage(clean)


@pytest.mark.parametrize("workers", [1, 2])
def test_jsonl_in_blocks_and_worker_processes_is_bounded(tmp_path, workers):
    """Small blocks, so the log is many blocks; a first block of one key's calls, so workers are used."""
    path = tmp_path / "calls.jsonl"
    path.write_text(
        "".join(json.dumps(call("k1", "GET", ROWS, time=t, status=200)) + "\n" for t in _times(400))
        + open(jsonl_log(tmp_path, name="more.jsonl")).read()
    )
    catalog = load("1.9")
    options = LogOptions(defined=frozenset({"k1"}), keep_unknown=KEEP)
    usage = Usage(defined=options.defined, unknown=TopKeys(KEEP))
    with open_log(str(path), usage.stats, options) as (name, stream, _):
        read_jsonl(usage, name, stream, catalog, options, lambda lines: None, workers, block_bytes=8192)
    assert len(usage.unknown.counters) <= KEEP and list(usage.by_key) == [(None, "k1")]
    assert usage.by_key[(None, "k1")].calls == 400 + len(defined_calls())
    kept = {u.key: (u.calls, exact) for u, exact in usage.unknown_keys()}
    assert set(kept) == set(BUSY)
    assert all(calls == BUSY[busy] if exact else calls <= BUSY[busy] for busy, (calls, exact) in kept.items())
    assert usage.unknown.calls == UNKNOWN - len(BUSY) + sum(BUSY.values())


def test_without_a_burst_every_unknown_key_is_reported_exactly(tmp_path):
    logs = write_logs(tmp_path, [call(f"u{i}", "GET", "/v1/users") for i in range(KEEP) for _ in range(i % 3 + 1)])
    result = audit(tmp_path, [logs])
    unknown = {f.key: f.message for f in result.findings if f.rule == "unknown-key"}
    assert len(unknown) == KEEP and not [f for f in result.findings if f.rule == "unknown-key-burst"]
    assert unknown["u2"].startswith("3 call(s)")
    assert result.usage.unknown_summary() == {
        "keys": KEEP,
        "keysEstimated": False,
        "calls": 199,
        "keep": KEEP,
        "reported": KEEP,
        "aggregatedKeys": 0,
        "aggregatedCalls": 0,
        "bound": 0,
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=600), st.integers(1, 12), st.integers(1, 4))
def test_kept_keys_above_the_bound_are_the_true_top_keys(stream, capacity, parts):
    """Space-saving's promise, one TopKeys or several merged: a key with more calls than `bound` is kept; a
    key reported (calls since kept > bound) is among the true top `capacity`, with calls <= its true calls
    <= its count, and exactly its calls when its error is 0."""
    true = Counter(stream)
    pieces = [TopKeys(capacity) for _ in range(parts)]
    for position, item in enumerate(stream):
        pieces[position % parts].track(item, 1, lambda: [0])[0] += 1
    whole = pieces[0]
    for piece in pieces[1:]:
        whole.merge(piece, lambda key, value: [0], lambda mine, theirs: mine.__setitem__(0, mine[0] + theirs[0]))
    bound = whole.bound
    assert whole.calls == len(stream) and len(whole.counters) <= capacity
    assert all(item in whole.counters for item, calls in true.items() if calls > bound)
    ranked = sorted(true.values(), reverse=True)
    nth = ranked[capacity - 1] if len(ranked) >= capacity else 0
    for counter in whole.guaranteed():
        item = next(k for k, c in whole.counters.items() if c is counter)
        assert counter.value[0] == counter.count - counter.error <= true[item] <= counter.count
        assert true[item] >= nth
        if not counter.error:
            assert counter.value[0] == true[item]
    if whole.complete:
        assert whole.distinct == len(true) and bound == 0


def test_the_job_state_stays_bounded_over_runs(tmp_path):
    keys = keys_file(tmp_path)
    config = tmp_path / "keyaudit.yaml"
    config.write_text(f"rules:\n  unknown-key:\n    options:\n      keep: {KEEP}\n")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    logs = [traefik_log(first), jsonl_log(second)]
    state = tmp_path / "state.db"
    sizes = []
    for run in (logs[:1], logs[:1], logs):
        code, out, err = job_run(state, keys, run, "--config", str(config))
        assert code == 1, err
        report = json.loads(out)
        assert Counter(f["rule"] for f in report["findings"])["unknown-key-burst"] == 1
        assert sum(f["rule"] == "unknown-key" for f in report["findings"]) <= KEEP
        db = sqlite3.connect(state)
        unknown_rows = db.execute(
            "SELECT count(DISTINCT project || ' ' || key) FROM route_day WHERE key != 'k1'"
        ).fetchone()[0]
        sizes.append((unknown_rows, db.execute("SELECT count(*) FROM route_day").fetchone()[0]))
        db.close()
        assert unknown_rows <= KEEP
        assert report["summary"]["unknownKeys"]["calls"] == len(run) * (UNKNOWN - len(BUSY) + sum(BUSY.values()))
    assert sizes[0] == sizes[1]  # the same log again adds nothing
    k1 = [key for key in report["keys"] if key["id"] == "k1"][0]
    assert k1["calls"] == 2 * len(defined_calls())


def test_every_reporter_says_how_many_unknown_keys_were_counted_together(tmp_path):
    keys, logs = keys_file(tmp_path), jsonl_log(tmp_path)
    config = tmp_path / "keyaudit.yaml"
    config.write_text(f"rules:\n  unknown-key:\n    options:\n      keep: {KEEP}\n")
    outputs = {}
    for name in ("table", "lines", "json", "sarif", "junit", "markdown", "html"):
        result = invoke(
            [
                "audit",
                "--keys",
                keys,
                "--logs",
                logs,
                "--config",
                str(config),
                "--now",
                "2026-11-25T00:00:00Z",
                "--format",
                name,
            ],
        )
        assert result.exit_code == 1, result.stderr
        outputs[name] = result.stdout
    report = json.loads(outputs["json"])
    assert violations(report, "report.schema.json", None) == []
    unknown = report["summary"]["unknownKeys"]
    assert unknown["reported"] == len(BUSY) and unknown["keep"] == KEEP
    said = f"with {unknown['aggregatedCalls']} calls counted together (unknown-key keeps {KEEP})"
    for name, text in outputs.items():
        if name != "json":
            assert said in " ".join(text.split()), name  # the table wraps to the terminal


def test_a_keep_below_one_is_one_line(tmp_path):
    config = tmp_path / "keyaudit.yaml"
    config.write_text("rules:\n  unknown-key:\n    options:\n      keep: 0\n")
    result = invoke(["audit", "--keys", keys_file(tmp_path), "--logs", jsonl_log(tmp_path), "--config", str(config)])
    assert result.exit_code == 2 and result.stderr.strip().count("\n") == 0
    assert "unknown-key.keep must be at least 1" in result.stderr


def test_a_state_from_before_unknown_day_is_upgraded(tmp_path):
    state = tmp_path / "state.db"
    db = sqlite3.connect(state, isolation_level=None)
    db.executescript(
        store.SCHEMA.replace(store.UNKNOWN_DAY, "").replace(store.KEY_NAME, "")
        + f"PRAGMA application_id = {store.APPLICATION_ID}; PRAGMA user_version = 1;"
    )
    db.close()
    code, _, err = job_run(state, keys_file(tmp_path), [jsonl_log(tmp_path)])
    assert code == 1, err
    db = sqlite3.connect(state)
    assert db.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION == 3
    assert db.execute("SELECT count(*) FROM unknown_day").fetchone()[0] == 1  # 5 000 keys, more than keep (1000)
    db.close()


def test_made_up_project_headers_under_a_leaked_secret_cost_one_key(tmp_path):
    """A defined key's secret with a random X-Appwrite-Project per request: the secret names the key and its
    project, so 5 000 made-up headers add no key, no slot and no state row (issue #17 class 6, by project)."""
    secret = "standard_" + "c0ffee42" * 32
    keys = write_keys(
        tmp_path, [key("k1", ["rows.read"], secretSha256=hashlib.sha256(secret.encode()).hexdigest(), projectId="shop")]
    )
    lines = [
        json.dumps(
            {
                "StartUTC": "2026-11-20T10:00:00Z",
                "RequestMethod": "GET",
                "RequestPath": ROWS,
                "DownstreamStatus": 200,
                "request_X-Appwrite-Key": secret,
                "request_X-Appwrite-Project": f"p{i}",
            }
        )
        for i in range(UNKNOWN)
    ]
    logs = write_logs(tmp_path, lines, "traefik.json")
    result = run_audit([keys], [logs], rules=configured_rules(None), now=NOW)
    assert list(result.usage.by_key) == [("shop", "k1")]
    assert result.analyses[0].calls == UNKNOWN and not [f for f in result.findings if f.rule.startswith("unknown-key")]
    code, _, err = job_run(tmp_path / "state.db", keys, [logs])
    assert code in (0, 1), err
    rows = sqlite3.connect(tmp_path / "state.db").execute("SELECT count(*) FROM route_day").fetchone()[0]
    assert rows == 1
