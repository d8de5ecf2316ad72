"""Every rule with input that fires it and input that does not."""

import pytest
import yaml
from helpers.audit import FUTURE, audit, call, fired, key, over_a_month

from auditor.checks import CHECKS
from auditor.resources import data_dir, load_data_yaml
from auditor.rules.registry import builtin_rules

ROWS = "/v1/tablesdb/shop/tables/products/rows"
LEGACY_DOCS = "/v1/databases/shop/collections/orders/documents"
REAL_SECRET = "standard_" + "ab12" * 64


def test_every_rule_has_a_check_and_text():
    assert set(CHECKS) == set(builtin_rules())
    for rule in builtin_rules().values():
        assert rule.title and rule.description and rule.message and rule.fix


def test_over_privileged(tmp_path):
    calls = [call("k1", "GET", ROWS), call("k1", "GET", ROWS)]
    result = audit(tmp_path, [key("k1", ["rows.read", "rows.write", "users.write"])], over_a_month(calls))
    (finding,) = [f for f in result.findings if f.rule == "over-privileged"]
    assert "rows.read" in finding.message and "drop rows.write, users.write" in finding.message
    assert finding.fix.startswith("Remove rows.write, users.write from") and finding.severity == "high"
    # under four weeks of logs: too short to drop a scope on, as the proposal and keyaudit fix judge it
    short = audit(tmp_path, [key("k1", ["rows.read", "rows.write", "users.write"])], calls)
    (finding,) = [f for f in short.findings if f.rule == "over-privileged"]
    assert finding.severity == "info" and "under the 28 days" in finding.message
    clean = audit(tmp_path, [key("k1", ["rows.read"])], [call("k1", "GET", ROWS)])
    assert not fired(clean, "over-privileged")


def test_over_privileged_names_full_access_of_keys_write(tmp_path):
    result = audit(tmp_path, [key("k1", ["users.read", "keys.write"])], [call("k1", "GET", "/v1/users")])
    (finding,) = [f for f in result.findings if f.rule == "over-privileged"]
    assert "full access" in finding.message


def test_unused_scope_states_window_and_age(tmp_path):
    calls = [call("k1", "GET", ROWS, time="2026-11-01T00:00:00Z"), call("k1", "GET", ROWS, time="2026-11-21T00:00:00Z")]
    result = audit(tmp_path, [key("k1", ["rows.read", "users.read"])], calls)
    assert fired(result, "unused-scope") == {("unused-scope", "k1", "users.read")}
    (finding,) = [f for f in result.findings if f.rule == "unused-scope"]
    assert "2026-11-01 to 2026-11-21 (20 days)" in finding.message and "328 days" in finding.message
    young = audit(tmp_path, [key("k1", ["rows.read", "users.read"], **{"$createdAt": "2026-11-10T00:00:00Z"})], calls)
    (finding,) = [f for f in young.findings if f.rule == "unused-scope"]
    assert "all 11 days of the key's life" in finding.message
    clean = audit(tmp_path, [key("k1", ["rows.read"])], calls)
    assert not fired(clean, "unused-scope")


def test_unused_scope_counts_any_listed_scope_as_used(tmp_path):
    # the rows route lists rows.read and documents.read: both are "needed by a call"
    result = audit(tmp_path, [key("k1", ["rows.read", "documents.read"])], [call("k1", "GET", ROWS)])
    assert not fired(result, "unused-scope")
    # holding both names of a pair is not surplus: one low deprecated-twin finding says when the old one can go
    assert not fired(result, "over-privileged") and not fired(result, "deprecated-scope")
    assert fired(result, "deprecated-twin") == {("deprecated-twin", "k1", "documents.read")}


def test_deprecated_scope_with_replacement(tmp_path):
    result = audit(tmp_path, [key("k1", ["documents.read"])], over_a_month([call("k1", "GET", ROWS)] * 2))
    (finding,) = [f for f in result.findings if f.rule == "deprecated-scope"]
    assert "use rows.read" in finding.message and "break" not in finding.message
    assert finding.fix.startswith("Replace documents.read with rows.read")
    assert not fired(audit(tmp_path, [key("k1", ["rows.read"])], [call("k1", "GET", ROWS)]), "deprecated-scope")


def test_deprecated_scope_warns_that_rename_breaks_legacy_only_routes(tmp_path):
    result = audit(tmp_path, [key("k1", ["documents.read"])], [call("k1", "GET", LEGACY_DOCS)])
    (finding,) = [f for f in result.findings if f.rule == "deprecated-scope"]
    assert "legacy-only" in finding.message and "break" in finding.message
    assert finding.fix.startswith("Move those calls to the routes that accept rows.read, then replace")


