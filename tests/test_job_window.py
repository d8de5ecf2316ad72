"""`keyaudit job`: the rolling window, pruning, new and fixed findings, the job config, one job at a time."""

import json
import os
import sqlite3
import threading
import time

import yaml
from helpers.audit import call, key, write_keys
from helpers.cli import invoke
from helpers.job import job, job_run, lines
from helpers.paths import ROOT

from auditor.state.store import job_lock

ROW = "/v1/tablesdb/shop/tables/products/rows/r1"
USERS = "/v1/users/u1"


def days(state):
    return sorted({row[0] for row in sqlite3.connect(state).execute("SELECT day FROM route_day")})


def findings(out, rule=None):
    return {(f["rule"], f["key"], f["scope"]) for f in json.loads(out)["findings"] if rule in (None, f["rule"])}


def test_window_counts_only_its_days_and_prunes_the_rest(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["rows.read", "users.read"])])
    log = tmp_path / "calls.jsonl"
    log.write_text(
        lines(
            [
                call("k1", "GET", USERS, time="2026-06-01T09:00:00Z"),  # 177 days before
                call("k1", "GET", ROW, time="2026-08-26T23:59:59Z"),  # a day before a 90-day window
                call("k1", "GET", ROW, time="2026-08-27T00:00:00Z"),  # its first day
                call("k1", "GET", ROW, time="2026-11-24T12:00:00Z"),
            ]
        )
    )
    state = tmp_path / "state.db"
    code, out, _ = job_run(state, keys, [log], "--window", "365d")
    assert ("unused-scope", "k1", "users.read") not in findings(out)
    assert json.loads(out)["keys"][0]["calls"] == 4
    assert days(state) == ["2026-06-01", "2026-08-26", "2026-08-27", "2026-11-24"]
    code, out, _ = job_run(state, keys, [], "--window", "90d")
    assert ("unused-scope", "k1", "users.read") in findings(out)
    assert json.loads(out)["keys"][0]["calls"] == 2
    assert days(state) == ["2026-08-27", "2026-11-24"]
    code, out, _ = job_run(state, keys, [], "--window", "365d")  # what was pruned stays gone
    assert json.loads(out)["keys"][0]["calls"] == 2


def test_the_window_ends_at_the_last_ingested_call_and_begins_when_observation_did(tmp_path):
    keys = write_keys(
        tmp_path,
        [
            key("old", ["rows.read", "users.read"], **{"$createdAt": "2026-01-01T00:00:00Z"}),
            key("new", ["rows.read", "users.read"], **{"$createdAt": "2026-11-24T00:00:00Z"}),
        ],
    )
    log = tmp_path / "calls.jsonl"
    log.write_text(
        lines(
            [call("old", "GET", ROW, time="2026-11-01T00:00:00Z"), call("new", "GET", ROW, time="2026-11-24T08:00:00Z")]
        )
    )
    code, out, _ = job_run(tmp_path / "state.db", keys, [log])
    messages = {f["key"]: f["message"] for f in json.loads(out)["findings"] if f["rule"] == "unused-scope"}
    assert (
        "the logs cover 2026-11-01 to 2026-11-24 (23 days) of the key's 328 days, so needs older than that may "
        "not show; that is under the 28 days it takes to drop a scope on"
    ) in messages["old"]
    assert (
        "the logs cover 2026-11-01 to 2026-11-24 (23 days), all 0 days of the key's life (created 2026-11-24)"
        in messages["new"]
    )


