"""The commands end to end, as a user runs them."""

import csv
import io
import json
import re

import pytest
from helpers.audit import call, key, write_keys, write_logs
from helpers.cli import run_cli
from helpers.paths import ROOT, SAMPLE_KEYS, SAMPLE_LOGS

from auditor.catalog.versions import SUPPORTED
from auditor.rules.registry import builtin_rules

NOW = ["--now", "2026-11-25T00:00:00Z"]
SECRET = re.compile(r"standard_[0-9a-f]{256}")


def sample_secrets():
    return set(SECRET.findall((ROOT / "samples/keys/keylist.json").read_text()))


def test_samples_hold_a_secret_to_hide():
    assert len(sample_secrets()) == 1


def test_readme_main_command_shows_every_rule():
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"^python3 -m venv .*keyaudit audit (.*)$", readme, re.M).group(1)
    code, out, err = run_cli("audit", *command.split(), "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    # the exception rules judge an exceptions file, which this command does not give (tests/test_exceptions.py);
    # high-risk-grant needs --grant-refused, and no sample key holds both names of a pair (tests/test_rules.py);
    # cloud-only-scope judges self-hosted 2.x audits, and the samples live on 1.9 (tests/test_catalog_v2.py);
    # a burst needs more unknown keys than unknown-key keeps, 1000 (tests/test_unknown_keys.py);
    # stale-logs judges the scheduled job's feed, which a one-off audit has not (tests/test_job_window.py);
    # no sample key lists a scope twice (duplicate-scope: tests/test_advice_loop.py)
    unseen = {
        "duplicate-scope",
        "exception-expired",
        "exception-invalid",
        "high-risk-grant",
        "deprecated-twin",
        "cloud-only-scope",
        "unknown-key-burst",
        "stale-logs",
    }
    assert {f["rule"] for f in report["findings"]} == set(builtin_rules()) - unseen
    assert report["summary"]["badLines"] == 4 and report["summary"]["linesRead"] > 4000


@pytest.mark.parametrize(
    "args",
    [
        ["audit", *SAMPLE_KEYS, *SAMPLE_LOGS, *NOW],
        ["audit", *SAMPLE_KEYS, *SAMPLE_LOGS, *NOW, "--format", "json"],
        ["audit", *SAMPLE_KEYS, *NOW],
        ["explain", "696e5f934be0e7bb8a0a", *SAMPLE_KEYS, *SAMPLE_LOGS, *NOW],
        ["validate", "samples/keys/keylist.json", "samples/manifest.yaml", "samples/appwrite.json"],
        ["validate", "--format", "json", "samples/keys/keylist.json"],
        ["audit", "--keys", "samples/keys/keylist.json", "--keys", "samples/logs/calls.jsonl"],
    ],
)
def test_no_sample_secret_in_any_output(args, tmp_path):
    code, out, err = run_cli(*args)
    assert code in (0, 1, 2)
    assert "Traceback" not in err
    for secret in sample_secrets():
        assert secret not in out and secret not in err
        assert secret[9:40] not in out + err  # not even a slice of it
    assert not SECRET.search(out + err)


def test_output_file_holds_no_secret(tmp_path):
    target = tmp_path / "report.json"
    code, out, err = run_cli("audit", *SAMPLE_KEYS, *SAMPLE_LOGS, *NOW, "--format", "json", "--output", str(target))
    assert code == 1 and out == ""
    text = target.read_text()
    assert json.loads(text)["findings"] and not SECRET.search(text)


def test_json_report_is_stable():
    first = run_cli("audit", *SAMPLE_KEYS, *SAMPLE_LOGS, *NOW, "--format", "json")[1]
    second = run_cli("audit", *SAMPLE_KEYS, *SAMPLE_LOGS, *NOW, "--format", "json")[1]
    assert first == second
    report = json.loads(first)
    assert list(report) == [
        "schemaVersion",
        "tool",
        "version",
        "appwriteVersion",
        "catalogRelease",
        "generatedAt",
        "summary",
        "keys",
        "findings",
    ]
    assert report["appwriteVersion"] == "1.9"


def test_table_report_names_version_and_bad_lines():
    code, out, err = run_cli("audit", *SAMPLE_KEYS, *SAMPLE_LOGS, *NOW)
    assert code == 1
    assert "Appwrite 1.9 (routes of 1.9.6)" in out
    assert "4 bad" in out and "calls.jsonl:407" in out
    assert out.index("critical") < out.index("info  ")


def test_without_logs_the_report_says_what_was_skipped():
    code, out, err = run_cli("audit", *SAMPLE_KEYS, *NOW)
    assert "no logs given: skipped" in out and "over-privileged" in out


def test_fail_on(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["users.read", "health.read"])])
    assert run_cli("audit", "--keys", keys, *NOW)[0] == 0  # only info
    assert run_cli("audit", "--keys", keys, *NOW, "--fail-on", "info")[0] == 1
    secret_keys = write_keys(tmp_path, [key("k2", ["users.read"], secret="standard_" + "0" * 256)], "s.json")
    assert run_cli("audit", "--keys", secret_keys, *NOW, "--fail-on", "critical")[0] == 1
    assert run_cli("audit", "--keys", secret_keys, *NOW, "--fail-on", "none")[0] == 0