def test_deprecated_scope_without_logs_still_applies(tmp_path):
    result = audit(tmp_path, [key("k1", ["collections.write", "execution.read", "policies.read"])])
    assert fired(result, "deprecated-scope") == {
        ("deprecated-scope", "k1", "collections.write"),
        ("deprecated-scope", "k1", "execution.read"),
        ("deprecated-scope", "k1", "policies.read"),
    }


def test_deprecated_scope_by_version(tmp_path):
    # execution.* was renamed in 1.9.5: on 1.8 it is current
    assert not fired(audit(tmp_path, [key("k1", ["execution.read"])], version="1.8"), "deprecated-scope")
    # documents.* is deprecated from 1.8; nothing is renamed in 1.7
    assert fired(audit(tmp_path, [key("k1", ["documents.read"])], version="1.8"), "deprecated-scope")
    assert not fired(audit(tmp_path, [key("k1", ["documents.read"])], version="1.7"), "deprecated-scope")


def test_attributes_on_18_gates_nothing_so_drop_it(tmp_path):
    result = audit(tmp_path, [key("k1", ["attributes.read"])], version="1.8")
    (finding,) = [f for f in result.findings if f.rule == "deprecated-scope"]
    assert "neither gates any route" in finding.message and finding.fix.startswith("Remove attributes.read")
    on19 = audit(tmp_path, [key("k1", ["attributes.read"])], version="1.9")
    (finding,) = [f for f in on19.findings if f.rule == "deprecated-scope"]
    assert "use columns.read" in finding.message


def test_ineffective_scope(tmp_path):
    result = audit(tmp_path, [key("k1", ["columns.read", "indexes.write"])], version="1.8")
    assert fired(result, "ineffective-scope") == {
        ("ineffective-scope", "k1", "columns.read"),
        ("ineffective-scope", "k1", "indexes.write"),
    }
    assert not fired(audit(tmp_path, [key("k1", ["columns.read"])], version="1.9"), "ineffective-scope")


def test_implicit_scope(tmp_path):
    assert fired(audit(tmp_path, [key("k1", ["users.read", "health.read"])]), "implicit-scope") == {
        ("implicit-scope", "k1", "health.read")
    }
    assert not fired(audit(tmp_path, [key("k1", ["users.read"])]), "implicit-scope")


@pytest.mark.parametrize(
    "scope,hint",
    [
        ("row.read", "did you mean rows.read?"),
        ("collection.read", "did you mean tables.read (or the old collections.read)"),
        ("global", "every key holds it implicitly"),
        ("graphql", "every key holds it implicitly"),
        ("account", ""),
        ("public", ""),
    ],
)
def test_unknown_scope(tmp_path, scope, hint):
    result = audit(tmp_path, [key("k1", [scope])])
    (finding,) = [f for f in result.findings if f.rule == "unknown-scope"]
    assert finding.scope == scope and hint in finding.message
    assert not fired(audit(tmp_path, [key("k1", ["rows.read"])]), "unknown-scope")


def test_missing_scope_from_error_type_and_from_catalog(tmp_path):
    calls = [call("k1", "GET", ROWS, status=401, error="general_unauthorized_scope"), call("k1", "GET", "/v1/users")]
    result = audit(tmp_path, [key("k1", ["files.read"])], calls)
    findings = {f.scope: f for f in result.findings if f.rule == "missing-scope"}
    assert set(findings) == {"rows.read", "users.read"}
    assert "general_unauthorized_scope" in findings["rows.read"].message
    assert findings["users.read"].fix.startswith("Check whether name-k1 (k1) needs users.read")  # no status
    assert "--grant-refused" in findings["rows.read"].fix  # refused: a request, not a need
    proven = audit(tmp_path, [key("k1", ["files.read"])], [call("k1", "GET", "/v1/users", status=200)])
    (finding,) = [f for f in proven.findings if f.rule == "missing-scope"]
    assert finding.fix.startswith("Add users.read to name-k1 (k1)'s definition: the calls succeeded")
    clean = audit(tmp_path, [key("k1", ["rows.read"])], [call("k1", "GET", ROWS, status=200)])
    assert not fired(clean, "missing-scope")


def test_bare_401_is_not_a_missing_scope(tmp_path):
    result = audit(tmp_path, [key("k1", ["rows.read"])], [call("k1", "GET", ROWS, status=401)])
    assert not fired(result, "missing-scope")


