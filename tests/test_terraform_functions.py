"""Terraform blocks beyond appwrite_project_key: appwrite_function scopes, ephemeral keys, `.tf.json` files."""

import json
from pathlib import Path

import pytest
from helpers.cli import run_cli

from auditor.errors import InputError
from auditor.loaders.keys import load_key_file
from auditor.validation.validate_file import validate_path

HCL = """\
resource "appwrite_function" "mailer" {
  name       = "mailer"
  runtime    = "node-22"
  entrypoint = "index.js"
  scopes = [
    "users.read",
    "documents.raed",
  ]
}

resource "appwrite_function" "cron" {
  id      = "nightly"
  name    = "nightly"
  runtime = "node-22"
}

ephemeral "appwrite_project_ephemeral_key" "deploy" {
  scopes           = ["functions.write"]
  duration_seconds = 600
}

ephemeral "appwrite_project_ephemeral_key" "seed" {
  scopes = ["rows.write"]
}
"""

TF_JSON = {
    "resource": {
        "appwrite_function": {
            "mailer": {"name": "mailer", "runtime": "node-22", "scopes": ["users.read", "documents.raed"]}
        },
        "appwrite_project_key": {"ci": {"name": "ci", "scopes": ["users.read"], "expire": "2027-01-01T00:00:00Z"}},
    },
    "ephemeral": {
        "appwrite_project_ephemeral_key": {"deploy": [{"scopes": ["functions.write"], "duration_seconds": 60}]}
    },
}


