"""The risk taxonomy covers every shipped scope; high-risk-scope and the report's per-key risk."""

import json

import pytest
import yaml
from helpers.audit import audit, fired, key

from auditor.audit.report import build
from auditor.catalog.catalog import load
from auditor.catalog.risk import key_risk, scope_risk, taxonomy
from auditor.catalog.versions import SUPPORTED
from auditor.resources import data_dir
from auditor.validation.schemas import violations


@pytest.mark.parametrize("version", SUPPORTED)
def test_every_key_scope_of_every_shipped_version_has_a_category(version):
    unclassified = sorted(s for s in load(version).key_scopes if scope_risk(s) is None)
    assert not unclassified, f"add these {version} scopes to rules/taxonomy/scope-risk.yaml: {unclassified}"


def test_taxonomy_file_matches_its_schema_and_names_only_real_scopes():
    data = yaml.safe_load((data_dir("rules") / "taxonomy" / "scope-risk.yaml").read_text())
    assert violations(data, "risk-taxonomy.schema.json", None) == []
    every_scope = set().union(*(load(v).key_scopes for v in SUPPORTED))
    assert set(data["scopes"]) == every_scope
    assert {entry["category"] for entry in data["scopes"].values()} == set(data["categories"])
    assert len(taxonomy()) == len(every_scope)


@pytest.mark.parametrize(
    "scope,category,severity",
    [
        ("keys.write", "privilege-escalation", "critical"),
        ("users.write", "privilege-escalation", "critical"),
        ("sessions.write", "privilege-escalation", "critical"),
        ("teams.write", "privilege-escalation", "critical"),
        ("functions.write", "code-execution", "high"),
        ("execution.write", "code-execution", "high"),
        ("executions.write", "code-execution", "high"),
        ("sites.write", "code-execution", "high"),
        ("rows.read", "data-exfiltration", "medium"),
        ("documents.read", "data-exfiltration", "medium"),
        ("files.read", "data-exfiltration", "medium"),
        ("users.read", "data-exfiltration", "medium"),
        ("databases.write", "destruction", "high"),
        ("buckets.write", "destruction", "high"),
        ("tables.write", "destruction", "high"),
        ("collections.write", "destruction", "high"),
        ("rules.write", "infrastructure", "high"),
        ("vcs.write", "infrastructure", "medium"),
        ("migrations.write", "infrastructure", "high"),
        ("locale.read", "service-use", "info"),
    ],
)
def test_reviewer_categories(scope, category, severity):
    risk = scope_risk(scope)
    assert (risk.category.id, risk.severity) == (category, severity)


def test_high_risk_scope_fires_with_category_severity_and_route_count(tmp_path):
    result = audit(tmp_path, [key("k1", ["keys.write", "functions.write", "rows.read", "locale.read"])])
    assert fired(result, "high-risk-scope") == {
        ("high-risk-scope", "k1", "keys.write"),
        ("high-risk-scope", "k1", "functions.write"),
    }
    by_scope = {f.scope: f for f in result.findings if f.rule == "high-risk-scope"}
    routes = len(load("1.9").routes_gated_by("keys.write"))
    assert by_scope["keys.write"].severity == "critical" and by_scope["functions.write"].severity == "high"
    assert "privilege escalation" in by_scope["keys.write"].message
    assert f"({routes} routes in Appwrite 1.9)" in by_scope["keys.write"].message
    assert not fired(audit(tmp_path, [key("k1", ["rows.read", "locale.read"])]), "high-risk-scope")


def test_high_risk_scope_counts_routes_of_the_chosen_version(tmp_path):
    for version in ("1.6", "1.9"):
        result = audit(tmp_path, [key("k1", ["users.write"])], version=version)
        (finding,) = [f for f in result.findings if f.rule == "high-risk-scope"]
        assert f"({len(load(version).routes_gated_by('users.write'))} routes in Appwrite {version})" in finding.message
    # targets.read opens routes in 1.6 but none in 1.9
    assert not key_risk(["targets.read"], load("1.9"))["categories"]
    assert key_risk(["targets.read"], load("1.6"))["categories"][0]["category"] == "data-exfiltration"


def test_high_risk_scope_minimum_and_cap_are_configurable(tmp_path):
    keys = [key("k1", ["keys.write", "rows.read"])]
    lowered = audit(tmp_path, keys, config={"rules": {"high-risk-scope": {"options": {"minimum": "medium"}}}})
    assert ("high-risk-scope", "k1", "rows.read") in fired(lowered)
    capped = audit(tmp_path, keys, config={"rules": {"high-risk-scope": {"severity": "medium"}}})
    assert {f.severity for f in capped.findings if f.rule == "high-risk-scope"} == {"medium"}
    off = audit(tmp_path, keys, config={"rules": {"high-risk-scope": {"enabled": False}}})
    assert not fired(off, "high-risk-scope")


def test_report_has_a_risk_summary_per_key_that_validates(tmp_path):
    result = audit(
        tmp_path, [key("k1", ["keys.write", "users.write", "rows.read", "locale.read"]), key("k2", ["targets.read"])]
    )
    report = json.loads(json.dumps(build(result)))
    assert violations(report, "report.schema.json", None) == []
    risk = {k["id"]: k["risk"] for k in report["keys"]}
    assert risk["k1"]["level"] == "critical"
    first = risk["k1"]["categories"][0]
    assert first["category"] == "privilege-escalation" and first["scopes"] == ["keys.write", "users.write"]
    assert [c["category"] for c in risk["k1"]["categories"]] == [
        "privilege-escalation",
        "data-exfiltration",
        "service-use",
    ]
    assert risk["k2"] == {"level": "none", "categories": []}
