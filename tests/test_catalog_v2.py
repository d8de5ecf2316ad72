"""Appwrite 2.x and Cloud: canaries per catalog, renames that never drop access, Cloud-only scopes, detection."""

import json

import pytest
from helpers.audit import audit, call, fired, key, write_keys, write_logs
from helpers.cli import run_cli

from auditor.catalog.catalog import load
from auditor.catalog.versions import SUPPORTED
from auditor.loaders.keys import live as fetch_module
from auditor.loaders.keys.live import Credential, fetch_keys

SELF_HOSTED_2X = ("2.0", "2.1", "2.2", "2.3", "2.4", "2.5")
V2 = (*SELF_HOSTED_2X, "cloud")
DOCS = "/v1/documentsdb/shop/collections/orders/documents"
ROWS = "/v1/tablesdb/shop/tables/orders/rows"
LEGACY = "/v1/databases/shop/collections/orders/documents"


def write_manifest(tmp_path, version, scopes):
    path = tmp_path / "keys.yaml"
    path.write_text(
        f"appwriteVersion: {version}\nkeys:\n  - id: k1\n    name: backups\n"
        f"    scopes: [{', '.join(scopes)}]\n    expire: null\n"
    )
    return path


def scopes_of(version, method, path):
    route = load(version).match(method, path)
    return None if route is None else list(route.scopes)


@pytest.mark.parametrize("version", SELF_HOSTED_2X)
def test_self_hosted_2x_canary(version, appwrite_dir):
    cat = load(version)
    assert (cat.edition, cat.release, len(cat.key_scopes), len(cat.routes)) == ("self-hosted", "2.4.0", 105, 618)
    assert cat.label == f"{version} (routes of 2.4.0)" and "2.4.0" in cat.note
    assert scopes_of(version, "GET", DOCS) == ["documentsdb.documents.read"]  # no fallback to documents.read
    assert scopes_of(version, "POST", "/v1/documentsdb/shop/collections/orders/indexes") == [
        "documentsdb.indexes.write"
    ]
    assert set(scopes_of(version, "GET", ROWS)) == {"rows.read", "documents.read"}
    assert scopes_of(version, "GET", LEGACY) == ["documents.read"]
    assert scopes_of(version, "PATCH", "/v1/project/oauth2/github") == ["project.oauth2.write"]
    assert scopes_of(version, "GET", "/v1/backups/policies") is None  # Cloud only
    assert scopes_of(version, "GET", "/v1/postgresql") is None
    assert cat.renamed["oauth2.write"] == "project.oauth2.write" and cat.renamed["documents.read"] == "rows.read"
    assert cat.renamed["policies.read"] == "project.policies.read"  # no backup route here takes policies.*
    assert {"archives.read", "restorations.write", "backups.policies.read"} <= cat.cloud_only
    assert not cat.cloud_only & cat.key_scopes
    assert "health.read" in cat.key_scopes and cat.implicit == ("global", "health.read", "graphql")
    assert {m["new"] for m in cat.moved_on_routes if m["old"] == "documents.read"} == {
        "documentsdb.documents.read",
        "vectorsdb.documents.read",
    }
    table = json.loads((appwrite_dir / "routes-2.4.0-from-cloud-spec.json").read_text())
    assert cat.sources[0]["commit"] == table["commit"] and cat.sources[0]["path"] == table["path"]


def test_api_2_0_and_2_5_key_scopes_differ_only_by_cloud_scopes(appwrite_dir):
    lists = json.loads((appwrite_dir / "key-scopes-by-api-version.json").read_text())["scopes"]
    assert len(lists["sdk_py_24.0.0_api2.0.0"]) == 121 and len(lists["sdk_py_25-27_api2.5.0"]) == 125
    assert load("2.0").key_scopes == set(lists["sdk_py_24.0.0_api2.0.0"]) - load("2.0").cloud_only
    assert load("2.5").key_scopes == set(lists["sdk_py_25-27_api2.5.0"]) - load("2.5").cloud_only


def test_cloud_canary(appwrite_dir):
    cat = load("cloud")
    lists = json.loads((appwrite_dir / "key-scopes-by-api-version.json").read_text())["scopes"]
    assert (cat.edition, len(cat.routes)) == ("cloud", 862)
    assert cat.key_scopes == set(lists["sdk_py_25-27_api2.5.0"]) and not cat.cloud_only
    assert scopes_of("cloud", "GET", "/v1/backups/policies/p1") == ["policies.read", "backups.policies.read"]
    assert scopes_of("cloud", "GET", "/v1/backups/archives") == ["archives.read"]
    assert scopes_of("cloud", "GET", "/v1/backups/restorations/r1") == ["restorations.read"]
    assert scopes_of("cloud", "GET", "/v1/postgresql") == ["databases.read"]
    assert scopes_of("cloud", "POST", "/v1/oauth2/p1/approve") == ["oauth2.write"]
    assert scopes_of("cloud", "GET", "/v1/project/policies") == ["policies.read", "project.policies.read"]
    # policies.* opens backup policies beside backups.policies.*, oauth2.* is the OAuth2 server's: not renames here
    assert {"policies.read", "policies.write", "oauth2.read", "oauth2.write"} <= set(cat.still_valid)
    assert not {"policies.read", "oauth2.read"} & set(cat.renamed)
    assert "GET /v1/backups/policies" in cat.still_valid["policies.read"]
    assert cat.renamed["documents.write"] == "rows.write" and cat.renamed["execution.read"] == "executions.read"


