"""The committed catalog is exactly what the generator makes of ../shared/appwrite."""

import json

from auditor.catalog import generate
from auditor.catalog.catalog import load
from auditor.catalog.versions import SUPPORTED


def test_committed_catalog_and_scope_schemas_match_generator(appwrite_dir):
    targets = list(generate.outputs(appwrite_dir))
    assert len(targets) == 2 * len(SUPPORTED)
    for target, text in targets:
        assert target.read_text() == text, f"{target.name} is stale: run {generate.REGENERATE}"


def test_catalog_records_source_checksums(appwrite_dir):
    for version in SUPPORTED:
        for source in load(version).sources:
            assert generate.sha256_of(appwrite_dir / source["file"]) == source["sha256"]


def test_check_mode_reports_stale_file(appwrite_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "DATA_DIR", tmp_path)
    monkeypatch.setattr(generate, "SCHEMA_DIR", tmp_path)
    assert generate.main(["--shared", str(appwrite_dir), "--check"]) == 1
    assert generate.main(["--shared", str(appwrite_dir)]) == 0
    assert generate.main(["--shared", str(appwrite_dir), "--check"]) == 0


def test_scope_registry_from_scopes_json(appwrite_dir):
    scopes = json.loads((appwrite_dir / "scopes.json").read_text())
    assert load("1.9").key_scopes == set(scopes["versions"]["1.9.6"]["scopes"])
    assert load("1.6").key_scopes == set(scopes["versions"]["1.6.2"]["scopes"])
    assert load("1.8").renamed["documents.read"] == "rows.read"
    assert "execution.read" not in load("1.8").renamed
    assert load("1.9").renamed["execution.read"] == "executions.read"
    assert load("1.9").renamed["policies.write"] == "project.policies.write"
    assert load("1.7").renamed == {}
    assert load("1.9").implicit == ("global", "health.read", "graphql")
    assert "oauth2.read" not in load("1.9").renamed  # renamed on main only
