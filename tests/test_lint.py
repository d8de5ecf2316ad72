"""`keyaudit lint FILE...`: definition rules on the files pre-commit passes, one line per finding."""

import json
import re

import pytest
from helpers.audit import key, write_keys
from helpers.cli import run_cli
from helpers.lint import NOW, appwrite_json, manifest
from helpers.paths import ROOT

from auditor.rules.registry import builtin_rules
from auditor.validation.schemas import violations

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<severity>info|low|medium|high|critical) (?P<rule>[a-z-]+): .+$")


def test_deprecated_scope_fails_at_the_default_medium(tmp_path):
    path = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    code, out, err = run_cli("lint", path, *NOW)
    assert code == 1 and err == ""
    (line,) = out.splitlines()
    match = LINE.match(line)
    assert match and match["file"] == path and match["rule"] == "deprecated-scope" and match["severity"] == "medium"
    assert int(match["line"]) == 9  # the scope's own line in the file
    assert "use rows.read" in line


def test_clean_file_prints_nothing_and_passes(tmp_path):
    path = appwrite_json(tmp_path / "appwrite.json", ["rows.read"])
    assert run_cli("lint", path, *NOW) == (0, "", "")


def test_fail_on_and_config_fail_on(tmp_path):
    path = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    code, out, _ = run_cli("lint", path, *NOW, "--fail-on", "high")
    assert code == 0 and "deprecated-scope" in out
    config = tmp_path / "keyaudit.yaml"
    config.write_text("failOn: high\n")
    assert run_cli("lint", path, *NOW, "--config", str(config))[0] == 0
    assert run_cli("lint", path, *NOW, "--config", str(config), "--fail-on", "medium")[0] == 1


def test_samples_show_every_definition_rule_and_no_log_rule():
    code, out, err = run_cli(
        "lint", "samples/keys/keylist.json", "samples/appwrite.json", "samples/manifest.yaml", *NOW, "--format", "json"
    )
    assert code == 1 and err == ""
    report = json.loads(out)
    assert violations(report, "report.schema.json", None) == []
    rules = builtin_rules()
    fired = {f["rule"] for f in report["findings"]}
    assert not any(rules[r].requires_logs for r in fired)
    assert set(report["summary"]["skippedRules"]) == {r.id for r in rules.values() if r.requires_logs}
    expected = {
        "deprecated-scope",
        "unknown-scope",
        "ineffective-scope",
        "implicit-scope",
        "no-expiry",
        "expired",
        "secret-in-file",
        "stale-key",
    }
    assert expected <= fired


def test_every_output_line_has_the_pre_commit_shape_and_no_secret():
    code, out, _ = run_cli("lint", "samples/keys/keylist.json", "samples/appwrite.json", "samples/manifest.yaml", *NOW)
    assert code == 1
    lines = out.splitlines()
    assert lines and all(LINE.match(line) for line in lines), [line for line in lines if not LINE.match(line)]
    assert not re.search(r"standard_[0-9a-f]{256}", out)
    assert any(" critical secret-in-file: " in line and "sha256:" in line for line in lines)


