"""Ready-to-apply fixes: the new scope list, the CLI commands that set it, the edited lines; and where missing-scope is logged."""

import json
import shutil

from helpers.audit import NOW, audit, call, key, write_logs
from helpers.cli import run_cli
from helpers.paths import ROOT

from auditor.audit import run_audit
from auditor.audit.report import build
from auditor.loaders.keys import load_key_file
from auditor.rules.registry import configured_rules
from auditor.validation.schemas import violations

LOGS = ["--logs", "samples/logs/calls.jsonl", "--logs", "samples/logs/calls-2.jsonl.gz"]


def fixes_of(report, key_id):
    return next(k for k in report["keys"] if k["id"] == key_id).get("fixes")


def apply(edit):
    with open(edit["file"], encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    assert lines[edit["startLine"] - 1 : edit["endLine"]] == edit["before"]
    lines[edit["startLine"] - 1 : edit["endLine"]] = edit["after"]
    with open(edit["file"], "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def test_sample_edits_apply_and_give_the_new_scopes(tmp_path):
    manifest, project = tmp_path / "manifest.yaml", tmp_path / "appwrite.json"
    shutil.copy(ROOT / "samples/manifest.yaml", manifest)
    shutil.copy(ROOT / "samples/appwrite.json", project)
    code, out, err = run_cli(
        "audit",
        "--keys",
        str(manifest),
        "--keys",
        str(project),
        *LOGS,
        "--now",
        "2026-11-25T00:00:00Z",
        "--format",
        "json",
    )
    report = json.loads(out)
    assert violations(report, "report.schema.json", None) == []
    fixed = {k["id"]: k["fixes"] for k in report["keys"] if "fixes" in k}
    assert set(fixed) == {
        "6a1ff008311c0a68e688",
        "6a5f8847d482f2a573a7",
        "function:image-resizer",
        "function:nightly-report",
    }
    edits = [edit for fixes in fixed.values() for edit in fixes["edits"]]
    for edit in sorted(edits, key=lambda e: (e["file"], -e["startLine"])):  # bottom up: a longer list moves lines
        apply(edit)
    keys = {k.id: k.scopes for path in (manifest, project) for k in load_key_file(str(path)).keys}
    for key_id, fixes in fixed.items():
        assert keys[key_id] == fixes["scopes"], key_id
    assert keys["6a1ff008311c0a68e688"][-2:] == ["policies.read", "project.policies.read"]  # no logs: beside it
    assert keys["function:image-resizer"] == ["files.read", "files.write"]
    assert fixed["function:image-resizer"]["commands"] == [
        {"cli": "any", "command": "appwrite push function --function-id image-resizer --no-code"}
    ]


def test_sample_fixes_follow_usage_and_cite_their_findings():
    code, out, err = run_cli(
        "audit", "--keys", "samples/keys/keylist.json", *LOGS, "--now", "2026-11-25T00:00:00Z", "--format", "json"
    )
    report = json.loads(out)
    fingerprints = {f["fingerprint"]: f for f in report["findings"]}
    legacy = fixes_of(report, "684ade47dc61cf39e191")
    assert legacy["scopes"] == ["documents.read", "documents.write", "executions.write"]  # legacy routes keep old names
    assert {(c["action"], c["scope"], c["rule"]) for c in legacy["changes"]} == {
        ("remove", "collections.read", "unused-scope"),
        ("remove", "execution.write", "deprecated-scope"),
        ("add", "executions.write", "deprecated-scope"),
    }
    for change in legacy["changes"]:
        assert fingerprints[change["fingerprint"]]["rule"] == change["rule"]
    typo = fixes_of(report, "69d4e88c8df30e6e169f")
    # row.read means rows.read, but Appwrite refused every call that asked for it: a request, not a need
    assert typo["scopes"] == ["users.read"]
    assert {(c["action"], c["scope"], c["rule"]) for c in typo["changes"]} == {
        ("remove", "row.read", "unknown-scope"),
        ("remove", "collection.read", "unknown-scope"),
    }
    assert typo["commands"] == [] and any("has expired" in note for note in typo["notes"])  # no update-key
    ops = fixes_of(report, "6909b57103ab195278da")
    assert ops["scopes"] == ["users.read", "databases.read"]
    assert all("--expire" not in c["command"] for c in ops["commands"])  # never expires, stays so
    older = next(c["command"] for c in ops["commands"] if c["cli"] == "<18")
    assert older.startswith(
        'appwrite projects update-key --project-id "$APPWRITE_PROJECT_ID" --key-id 6909b57103ab195278da'
    )
    assert fixes_of(report, "6a0db0dbbcfb933c5ae6") is None  # GraphQL: usage unknown, nothing to change
    assert fixes_of(report, "69a563240028fece3e47") is None


def manifest_report(tmp_path, text, version=None, config=None, calls=None):
    path = tmp_path / "keys.yaml"
    path.write_text(text)
    logs = [write_logs(tmp_path, calls)] if calls is not None else []
    result = run_audit([str(path)], logs, version=version, rules=configured_rules(config), now=NOW)
    return build(result), path


FLOW = """project: p1
keys:
  - {id: k1, name: reader, scopes: [users.read, health.read, row.read], expire: null}
"""


def test_flow_lists_are_rewritten_on_one_line_and_checked(tmp_path):
    report, path = manifest_report(tmp_path, FLOW)
    fixes = fixes_of(report, "k1")
    assert fixes["scopes"] == ["users.read", "rows.read"]
    [edit] = fixes["edits"]
    assert edit["startLine"] == edit["endLine"] == 3
    apply(edit)
    assert load_key_file(str(path)).keys[0].scopes == ["users.read", "rows.read"]
    assert fixes["commands"][-1]["command"] == (
        "appwrite projects update-key --project-id p1 --key-id k1 --name reader --scopes users.read rows.read"
    )


def test_older_appwrite_gets_only_the_older_cli(tmp_path):
    report, _ = manifest_report(tmp_path, FLOW, version="1.8")
    assert [c["cli"] for c in fixes_of(report, "k1")["commands"]] == ["<18"]


def test_a_change_whose_finding_is_hidden_cites_none(tmp_path):
    """The planner decides from the key and its calls; a rule turned off hides its finding, not the change."""
    text = "keys:\n  - {id: k1, name: n, scopes: [users.read, health.read], expire: null}\n"
    report, _ = manifest_report(tmp_path, text, config={"rules": {"implicit-scope": {"enabled": False}}})
    assert fixes_of(report, "k1")["changes"] == [
        {"action": "remove", "scope": "health.read", "rule": "implicit-scope", "fingerprint": None}
    ]
    assert violations(report, "report.schema.json", None) == []
    report, _ = manifest_report(tmp_path, text)
    assert fixes_of(report, "k1")["scopes"] == ["users.read"]
    (implicit,) = [f for f in report["findings"] if f["rule"] == "implicit-scope"]
    assert fixes_of(report, "k1")["changes"][0]["fingerprint"] == implicit["fingerprint"]


def test_an_empty_list_gets_no_command(tmp_path):
    report, _ = manifest_report(
        tmp_path, "keys:\n  - id: k1\n    name: n\n    scopes:\n      - health.read\n    expire: null\n"
    )
    fixes = fixes_of(report, "k1")
    assert fixes["scopes"] == [] and fixes["commands"] == []
    assert fixes["edits"][0]["after"] == ["    scopes: []"]
    assert any("cannot send an empty list" in note for note in fixes["notes"])


def test_missing_scope_points_at_the_first_denied_call(tmp_path):
    denied = {"status": 401, "error": "general_unauthorized_scope"}
    calls = [
        call("k1", "GET", "/v1/users"),
        "",
        "not json",
        call("k1", "GET", "/v1/teams"),
        call("k1", "GET", "/v1/users", **denied),
        call("k1", "GET", "/v1/users", **denied),
    ]
    result = audit(tmp_path, [key("k1", ["files.read"])], calls)
    findings = {f.scope: f for f in result.findings if f.rule == "missing-scope"}
    assert findings["users.read"].evidence.line == 5  # denied, though line 1 called the route first
    assert findings["teams.read"].evidence.line == 4  # never denied: the first call the key could not pass
    assert findings["teams.read"].evidence.file.endswith("calls.jsonl")
    assert findings["users.read"].location.file.endswith("keys.json")  # the fingerprint still names the key file