def test_missing_scope_never_recommends_public_or_account(tmp_path):
    result = audit(tmp_path, [key("k1", ["users.read"])], [call("k1", "GET", "/v1/account")])
    (finding,) = [f for f in result.findings if f.rule == "missing-scope"]
    assert finding.scope is None and "No API key scope passes" in finding.fix


def test_no_expiry_and_function_keys(tmp_path):
    assert fired(audit(tmp_path, [key("k1", ["users.read"], expire=None)]), "no-expiry")
    assert not fired(audit(tmp_path, [key("k1", ["users.read"])]), "no-expiry")


def test_expired(tmp_path):
    result = audit(tmp_path, [key("k1", ["users.read"], expire="2026-09-30T00:00:00.000+00:00")])
    (finding,) = [f for f in result.findings if f.rule == "expired"]
    assert "56 days ago" in finding.message
    assert not fired(audit(tmp_path, [key("k1", ["users.read"], expire=FUTURE)]), "expired")


def test_stale_key_with_threshold_option(tmp_path):
    stale = key("k1", ["users.read"], accessedAt="2026-07-01T00:00:00.000+00:00")
    assert fired(audit(tmp_path, [stale]), "stale-key")
    assert not fired(audit(tmp_path, [stale], config={"rules": {"stale-key": {"options": {"days": 200}}}}), "stale-key")
    assert not fired(audit(tmp_path, [key("k1", ["users.read"])]), "stale-key")
    never = key("k1", ["users.read"], accessedAt="", **{"$createdAt": "2025-01-01T00:00:00.000+00:00"})
    (finding,) = [f for f in audit(tmp_path, [never]).findings if f.rule == "stale-key"]
    assert "never" in finding.message


def test_never_used_and_unknown_key(tmp_path):
    result = audit(
        tmp_path,
        [key("k1", ["users.read"]), key("k2", ["users.read"])],
        [call("k1", "GET", "/v1/users"), call("ghost", "GET", "/v1/users", project="p1")],
    )
    assert fired(result, "never-used") == {("never-used", "k2", None)}
    (unknown,) = [f for f in result.findings if f.rule == "unknown-key"]
    assert unknown.key == "ghost" and unknown.project == "p1" and "in project p1" in unknown.message
    clean = audit(tmp_path, [key("k1", ["users.read"])], [call("k1", "GET", "/v1/users")])
    assert not fired(clean, "never-used") and not fired(clean, "unknown-key")


def test_unknown_route(tmp_path):
    result = audit(
        tmp_path,
        [key("k1", ["rows.read"])],
        [call("k1", "GET", ROWS + "z"), call("k1", "GET", ROWS + "z?x=1"), call("k1", "GET", ROWS)],
    )
    (finding,) = [f for f in result.findings if f.rule == "unknown-route"]
    assert "2 call(s)" in finding.message and "rowsz" in finding.message
    assert not fired(audit(tmp_path, [key("k1", ["rows.read"])], [call("k1", "GET", ROWS)]), "unknown-route")


def test_secret_in_file_names_the_key_never_the_secret(tmp_path):
    result = audit(tmp_path, [key("k1", ["users.read"], secret=REAL_SECRET)])
    (finding,) = [f for f in result.findings if f.rule == "secret-in-file"]
    assert finding.key == "k1" and finding.severity == "critical" and finding.location.line
    assert REAL_SECRET not in finding.message + finding.fix and "sha256:" in finding.message
    for masked in ("standard_[hidden]", "", None):
        assert not fired(audit(tmp_path, [key("k1", ["users.read"], secret=masked)]), "secret-in-file")


def test_usage_rules_skipped_without_logs(tmp_path):
    result = audit(tmp_path, [key("k1", ["users.read", "users.write"], expire=None)])
    assert set(result.skipped) == {r.id for r in builtin_rules().values() if r.requires_logs}
    assert fired(result) == {("no-expiry", "k1", None), ("high-risk-scope", "k1", "users.write")}


def test_config_changes_severity_and_disables(tmp_path):
    keys = [key("k1", ["users.read", "health.read"], expire=None)]
    result = audit(
        tmp_path, keys, config={"rules": {"no-expiry": {"severity": "critical"}, "implicit-scope": {"enabled": False}}}
    )
    assert [f.severity for f in result.findings if f.rule == "no-expiry"] == ["critical"]
    assert not fired(result, "implicit-scope")


