"""keyaudit fix: both modes on YAML, JSON and HCL keep comments and order, validate, and are idempotent."""

import json

import pytest
from helpers.audit import call, key, over_a_month, write_keys, write_logs
from helpers.cli import run_cli

MANIFEST = """\
# keys of the shop, reviewed in git
appwriteVersion: "1.9"
project: shop-prod
keys:
  - id: k1
    name: erp-sync     # the ERP bridge
    scopes:
      - documents.read   # legacy reads
      - users.read
      - execution.write
    expire: null
  - id: k2
    name: web
    scopes: [rows.read, 'policies.read', global]
    expire: "2027-06-30T00:00:00Z"
"""

APPWRITE_JSON = """\
{
    "projectId": "shop-prod",
    "functions": [
        {
            "$id": "report",
            "name": "report",
            "scopes": [
                "documents.read",
                "users.read"
            ]
        }
    ]
}
"""

TERRAFORM = """\
resource "appwrite_project_key" "erp" {
  id   = "k1"
  name = "erp-sync"
  scopes = [
    "documents.read", # legacy reads
    "users.read",
    "execution.write"
  ]
}

resource "appwrite_project_key" "web" {
  name   = "web"
  scopes = ["rows.read", "collections.read"]
}
"""

ADDED = {
    "keys.yaml": MANIFEST.replace(
        "      - documents.read   # legacy reads\n", "      - documents.read   # legacy reads\n      - rows.read\n"
    )
    .replace("      - execution.write\n", "      - execution.write\n      - executions.write\n")
    .replace("[rows.read, 'policies.read', global]", "[rows.read, 'policies.read', 'project.policies.read']"),
    "appwrite.json": APPWRITE_JSON.replace('"documents.read",\n', '"documents.read",\n                "rows.read",\n'),
    "keys.tf": TERRAFORM.replace(
        '    "documents.read", # legacy reads\n', '    "documents.read", # legacy reads\n    "rows.read",\n'
    )
    .replace('    "execution.write"\n', '    "execution.write",\n    "executions.write"\n')
    .replace('["rows.read", "collections.read"]', '["rows.read", "collections.read", "tables.read"]'),
}
REPLACED = {
    # Without four weeks of logs, an old name that legacy-only routes of 1.9 accept (documents.read,
    # collections.read) stays beside its new name; the others are swapped. ruamel.yaml keeps a comment at its column.
    "keys.yaml": ADDED["keys.yaml"]
    .replace("      - execution.write\n      - executions.write\n", "      - executions.write\n")
    .replace("[rows.read, 'policies.read', 'project.policies.read']", "[rows.read, 'project.policies.read']"),
    "appwrite.json": ADDED["appwrite.json"],
    "keys.tf": ADDED["keys.tf"].replace('    "execution.write",\n    "executions.write"\n', '    "executions.write"\n'),
}
SOURCES = {"keys.yaml": MANIFEST, "appwrite.json": APPWRITE_JSON, "keys.tf": TERRAFORM}
NOW = ("--now", "2026-11-25T00:00:00Z")


def write(tmp_path, name):
    path = tmp_path / name
    path.write_text(SOURCES[name])
    return path


def fix(*args):
    return run_cli("fix", "--appwrite-version", "1.9", *args)


def deprecated_left(path):
    code, out, err = run_cli("audit", "--keys", str(path), "--format", "json", *NOW)
    assert code in (0, 1), err
    return [(f["key"], f["scope"]) for f in json.loads(out)["findings"] if f["rule"] == "deprecated-scope"]


@pytest.mark.parametrize("name", sorted(SOURCES))
@pytest.mark.parametrize("mode,expected", [("add", ADDED), ("replace", REPLACED)])
def test_round_trip(tmp_path, name, mode, expected):
    path = write(tmp_path, name)
    code, out, err = fix("--mode", mode, str(path))
    assert code == 0, err
    assert path.read_text() == expected[name]  # comments, order, quoting and layout kept; only scopes change
    code, out, _ = run_cli("validate", str(path))
    assert code == 0 and "valid" in out, out
    if mode == "replace":
        assert deprecated_left(path) == []
    code, out, err = fix("--mode", mode, "--diff", str(path))
    assert (code, out) == (0, ""), err  # a second run changes nothing
    assert path.read_text() == expected[name]


