"""The one planner, over random keys and random call sets, for every version (hypothesis).

- what `keyaudit fix` writes equals the report's proposal, in each mode;
- fix is a fixed point: planning the fixed key again changes nothing, and auditing it
  again yields none of the findings the changes said they answer;
- the proposal meets every call that succeeded, and adds no scope on refused calls
  alone unless asked (--grant-refused).
"""

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.analysis.usage import read_usage
from auditor.audit import run_audit
from auditor.audit.report import build
from auditor.catalog.catalog import load
from auditor.catalog.versions import SUPPORTED
from auditor.fix.plan import MODES, PlanOptions, intended_scope
from auditor.fix.run import fix_file
from auditor.loaders.keys import load_key_file
from auditor.loaders.logs.attribution import LogOptions
from auditor.rules.registry import configured_rules

NOW = datetime(2026, 11, 25, tzinfo=UTC)
# more with KEYAUDIT_PLAN_EXAMPLES=500 (the suite keeps to 25 per version)
SETTINGS = settings(
    max_examples=int(os.environ.get("KEYAUDIT_PLAN_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PARAM = re.compile(r"\{[^}]+\}")


def key_scopes(catalog):
    """Names a key may carry: the version's scopes, old names, typos, implicit names and another version's."""
    names = sorted(catalog.key_scopes) + ["global", "graphql", "row.read", "collection.read", "xyz.read"]
    return st.lists(st.sampled_from(names), max_size=7)


def calls(catalog):
    routes = [r for r in catalog.routes if r.method in ("GET", "POST", "PUT", "PATCH", "DELETE")]
    outcome = st.sampled_from([(200, None), (401, "general_unauthorized_scope"), (None, None), (404, None)])
    day = st.integers(min_value=0, max_value=45)
    return st.lists(st.tuples(st.sampled_from(routes), outcome, day), max_size=8)


def write_manifest(manifest: Path, version: str, scopes: list[str]) -> None:
    """The one key, k1 of project p, holding `scopes`."""
    manifest.write_text(
        yaml.safe_dump(
            {
                "appwriteVersion": version,
                "project": "p",
                "keys": [{"id": "k1", "name": "job", "scopes": scopes, "expire": None}],
            },
            sort_keys=False,
        )
    )


def write_case(folder: Path, version: str, scopes: list[str], logged) -> tuple[Path, Path]:
    manifest = folder / "keys.yaml"
    write_manifest(manifest, version, scopes)
    lines = []
    for route, (status, error), day in logged:
        record = {
            "time": f"2026-{10 + (day + 10) // 31:02d}-{(day + 10) % 31 + 1:02d}T10:00:00Z",
            "project": "p",
            "key": "k1",
            "method": route.method,
            "path": PARAM.sub("x1", route.template),
        }
        if status is not None:
            record["status"] = status
        if error:
            record["error"] = error
        lines.append(json.dumps(record))
    log = folder / "calls.jsonl"
    log.write_text("".join(line + "\n" for line in lines))
    return manifest, log


def audit(manifest: Path, log: Path, version: str, options: PlanOptions):
    return run_audit(
        [str(manifest)], [str(log)], version=version, rules=configured_rules(None), now=NOW, plan_options=options
    )


def fixed_scopes(manifest: Path, log: Path, version: str, options: PlanOptions) -> list[str]:
    """What `keyaudit fix` writes for the key, with the same logs and mode."""
    catalog = load(version)
    key_file = load_key_file(str(manifest))
    usage = read_usage([str(log)], catalog, log_options=LogOptions.of(key_file.keys))
    (result,) = fix_file(key_file, catalog, options, usage, NOW.timestamp())
    return yaml.safe_load(result.new)["keys"][0]["scopes"]


def options_strategy():
    return st.builds(PlanOptions, st.sampled_from(MODES), st.booleans(), st.booleans())


def check_version(version, scopes, logged, options):
    catalog = load(version)
    with tempfile.TemporaryDirectory() as folder:
        manifest, log = write_case(Path(folder), version, scopes, logged)
        result = audit(manifest, log, version, options)
        (analysis,) = result.analyses
        plan = result.plan_of(analysis)
        proposed = plan.result()
        report = {k["id"]: k for k in build(result)["keys"]}
        assert report["k1"].get("fixes", {"scopes": scopes})["scopes"] == proposed
        assert fixed_scopes(manifest, log, version, options) == proposed  # same advice in fix as in the report

        # every call that succeeded stays possible
        for need in analysis.needs:
            if need.used and need.proven and need.confident and not need.implicit and need.any_of:
                assert need.any_of & set(proposed), (need.usage.route, proposed)
        # no grant from refused calls unless asked
        if not options.grant_refused:
            meant = {catalog.renamed.get(s) for s in scopes} | {intended_scope(s, catalog) for s in scopes}
            proven = {s for n in analysis.needs if n.used and n.proven for s in n.any_of}
            twins = {catalog.renamed.get(s) for s in proven}  # the current name beside a proven old one
            assert set(proposed) - set(scopes) <= meant | proven | twins

        # fixed point: the fixed key plans no change, and audit no longer finds what the changes answered
        write_manifest(manifest, version, proposed)
        again = audit(manifest, log, version, options)
        (analysis2,) = again.analyses
        assert again.plan_of(analysis2).changes == [], (proposed, again.plan_of(analysis2).changes)
        answered = {(c.rule, c.finding_scope) for c in plan.changes}
        left = {(f.rule, f.scope) for f in again.findings} | {(f.rule, None) for f in again.findings}
        assert not answered & left, answered & left


def make_test(version):
    catalog = load(version)

    @SETTINGS
    @given(scopes=key_scopes(catalog), logged=calls(catalog), options=options_strategy())
    def test(scopes, logged, options):
        check_version(version, scopes, logged, options)

    test.__name__ = f"test_plan_properties_{version.replace('.', '_')}"
    return test


for _version in SUPPORTED:
    globals()[f"test_plan_properties_{_version.replace('.', '_')}"] = make_test(_version)


def test_refused_probes_of_a_leaked_key_become_no_grant(tmp_path):
    """Issue #13 item 2: three refused probes never enter the proposal; asked to grant them, keys.write is a
    high-risk-grant finding with the calls and their times."""
    catalog = load("1.9")
    probes = [
        (catalog.match("POST", "/v1/project/keys"), (401, "general_unauthorized_scope"), 40),
        (catalog.match("GET", "/v1/users"), (401, "general_unauthorized_scope"), 41),
        (catalog.match("POST", "/v1/functions"), (401, "general_unauthorized_scope"), 42),
        (catalog.match("GET", "/v1/tablesdb/{databaseId}/tables/{tableId}/rows"), (200, None), 0),
        (catalog.match("GET", "/v1/tablesdb/{databaseId}/tables/{tableId}/rows"), (200, None), 44),
    ]
    manifest, log = write_case(tmp_path, "1.9", ["rows.read"], probes)
    result = audit(manifest, log, "1.9", PlanOptions(drop_unused=True))
    assert result.plan_of(result.analyses[0]).changes == []
    assert {f.scope for f in result.findings if f.rule == "missing-scope"} == {
        "keys.write",
        "users.read",
        "functions.write",
    }
    assert not [f for f in result.findings if f.rule == "high-risk-grant"]
    granted = audit(manifest, log, "1.9", PlanOptions(drop_unused=True, grant_refused=True))
    assert set(granted.plan_of(granted.analyses[0]).result()) == {
        "rows.read",
        "keys.write",
        "users.read",
        "functions.write",
    }
    risky = {f.scope: f for f in granted.findings if f.rule == "high-risk-grant"}
    assert set(risky) >= {"keys.write", "functions.write"}
    assert "POST /v1/project/keys (1 refused, 2026-11-20T10:00:00" in risky["keys.write"].message


def test_a_current_name_is_never_traded_for_a_deprecated_one(tmp_path):
    """Issue #13 item 5: rows.read reading TablesDB rows and once a legacy documents route keeps rows.read."""
    catalog = load("1.9")
    logged = [
        (catalog.match("GET", "/v1/tablesdb/{databaseId}/tables/{tableId}/rows"), (200, None), 0),
        (catalog.match("GET", "/v1/databases/{databaseId}/collections/{collectionId}/documents"), (200, None), 40),
    ]
    manifest, log = write_case(tmp_path, "1.9", ["rows.read"], logged)
    result = audit(manifest, log, "1.9", PlanOptions(drop_unused=True))
    assert result.plan_of(result.analyses[0]).result() == ["rows.read", "documents.read"]
    assert not [f for f in result.findings if f.rule in ("over-privileged", "unused-scope")]
