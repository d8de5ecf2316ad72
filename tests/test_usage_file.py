"""`--usage FILE`: pre-aggregated usage in CSV, JSON Lines or a JSON array gives the findings raw logs give."""

import json
from datetime import UTC

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
    from datetime import datetime

    assert datetime.fromtimestamp(parse_engine_time(text), UTC).isoformat() == expected


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
        "project, status, error, bad_lines)"
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


COUNT_HEADER = HEADER.rstrip("\n") + ",bad_lines\n"


def test_a_count_row_adds_the_engines_bad_lines_in_every_form(tmp_path):
    """samples/sql/ emits one row with only bad_lines set: the log lines the engine could not read as calls."""
    call_row = {"key": "k1", "method": "GET", "path": ROWS, "count": 2, "first_seen": "", "last_seen": ""}
    csv_rows, csv_stats = rows_of(tmp_path, COUNT_HEADER + f"k1,GET,{ROWS},2,,,,,,\n" + ",,,,,,,,,4\n")
    jsonl_rows, jsonl_stats = rows_of(
        tmp_path, json.dumps(call_row) + "\n" + json.dumps({"bad_lines": 4}) + "\n", "usage.jsonl"
    )
    array_rows, array_stats = rows_of(tmp_path, json.dumps([call_row, {"bad_lines": 4}], indent=1), "usage.json")
    assert csv_rows == jsonl_rows == array_rows and len(csv_rows) == 1
    for stats, line in ((csv_stats, 3), (jsonl_stats, 2), (array_stats, 10)):
        assert stats.bad_lines == 4
        assert [(s["line"], s["reason"]) for s in stats.bad_samples] == [
            (line, "4 log lines the SQL engine could not read as calls (its count row)")
        ]


def test_count_rows_add_up_and_zero_adds_nothing(tmp_path):
    _, stats = rows_of(tmp_path, COUNT_HEADER + ",,,,,,,,,1\n" + "NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,2\n")
    assert stats.bad_lines == 3 and stats.bad_samples[0]["reason"].startswith("1 log line the SQL engine")
    _, stats = rows_of(tmp_path, COUNT_HEADER + ",,,,,,,,,0\n")
    assert (stats.bad_lines, stats.bad_samples) == (0, [])


def test_a_count_row_that_also_carries_a_call_or_no_number_is_a_bad_row(tmp_path):
    rows, stats = rows_of(tmp_path, COUNT_HEADER + f"k1,GET,{ROWS},2,,,,,,4\n" + ",,,,,,,,,-4\n" + ",,,,,,,,,four\n")
    assert rows == []
    assert [(s["line"], s["reason"]) for s in stats.bad_samples] == [
        (2, "a count row ('bad_lines') carries no call: key, method, path and count must be empty"),
        (3, "'bad_lines' is not an integer"),
        (4, "'bad_lines' is not an integer"),
    ]


def test_the_job_counts_the_engines_bad_lines(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    usage = tmp_path / "usage.csv"
    usage.write_text(
        COUNT_HEADER + f"k1,GET,{ROWS},2,2026-11-20 10:00:00+00,2026-11-20 10:00:00+00,,200,,\n,,,,,,,,,4\n"
    )
    report = keyaudit(
        "job",
        "run",
        "--state",
        str(tmp_path / "s.db"),
        "--keys",
        keys,
        "--usage",
        str(usage),
        "--now",
        NOW,
        "--format",
        "json",
    )
    assert json.loads(report)["summary"]["badLines"] == 4


CALL_ROW = {"key": "k1", "method": "GET", "path": ROWS, "count": 2}


@pytest.mark.parametrize(
    "row, readable",
    [
        (CALL_ROW, True),
        ({**CALL_ROW, "first_seen": "2026-11-20 09:00:00+00", "last_seen": "2026-11-20T10:00:00.123Z"}, True),
        ({**CALL_ROW, "count": "3", "status": 401, "error": "general_unauthorized_scope", "project": "p"}, True),
        ({**CALL_ROW, "first_seen": None, "last_seen": "", "bad_lines": None}, True),
        ({"bad_lines": 4}, True),
        ({"bad_lines": "4", "key": "", "method": None}, True),
        ({"bad_lines": 0}, True),
        ({**CALL_ROW, "bad_lines": 4}, False),
        ({"bad_lines": -1}, False),
        ({"bad_lines": "four"}, False),
        ({**CALL_ROW, "count": 0}, False),
        ({**CALL_ROW, "key": ""}, False),
        ({**CALL_ROW, "method": "G E T"}, False),
        ({**CALL_ROW, "status": 99}, False),
        ({**CALL_ROW, "first_seen": "yesterday"}, False),
        ({"method": "GET", "path": ROWS, "count": 1}, False),
    ],
)
def test_the_usage_row_schema_accepts_what_the_loader_reads(row, readable, tmp_path):
    """schemas/usage-row.schema.json documents both shapes of a row; it and the loader agree on each of these."""
    from jsonschema import Draft202012Validator

    from auditor.resources import data_dir

    schema = json.loads((data_dir("schemas") / "usage-row.schema.json").read_text())
    _, stats = rows_of(tmp_path, json.dumps(row) + "\n", "usage.jsonl")
    assert all(s["reason"].endswith("(its count row)") for s in stats.bad_samples) == readable
    assert Draft202012Validator(schema).is_valid(row) == readable


@pytest.mark.parametrize(
    "rows",
    [
        [",,,,,,,,,999999999999999999"] * 20,  # bad lines no SQLite integer holds
        [f"k1,GET,{ROWS},999999999999999999,,,,200,,"] * 20,  # calls of one route no SQLite integer holds
    ],
    ids=["bad lines", "calls"],
)
def test_counts_beyond_what_the_state_keeps_are_one_line_and_exit_2(tmp_path, rows):
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    usage = tmp_path / "usage.csv"
    usage.write_text(COUNT_HEADER + "\n".join(rows) + "\n")
    state = str(tmp_path / "s.db")
    result = invoke(["job", "run", "--state", state, "--keys", keys, "--usage", str(usage), "--now", NOW])
    assert result.exit_code == 2 and "internal error" not in result.stderr, result.stderr
    assert "beyond" in result.stderr and len(result.stderr.strip().splitlines()) == 1
