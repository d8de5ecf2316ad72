"""Organisation policy: every condition fires and passes, selectors, loading errors, the strict sample."""

import json
import re

import pytest
import yaml
from helpers.audit import FUTURE, audit, fired, key, write_keys
from helpers.cli import run_cli
from helpers.paths import SAMPLE_KEYS

from auditor.checks.policy_rule import CONDITIONS as EVALUATED
from auditor.policy import CONDITIONS

NOW = ("--now", "2026-11-25T00:00:00Z")


def rule(rule_id="r", **fields):
    return {"id": rule_id, "severity": "high", "message": "{key} breaks {rule}", "fix": "fix {key}", **fields}


def policy_audit(tmp_path, keys, *rules, version="1.9"):
    return audit(tmp_path, keys, version=version, config={"policy": {"rules": list(rules)}})


def test_every_condition_has_an_evaluator():
    assert set(CONDITIONS) == set(EVALUATED)


def test_forbidden_scopes(tmp_path):
    forbid = rule(forbiddenScopes=["keys.write", "users.*"], message="{key} holds {scope}")
    result = policy_audit(tmp_path, [key("k1", ["keys.write", "users.read", "rows.read"])], forbid)
    assert fired(result, "policy:r") == {("policy:r", "k1", "keys.write"), ("policy:r", "k1", "users.read")}
    (finding,) = [f for f in result.findings if f.scope == "keys.write" and f.rule == "policy:r"]
    assert finding.severity == "high" and finding.message == "name-k1 (k1) holds keys.write"
    assert not fired(policy_audit(tmp_path, [key("k1", ["rows.read"])], forbid), "policy:r")


def test_allowed_scopes_for_keys_matching_a_name(tmp_path):
    allow = rule(match={"name": "ci-*"}, allowedScopes=["functions.*"], message="{scope} not in {allowed}")
    keys = [key("k1", ["functions.write", "rows.read"], name="ci-deploy"), key("k2", ["rows.read"], name="web")]
    result = policy_audit(tmp_path, keys, allow)
    assert fired(result, "policy:r") == {("policy:r", "k1", "rows.read")}
    assert [f.message for f in result.findings if f.rule == "policy:r"] == ["rows.read not in functions.*"]
    clean = [key("k1", ["functions.write"], name="ci-deploy"), key("k2", ["rows.read"], name="web")]
    assert not fired(policy_audit(tmp_path, clean, allow), "policy:r")


def test_unless_spares_keys(tmp_path):
    forbid = rule(unless={"name": ["*-identity"]}, forbiddenScopes=["users.write"])
    keys = [key("k1", ["users.write"], name="auth-identity"), key("k2", ["users.write"], name="shop")]
    assert fired(policy_audit(tmp_path, keys, forbid), "policy:r") == {("policy:r", "k2", "users.write")}


def test_max_scopes(tmp_path):
    limit = rule(maxScopes=2, message="{count} > {max}")
    result = policy_audit(tmp_path, [key("k1", ["rows.read", "rows.write", "files.read"])], limit)
    assert [f.message for f in result.findings if f.rule == "policy:r"] == ["3 > 2"]
    assert not fired(policy_audit(tmp_path, [key("k1", ["rows.read", "rows.write"])], limit), "policy:r")


def test_max_lifetime(tmp_path):
    lifetime = rule(maxLifetimeDays=90, message="{lifetime} ({expire}) > {max}")
    never = policy_audit(tmp_path, [key("k1", ["rows.read"], expire=None)], lifetime)
    assert [f.message for f in never.findings if f.rule == "policy:r"] == ["unlimited (never) > 90"]
    long = policy_audit(tmp_path, [key("k1", ["rows.read"], expire=FUTURE)], lifetime)  # created 2026-01-01
    assert [f.message for f in long.findings if f.rule == "policy:r"] == ["545 days (2027-06-30) > 90"]
    short = key("k1", ["rows.read"], expire="2027-01-15T00:00:00.000+00:00", **{"$createdAt": "2026-11-01T00:00:00Z"})
    assert not fired(policy_audit(tmp_path, [short], lifetime), "policy:r")
    # without a creation date the lifetime counts from now (2026-11-25)
    unknown_age = key("k1", ["rows.read"], expire="2027-01-15T00:00:00.000+00:00", **{"$createdAt": ""})
    assert not fired(policy_audit(tmp_path, [unknown_age], lifetime), "policy:r")