@pytest.fixture
def hcl(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text(HCL)
    return str(path)


@pytest.fixture
def tf_json(tmp_path):
    path = tmp_path / "main.tf.json"
    path.write_text(json.dumps(TF_JSON, indent=2))
    return str(path)


def test_function_scopes_and_ephemeral_keys_from_hcl(hcl):
    mailer, cron, deploy, seed = load_key_file(hcl).keys
    assert (mailer.id, mailer.kind, mailer.expires_by_itself, mailer.location.line) == (
        "function:appwrite_function.mailer",
        "function",
        True,
        1,
    )
    assert [mailer.scope_location(s).line for s in mailer.scopes] == [6, 7]
    assert (cron.id, cron.scopes) == ("function:nightly", [])
    assert (deploy.id, deploy.scopes, deploy.lifetime_seconds, deploy.expires_by_itself) == (
        "ephemeral.appwrite_project_ephemeral_key.deploy",
        ["functions.write"],
        600,
        True,
    )
    assert (deploy.location.line, deploy.scope_location("functions.write").line) == (17, 18)
    assert seed.lifetime_seconds == 3600  # the provider's default


def test_a_misspelt_function_scope_fails_validation_at_its_line(hcl, tf_json):
    report = validate_path(hcl, None, "1.9")
    assert [(m.level, m.line) for m in report.messages if m.level == "error"] == [("error", 7)]
    json_report = validate_path(tf_json, None, "1.9")
    assert (json_report.kind, json_report.unreadable) == ("terraform", None)
    assert [(m.level, m.pointer) for m in json_report.messages if m.level == "error"] == [
        ("error", "/resource/appwrite_function/mailer/scopes/1")
    ]


def test_lint_fails_on_a_misspelt_function_scope(hcl):
    code, out, err = run_cli("lint", hcl, "--appwrite-version", "1.9")
    assert code == 1, err
    assert f"{hcl}:7: " in out and "documents.raed" in out


def test_lint_names_fix_for_a_tf_file_and_a_change_by_hand_for_terraform_json(hcl, tmp_path):
    """keyaudit fix edits `.tf` text only: lint must not point a .tf.json finding at a fix that refuses it."""
    tf_json = str(tmp_path / "more.tf.json")
    functions = {"exporter": {"name": "exporter", "runtime": "node-22", "scopes": ["documents.raed"]}}
    Path(tf_json).write_text(json.dumps({"resource": {"appwrite_function": functions}}, indent=2))
    code, out, err = run_cli("lint", hcl, tf_json, "--appwrite-version", "1.9")
    assert code == 1, err
    raed = [line for line in out.splitlines() if "documents.raed" in line]
    tf_line, json_line = sorted(raed, key=lambda line: line.startswith(tf_json))
    assert tf_line.startswith(f"{hcl}:7: ") and f"(next: keyaudit fix --appwrite-version 1.9 {hcl})" in tf_line
    assert json_line.startswith(f"{tf_json}:") and "(next: change the scopes by hand: keyaudit fix edits" in json_line
    assert run_cli("fix", "--appwrite-version", "1.9", "--diff", tf_json)[0] == 2


def test_tf_json_keys_with_file_and_line(tf_json):
    key_file = load_key_file(tf_json)
    assert (key_file.kind, key_file.shape) == ("terraform", "tf-json")
    ci, mailer, deploy = key_file.keys
    assert mailer.id == "function:appwrite_function.mailer" and mailer.kind == "function"
    assert mailer.scope_location("documents.raed").line == 9
    assert (ci.id, ci.expire, ci.expires_by_itself) == ("appwrite_project_key.ci", "2027-01-01T00:00:00Z", False)
    assert (deploy.id, deploy.lifetime_seconds) == ("ephemeral.appwrite_project_ephemeral_key.deploy", 60)
    assert deploy.location.pointer == "/ephemeral/appwrite_project_ephemeral_key/deploy/0"


def test_tf_json_computed_scopes_are_refused_with_the_line(tmp_path):
    path = tmp_path / "k.tf.json"
    body = {"name": "k", "scopes": ["${var.scope}"]}
    path.write_text(json.dumps({"resource": {"appwrite_project_key": {"k": body}}}, indent=2))
    with pytest.raises(InputError, match=r"k\.tf\.json:\d+: invalid appwrite_project_key\.k .*computed by Terraform"):
        load_key_file(str(path))


def test_an_ephemeral_key_longer_than_the_server_allows_is_refused(tmp_path):
    path = tmp_path / "e.tf"
    path.write_text('ephemeral "appwrite_project_ephemeral_key" "e" {\n  scopes = []\n  duration_seconds = 7200\n}\n')
    with pytest.raises(InputError, match=r"e\.tf:3: .*duration_seconds"):
        load_key_file(str(path))


def test_audit_reports_the_ephemeral_keys_lifetime(hcl):
    code, out, err = run_cli("audit", "--keys", hcl, "--format", "json", "--appwrite-version", "1.9")
    assert code in (0, 1), err
    keys = {key["id"]: key for key in json.loads(out)["keys"]}
    assert any("valid 600 s" in note for note in keys["ephemeral.appwrite_project_ephemeral_key.deploy"]["notes"])
    rules = {(f["rule"], f["key"]) for f in json.loads(out)["findings"]}
    assert not {rule for rule, key in rules if rule in ("no-expiry", "long-expiry")}


def test_functions_in_terraform_show_output(tmp_path):
    resources = [
        {
            "address": "appwrite_function.mailer",
            "mode": "managed",
            "type": "appwrite_function",
            "values": {"id": "mailer", "name": "mailer", "runtime": "node-22", "scopes": ["users.read"]},
        },
        {
            "address": "appwrite_function.bare",
            "mode": "managed",
            "type": "appwrite_function",
            "values": {"id": "bare", "name": "bare", "runtime": "node-22", "scopes": None},
        },
    ]
    path = tmp_path / "state.json"
    path.write_text(
        json.dumps({"format_version": "1.0", "values": {"root_module": {"resources": resources}}}, indent=2)
    )
    mailer, bare = load_key_file(str(path)).keys
    assert (mailer.id, mailer.kind, mailer.scopes, bare.id, bare.scopes) == (
        "function:mailer",
        "function",
        ["users.read"],
        "function:bare",
        [],
    )
    assert mailer.scope_location("users.read").pointer == "/values/root_module/resources/0/values/scopes/0"
    resources[0]["values"]["scopes"] = "users.read"
    path.write_text(json.dumps({"format_version": "1.0", "values": {"root_module": {"resources": resources}}}))
    with pytest.raises(InputError, match="invalid terraform at /values/root_module/resources/0/values/scopes"):
        load_key_file(str(path))


def test_a_terraform_key_is_changed_in_the_configuration_never_by_the_cli(hcl, tmp_path):
    """An update-key or push would be undone by the next terraform apply: every output gives fix + apply."""
    code, out, err = run_cli("audit", "--keys", hcl, "--appwrite-version", "1.9", "--format", "json")
    assert code == 1, err
    fixes = [key["fixes"] for key in json.loads(out)["keys"] if key.get("fixes")]
    assert fixes and all(
        fix["commands"] == [{"cli": "any", "command": f"keyaudit fix --appwrite-version 1.9 {hcl} && terraform apply"}]
        for fix in fixes
    )
    assert all(any("Terraform manages this key" in note for note in fix["notes"]) for fix in fixes)
    assert "appwrite push" not in out and "update-key" not in out