def test_a_config_takes_fail_on_none_as_the_option_does(tmp_path):
    secret_keys = write_keys(tmp_path, [key("k2", ["users.read"], secret="standard_" + "0" * 256)])
    config = tmp_path / "keyaudit.yaml"
    config.write_text("failOn: none\n")
    assert run_cli("audit", "--keys", secret_keys, *NOW, "--config", str(config))[0] == 0
    assert run_cli("lint", "--config", str(config), secret_keys)[0] == 0


def test_config_file_sets_fail_on_and_rules(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["users.read"], expire=None)])
    config = tmp_path / "keyaudit.yaml"
    config.write_text("failOn: medium\nrules:\n  no-expiry:\n    severity: low\n")
    code, out, _ = run_cli("audit", "--keys", keys, *NOW, "--config", str(config), "--format", "json")
    assert code == 0 and json.loads(out)["findings"][0]["severity"] == "low"
    config.write_text("rules:\n  no-such-rule: {enabled: false}\n")
    code, _, err = run_cli("audit", "--keys", keys, "--config", str(config))
    assert code == 2 and "unknown rule 'no-such-rule'" in err


def test_logs_from_stdin_and_gzip(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["users.read"])])
    records = "".join(json.dumps(call("k1", "GET", "/v1/users")) + "\n" for _ in range(3))
    code, out, err = run_cli("audit", "--keys", keys, "--logs", "-", *NOW, "--format", "json", input=records)
    assert json.loads(out)["keys"][0]["calls"] == 3, err
    gz = write_logs(tmp_path, [call("k1", "GET", "/v1/users")] * 5, "calls.jsonl.gz", gz=True)
    code, out, err = run_cli("audit", "--keys", keys, "--logs", gz, *NOW, "--format", "json")
    assert json.loads(out)["keys"][0]["calls"] == 5


