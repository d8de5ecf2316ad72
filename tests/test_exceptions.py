"""Exceptions silence matching findings until they expire; bad entries are findings, never fatal."""

import json

import pytest
from helpers.audit import NOW as NOW_DT
from helpers.audit import key, write_keys
from helpers.cli import run_cli
from helpers.lint import NOW, appwrite_json, yaml_list

from auditor.audit import run_audit
from auditor.checks.exception_expired import RULE_ID as EXPIRED
from auditor.checks.exception_invalid import RULE_ID as INVALID
from auditor.rules.exceptions import load_exceptions
from auditor.rules.registry import builtin_rules, configured_rules
from auditor.validation.schemas import violations

GOOD = {
    "rule": "deprecated-scope",
    "key": "function:report",
    "scope": "documents.read",
    "reason": "moves to TablesDB in Q1",
    "owner": "data-team@example.com",
    "expires": "2027-01-31",
}
SECRET = "standard_" + "5e" * 128


def write_exceptions(tmp_path, entries, name="exceptions.yaml"):
    path = tmp_path / name
    path.write_text(yaml_list("exceptions", entries))
    return str(path)


def audit_with(tmp_path, keys_path, entries, now=NOW_DT):
    rules = configured_rules({})
    exceptions = load_exceptions(None, {}, write_exceptions(tmp_path, entries), rules)
    return run_audit([keys_path], [], version="1.9", rules=rules, now=now, exceptions=exceptions)


def rules_of(result):
    return sorted(f.rule for f in result.findings)


