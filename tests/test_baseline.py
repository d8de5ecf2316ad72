"""Baselines: record today's findings, then report only new ones and the entries that went away."""

import json
import os
import re

from helpers.cli import run_cli
from helpers.lint import NOW, appwrite_json, manifest
from helpers.paths import ROOT

from auditor.rules.engine import fingerprint
from auditor.validation.schemas import violations

SECRET_RE = re.compile(r"standard_[0-9a-f]{256}")


def create(tmp_path, *inputs, name="baseline.json"):
    target = tmp_path / name
    code, out, err = run_cli("baseline", "create", *inputs, *NOW, "--output", str(target))
    assert code == 0 and out == "", err
    return target


def test_baseline_hides_known_findings_and_reports_new_ones(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    assert run_cli("lint", keys, *NOW)[0] == 1
    baseline = create(tmp_path, keys)
    code, out, _ = run_cli("lint", keys, *NOW, "--baseline", str(baseline))
    assert code == 0 and out == "keyaudit: 1 known finding hidden by baseline " + str(baseline) + "\n"
    appwrite_json(tmp_path / "appwrite.json", ["documents.read", "collections.read"])
    code, out, _ = run_cli("lint", keys, *NOW, "--baseline", str(baseline))
    assert code == 1
    assert [line.split(": ")[1] for line in out.splitlines()[:1]] == ["medium deprecated-scope"]
    assert "collections.read" in out.splitlines()[0] and "documents.read" not in out.splitlines()[0]


def test_fingerprints_survive_line_moves_and_unrelated_edits(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"], functions=["report"])
    baseline = create(tmp_path, keys)
    # new functions above it, the scope on another line, the file reformatted
    data = json.loads((tmp_path / "appwrite.json").read_text())
    data["functions"] = [
        {"$id": "a", "name": "a", "scopes": ["rows.read"]},
        {"$id": "b", "name": "b", "scopes": ["users.read"]},
        *data["functions"],
    ]
    data["functions"][2]["scopes"] = ["users.read", "documents.read"]
    (tmp_path / "appwrite.json").write_text(json.dumps(data, indent=4))
    code, out, _ = run_cli("lint", keys, *NOW, "--baseline", str(baseline), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["findings"] == []
    assert report["summary"]["baseline"] == {"file": str(baseline), "suppressed": 1, "absent": [], "mismatched": []}


def test_engine_fingerprint_has_no_line_number():
    first = fingerprint("deprecated-scope", "shop", "function:report", "documents.read", "appwrite.json")
    assert first == fingerprint("deprecated-scope", "shop", "function:report", "documents.read", "appwrite.json")
    assert first != fingerprint("deprecated-scope", "shop", "function:report", "documents.read", "other.json")
    assert first != fingerprint("deprecated-scope", "shop", "function:report", "documents.write", "appwrite.json")


def test_fixed_findings_are_listed_as_absent(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    baseline = create(tmp_path, keys)
    appwrite_json(tmp_path / "appwrite.json", ["rows.read"])
    code, out, _ = run_cli("lint", keys, *NOW, "--baseline", str(baseline))
    assert code == 0
    assert out == (
        f"keyaudit: baseline {baseline} holds a finding that no longer occurs: "
        f"deprecated-scope function:report documents.read in {os.path.relpath(keys, ROOT)}\n"
    )
    code, out, _ = run_cli("lint", keys, *NOW, "--baseline", str(baseline), "--format", "json")
    report = json.loads(out)
    assert violations(report, "report.schema.json", None) == []
    (absent,) = report["summary"]["baseline"]["absent"]
    assert absent["rule"] == "deprecated-scope" and absent["scope"] == "documents.read"


def test_entries_of_files_and_rules_this_run_did_not_see_are_not_called_gone(tmp_path):
    functions = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    keys = manifest(tmp_path / "keys.yaml", [("k1", ["users.read"], None)])
    logs = tmp_path / "calls.jsonl"
    logs.write_text('{"key": "k1", "method": "GET", "path": "/v1/users", "time": "2026-11-20T10:00:00Z"}\n')
    baseline = create(tmp_path, "--keys", functions, "--keys", keys, "--logs", str(logs))
    entries = json.loads(baseline.read_text())["findings"]
    assert {e["rule"] for e in entries} >= {"deprecated-scope", "no-expiry", "never-used"}
    code, out, _ = run_cli("lint", functions, *NOW, "--baseline", str(baseline), "--format", "json")
    assert code == 0
    assert json.loads(out)["summary"]["baseline"]["absent"] == []  # keys.yaml not given, never-used needs logs


def test_baseline_file_holds_no_secret_and_matches_its_schema(tmp_path):
    baseline = create(tmp_path, "samples/keys/keylist.json", "samples/appwrite.json", "samples/manifest.yaml")
    text = baseline.read_text()
    document = json.loads(text)
    assert violations(document, "baseline.schema.json", None) == []
    assert not SECRET_RE.search(text) and '"line"' not in text and '"message"' not in text
    assert "secret-in-file" in {e["rule"] for e in document["findings"]}
    code, out, _ = run_cli(
        "lint",
        "samples/keys/keylist.json",
        "samples/appwrite.json",
        "samples/manifest.yaml",
        *NOW,
        "--baseline",
        str(baseline),
    )
    assert code == 0 and len(out.splitlines()) == 1 and "known findings hidden" in out


def test_audit_takes_a_baseline_too(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    baseline = create(tmp_path, "--keys", keys)
    code, out, _ = run_cli("audit", "--keys", keys, *NOW, "--baseline", str(baseline), "--fail-on", "medium")
    assert code == 0 and "1 known findings hidden" in out
    code, out, _ = run_cli("audit", "--keys", keys, *NOW, "--fail-on", "medium")
    assert code == 1


def test_exceptions_are_left_out_of_a_baseline(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    entries = tmp_path / "exceptions.yaml"
    entries.write_text(
        "exceptions:\n  - {rule: deprecated-scope, key: 'function:report', reason: Q1 migration,"
        " owner: data, expires: 2027-01-31}\n"
    )
    baseline = create(tmp_path, keys, "--exceptions", str(entries))
    assert json.loads(baseline.read_text())["findings"] == []  # so it comes back when the exception expires


def test_bad_baseline_and_bad_usage_are_exit_2(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["rows.read"])
    wrong = tmp_path / "report.json"
    wrong.write_text('{"findings": [{"rule": "x"}]}')
    code, out, err = run_cli("lint", keys, *NOW, "--baseline", str(wrong))
    assert code == 2 and out == "" and err.count("\n") == 1 and "not a keyaudit baseline" in err
    code, _, err = run_cli("baseline", "create", *NOW, "--output", str(tmp_path / "b.json"))
    assert code == 2 and "no key definitions" in err
    code, _, err = run_cli("baseline", "create", keys, *NOW)
    assert code == 2 and "--output" in err


def test_an_entry_with_a_findings_fingerprint_but_another_rule_key_or_scope_is_reported_not_honoured(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    baseline = create(tmp_path, keys)
    document = json.loads(baseline.read_text())
    (entry,) = document["findings"]
    entry.update(rule="no-expiry", key="k-other", scope=None)  # hides "something harmless", says the file
    baseline.write_text(json.dumps(document))
    code, out, _ = run_cli("lint", keys, *NOW, "--baseline", str(baseline))
    assert code == 1
    lines = out.splitlines()
    assert "medium deprecated-scope" in lines[0] and len(lines) == 2
    assert lines[1] == (
        f"keyaudit: baseline {baseline} entry no-expiry k-other has the fingerprint of "
        "deprecated-scope function:report documents.read: not honoured, the finding is reported"
    )
    code, out, _ = run_cli("lint", keys, *NOW, "--baseline", str(baseline), "--format", "json")
    report = json.loads(out)
    assert violations(report, "report.schema.json", None) == []
    assert report["summary"]["baseline"]["suppressed"] == 0 and report["summary"]["baseline"]["absent"] == []
    assert report["summary"]["baseline"]["mismatched"] == [
        {"entry": entry, "finding": {"rule": "deprecated-scope", "key": "function:report", "scope": "documents.read"}}
    ]