def test_new_fixed_and_open_for_across_three_runs(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text(lines([call("k1", "GET", ROW, time="2026-11-20T10:00:00Z")]))
    state = tmp_path / "state.db"
    write_keys(tmp_path, [key("k1", ["rows.read", "users.read"])])
    job_run(state, str(tmp_path / "keys.json"), [log], now="2026-11-23T00:00:00Z")
    keys = write_keys(tmp_path, [key("k1", ["rows.read", "teams.read"])])  # the team swapped a scope
    for now in ("2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z"):
        code, _, err = job_run(state, keys, [log], now=now)
    assert err.strip().endswith("run 3: 3 findings, 0 new, 0 fixed since the previous run")
    code, out, _ = job("report", "--state", str(state), "--format", "json")
    report = json.loads(out)
    assert (report["lastRun"]["id"], report["previousRun"]["id"]) == (3, 2)
    assert report["new"] == [] and report["fixed"] == []
    assert {(f["rule"], f["scope"], f["openDays"]) for f in report["open"]} == {
        ("over-privileged", None, 2),
        ("unused-scope", "teams.read", 1),
        ("stale-logs", None, 2),
    }

    sqlite3.connect(state).execute("DELETE FROM run WHERE id = 3").connection.commit()
    code, out, _ = job("report", "--state", str(state), "--format", "json")  # as it stood after run 2
    report = json.loads(out)
    assert [(f["rule"], f["scope"]) for f in report["new"]] == [("unused-scope", "teams.read")]
    assert [(f["rule"], f["scope"]) for f in report["fixed"]] == [("unused-scope", "users.read")]
    code, out, _ = job("report", "--state", str(state))
    assert code == 0
    assert "new since the previous run: 1" in out and "fixed since the previous run: 1" in out
    assert "open: 3" in out


def test_a_finding_fixed_then_found_again_is_new_again(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text(lines([call("k1", "GET", ROW, time="2026-11-20T10:00:00Z")]))
    state = tmp_path / "state.db"
    for now, scopes in (
        ("2026-11-22", ["rows.read", "users.read"]),
        ("2026-11-23", ["rows.read"]),
        ("2026-11-25", ["rows.read", "users.read"]),
    ):
        keys = write_keys(tmp_path, [key("k1", scopes)])
        job_run(state, keys, [log], now=f"{now}T00:00:00Z")
    report = json.loads(job("report", "--state", str(state), "--format", "json")[1])
    assert {(f["rule"], f["openSince"]) for f in report["new"]} == {
        ("unused-scope", "2026-11-25T00:00:00.000Z"),
        ("over-privileged", "2026-11-25T00:00:00.000Z"),
    }


def test_report_before_any_run_is_an_error(tmp_path):
    code, _, err = job("report", "--state", str(tmp_path / "none.db"))
    assert code == 2 and "no such state file" in err


def test_a_second_job_on_the_same_state_waits_or_gives_up(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    state = tmp_path / "state.db"
    held, release = threading.Event(), threading.Event()

    def other_job():
        with job_lock(str(state), 0):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=other_job)
    holder.start()
    held.wait(10)
    code, _, err = job_run(state, keys)
    assert code == 2
    assert err.strip() == (
        f"keyaudit: error: {state}: another keyaudit job is running on this state; let it finish or give --wait SECONDS"
    )
    assert not state.exists()
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    code, _, err = job_run(state, keys, [], "--wait", "10")
    assert code == 0, err
    assert time.monotonic() - started >= 0.25
    holder.join()


def test_job_config_paths_are_relative_to_it_and_stay_inside(tmp_path):
    folder = tmp_path / "audit"
    (folder / "logs").mkdir(parents=True)
    write_keys(folder, [key("k1", ["rows.read", "users.read"])])
    (folder / "logs" / "a.jsonl").write_text(lines([call("k1", "GET", ROW)]))
    (folder / "logs" / "b.jsonl").write_text(lines([call("k1", "GET", ROW, time="2026-11-21T10:00:00Z")]))
    config = folder / "nightly.yaml"

    def run_with(**settings):
        config.write_text(
            yaml.safe_dump(
                {
                    "state": "state.db",
                    "keys": ["keys.json"],
                    "logs": ["logs/*.jsonl"],
                    "window": "30d",
                    "format": "json",
                    "failOn": "info",
                    **settings,
                }
            )
        )
        return job("run", "--job", str(config), "--now", "2026-11-25T00:00:00Z")

    code, out, err = run_with()
    assert code == 1, err
    assert json.loads(out)["keys"][0]["calls"] == 2 and (folder / "state.db").exists()
    outside = tmp_path / "secret.jsonl"
    outside.write_text(lines([call("k1", "GET", USERS)]))
    os.symlink(outside, folder / "logs" / "link.jsonl")
    for settings, said in (
        ({"logs": ["../secret.jsonl"]}, "logs '../secret.jsonl' leads out"),
        ({"logs": [str(outside)]}, "is an absolute path"),
        ({"logs": ["logs/link.jsonl"]}, "logs 'logs/link.jsonl' leads out"),
        ({"logs": ["logs/*.jsonl"]}, "logs 'logs/link.jsonl' leads out"),
        ({"state": "../state.db"}, "state '../state.db' leads out"),
        ({"logs": ["logs/*.gz"]}, "logs pattern 'logs/*.gz' matches no file"),
        ({"window": "3 months"}, "invalid job config at /window"),
    ):
        code, _, err = run_with(**settings)
        assert code == 2 and said in err and err.count("\n") == 1, (settings, err)
    assert not (tmp_path / "state.db").exists()


def test_options_win_over_the_job_config(tmp_path):
    write_keys(tmp_path, [key("k1", ["rows.read"])])
    (tmp_path / "job.yaml").write_text("state: state.db\nkeys: [keys.json]\nformat: json\n")
    code, out, err = job(
        "run", "--job", str(tmp_path / "job.yaml"), "--format", "table", "--now", "2026-11-25T00:00:00Z"
    )
    assert code == 0, err
    assert out.startswith("keyaudit ")


def test_the_job_reads_every_log_format_the_audit_reads(tmp_path):
    fixtures = ROOT / "tests" / "fixtures" / "logs"
    logs = [
        str(fixtures / name)
        for name in (
            "traefik-access.json",
            "traefik-access.log",
            "nginx-access.log",
            "appwrite-audit.json",
            "app-errors.log",
        )
    ]
    common = [
        "--keys",
        str(fixtures / "keys.json"),
        *(a for log in logs for a in ("--logs", log)),
        "--key",
        "6a20b4d17e3f5c9a0b62",
        "--now",
        "2026-11-25T00:00:00Z",
        "--format",
        "json",
    ]

    def outcome(*args):
        report = json.loads(invoke(list(args)).stdout)
        return (
            {(f["rule"], f["key"], f["scope"], f["severity"]) for f in report["findings"]},
            {k["id"]: (k["calls"], k["routes"]) for k in report["keys"]},
        )

    from_audit = outcome("audit", *common)
    assert from_audit[0]
    stale = ("stale-logs", None, None, "medium")  # the fixtures' last call is from 2026-11-20: a feed, it is stale
    for _ in range(2):  # from the logs, then from the state
        findings, keys = outcome("job", "run", "--state", str(tmp_path / "state.db"), *common)
        assert stale in findings and (findings - {stale}, keys) == from_audit


def test_a_stalled_feed_is_stale_logs_and_does_not_stretch_the_window(tmp_path):
    """Log shipping stopped on 2026-11-01: the job still runs on 2026-11-25, and its logs cover nothing after."""
    keys = write_keys(tmp_path, [key("k1", ["rows.read", "users.read"], **{"$createdAt": "2026-01-01T00:00:00Z"})])
    log = tmp_path / "calls.jsonl"
    log.write_text(
        lines(
            [call("k1", "GET", ROW, time="2026-10-20T00:00:00Z"), call("k1", "GET", ROW, time="2026-11-01T00:00:00Z")]
        )
    )
    code, out, _ = job_run(tmp_path / "state.db", keys, [log])
    report = json.loads(out)
    (stale,) = [f for f in report["findings"] if f["rule"] == "stale-logs"]
    assert stale["severity"] == "medium" and stale["message"] == (
        "the last call the job ingested is from 2026-11-01, 24 days before this run (threshold 2 days)"
    )
    (unused,) = [f for f in report["findings"] if f["rule"] == "unused-scope"]
    assert "the logs cover 2026-10-20 to 2026-11-01 (12 days)" in unused["message"]
    fresh = tmp_path / "fresh.jsonl"
    fresh.write_text(lines([call("k1", "GET", ROW, time="2026-11-24T12:00:00Z")]))
    code, out, _ = job_run(tmp_path / "state.db", keys, [fresh])
    assert findings(out, "stale-logs") == set()
    code, out, _ = job_run(tmp_path / "state2.db", keys, [log], "--config", str(_config(tmp_path, 30)))
    assert findings(out, "stale-logs") == set()


def _config(tmp_path, days):
    config = tmp_path / "keyaudit.yaml"
    config.write_text(yaml.safe_dump({"rules": {"stale-logs": {"options": {"days": days}}}}))
    return config