def test_bad_lines_are_counted_not_fatal(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["users.read"])])
    logs = write_logs(
        tmp_path,
        [
            call("k1", "GET", "/v1/users"),
            "{not json",
            "[1]",
            '{"key": "k1"}',
            call("k1", "GET", "/v1/users", time="yesterday"),
            "\xff",
        ],
    )
    code, out, err = run_cli("audit", "--keys", keys, "--logs", logs, *NOW, "--format", "json")
    summary = json.loads(out)["summary"]
    assert summary["linesRead"] == 6 and summary["badLines"] == 5
    assert [s["line"] for s in summary["badLineSamples"]] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "content,expected",
    [
        (
            '{"total": 1, "keys": [{"$id": "k1", "scopes": "rows.read"}]}',
            r"keys\.json:1: invalid key-export at /keys/0/scopes",
        ),
        ('{"total": 1, "keys": [\n {"$id": "k1", "name": "x"}\n]}', r"keys\.json:2: .*--raw"),
        ('{"keys": [', r"keys\.json:1: invalid JSON"),
        ("", r"keys\.json: empty file"),
    ],
)
def test_bad_key_file_is_one_line_and_exit_2(tmp_path, content, expected):
    path = tmp_path / "keys.json"
    path.write_text(content)
    code, out, err = run_cli("audit", "--keys", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(expected, err), err


def test_a_key_file_with_several_problems_names_the_first_in_the_file_and_counts_the_rest(tmp_path):
    path = tmp_path / "manifest.yaml"
    path.write_text(
        'appwriteVersion: "1.9"\nkeys:\n  - id: 12\n    name: [a]\n    scopes: users.read\n    expire: yes\n'
    )
    code, _, err = run_cli("audit", "--keys", str(path))
    assert code == 2
    assert err.strip().endswith(
        "manifest.yaml:3: invalid manifest at /keys/0/id: expected string, got 12; write it in quotes"
        " (and 3 more problems: `keyaudit validate` lists them)"
    )
    path.write_text(
        'appwriteVersion: "1.9"\nkeys:\n  - id: k1\n    name: [a]\n    scopes: users.read\n    expire: null\n'
    )
    assert (
        run_cli("audit", "--keys", str(path))[2]
        .strip()
        .endswith("got a list (and 1 more problem: `keyaudit validate` lists them)")
    )


def test_missing_and_directory_inputs(tmp_path):
    code, _, err = run_cli("audit", "--keys", str(tmp_path / "nope.json"))
    assert code == 2 and "no such file" in err
    code, _, err = run_cli("audit", "--keys", str(tmp_path))
    assert code == 2 and "directory" in err
    code, _, err = run_cli("audit")
    assert code == 2 and "--keys" in err


def test_fingerprints_survive_reordering_and_line_moves(tmp_path):
    keys = [key("k1", ["users.read", "health.read"], expire=None), key("k2", ["row.read"])]
    first = run_cli("audit", "--keys", write_keys(tmp_path, keys), *NOW, "--format", "json")[1]
    second = run_cli("audit", "--keys", write_keys(tmp_path, list(reversed(keys))), *NOW, "--format", "json")[1]
    prints = lambda out: sorted(f["fingerprint"] for f in json.loads(out)["findings"])  # noqa: E731
    assert prints(first) == prints(second) and len(prints(first)) == 3


def test_explain_lists_each_scope_with_its_reason():
    code, out, err = run_cli("explain", "696e5f934be0e7bb8a0a", *SAMPLE_KEYS, *SAMPLE_LOGS, *NOW)
    assert code == 0, err
    assert "rows.write" in out and "used:" in out
    assert "users.read" in out and "unused-scope" in out
    code, _, err = run_cli("explain", "nobody", *SAMPLE_KEYS)
    assert code == 2 and "no key 'nobody'" in err


def test_rules_command_and_readme_table_agree():
    code, out, _ = run_cli("rules", "--format", "markdown")
    assert code == 0
    assert out.strip() in (ROOT / "README.md").read_text(), (
        "README rule table is stale: paste `keyaudit rules --format markdown`"
    )
    rules = json.loads(run_cli("rules", "--format", "json")[1])
    assert {r["id"] for r in rules} == set(builtin_rules())


def test_catalog_lookup_stream_keeps_order_and_reports_bad_lines(tmp_path):
    lines = [
        json.dumps({"method": "GET", "path": "/v1/users/u1"}),
        "garbage",
        json.dumps({"method": "GET", "path": "/v1/nowhere"}),
        json.dumps({"path": "/v1/users"}),
    ]
    code, out, err = run_cli("catalog", "lookup", "--input", "-", "--format", "json", input="\n".join(lines) + "\n")
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(results) == 4
    assert results[0]["route"] == "/v1/users/{userId}" and results[0]["scopes"] == ["users.read"]
    assert "error" in results[1] and results[1]["route"] is None
    assert results[2]["route"] is None and "error" not in results[2]
    assert "error" in results[3]


def test_catalog_lookup_table_and_json():
    code, out, _ = run_cli("catalog", "lookup", "GET", "/v1/tablesdb/main/tables/orders/rows?queries%5B0%5D=x")
    assert code == 0 and "rows.read, documents.read" in out and "Appwrite 1.9" in out
    code, out, _ = run_cli(
        "catalog",
        "lookup",
        "GET",
        "/v1/databases/db/collections/c/documents",
        "--appwrite-version",
        "1.8.2",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert data["appwriteVersion"] == "1.8" and data["scopes"] == ["documents.read"] and data["deprecated"] is True
    assert "tablesDB.listRows" in data["replacedBy"]


def test_catalog_list_csv_has_one_row_per_scope():
    code, out, _ = run_cli("catalog", "list", "--appwrite-version", "all")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["version", "method", "route", "scope", "key_access", "deprecated", "replaced_by"]
    assert {r["version"] for r in rows} == set(SUPPORTED)
    rows_route = [
        r
        for r in rows
        if r["version"] == "1.9"
        and r["method"] == "GET"
        and r["route"] == "/v1/tablesdb/{databaseId}/tables/{tableId}/rows"
    ]
    assert {r["scope"] for r in rows_route} == {"rows.read", "documents.read"}


@pytest.mark.parametrize(
    "version,message",
    [
        ("1.9.2", "nearest supported choice is 1.8"),
        ("1.5", "not supported"),
        ("banana", "not a version"),
    ],
)
def test_unsupported_versions_are_refused(version, message):
    code, _, err = run_cli("catalog", "lookup", "GET", "/v1/users", "--appwrite-version", version)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