def test_required_fields_in_manifests(tmp_path):
    manifest = tmp_path / "keys.yaml"
    manifest.write_text(
        "keys:\n  - {id: k1, name: a, scopes: [rows.read], expire: null, owner: me@example.com}\n"
        "  - {id: k2, name: b, scopes: [rows.read], expire: null}\n"
    )
    exported = write_keys(tmp_path, [key("k3", ["rows.read"])])
    config = tmp_path / "policy.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "policy": {
                    "rules": [
                        rule(
                            "owner",
                            match={"source": ["manifest"]},
                            requiredFields=["owner"],
                            message="{key} lacks {field}",
                        )
                    ]
                }
            }
        )
    )
    code, out, err = run_cli(
        "audit", "--keys", str(manifest), "--keys", exported, "--policy", str(config), "--format", "json", *NOW
    )
    found = [
        (f["key"], f["message"], f["location"]["line"])
        for f in json.loads(out)["findings"]
        if f["rule"] == "policy:owner"
    ]
    assert found == [("k2", "b (k2) lacks owner", 3)], err


def test_config_policy_rules_take_rules_settings(tmp_path):
    config = {
        "policy": {"rules": [rule("no-keys", forbiddenScopes=["keys.write"])]},
        "rules": {"policy:no-keys": {"severity": "critical"}},
    }
    result = audit(tmp_path, [key("k1", ["keys.write"])], config=config)
    assert {f.severity for f in result.findings if f.rule == "policy:no-keys"} == {"critical"}
    config["rules"]["policy:no-keys"] = {"enabled": False}
    assert not fired(audit(tmp_path, [key("k1", ["keys.write"])], config=config), "policy:no-keys")


@pytest.mark.parametrize(
    "bad,expected",
    [
        (
            rule(forbiddenScopes=["key.write"]),
            r"'key.write' is not a key scope of any supported Appwrite version; "
            r"did you mean keys.write\?",
        ),
        (rule(forbiddenScopes=["nothing.*"]), "'nothing.*' matches no key scope"),
        (rule(maxScopes=3, message="{key} has {scope}"), r"\{scope\} is not a placeholder of maxScopes rules"),
        (rule(), "give exactly one of allowedScopes, forbiddenScopes, maxScopes, maxLifetimeDays, requiredFields"),
        (rule(maxScopes=3, maxLifetimeDays=4), "give only one of maxScopes, maxLifetimeDays"),
    ],
)
def test_bad_policy_is_one_line_and_exit_2(tmp_path, bad, expected):
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump({"policy": {"rules": [bad]}}))
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    for option in ("--policy", "--config"):
        code, _, err = run_cli("audit", "--keys", keys, option, str(path))
        assert code == 2 and len(err.strip().splitlines()) == 1 and re.search(expected, err), err
        assert "policy.yaml:" in err


def test_policy_in_both_config_and_file_must_not_repeat_an_id(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump({"policy": {"rules": [rule("same", maxScopes=3)]}}))
    keys = write_keys(tmp_path, [key("k1", ["rows.read"])])
    code, _, err = run_cli("audit", "--keys", keys, "--config", str(path), "--policy", str(path))
    assert code == 2 and "'same' is defined both in --config and in --policy" in err


def test_strict_sample_policy_runs_on_the_samples():
    code, out, err = run_cli("audit", *SAMPLE_KEYS, "--policy", "samples/policy-strict.yaml", "--format", "json", *NOW)
    assert code == 1, err
    findings = [f for f in json.loads(out)["findings"] if f["rule"].startswith("policy:")]
    assert {(f["rule"], f["key"], f["scope"]) for f in findings} >= {
        ("policy:no-key-minting", "6909b57103ab195278da", "keys.write"),
        ("policy:deployers-only-deploy", "6a1ff008311c0a68e688", "policies.read"),
        ("policy:at-most-8-scopes", "6909b57103ab195278da", None),
    }
    assert all(f["location"]["line"] for f in findings)
    code, out, _ = run_cli("validate", "samples/policy-strict.yaml")
    assert code == 0 and "valid config" in out


def test_validate_reports_policy_problems_with_lines(tmp_path):
    path = tmp_path / "keyaudit.yaml"
    path.write_text(
        "policy:\n  rules:\n    - id: a\n      severity: high\n      message: m\n      fix: f\n"
        "      forbiddenScopes: [key.write]\nrules:\n  policy:a: {severity: low}\n  policy:b: {}\n"
    )
    code, out, _ = run_cli("validate", str(path))
    assert code == 1
    assert f"{path}:7: error: 'key.write' is not a key scope" in out
    assert f"{path}:10: error: unknown rule 'policy:b'" in out and "policy:a'" not in out