def test_every_file_is_judged_or_refused_with_one_line_never_skipped(tmp_path):
    translations = tmp_path / "keys.yaml"
    translations.write_text("greeting: Hello\nfarewell: Bye\n")
    config = tmp_path / "keyaudit.yaml"
    config.write_text("failOn: high\n")  # a keyaudit config: judged by its schema
    bad_config = tmp_path / "keyaudit-bad.yaml"
    bad_config.write_text("failOn: sometimes\n")
    notes = tmp_path / "NOTES.md"
    notes.write_text("# keys\n\n- rotate: [monthly\n")
    terraform_json = tmp_path / "keys.tf.json"
    terraform_json.write_text(
        json.dumps({"resource": {"appwrite_project_key": {"k": {"name": "k", "scopes": "${var.scopes}"}}}})
    )
    project = tmp_path / "appwrite.json"  # Appwrite's own file, with a `rules` member: not a config
    appwrite_json(project, ["documents.read"])
    project.write_text(json.dumps({**json.loads(project.read_text()), "rules": [{"domain": "shop.example"}]}))
    keys = manifest(tmp_path / "keys-manifest.yaml", [("k1", ["users.read"], "2027-06-30T00:00:00Z")])
    code, out, err = run_cli(
        "lint",
        str(translations),
        str(config),
        str(bad_config),
        str(notes),
        str(terraform_json),
        str(project),
        keys,
        *NOW,
    )
    assert code == 2
    assert [LINE.match(line)["rule"] for line in out.splitlines()] == ["deprecated-scope"]
    refused = err.splitlines()
    assert [line.split(": ")[2].split(":")[0] for line in refused] == [
        str(translations),
        str(bad_config),
        str(notes),
        str(terraform_json),
    ]
    assert all(line.startswith("keyaudit: error: ") for line in refused)
    assert "leave it out" in refused[0] and "computed by Terraform" in refused[3]
    assert run_cli("lint", str(config), keys, *NOW) == (0, "", "")


def test_broken_key_file_is_one_line_and_exit_2(tmp_path):
    broken = tmp_path / "appwrite.json"
    broken.write_text('{"projectId": "shop", "functions": [\n')
    code, out, err = run_cli("lint", str(broken), *NOW)
    assert code == 2 and out == "" and err.count("\n") == 1 and "invalid JSON" in err
    bad_manifest = tmp_path / "manifest.yaml"
    bad_manifest.write_text('appwriteVersion: "1.9"\nkeys:\n  - id: k1\n    scopes: [users.read]\n')
    code, _, err = run_cli("lint", str(bad_manifest), *NOW)
    assert code == 2 and "missing required field" in err


def test_expired_and_never_expiring_keys_in_an_export(tmp_path):
    path = write_keys(
        tmp_path,
        [key("k1", ["users.read"], expire=None), key("k2", ["users.read"], expire="2026-09-30T00:00:00.000+00:00")],
    )
    code, out, _ = run_cli("lint", path, *NOW)
    assert code == 1
    assert {LINE.match(line)["rule"] for line in out.splitlines()} == {"no-expiry", "expired"}


def test_clean_manifest_passes(tmp_path):
    clean = manifest(
        tmp_path / "manifest.yaml", [("6a7af9ba1038f415b0bf", ["rows.read", "tables.read"], "2027-06-30T00:00:00Z")]
    )
    assert run_cli("lint", clean, *NOW) == (0, "", "")


def test_stdin_is_taken_as_a_key_file(tmp_path):
    text = (ROOT / "samples/appwrite.json").read_text()
    code, out, _ = run_cli("lint", "-", *NOW, input=text)
    assert code == 1 and out.startswith("<stdin>:34: medium deprecated-scope: ")


SECRET = "standard_" + "5e" * 128


def test_200_files_with_one_empty_print_every_other_files_findings(tmp_path):
    """pre-commit passes every changed file in one call: one empty file is one line and exit 2, not silence."""
    paths = []
    for n in range(199):
        (tmp_path / f"p{n:03}").mkdir()
        paths.append(appwrite_json(tmp_path / f"p{n:03}" / "appwrite.json", ["documents.read"]))
    empty = tmp_path / "p-empty" / "appwrite.json"
    empty.parent.mkdir()
    empty.write_text("")
    code, out, err = run_cli("lint", *paths[:100], str(empty), *paths[100:], *NOW)
    assert code == 2
    assert err.splitlines() == [f"keyaudit: error: {empty}: empty file"]
    judged = [LINE.match(line) for line in out.splitlines()]
    assert all(judged) and [m["file"] for m in judged] == paths
    assert {m["rule"] for m in judged} == {"deprecated-scope"}


