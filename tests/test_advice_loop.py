"""The pre-commit -> fix loop converges, and a report gives one verdict per scope (issue #13 items 6 and 7)."""

import json

from helpers.audit import NOW as NOW_TIME
from helpers.audit import audit, call, key, over_a_month, write_keys, write_logs
from helpers.cli import run_cli

from auditor.audit import run_audit
from auditor.fix.plan import PlanOptions
from auditor.rules.registry import configured_rules

GRANT = PlanOptions(drop_unused=True, grant_refused=True)

NOW = ("--now", "2026-11-25T00:00:00Z")
MANIFEST = """\
appwriteVersion: "1.9"
project: shop
keys:
  - id: k1
    name: exporter
    scopes:
      - documents.read
      - documents.write
    expire: "2027-06-30T00:00:00Z"
"""
APPWRITE_JSON = """\
{
    "projectId": "shop",
    "functions": [
        {"$id": "report", "name": "report", "scopes": ["rows.read", "documents.read", "rows.write", "documents.write"]}
    ]
}
"""


def lint(*paths):
    return run_cli("lint", *map(str, paths), *NOW)


def test_lint_fix_lint_converges_at_the_default_fail_on(tmp_path):
    manifest, project = tmp_path / "keys.yaml", tmp_path / "appwrite.json"
    manifest.write_text(MANIFEST)
    project.write_text(APPWRITE_JSON)
    code, out, err = lint(manifest)
    assert code == 1 and "medium deprecated-scope" in out
    assert f"(next: keyaudit fix --appwrite-version 1.9 {manifest})" in out  # each finding names its next step
    code, _, err = run_cli("fix", "--appwrite-version", "1.9", str(manifest))
    assert code == 0, err
    code, out, err = lint(manifest, project)
    assert code == 0, out + err  # what is left is low: the pairs the Console and `fix` write
    findings = [line for line in out.splitlines() if not line.startswith("keyaudit:")]
    assert findings and all(" low deprecated-twin: " in line for line in findings)
    assert run_cli("fix", "--appwrite-version", "1.9", "--diff", str(manifest))[0] == 0  # a fixed point


def test_a_pair_counts_once_for_high_risk_scope(tmp_path):
    result = audit(
        tmp_path,
        [key("k1", ["rows.write", "documents.write", "keys.write"])],
        config={"rules": {"high-risk-scope": {"options": {"minimum": "medium"}}}},
    )
    scopes = [f.scope for f in result.findings if f.rule == "high-risk-scope"]
    assert "rows.write" in scopes and "documents.write" not in scopes and "keys.write" in scopes


def test_one_verdict_per_scope(tmp_path):
    """collections.read is deprecated and unused: the report says remove it, once (not also replace it)."""
    rows = "/v1/tablesdb/shop/tables/products/rows"
    result = audit(
        tmp_path,
        [key("k1", ["rows.read", "collections.read"])],
        over_a_month([call("k1", "GET", rows, status=200)] * 3),
    )
    on_collections = [f.rule for f in result.findings if f.scope == "collections.read"]
    assert on_collections == ["unused-scope"]
    (analysis,) = result.analyses
    changes = result.plan_of(analysis).changes
    assert [(c.action, c.scope, c.rule) for c in changes] == [("remove", "collections.read", "unused-scope")]


def test_report_and_fix_agree_on_the_days_of_logs(tmp_path):
    """29 days of logs: the report's commands and `fix --drop-unused` drop the same unused scope; 20 days: neither."""
    keys = tmp_path / "keys.yaml"
    for start, dropped in (("2026-10-27T00:00:00Z", True), ("2026-11-05T00:00:00Z", False)):
        keys.write_text(MANIFEST.replace("documents.read\n      - documents.write", "rows.read\n      - users.read"))
        logs = tmp_path / "calls.jsonl"
        logs.write_text(
            "".join(
                json.dumps(call("k1", "GET", "/v1/tablesdb/s/tables/t/rows", time=t, status=200, project="shop")) + "\n"
                for t in (start, "2026-11-24T00:00:00Z")
            )
        )
        code, out, err = run_cli("audit", "--keys", str(keys), "--logs", str(logs), *NOW, "--format", "json")
        proposal = json.loads(out)["keys"][0].get("fixes", {}).get("scopes")
        code, _, err = run_cli("fix", "--appwrite-version", "1.9", "--drop-unused", "--logs", str(logs), str(keys))
        assert code == 0, err
        written = "users.read" not in keys.read_text()
        assert written == dropped and (proposal == ["rows.read"]) == dropped


def test_calls_that_succeeded_on_routes_the_catalog_lacks_block_every_drop(tmp_path):
    """A 2.x table without console routes, or a newer server: what such calls need is unknown."""
    users = [call("k1", "GET", "/v1/users", status=200)] * 2
    unlisted = call("k1", "POST", "/v1/brand-new/things", status=201)
    result = audit(tmp_path, [key("k1", ["users.read", "files.read"])], over_a_month(users + [unlisted]))
    (analysis,) = result.analyses
    plan = result.plan_of(analysis)
    assert plan.changes == [] and any("routes the catalog of this version does not list" in n for n in plan.notes)
    assert not [f for f in result.findings if f.rule in ("unused-scope", "over-privileged")]
    not_found = {**unlisted, "status": 404}  # Appwrite's route-not-found: no need
    result = audit(tmp_path, [key("k1", ["users.read", "files.read"])], over_a_month(users + [not_found]))
    assert result.plan_of(result.analyses[0]).result() == ["users.read"]


