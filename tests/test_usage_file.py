"""`--usage FILE`: pre-aggregated usage in CSV, JSON Lines or a JSON array gives the findings raw logs give."""

import json

import pytest
from helpers.audit import call, key, write_keys, write_logs
from helpers.cli import invoke
from helpers.job import NOW
from test_usage_sql import keyaudit

from auditor.loaders.logs.calllog import ReadStats
from auditor.loaders.usage_file import BadRow, parse_engine_time, read_usage_rows

ROWS = "/v1/tablesdb/shop/tables/products/rows"
HEADER = "key,method,path,count,first_seen,last_seen,project,status,error\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-20T09:09:00Z", "2026-11-20T09:09:00+00:00"),
        ("2026-11-20 09:09:00+00", "2026-11-20T09:09:00+00:00"),  # DuckDB
        ("2026-11-20 09:09:00.5+00", "2026-11-20T09:09:00.500000+00:00"),
        ("2026-11-20T09:09:00.123Z", "2026-11-20T09:09:00.123000+00:00"),  # Spark
        ("2026-11-20 10:09:00+01:00", "2026-11-20T09:09:00+00:00"),
        ("2026-11-20 04:09:00-0500", "2026-11-20T09:09:00+00:00"),
        ("2026-11-20 09:09:00.123456789 UTC", "2026-11-20T09:09:00.123456+00:00"),
        ("2026-11-20 09:09:00", "2026-11-20T09:09:00+00:00"),  # no zone: UTC
    ],
)
def test_engine_times(text, expected):
    from datetime import datetime, timezone

    assert datetime.fromtimestamp(parse_engine_time(text), timezone.utc).isoformat() == expected


@pytest.mark.parametrize("text", ["2026-13-01 00:00:00", "20 Nov 2026", "2026-11-20", ""])
def test_bad_engine_times(text):
    with pytest.raises(BadRow):
        parse_engine_time(text)


def rows_of(tmp_path, text, name="usage.csv"):
    path = tmp_path / name
    path.write_text(text)
    stats = ReadStats()
    return list(read_usage_rows(str(path), stats)), stats


def test_csv_json_lines_and_json_array_read_alike(tmp_path):
    record = {
        "key": "k1",
        "method": "get",
        "path": ROWS,
        "count": 3,
        "first_seen": "2026-11-20 09:00:00+00",
        "last_seen": "2026-11-21 09:00:00+00",
        "project": "p",
        "status": 401,
        "error": "general_unauthorized_scope",
    }
    csv_rows, _ = rows_of(
        tmp_path,
        HEADER + f"k1,get,{ROWS},3,2026-11-20 09:00:00+00,2026-11-21 09:00:00+00,p,401,general_unauthorized_scope\n",
    )
    jsonl_rows, _ = rows_of(tmp_path, json.dumps(record) + "\n", "usage.jsonl")
    array_rows, _ = rows_of(tmp_path, json.dumps([record], indent=1), "usage.json")
    assert csv_rows == jsonl_rows == array_rows
    assert (csv_rows[0].method, csv_rows[0].count, csv_rows[0].status) == ("GET", 3, 401)


def test_nulls_as_sql_command_lines_print_them_in_csv(tmp_path):
    rows, stats = rows_of(
        tmp_path, HEADER + f"k1,GET,{ROWS},2,NULL,NULL,NULL,NULL,NULL\n" + f"k1,GET,{ROWS},1,\\N,\\N,\\N,\\N,\\N\n"
    )
    assert stats.bad_lines == 0
    assert [(r.first, r.last, r.project, r.status, r.error) for r in rows] == [(None, None, None, None, None)] * 2


def test_bad_rows_are_counted_by_line_and_reason(tmp_path):
    text = (
        HEADER
        + f"k1,GET,{ROWS},2,,,,,\n"  # no times: calls without timestamps
        + f"k1,GET,{ROWS},zero,,,,,\n"
        + f"k1,GET,{ROWS},0,,,,,\n"
        + f"k1,GET,{ROWS},1,2026-11-22 00:00:00,2026-11-21 00:00:00,,,\n"
        + f"k1,GET,{ROWS},1,yesterday,,,,\n"
        + f",GET,{ROWS},1,,,,,\n"
        + f"k1,G E T,{ROWS},1,,,,,\n"
        + f"k1,GET,{ROWS},1,,,,99,\n"
        + "k1,GET\n"
        + "\n"
    )
    rows, stats = rows_of(tmp_path, text)
    assert len(rows) == 1 and rows[0].first is None
    assert stats.bad_lines == 8 and stats.lines_read == 11
    assert [(s["line"], s["reason"]) for s in stats.bad_samples] == [
        (3, "'count' is not an integer"),
        (4, "'count' is not a positive integer"),
        (5, "'first_seen' is after 'last_seen'"),
        (6, "time is neither RFC 3339 nor a SQL timestamp"),
        (7, "missing 'key'"),
    ]


def test_a_file_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text("key,method,path\nk1,GET,/v1/users\n")
    keys = write_keys(tmp_path, [key("k1", ["users.read"])])
    result_code, _, err = _audit(keys, path)
    assert result_code == 2
    assert err.strip() == (
        f"keyaudit: error: {path}: not a usage file: no column count, first_seen, last_seen in "
        "its first line (needs key, method, path, count, first_seen, last_seen; optional "
        "project, status, error)"
    )


def _audit(keys, usage):

    result = invoke(["audit", "--keys", keys, "--usage", str(usage), "--now", NOW, "--format", "json"])
    return result.exit_code, result.stdout, result.stderr


def test_usage_rows_give_the_findings_of_the_calls_they_count(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["rows.read", "users.read"]), key("k2", ["users.read"])])
    calls = (
        [call("k1", "GET", f"{ROWS}/r{i}", status=200) for i in range(3)]
        + [call("k2", "GET", ROWS, status=401, error="general_unauthorized_scope")] * 2
        + [call("k2", "GET", "/v1/nowhere", status=404)]
    )
    raw = keyaudit("audit", "--keys", keys, "--logs", write_logs(tmp_path, calls), "--now", NOW, "--format", "json")
    usage = tmp_path / "usage.csv"
    seen = "2026-11-20 10:00:00+00,2026-11-20 10:00:00+00"
    usage.write_text(
        HEADER
        + f"k1,GET,/v1/tablesdb/{{id}}/tables/{{id}}/rows/{{id}},3,{seen},,200,\n"
        + f"k2,GET,{ROWS},2,{seen},,401,general_unauthorized_scope\n"
        + f"k2,GET,/v1/nowhere,1,{seen},,404,\n"
    )
    aggregated = keyaudit("audit", "--keys", keys, "--usage", str(usage), "--now", NOW, "--format", "json")

    def outcome(report):
        return {(f["rule"], f["key"], f["scope"], f["severity"]) for f in json.loads(report)["findings"]}

    assert outcome(aggregated) == outcome(raw)
    assert {"missing-scope", "unknown-route", "unused-scope"} <= {rule for rule, *_ in outcome(raw)}