def test_diff_changes_nothing_and_exits_1(tmp_path):
    path = write(tmp_path, "keys.yaml")
    code, out, err = fix("--diff", str(path))
    assert code == 1 and path.read_text() == MANIFEST
    assert out.startswith(f"--- {path}\n+++ {path}\n") and "+      - rows.read\n" in out
    assert "added rows.read beside the deprecated documents.read" in err


def test_replace_keeps_old_names_legacy_only_routes_need(tmp_path):
    path = write(tmp_path, "keys.yaml")
    logs = write_logs(
        tmp_path,
        over_a_month(
            [
                call("k1", "GET", "/v1/databases/shop/collections/orders/documents"),
                call("k1", "POST", "/v1/functions/report/executions"),
            ]
        ),
    )
    code, _, err = fix("--mode", "replace", "--logs", logs, str(path))
    assert code == 0, err
    text = path.read_text()
    assert "      - documents.read   # legacy reads\n      - users.read\n" in text  # no rows.read: see below
    assert "      - executions.write\n" in text and "execution.write" not in text  # that route takes both
    assert (
        "kept documents.read: the key calls legacy-only routes that accept only it "
        "(GET /v1/databases/{databaseId}/collections/{collectionId}/documents)" in err
    )
    assert deprecated_left(path) == [("k1", "documents.read")]
    assert fix("--mode", "replace", "--logs", logs, "--diff", str(path))[0] == 0


@pytest.mark.parametrize("mode", ["add", "replace"])
def test_a_new_name_the_logged_calls_would_not_use_is_not_added(tmp_path, mode):
    """The key reads documents only through a legacy-only route: rows.read would open none of its calls, and
    audit would call it unused. Without logs, or where a call's route takes both names, it is added."""
    path = write(tmp_path, "keys.yaml")
    legacy = write_logs(tmp_path, [call("k1", "GET", "/v1/databases/shop/collections/orders/documents")])
    code, _, err = fix("--mode", mode, "--logs", legacy, str(path))
    assert code == 0 and "      - rows.read\n" not in path.read_text()
    assert (
        "did not add rows.read beside documents.read: none of the key's logged calls would use it (they reach "
        "documents.read only through legacy-only routes)" in err
    )
    report = json.loads(run_cli("audit", "--keys", str(path), "--logs", legacy, "--format", "json", *NOW)[1])
    assert not [f for f in report["findings"] if f["rule"] == "unused-scope" and f["scope"] == "rows.read"]
    path.write_text(MANIFEST)
    tables = write_logs(tmp_path, [call("k1", "GET", "/v1/tablesdb/shop/tables/orders/rows")])
    assert fix("--mode", mode, "--logs", tables, str(path))[0] == 0
    assert "      - rows.read" in path.read_text()


def test_unknown_names_become_the_suggestion_only_when_unambiguous(tmp_path):
    keys = write_keys(tmp_path, [key("k1", ["row.read", "collection.read", "users.read", "xyz.read", "global"])])
    original = open(keys).read()
    code, out, err = fix(keys)
    assert code == 0 and open(keys).read() == original  # a key export is never edited
    arguments = (
        "--key-id k1 --name name-k1 --scopes rows.read tables.read users.read --expire 2027-06-30T00:00:00.000+00:00"
    )
    assert out.splitlines() == [
        "# Appwrite CLI 18+",
        f"appwrite project update-key {arguments}",
        "# Appwrite CLI before 18",
        f'appwrite projects update-key --project-id "$APPWRITE_PROJECT_ID" {arguments}',
    ]
    assert "removed xyz.read: not a scope of Appwrite 1.9, so it grants nothing" in err  # no name is close to it
    assert "removed global: every key holds it" in err


def test_implicit_scopes_go_as_the_reports_fix_drops_them(tmp_path):
    """health.read is a grantable name and one every key holds: fix removes it, as implicit-scope asks."""
    keys = write_keys(tmp_path, [key("k1", ["users.read", "health.read", "graphql"])])
    code, out, err = fix(keys)
    assert code == 0 and "removed health.read: every key holds it implicitly" in err
    assert "removed graphql: every key holds it implicitly" in err
    report = json.loads(run_cli("audit", "--keys", keys, "--format", "json", *NOW)[1])
    assert report["keys"][0]["fixes"]["scopes"] == ["users.read"]
    assert "--scopes users.read --expire" in out.splitlines()[1]


