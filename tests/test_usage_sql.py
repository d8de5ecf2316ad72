"""The shipped DuckDB SQL turns the sample logs into usage files that give the raw logs' findings and bad lines.

tests/test_usage_spark.py does the same for the Spark SQL, with these helpers.
"""

import json
import re

import duckdb
import pytest
from helpers.cli import invoke
from helpers.job import NOW
from helpers.paths import ROOT

SQL = ROOT / "samples" / "sql"
KEYS = ["--keys", "samples/keys/keylist.json", "--keys", "samples/appwrite.json", "--keys", "samples/manifest.yaml"]
LOGS = ["samples/logs/calls.jsonl", "samples/logs/calls-2.jsonl.gz"]
SAMPLE_BAD_LINES = 4  # samples/README.md: the four broken lines of calls.jsonl


def keyaudit(*args):
    result = invoke(list(args))
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def statements(script: str) -> list[str]:
    """The statements of a shipped script, comments left out."""
    return [s for s in re.sub(r"--[^\n]*", "", (SQL / script).read_text()).split(";") if s.strip()]


def aggregate(script: str, out, **variables) -> None:
    """Run a shipped script as `duckdb -c "SET VARIABLE ..." -c ".read script"` would, its result to CSV."""
    statements_ = statements(script)
    con = duckdb.connect()
    for name, value in variables.items():
        con.execute(f"SET VARIABLE {name} = ?", [value])
    for statement in statements_[:-1]:
        con.execute(statement)
    con.execute(f"COPY ({statements_[-1]}) TO '{out}' (HEADER)")


def outcome(report: str):
    """What must not depend on how the calls were read: findings, each key's calls and routes, bad lines."""
    data = json.loads(report)
    return (
        {(f["rule"], f["key"], f["scope"], f["severity"]) for f in data["findings"]},
        {
            k["id"]: (
                k["calls"],
                [(r["method"], r["route"], r["count"], r["firstSeen"], r["lastSeen"]) for r in k["routes"]],
            )
            for k in data["keys"]
        },
        data["summary"]["badLines"],
    )


@pytest.fixture(scope="module")
def raw():
    found = outcome(
        keyaudit("audit", *KEYS, *[a for log in LOGS for a in ("--logs", log)], "--now", NOW, "--format", "json")
    )
    assert found[2] == SAMPLE_BAD_LINES
    return found


def audit_usage(*usage_files) -> tuple[str, tuple]:
    """The sample keys audited from usage files: the report and its outcome."""
    report = keyaudit(
        "audit", *KEYS, *[a for path in usage_files for a in ("--usage", str(path))], "--now", NOW, "--format", "json"
    )
    return report, outcome(report)


@pytest.fixture(scope="module")
def catalog_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog") / "catalog.csv"
    path.write_text(keyaudit("catalog", "list", "--format", "csv"))
    return str(path)


@pytest.mark.parametrize("script", ["usage-duckdb.sql", "usage-duckdb-catalog.sql"])
def test_duckdb_usage_gives_the_raw_logs_findings(script, raw, catalog_csv, tmp_path):
    usage = tmp_path / "usage.csv"
    aggregate(script, usage, logs=str(ROOT / "samples/logs/calls*.jsonl*"), catalog=catalog_csv)
    text = usage.read_text()
    assert re.search(r",2026-11-2\d \d\d:\d\d:\d\d\.\d+\+00,", text)  # times as DuckDB prints them
    _, found = audit_usage(usage)
    # same findings, same calls per key, same routes with the same counts, first and last seen, same bad lines
    assert found == raw
    assert text.count("\n,,,,,,,,,4\n") == 1  # the count row: only bad_lines set
    rows = text.count("\n") - 1
    assert rows < 4551
    if script == "usage-duckdb-catalog.sql":
        assert "{id}" in text and rows < 1000  # ids folded out: far fewer rows


def test_the_job_reads_duckdb_usage_like_the_logs(catalog_csv, tmp_path):
    usage = tmp_path / "usage.csv"
    aggregate("usage-duckdb-catalog.sql", usage, logs=str(ROOT / "samples/logs/calls*.jsonl*"), catalog=catalog_csv)
    from_usage = keyaudit(
        "job", "run", "--state", str(tmp_path / "a.db"), *KEYS, "--usage", str(usage), "--now", NOW, "--format", "json"
    )
    from_logs = keyaudit(
        "job",
        "run",
        "--state",
        str(tmp_path / "b.db"),
        *KEYS,
        *[a for log in LOGS for a in ("--logs", log)],
        "--now",
        NOW,
        "--format",
        "json",
    )
    assert outcome(from_usage) == outcome(from_logs)
    assert outcome(from_usage)[2] == SAMPLE_BAD_LINES