def test_exception_silences_its_finding_and_is_counted(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read", "users.read"])
    assert rules_of(audit_with(tmp_path, keys, [])) == ["deprecated-scope"]
    result = audit_with(tmp_path, keys, [GOOD])
    assert rules_of(result) == []
    (silenced,) = result.silenced
    assert silenced.findings == 1 and silenced.entry.owner == "data-team@example.com"


@pytest.mark.parametrize(
    "change,silenced",
    [
        ({}, True),
        ({"scope": None}, True),  # no scope: every finding of the rule for the key
        ({"scope": "documents.write"}, False),
        ({"key": "function:other"}, False),
        ({"rule": "no-expiry"}, False),
    ],
)
def test_exception_matches_rule_key_and_scope(tmp_path, change, silenced):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    entry = {name: value for name, value in {**GOOD, **change}.items() if value is not None}
    result = audit_with(tmp_path, keys, [entry])
    assert (rules_of(result) == []) is silenced
    assert result.silenced[0].findings == (1 if silenced else 0)


@pytest.mark.parametrize(
    "expires,now,active",
    [
        ("2026-11-25", "2026-11-25T23:59:59Z", True),  # a date silences through that day (UTC)
        ("2026-11-25", "2026-11-26T00:00:00Z", False),
        ("2026-11-25T12:00:00Z", "2026-11-25T11:59:59Z", True),
        ("2026-11-25T12:00:00Z", "2026-11-25T12:00:00Z", False),
    ],
)
def test_expired_exception_is_a_medium_finding_and_silences_nothing(tmp_path, expires, now, active):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    entries = write_exceptions(tmp_path, [{**GOOD, "expires": expires}])
    code, out, err = run_cli("lint", keys, "--exceptions", entries, "--now", now, "--format", "json")
    findings = json.loads(out)["findings"]
    if active:
        assert code == 0 and findings == []
        return
    assert code == 1
    assert sorted(f["rule"] for f in findings) == ["deprecated-scope", EXPIRED]
    (expired,) = [f for f in findings if f["rule"] == EXPIRED]
    assert expired["severity"] == "medium" and expired["key"] == "function:report"
    assert expired["location"]["file"] == entries and expired["location"]["line"] == 2
    assert "data-team@example.com" in expired["message"] and expires in expired["message"]


@pytest.mark.parametrize(
    "entry,problem",
    [
        ({k: v for k, v in GOOD.items() if k != "reason"}, "missing required field 'reason'"),
        ({k: v for k, v in GOOD.items() if k != "expires"}, "missing required field 'expires'"),
        ({k: v for k, v in GOOD.items() if k != "owner"}, "missing required field 'owner'"),
        ({**GOOD, "reason": "''"}, "reason:"),
        ({**GOOD, "expires": "soon"}, "expires:"),
        ({**GOOD, "expires": "2027-02-30"}, "expires: '2027-02-30' is not a valid date-time"),
        ({**GOOD, "rule": "no-such-rule"}, "unknown rule 'no-such-rule'"),
        ({**GOOD, "rule": EXPIRED}, "cannot be silenced"),
        ({**GOOD, "until": "2027-01-01"}, "unexpected field 'until'"),
        ({**GOOD, "key": SECRET}, "holds an Appwrite key secret"),
    ],
)
def test_invalid_entry_is_a_high_finding_and_the_run_goes_on(tmp_path, entry, problem):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    entries = write_exceptions(tmp_path, [GOOD, entry])
    code, out, err = run_cli("lint", keys, "--exceptions", entries, *NOW, "--format", "json")
    assert code == 1 and err == ""
    report = json.loads(out)
    (invalid,) = report["findings"]  # the good entry still silences deprecated-scope
    assert invalid["rule"] == INVALID and invalid["severity"] == "high"
    assert problem in invalid["message"] and invalid["location"]["line"] == 8
    assert report["summary"]["exceptions"]["suppressed"] == 1
    assert SECRET not in out and SECRET[9:60] not in out


def test_fingerprints_of_exception_findings_survive_moves(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    expired = {**GOOD, "expires": "2026-01-31"}
    invalid = {**GOOD, "rule": "nope"}
    first = audit_with(tmp_path, keys, [expired, invalid])
    second = audit_with(tmp_path, keys, [{**GOOD, "key": "function:other"}, invalid, expired])
    prints = {f.rule: f.fingerprint for f in first.findings if f.rule.startswith("exception-")}
    assert prints == {f.rule: f.fingerprint for f in second.findings if f.rule.startswith("exception-")}
    assert len(prints) == 2


def test_config_section_and_exceptions_file_combine(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["documents.read", "health.read"])
    config = tmp_path / "keyaudit.yaml"
    config.write_text("failOn: medium\n" + yaml_list("exceptions", [GOOD]))
    also = write_exceptions(tmp_path, [{**GOOD, "rule": "implicit-scope", "scope": "health.read"}])
    code, out, _ = run_cli(
        "audit", "--keys", keys, "--config", str(config), "--exceptions", also, *NOW, "--format", "json"
    )
    report = json.loads(out)
    assert violations(report, "report.schema.json", None) == []
    summary = report["summary"]["exceptions"]
    assert [(e["rule"], e["location"]["file"], e["suppressed"]) for e in summary["entries"]] == [
        ("deprecated-scope", str(config), 1),
        ("implicit-scope", also, 1),
    ]
    assert summary["suppressed"] == 2
    code, out, _ = run_cli("audit", "--keys", keys, "--config", str(config), *NOW)
    assert "silenced by exceptions: 1" in out and "data-team@example.com" in out


def test_malformed_file_as_a_whole_is_bad_input(tmp_path):
    keys = appwrite_json(tmp_path / "appwrite.json", ["rows.read"])
    for text, expected in [
        ("- rule: x\n", "exceptions file is a mapping"),
        ("exceptions: {rule: x}\n", "invalid exceptions at /exceptions"),
        ("exception:\n  - rule: x\n", "invalid exceptions at /"),
    ]:
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        code, out, err = run_cli("lint", keys, "--exceptions", str(path), *NOW)
        assert code == 2 and out == "" and err.count("\n") == 1 and expected in err, err
    config = tmp_path / "keyaudit.yaml"
    config.write_text("exceptions: nope\n")
    code, _, err = run_cli("lint", keys, "--config", str(config), *NOW)
    assert code == 2 and "invalid config at /exceptions" in err


def test_schemas_and_rules_agree():
    assert {EXPIRED, INVALID} <= set(builtin_rules())
    assert builtin_rules()[EXPIRED].severity == "medium" and builtin_rules()[INVALID].severity == "high"
    assert violations({"exceptions": [GOOD]}, "exceptions.schema.json", None) == []
    assert violations({"failOn": "high", "exceptions": [GOOD, 1]}, "config.schema.json", None) == []
    without_reason = {k: v for k, v in GOOD.items() if k != "reason"}
    assert violations({"exceptions": [without_reason]}, "exceptions.schema.json", None)


def test_valid_entries_keep_keys_out_of_invalid_findings(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["users.read"], expire=None)])
    entries = write_exceptions(
        tmp_path,
        [{"rule": "no-expiry", "key": "k1", "reason": "break-glass key", "owner": "ops", "expires": "2027-01-01"}],
    )
    code, out, _ = run_cli("lint", keys, "--exceptions", entries, *NOW)
    assert code == 0 and "1 finding silenced by exceptions" in out and f"{entries}:2" in out


def test_policy_rules_can_be_excepted(tmp_path):
    entries = write_exceptions(
        tmp_path,
        [
            {
                "rule": "'policy:no-key-minting'",
                "key": "6909b57103ab195278da",
                "reason": "ops break-glass key",
                "owner": "ops",
                "expires": "2027-01-01",
            }
        ],
    )
    args = ["lint", "samples/keys/keylist.json", "--policy", "samples/policy-strict.yaml", *NOW, "--format", "json"]
    before = json.loads(run_cli(*args)[1])
    after = json.loads(run_cli(*args, "--exceptions", entries)[1])
    minting = [f for f in before["findings"] if f["rule"] == "policy:no-key-minting"]
    assert len(minting) == 2 and not [f for f in after["findings"] if f["rule"] == "policy:no-key-minting"]
    assert after["summary"]["exceptions"]["suppressed"] == 2


def test_validate_checks_each_exception_entry(tmp_path):
    good = write_exceptions(tmp_path, [GOOD], name="good.yaml")
    assert run_cli("validate", good) == (0, f"{good}: valid config\n", "")
    bad = write_exceptions(tmp_path, [GOOD, {k: v for k, v in GOOD.items() if k != "expires"}], name="bad.yaml")
    code, out, _ = run_cli("validate", bad)
    assert code == 1 and f"{bad}:8: error: missing required field 'expires'" in out