def test_a_spelling_is_never_corrected_into_a_high_risk_scope(tmp_path):
    keys = tmp_path / "keys.yaml"
    keys.write_text(MANIFEST.replace("documents.read\n      - documents.write", "users.read\n      - key.write"))
    code, _, err = run_cli("fix", str(keys))  # the manifest declares its version
    assert code == 0, err
    assert "key.write" not in keys.read_text() and "keys.write" not in keys.read_text()
    assert "if it meant keys.write (privilege escalation, critical), add that by hand" in err


def test_a_time_inside_an_error_line_does_not_stretch_the_logs(tmp_path):
    """Only the logger's own stamp times a line: a date in a query cannot make a month of logs out of an hour."""
    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-30T10:00:00Z ERROR GET /v1/users?since=1999-01-01T00:00:00Z: app.p1@service.example "
        "(role: applications) missing scope (users.read)\n"
    )
    keys = tmp_path / "keys.yaml"
    keys.write_text(MANIFEST)
    code, out, err = run_cli("audit", "--keys", str(keys), "--logs", str(log), "--key", "k1", *NOW, "--format", "json")
    assert code in (0, 1), err
    window = json.loads(out)["summary"]["logWindow"]
    assert window["first"].startswith("2026-11-30") and window["last"].startswith("2026-11-30")


def test_grant_refused_grants_refusals_only_not_redirects_or_not_found(tmp_path):
    """A 3xx (a redirect before any scope check) or a 404 is no refusal: --grant-refused does not grant it."""
    reads = over_a_month([call("k1", "GET", "/v1/tablesdb/d/tables/t/rows", status=200)] * 2)
    for status, granted in ((301, False), (308, False), (404, False), (401, True)):
        probe = call("k1", "POST", "/v1/project/keys", status=status)
        keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
        logs = write_logs(tmp_path, [*reads, probe])
        result = run_audit([keys], [logs], rules=configured_rules(None), now=NOW_TIME, plan_options=GRANT)
        assert ("keys.write" in result.plan_of(result.analyses[0]).result()) == granted, status


DUPLICATED_MANIFEST = MANIFEST.replace(
    "      - documents.read\n      - documents.write",
    "      - rows.read\n      - users.read\n      - rows.read\n      - users.read\n      - rows.read",
)
DUPLICATED_APPWRITE_JSON = APPWRITE_JSON.replace(
    '["rows.read", "documents.read", "rows.write", "documents.write"]', '["rows.read", "users.read", "rows.read"]'
)


def test_duplicate_scopes_are_a_low_finding_that_the_proposal_and_fix_remove(tmp_path):
    """The report's proposal removes the repeats, `keyaudit fix` writes exactly that, and lint is then clean."""
    manifest, project = tmp_path / "keys.yaml", tmp_path / "appwrite.json"
    manifest.write_text(DUPLICATED_MANIFEST)
    project.write_text(DUPLICATED_APPWRITE_JSON)
    code, out, err = lint(manifest, project)
    assert code == 0, err  # low: under lint's default --fail-on
    duplicates = [line for line in out.splitlines() if " low duplicate-scope: " in line]
    assert len(duplicates) == 3 and all("(next: keyaudit fix --appwrite-version 1.9 " in line for line in duplicates)
    assert "rows.read is listed 3 times on exporter (k1)" in out and "users.read is listed 2 times" in out
    code, out, _ = run_cli("audit", "--keys", str(manifest), "--keys", str(project), *NOW, "--format", "json")
    report = json.loads(out)
    proposals = {entry["id"]: entry["fixes"] for entry in report["keys"]}
    assert proposals["k1"]["scopes"] == ["rows.read", "users.read"]
    assert proposals["function:report"]["scopes"] == ["rows.read", "users.read"]
    cited = {f["fingerprint"] for f in report["findings"] if f["rule"] == "duplicate-scope"}
    changes = [c for fixes in proposals.values() for c in fixes["changes"]]
    assert {c["fingerprint"] for c in changes} == cited and {c["rule"] for c in changes} == {"duplicate-scope"}
    for path in (manifest, project):
        code, _, err = run_cli("fix", "--appwrite-version", "1.9", str(path))
        assert code == 0, err
    assert manifest.read_text().count("rows.read") == 1 and manifest.read_text().count("users.read") == 1
    assert json.loads(project.read_text())["functions"][0]["scopes"] == ["rows.read", "users.read"]
    assert lint(manifest, project) == (0, "", "")


def test_one_verdict_per_repeated_scope(tmp_path):
    """Repeats of a scope that stays are removed as duplicate-scope, once per name, and the scope keeps its own
    verdict (collections.read: tables.read beside it); a scope the plan removes anyway takes its repeats along
    under its own finding (health.read: implicit-scope)."""
    scopes = ["collections.read", "users.read", "users.read", "collections.read", "health.read", "health.read"]
    result = audit(tmp_path, [key("k1", scopes)])
    (analysis,) = result.analyses
    plan = result.plan_of(analysis)
    assert plan.result() == ["collections.read", "tables.read", "users.read"]
    assert [(c.action, c.scope, c.rule) for c in plan.changes] == [
        ("remove", "health.read", "implicit-scope"),
        ("add", "tables.read", "deprecated-scope"),
        ("remove", "users.read", "duplicate-scope"),
        ("remove", "collections.read", "duplicate-scope"),
    ]
    assert plan.verdict("collections.read") == ("beside", "tables.read") and plan.verdict("users.read") is None
    on_health = [f.rule for f in result.findings if f.scope == "health.read"]
    assert on_health == ["implicit-scope"]
    duplicates = {f.scope for f in result.findings if f.rule == "duplicate-scope"}
    assert duplicates == {"users.read", "collections.read"}