@pytest.mark.parametrize("version", SUPPORTED)
def test_no_rename_drops_access(version):
    """old → new is a rename only where each route taking old takes new, or took only old in 1.9 (legacy)."""
    cat = load(version)
    for old, new in cat.renamed.items():
        for route in cat.routes_gated_by(old):
            current = set(route.scopes) & cat.key_scopes - {old} - set(cat.renamed)
            assert new in route.scopes or not current, (version, old, route.method, route.template)


def test_cloud_backup_policy_key_keeps_its_access(tmp_path):
    keys = [key("k1", ["policies.read", "archives.read", "restorations.read"])]
    calls = [
        call("k1", "GET", "/v1/backups/policies"),
        call("k1", "GET", "/v1/backups/archives/a1"),
        call("k1", "GET", "/v1/backups/restorations"),
    ]
    result = audit(tmp_path, keys, calls, version="cloud")
    rules = {rule for rule, _, _ in fired(result)}
    assert not rules & {"deprecated-scope", "unknown-scope", "cloud-only-scope", "missing-scope", "unused-scope"}
    key_path = write_keys(tmp_path, keys, "cloud-keys.json")
    logs = write_logs(tmp_path, calls, "cloud-calls.jsonl")
    before = (tmp_path / "cloud-keys.json").read_text()
    for extra in ([], ["--logs", logs]):
        code, _, err = run_cli("fix", "--appwrite-version", "cloud", "--mode", "replace", *extra, key_path)
        assert code == 0, err
        assert (tmp_path / "cloud-keys.json").read_text() == before  # nothing to swap: policies.read stays


def test_cloud_scopes_on_self_hosted_are_their_own_finding(tmp_path):
    result = audit(
        tmp_path, [key("k1", ["restorations.read", "archives.write", "rows.read", "row.read"])], version="2.4"
    )
    assert fired(result, "cloud-only-scope") == {
        ("cloud-only-scope", "k1", "restorations.read"),
        ("cloud-only-scope", "k1", "archives.write"),
    }
    assert fired(result, "unknown-scope") == {("unknown-scope", "k1", "row.read")}
    (finding,) = [f for f in result.findings if f.scope == "restorations.read"]
    assert "exists only on Appwrite Cloud" in finding.message and "reports.read" not in finding.message + finding.fix
    assert not fired(audit(tmp_path, [key("k1", ["restorations.read"])], version="cloud"), "cloud-only-scope")
    assert not fired(audit(tmp_path, [key("k1", ["restorations.read"])], version="cloud"), "unknown-scope")


def test_documents_read_on_2x_names_the_documentsdb_move(tmp_path):
    result = audit(tmp_path, [key("k1", ["documents.read"])], version="2.2")
    (finding,) = [f for f in result.findings if f.rule == "deprecated-scope"]
    assert "use rows.read" in finding.message
    assert "documentsdb.documents.read on 4 routes such as GET /v1/documentsdb/transactions" in finding.message


def test_documentsdb_call_with_documents_scope_is_missing_on_2x(tmp_path):
    calls = [call("k1", "GET", DOCS, status=401, error="general_unauthorized_scope")]
    result = audit(tmp_path, [key("k1", ["documents.read"])], calls, version="2.0")
    assert ("missing-scope", "k1", "documentsdb.documents.read") in fired(result)


def test_manifest_and_appwrite_json_declare_the_version(tmp_path):
    manifest = write_manifest(tmp_path, "cloud", ["archives.read"])
    code, out, err = run_cli("audit", "--keys", str(manifest), "--format", "json")
    report = json.loads(out)
    assert report["appwriteVersion"] == "cloud" and report["catalogRelease"] == "2.4.0", err
    assert report["summary"]["notes"] == [f"Appwrite cloud: {load('cloud').note}"]
    assert not {f["rule"] for f in report["findings"]} & {"unknown-scope", "cloud-only-scope"}
    project = tmp_path / "appwrite.json"
    for endpoint, version in (
        ("https://fra.cloud.appwrite.io/v1", "cloud"),
        ("https://appwrite.example.com/v1", "1.9"),
    ):
        project.write_text(
            json.dumps(
                {"projectId": "p", "endpoint": endpoint, "functions": [{"$id": "f", "scopes": ["restorations.read"]}]}
            )
        )
        code, out, err = run_cli("audit", "--keys", str(project), "--format", "json")
        assert json.loads(out)["appwriteVersion"] == version, err
        code, out, err = run_cli("validate", str(project), "--format", "json")
        assert json.loads(out)[0]["appwriteVersion"] == version, out + err
    code, out, _ = run_cli("validate", str(manifest), "--format", "json")
    assert code == 0 and json.loads(out)[0]["appwriteVersion"] == "cloud"


def test_fetch_keys_on_a_cloud_host_asks_no_version(monkeypatch):
    asked = []

    def answer(url, headers, timeout):
        asked.append(url.split("?", 1)[0])
        return {"total": 0, "keys": []}

    monkeypatch.setattr(fetch_module, "get_json", answer)
    fetched = fetch_keys("https://fra.cloud.appwrite.io/v1", "shop", Credential(api_key="k"))
    assert (fetched.server_version, fetched.catalog_version) == ("cloud", "cloud")
    assert asked == ["https://fra.cloud.appwrite.io/v1/project/keys"]


def test_validate_names_a_cloud_scope_in_a_self_hosted_manifest(tmp_path):
    manifest = str(write_manifest(tmp_path, '"2.4"', ["restorations.read", "rows.read"]))
    assert run_cli("validate", manifest)[:2] == (
        1,
        f"{manifest}:5: error: scope 'restorations.read' exists only on "
        "Appwrite Cloud, not on self-hosted Appwrite 2.4\n"
        f"{manifest}: invalid manifest, Appwrite 2.4\n",
    )
    assert run_cli("validate", "--appwrite-version", "cloud", manifest)[0] == 0