def test_a_file_lint_cannot_classify_is_one_line_and_exit_2_like_an_empty_one(tmp_path):
    """Both cases are refused the same way: named on stderr with why, exit 2, the other files still judged."""
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\nset -e\nappwrite push functions --force: yes\n")
    empty = tmp_path / "keys.json"
    empty.write_text("")
    project = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    code, out, err = run_cli("lint", str(script), str(empty), project, *NOW)
    assert code == 2
    assert [LINE.match(line)["file"] for line in out.splitlines()] == [project]
    script_line, empty_line = err.splitlines()
    assert script_line.startswith(f"keyaudit: error: {script}: not JSON or YAML text")
    assert "invalid YAML" not in script_line and "leave it out" in script_line
    assert empty_line == f"keyaudit: error: {empty}: empty file"


@pytest.mark.parametrize(
    "name, text, line",
    [
        (".env", f"APPWRITE_ENDPOINT=https://cloud.appwrite.io/v1\nAPPWRITE_KEY={SECRET}\n", 2),
        ("deploy.sh", f"#!/bin/sh\nset -e\n\nexport APPWRITE_KEY='{SECRET}'\nappwrite push\n", 4),
        ("README.md", f"# Setup\n\nUse `{SECRET}` as the key.\n", 3),
        ("keyaudit.yaml", f"failOn: high\n# {SECRET}\n", 2),  # a valid config: judged as one, and scanned
        ("appwrite.json", f'{{"projectId": "shop", "functions": [\n  "{SECRET}",\n}}', 2),  # broken key file
    ],
)
def test_a_leaked_secret_is_a_finding_in_any_file_lint_is_given(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text)
    code, out, err = run_cli("lint", str(path), *NOW)
    _, secrets_out, _ = run_cli("secrets", str(path))
    (finding,) = out.splitlines()
    match = LINE.match(finding)
    assert match and match["rule"] == "secret-in-file" and match["severity"] == "critical"
    assert int(match["line"]) == line and f"{path}:{line}: " in secrets_out
    assert secrets_out.split("(sha256:")[1][:12] in finding
    assert SECRET not in out + err and SECRET[9:] not in out + err
    assert code == (1 if name == "keyaudit.yaml" else 2)


def test_a_json_shaped_file_not_named_json_is_refused_for_a_trailing_comma(tmp_path):
    """The Appwrite CLI's JSON.parse refuses it: lint must not accept it through YAML's flow style."""
    path = tmp_path / "appwrite.config"
    path.write_text('{\n  "projectId": "shop",\n  "functions": [],\n}\n')
    code, out, err = run_cli("lint", str(path), *NOW)
    assert (code, out) == (2, "") and err.startswith(f"keyaudit: error: {path}:4: invalid JSON: ")
    assert err.count("\n") == 1


def test_a_file_of_an_unsupported_or_other_version_is_refused_on_its_own(tmp_path):
    old = manifest(tmp_path / "old-keys.yaml", [("k1", ["users.read"], None)])
    (tmp_path / "old-keys.yaml").write_text(
        (tmp_path / "old-keys.yaml").read_text().replace('"1.9"', '"1.5"') + f"# {SECRET}\n"
    )
    project = appwrite_json(tmp_path / "appwrite.json", ["documents.read"])
    code, out, err = run_cli("lint", old, project, *NOW)
    assert code == 2
    assert {(m["file"], m["rule"]) for m in map(LINE.match, out.splitlines())} == {
        (project, "deprecated-scope"),
        (old, "secret-in-file"),  # refused, and still checked for secrets
    }
    (line,) = err.splitlines()
    assert line.startswith(f"keyaudit: error: {old}: appwriteVersion: Appwrite 1.5 is not supported")
    current = manifest(tmp_path / "keys.yaml", [("k1", ["users.read"], "2027-06-30T00:00:00Z")])
    code, out, err = run_cli("lint", "--appwrite-version", "1.8", current, project, *NOW)
    assert code == 2 and [m["file"] for m in map(LINE.match, out.splitlines())] == [project]
    assert err.startswith(f"keyaudit: error: {current}: names Appwrite 1.9, but --appwrite-version is 1.8")