def test_diff_fails_on_a_key_export_needing_changes_no_command_can_make(tmp_path):
    """A key without a name gets no update-key command (it would need the name); --diff still exits 1."""
    keys = write_keys(tmp_path, [key("k1", ["documents.read"], name=""), key("k2", ["users.read"])])
    code, out, err = fix("--diff", keys)
    assert code == 1 and out == "", out
    assert "no command: update-key needs the key's name" in err
    assert fix("--diff", write_keys(tmp_path, [key("k2", ["users.read"])], name="clean.json"))[0] == 0


def test_commands_for_older_servers_and_secrets_never_printed(tmp_path):
    secret = "standard_" + "ab" * 128
    keys = write_keys(tmp_path, [key("k1", ["documents.read"], secret=secret, projectId="shop", expire=None)])
    code, out, err = run_cli("fix", "--appwrite-version", "1.8", "--diff", keys)
    assert code == 1 and secret not in out + err
    assert out.strip() == (
        "appwrite projects update-key --project-id shop --key-id k1 --name name-k1 --scopes documents.read rows.read"
    )
    code, out, err = fix("--diff", keys)
    assert code == 1 and secret not in out + err
    assert out.splitlines()[:2] == [
        "# Appwrite CLI 18+",
        "appwrite project update-key --key-id k1 --name name-k1 --scopes documents.read rows.read",
    ]


def test_file_with_a_secret_is_refused(tmp_path):
    path = write(tmp_path, "keys.tf")
    secret = "standard_" + "cd" * 128
    path.write_text(path.read_text() + f'\nprovider "appwrite" {{\n  api_key = "{secret}"\n}}\n')
    code, out, err = fix(str(path))
    assert code == 2 and "holds a key secret" in err and secret not in out + err
    assert secret in path.read_text() and 'rows.read",\n' not in path.read_text()


def test_version_is_required_and_must_match_the_manifest(tmp_path):
    path = write(tmp_path, "keys.yaml")
    assert run_cli("fix", "--diff", str(path))[0] == 1  # the manifest's appwriteVersion: 1.9
    export = tmp_path / "keys.json"
    export.write_text('{"keys": [{"$id": "k1", "name": "n", "scopes": ["documents.read"], "expire": null}]}')
    code, _, err = run_cli("fix", str(export))
    assert code == 2 and "give --appwrite-version" in err
    code, _, err = run_cli("fix", "--appwrite-version", "1.8", str(path))
    assert code == 2 and "names Appwrite 1.9, but --appwrite-version is 1.8" in err


def test_new_names_depend_on_the_version(tmp_path):
    path = tmp_path / "keys.yaml"
    path.write_text(MANIFEST.replace('appwriteVersion: "1.9"', 'appwriteVersion: "1.8"'))
    code, _, err = run_cli("fix", "--appwrite-version", "1.8", "--mode", "replace", str(path))
    assert code == 0, err
    text = path.read_text()
    assert "- execution.write" in text and "executions" not in text  # executions.* does not exist before 1.9.5
    # 1.8 has legacy-only routes for documents.read: without four weeks of logs it stays beside rows.read
    assert "- documents.read   # legacy reads\n      - rows.read\n" in text
    assert "'policies.read'" in text  # a 1.9 name: left alone
    assert "left policies.read: a scope of another Appwrite version, not of 1.8" in err


def test_drop_unused_needs_a_long_enough_window(tmp_path):
    path = write(tmp_path, "keys.yaml")
    short = write_logs(
        tmp_path,
        [
            call("k1", "GET", "/v1/users", time="2026-11-01T00:00:00Z"),
            call("k1", "GET", "/v1/users", time="2026-11-20T00:00:00Z"),
        ],
    )
    code, _, err = fix("--drop-unused", "--diff", "--logs", short, str(path))
    assert "dropped no unused scope: the logs cover 19 days, fewer than the 28 it takes to drop a scope on" in err
    assert "erp-sync (k1): removed" not in err  # the one rule: the report's proposal keeps them on these logs too
    assert fix("--drop-unused", str(path))[0] == 2
    month = write_logs(
        tmp_path,
        [
            call("k1", "GET", "/v1/users", time="2026-10-01T00:00:00Z"),
            call("k1", "GET", "/v1/users", time="2026-11-20T00:00:00Z"),
        ],
        "month.jsonl",
    )
    code, _, err = fix("--drop-unused", "--mode", "replace", "--logs", month, str(path))
    assert code == 0, err
    assert "      - users.read\n    expire: null" in path.read_text()  # documents.read and execution.write dropped
    assert "removed documents.read: none of the key's 2 logged calls that Appwrite let through needed it" in err
    assert "web (k2): dropped no unused scope: the logs hold no call of this key" in err
