"""`keyaudit job report`: worst findings first, key names beside ids, old state files read, and the HTML page
with its two charts (findings per run by severity, calls per key per day), self-contained and escaped."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from helpers.audit import call, key, write_keys, write_logs
from helpers.job import job, job_run

from auditor.state import store

HOSTILE_NAME = '<img src=x onerror=alert(1)>"\x1b[2J'


def calls_over_days(keys_and_counts: dict[str, int], days: int = 4) -> list[dict]:
    """Each key's `count` calls on each of `days` days (users.read, granted)."""
    return [
        call(k, "GET", "/v1/users", time=f"2026-11-{20 + day:02d}T10:{n % 60:02d}:00.000Z", status=200)
        for day in range(days)
        for k, count in keys_and_counts.items()
        for n in range(count)
    ]


def two_runs(tmp_path, names=None):
    """A state of two runs over four keys (k0 to k3, k0 calling most); `names` overrides key names."""
    names = names or {}
    keys = [
        key(f"k{i}", ["users.read", "users.write", "keys.write"], name=names.get(f"k{i}", f"name-k{i}"))
        for i in range(4)
    ]
    state = tmp_path / "state.db"
    keys_path = write_keys(tmp_path, keys)
    first = write_logs(tmp_path, calls_over_days({"k0": 8, "k1": 4, "k2": 2, "k3": 1}), name="1.jsonl")
    assert job_run(state, keys_path, [first], now="2026-11-24T12:00:00Z")[0] == 1
    second = write_logs(tmp_path, [call("k0", "GET", "/v1/users", time="2026-11-24T13:00:00.000Z")], name="2.jsonl")
    assert job_run(state, keys_path, [second], now="2026-11-25T00:00:00Z")[0] == 1
    return state


def report(state, *args):
    code, out, err = job("report", "--state", str(state), *args)
    assert code == 0, err
    return out


def test_findings_are_listed_worst_first_with_key_names(tmp_path):
    state = two_runs(tmp_path)
    found = json.loads(report(state, "--format", "json"))
    severities = [f["severity"] for f in found["open"]]
    ranks = ["info", "low", "medium", "high", "critical"]
    assert severities == sorted(severities, key=ranks.index, reverse=True)
    assert severities[0] == "critical"  # keys.write: full access
    assert {(f["key"], f["keyName"]) for f in found["open"] if f["key"]} == {(f"k{i}", f"name-k{i}") for i in range(4)}
    table = report(state)
    open_rows = table.split("open: ")[1].splitlines()[3:]
    assert open_rows[0].split()[:3] == ["critical", "high-risk-scope", "name-k0"]


def test_history_counts_each_run_by_severity_and_each_key_by_day(tmp_path):
    state = two_runs(tmp_path)
    found = json.loads(report(state, "--format", "json", "--top", "2"))
    db = sqlite3.connect(state)
    for run in found["findingsPerRun"]:
        stored = dict(db.execute("SELECT severity, count(*) FROM run_finding WHERE run = ? GROUP BY 1", (run["run"],)))
        assert run["bySeverity"] == stored
    assert [r["run"] for r in found["findingsPerRun"]] == [1, 2]
    daily = found["callsPerDay"]
    assert daily["days"] == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"]
    assert [(k["key"], k["keyName"]) for k in daily["keys"]] == [("k0", "name-k0"), ("k1", "name-k1")]
    assert daily["keys"][0]["calls"] == [8, 8, 8, 8, 1]
    assert daily["other"] == [3, 3, 3, 3, 0]  # k2 and k3 together
    total = db.execute("SELECT sum(count) FROM route_day").fetchone()[0]
    assert sum(map(sum, [k["calls"] for k in daily["keys"]] + [daily["other"]])) == total


def test_a_state_file_of_schema_2_is_read_and_then_upgraded(tmp_path):
    state = two_runs(tmp_path)
    db = sqlite3.connect(state, isolation_level=None)
    db.executescript("DROP TABLE key_name; PRAGMA user_version = 2;")
    db.close()
    found = json.loads(report(state, "--format", "json"))
    assert found["open"] and all(f["keyName"] is None for f in found["open"])
    keys_path = str(tmp_path / "keys.json")
    assert job_run(state, keys_path, [], now="2026-11-26T00:00:00Z")[0] == 1
    assert sqlite3.connect(state).execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION == 3
    assert all(f["keyName"] for f in json.loads(report(state, "--format", "json"))["open"] if f["key"])


def test_the_html_page_is_self_contained_with_two_charts_and_escapes_names(tmp_path):
    page = report(two_runs(tmp_path, {"k0": HOSTILE_NAME}), "--format", "html")
    assert page.count("<svg") == 2
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.IGNORECASE)
    assert "<img" not in page and "\x1b" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;" in page
    assert page.count("<rect") > 5  # bars were drawn


def test_the_page_goes_to_output_and_a_bad_output_is_refused(tmp_path):
    state = two_runs(tmp_path)
    target = tmp_path / "out" / "job.html"
    code, _, err = job("report", "--state", str(state), "--format", "html", "--output", str(tmp_path / "none" / "x"))
    assert code == 2 and err.count("\n") == 1
    (tmp_path / "out").mkdir()
    assert job("report", "--state", str(state), "--format", "html", "--output", str(target))[0] == 0
    assert target.read_text().startswith("<!DOCTYPE html>")


def test_a_state_with_rows_keyaudit_never_writes_is_refused_in_one_line(tmp_path):
    state = two_runs(tmp_path)
    db = sqlite3.connect(state, isolation_level=None)
    db.execute("UPDATE route_day SET count = -5 WHERE key = 'k1'")
    db.close()
    code, out, err = job("report", "--state", str(state), "--format", "html")
    assert (code, out, err) == (2, "", f"keyaudit: error: {state}: the state file is corrupt\n")


@pytest.mark.parametrize("form", ["table", "json", "html"])
def test_a_state_file_of_schema_1_is_read_too(tmp_path, form):
    """Schema 1 had neither unknown_day nor key_name: `job report` reads it (read-only) as it is."""
    state = two_runs(tmp_path)
    db = sqlite3.connect(state, isolation_level=None)
    db.executescript("DROP TABLE key_name; DROP TABLE unknown_day; PRAGMA user_version = 1;")
    db.close()
    assert report(state, "--format", form)


def test_a_state_file_of_a_newer_schema_is_refused_by_report_too(tmp_path):
    state = two_runs(tmp_path)
    sqlite3.connect(state, isolation_level=None).execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    code, out, err = job("report", "--state", str(state))
    assert code == 2 and out == "" and "written by a newer keyaudit" in err and len(err.splitlines()) == 1


def test_a_call_stamped_centuries_ahead_does_not_stretch_the_chart(tmp_path):
    """A log line may carry any time up to 8999-12-31: the chart's days end at the last run's day, or one such
    line would make `job report` build millions of days (2.5 million took 500 MB)."""
    state = two_runs(tmp_path)
    keys_path = str(tmp_path / "keys.json")
    ahead = write_logs(tmp_path, [call("k0", "GET", "/v1/users", time="8999-12-31T10:00:00.000Z")], name="3.jsonl")
    assert job_run(state, keys_path, [ahead], now="2026-11-26T00:00:00Z")[0] == 1
    days = json.loads(report(state, "--format", "json"))["callsPerDay"]["days"]
    assert days[-1] <= "2026-11-26" and len(days) < 100
