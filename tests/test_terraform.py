"""Keys managed with the Appwrite Terraform provider: .tf files and `terraform show -json` output."""

import json
import shutil

from helpers.audit import NOW
from helpers.cli import run_cli
from helpers.paths import ROOT

from auditor.audit import run_audit
from auditor.loaders.keys import load_key_file
from auditor.rules.registry import configured_rules

FIXTURES = ROOT / "tests" / "fixtures" / "terraform"
TF = str(FIXTURES / "keys.tf")
STATE = str(FIXTURES / "state.json")
PLAN = str(FIXTURES / "plan.json")
REAL_SECRET = "standard_" + "5e" * 128


def findings(*paths):
    result = run_audit(list(paths), [], version="1.9", rules=configured_rules({}), now=NOW)
    return {(f.rule, f.key, f.scope): f.location for f in result.findings}


def test_hcl_keys_with_file_and_line():
    key_file = load_key_file(TF)
    assert (key_file.kind, key_file.shape) == ("terraform", "hcl")
    erp, deployer = key_file.keys
    assert (erp.id, erp.name, erp.project, erp.expire) == (
        "684ade47dc61cf39e191",
        "legacy-sync",
        None,
        "2027-06-30T00:00:00.000+00:00",
    )
    assert erp.scopes == ["documents.read", "documents.write", "execution.write"]
    assert (erp.location.line, erp.scope_location("documents.write").line) == (14, 20)
    # no `id` in the block: the key is named by its Terraform address
    assert (deployer.id, deployer.project, deployer.expire, deployer.location.line) == (
        "appwrite_project_key.deployer",
        "shop-prod",
        None,
        26,
    )
    assert deployer.scope_location("policies.read").line == 29
    assert {key.source for key in key_file.keys} == {"terraform"}


def test_audit_reports_hcl_findings_at_their_lines():
    found = findings(TF)
    assert found[("deprecated-scope", "684ade47dc61cf39e191", "documents.read")].line == 19
    assert found[("deprecated-scope", "684ade47dc61cf39e191", "execution.write")].line == 21
    assert found[("deprecated-scope", "appwrite_project_key.deployer", "policies.read")].line == 29
    assert found[("no-expiry", "appwrite_project_key.deployer", None)].line == 26
    assert ("no-expiry", "684ade47dc61cf39e191", None) not in found


def test_show_json_state_and_plan_with_lines():
    state = load_key_file(STATE)
    assert (state.kind, state.shape) == ("terraform", "state")
    assert [k.id for k in state.keys] == ["6a1ff008311c0a68e688", "67a9c7246d5780ae71c5"]  # the bucket is skipped
    deployer, reader = state.keys
    assert (deployer.location.line, deployer.created_at, deployer.tracks_access) == (
        14,
        "2026-03-02T10:15:00.000+00:00",
        True,
    )
    assert reader.location.pointer == "/values/root_module/child_modules/0/resources/0/values"
    found = findings(STATE, PLAN)
    assert found[("deprecated-scope", "6a1ff008311c0a68e688", "documents.read")].line == 25
    assert found[("high-risk-scope", "67a9c7246d5780ae71c5", "keys.write")].line == 50
    assert found[("stale-key", "6a1ff008311c0a68e688", None)].line == 14  # never used since March
    plan = load_key_file(PLAN)
    assert plan.shape == "plan" and plan.keys[0].id == "appwrite_project_key.indexer"
    assert found[("deprecated-scope", "appwrite_project_key.indexer", "collections.read")].line == 16


def test_secret_in_state_is_found_and_never_shown(tmp_path):
    state = json.loads((FIXTURES / "state.json").read_text())
    state["values"]["root_module"]["resources"][0]["values"]["secret"] = REAL_SECRET
    path = tmp_path / "state.json"
    text = json.dumps(state, indent=2)
    path.write_text(text)
    line = text[: text.index(REAL_SECRET)].count("\n") + 1
    code, out, err = run_cli("audit", "--keys", str(path), "--format", "json", "--now", "2026-11-25T00:00:00Z")
    assert REAL_SECRET not in out + err
    (finding,) = [f for f in json.loads(out)["findings"] if f["rule"] == "secret-in-file"]
    assert finding["key"] == "6a1ff008311c0a68e688" and finding["location"]["line"] == line


def test_computed_scopes_are_refused_with_a_hint(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text('resource "appwrite_project_key" "k" {\n  name = "k"\n  scopes = var.scopes\n}\n')
    code, _, err = run_cli("audit", "--keys", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "main.tf:3: invalid appwrite_project_key.k at /scopes: appwrite_project_key.k.scopes is computed" in err
    assert "terraform show -json" in err


def test_bad_hcl_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text('resource "appwrite_project_key" "k" {\n  name = \n}\n')
    code, _, err = run_cli("audit", "--keys", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "main.tf:2: invalid HCL" in err
    path.write_text('resource "appwrite_project_key" "k" {\n  scopes = ["rows.read"]\n}\n')
    code, _, err = run_cli("audit", "--keys", str(path))
    assert code == 2 and "main.tf:1: invalid appwrite_project_key.k at /: missing required field 'name'" in err


def test_other_terraform_is_ignored(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text('resource "appwrite_storage_bucket" "b" {\n  name = "b"\n}\n')
    assert load_key_file(str(path)).keys == []


def test_validate_checks_scopes_of_tf_files(tmp_path):
    code, out, _ = run_cli("validate", TF)
    assert code == 0, out
    assert f"{TF}:19: warning: documents.read is deprecated in Appwrite 1.9; use rows.read" in out
    path = tmp_path / "keys.tf"
    shutil.copy(TF, path)
    path.write_text(path.read_text().replace('"documents.write"', '"document.write"'))
    code, out, _ = run_cli("validate", str(path))
    assert code == 1 and f"{path}:20: error: unknown scope 'document.write' for Appwrite 1.9" in out
    code, out, _ = run_cli("validate", STATE, PLAN)
    assert code == 0 and "valid terraform" in out


def test_lint_style_pre_commit_catches_documents_read_in_tf():
    code, out, _ = run_cli(
        "audit", "--keys", TF, "--fail-on", "medium", "--now", "2026-11-25T00:00:00Z", "--format", "lines"
    )  # lines name each finding's line; the table names the key's
    assert code == 1 and "keys.tf:19" in out