def test_over_privileged_never_drops_a_scope_in_use(tmp_path):
    # documents.write passes the TablesDB POST: preferring rows.write there must not call it surplus
    calls = [call("k1", "GET", LEGACY_DOCS), call("k1", "GET", ROWS), call("k1", "POST", ROWS)]
    result = audit(tmp_path, [key("k1", ["documents.read", "documents.write", "collections.read"])], calls)
    (finding,) = [f for f in result.findings if f.rule == "over-privileged"]
    assert "drop collections.read" in finding.message and "documents.write" not in finding.message.split("drop")[1]
    renamed_only = audit(
        tmp_path,
        [key("k1", ["rows.reed", "files.read", "execution.read"])],
        [
            call("k1", "GET", ROWS),
            call("k1", "GET", "/v1/storage/buckets/b/files"),
            call("k1", "GET", "/v1/functions/f/executions"),
        ],
    )
    assert not fired(renamed_only, "over-privileged")


def test_deprecated_scope_without_logs_adds_the_new_name_beside_the_old(tmp_path):
    (finding,) = [f for f in audit(tmp_path, [key("k1", ["documents.read"])]).findings if f.rule == "deprecated-scope"]
    assert "accept only documents.read" in finding.message and "no logs of four weeks or more say" in finding.message
    assert finding.fix.startswith("Add rows.read to") and "remove documents.read once" in finding.fix


def test_an_expiry_beyond_the_horizon_is_long_expiry(tmp_path):
    (finding,) = [
        f
        for f in audit(tmp_path, [key("k1", ["users.read"], expire="9999-12-31T00:00:00.000+00:00")]).findings
        if f.rule == "long-expiry"
    ]
    assert finding.severity == "medium" and "expires on 9999-12-31" in finding.message
    assert not fired(audit(tmp_path, [key("k1", ["users.read"], expire=FUTURE)]), "long-expiry")
    late = key("k1", ["users.read"], expire="2028-01-31T00:00:00.000+00:00")
    assert fired(audit(tmp_path, [late]), "long-expiry")
    assert not fired(
        audit(tmp_path, [late], config={"rules": {"long-expiry": {"options": {"days": 800}}}}), "long-expiry"
    )


@pytest.mark.parametrize(
    "version, scope, hint, fix",
    [
        (
            "1.9",
            "storage.read",
            "did you mean files.read or buckets.read?",
            "Remove storage.read from name-k1 (k1): it grants nothing; if it meant files.read or buckets.read, add that "
            "by hand",
        ),  # a meaning is advice; the proposal replaces only a close spelling (auditor/fix/plan.py)
        (
            "1.9",
            "db.write",
            "did you mean databases.write?",
            "Remove db.write from name-k1 (k1): it grants nothing; if it meant databases.write, add that by hand",
        ),
        (
            "1.8",
            "keys.write",
            "keys.write is a key scope from Appwrite 1.9 on",
            "Remove keys.write from name-k1 (k1), or give --appwrite-version the version the project runs "
            "(this audit is of 1.8)",
        ),
        ("1.6", "sites.read", "sites.read is a key scope from Appwrite 1.7 on", None),
        (
            "1.6",
            "rows.read",
            "rows.read is a key scope from Appwrite 1.8 on; Appwrite 1.6 names it documents.read",
            "Replace rows.read with documents.read on name-k1 (k1)",
        ),
    ],
)
def test_unknown_scopes_are_suggested_by_meaning_and_named_with_their_versions(tmp_path, version, scope, hint, fix):
    (finding,) = [
        f for f in audit(tmp_path, [key("k1", [scope])], version=version).findings if f.rule == "unknown-scope"
    ]
    assert finding.message == f"{scope} is not an API key scope of Appwrite {version}; {hint}"
    assert finding.severity == "high" and (fix is None or finding.fix == fix)


def test_implicit_scopes_are_info_not_high(tmp_path):
    result = audit(tmp_path, [key("k1", ["users.read", "global", "graphql"])])
    assert {(f.scope, f.severity) for f in result.findings if f.rule == "unknown-scope"} == {
        ("global", "info"),
        ("graphql", "info"),
    }


def test_the_package_yaml_reads_the_same_with_libyaml():
    """rules/ is read with libyaml where PyYAML has it (resources.load_data_yaml): it must read what the pure
    loader reads."""
    files = sorted(data_dir("rules").rglob("*.yaml"))
    assert len(files) > 10
    for path in files:
        assert load_data_yaml(path) == yaml.safe_load(path.read_text()), path
