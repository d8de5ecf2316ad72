"""Appwrite CLI project files as real projects keep them: `includes`, bare arrays of functions, one function."""

import json
import os
import subprocess
import sys

import pytest
from helpers.cli import run_cli
from helpers.paths import ROOT

from auditor.errors import InputError
from auditor.loaders.detect import detect
from auditor.loaders.keys import load_key_file
from auditor.loaders.keys.repeated import MAX_WARNING_LINES

FUNCTION = {"$id": "mailer", "name": "Mailer", "runtime": "node-22", "entrypoint": "src/main.js"}
SITE = {"$id": "shop", "name": "Shop", "framework": "nextjs", "buildRuntime": "node-22"}
KEY = {"$id": "k1", "name": "ci", "scopes": ["users.read"], "expire": None, "secret": ""}


def write(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2))
    return str(path)


def project(tmp_path, includes, **files):
    """appwrite.config.json with `includes`, and each included file (relative name -> value)."""
    for name, value in files.items():
        write(tmp_path / name, value)
    return write(tmp_path / "appwrite.config.json", {"projectId": "shop-prod", "includes": includes})


def test_includes_are_read_relative_to_the_file_that_names_them(tmp_path):
    functions = [{**FUNCTION, "scopes": ["users.read", "documents.raed"]}, {**FUNCTION, "$id": "cron"}]
    main = project(
        tmp_path,
        {"functions": "./appwrite/functions.json", "sites": "appwrite/sites.json"},
        **{"appwrite/functions.json": functions, "appwrite/sites.json": [SITE]},
    )
    key_file = load_key_file(main)
    assert [key.id for key in key_file.keys] == ["function:mailer", "function:cron", "site:shop"]
    mailer = key_file.keys[0]
    assert (mailer.project, mailer.expires_by_itself, mailer.kind) == ("shop-prod", True, "function")
    where = mailer.scope_location("documents.raed")
    assert (where.file, where.line) == (str(tmp_path / "appwrite/functions.json"), 9)
    assert [doc.name for doc in key_file.included] == [
        str(tmp_path / "appwrite/functions.json"),
        str(tmp_path / "appwrite/sites.json"),
    ]


def test_paths_inside_an_included_file_are_relative_to_it(tmp_path):
    write(tmp_path / "a/more/functions.json", [FUNCTION])
    write(tmp_path / "a/part.json", {"includes": {"functions": "more/functions.json"}})
    main = write(tmp_path / "appwrite.config.json", {"projectId": "p", "includes": {"functions": ["a/part.json"]}})
    assert [key.id for key in load_key_file(main).keys] == ["function:mailer"]


def test_an_include_that_leaves_the_project_is_refused_in_one_line(tmp_path):
    write(tmp_path / "outside.json", [FUNCTION])
    main = project(tmp_path / "repo", {"functions": "../outside.json"})
    code, out, err = run_cli("lint", main)
    assert code == 2 and "leaves the project" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_an_include_cycle_is_refused(tmp_path):
    write(tmp_path / "a.json", {"includes": {"functions": "b.json"}})
    write(tmp_path / "b.json", {"includes": {"functions": "a.json"}})
    main = project(tmp_path, {"functions": "a.json"})
    with pytest.raises(InputError, match="cycle"):
        load_key_file(main)


def test_an_included_file_is_checked_like_the_project_file(tmp_path):
    main = project(tmp_path, {"functions": "f.json"}, **{"f.json": [{"runtime": "node-22"}]})
    with pytest.raises(InputError, match=r"f\.json:\d+: invalid appwrite-json at /0: missing required field '\$id'"):
        load_key_file(main)


def test_sections_without_keys_are_not_read(tmp_path):
    main = project(tmp_path, {"tables": "missing/tables.json"})
    assert load_key_file(main).keys == []


@pytest.mark.parametrize(
    "value, expected",
    [
        ([FUNCTION], ("appwrite-json", "functionArray")),
        ([SITE], ("appwrite-json", "siteArray")),
        ({**FUNCTION, "scopes": ["users.read"]}, ("appwrite-json", "function")),
        ({**FUNCTION, "commands": "npm ci"}, ("appwrite-json", "function")),
        (SITE, ("appwrite-json", "site")),
        ([KEY], ("key-export", "keyArray")),
        (KEY, ("key-export", "key")),
        # a key's own fields win over a stray runtime
        ([{**KEY, "runtime": "node-22"}], ("key-export", "keyArray")),
        ({"includes": {"functions": "f.json"}}, ("appwrite-json", None)),
    ],
)
def test_detection_never_takes_a_function_for_a_key(value, expected):
    assert detect(value, "x.json") == expected


def test_a_bare_function_array_given_alone_yields_function_keys(tmp_path):
    path = write(tmp_path / "functions.json", [{**FUNCTION, "scopes": ["users.read"]}, SITE])
    key_file = load_key_file(path)
    assert [(key.id, key.kind, key.expires_by_itself) for key in key_file.keys] == [
        ("function:mailer", "function", True),
        ("site:shop", "site", True),
    ]
    assert key_file.keys[0].scope_location("users.read").line == 8


def test_keys_format_appwrite_json_reads_an_array_without_runtime(tmp_path):
    path = write(tmp_path / "functions.json", [{"$id": "mailer", "scopes": ["users.read"]}])
    assert [key.id for key in load_key_file(path, "appwrite-json").keys] == ["function:mailer"]
    assert load_key_file(path).kind == "key-export"  # without the option it is a key list, as before


def test_the_single_function_shape(tmp_path):
    path = write(tmp_path / "functions/mailer/appwrite.json", {**FUNCTION, "scopes": ["users.read", "users.write"]})
    key_file = load_key_file(path)
    (key,) = key_file.keys
    assert (key_file.kind, key_file.shape, key.id, key.scopes) == (
        "appwrite-json",
        "function",
        "function:mailer",
        ["users.read", "users.write"],
    )
    assert key.scope_location("users.write").line == 8


@pytest.mark.parametrize(
    "entry, key_id",
    [
        (
            {"functionId": "friend-main", "name": "Main API", "runtime": "node-18.0", "scopes": ["users.read"]},
            "function:friend-main",
        ),
        ({"name": "kra-invoice", "runtime": "node-18.0", "entrypoint": "main.js"}, "function:kra-invoice"),
        ({"name": "Store", "framework": "astro", "buildRuntime": "node-22"}, "site:Store"),
    ],
)
def test_a_per_function_file_without_id_is_named_by_function_id_or_name(tmp_path, entry, key_id):
    """Real per-function appwrite.json files often carry no `$id`: lint judges them (exit 0), never refuses."""
    path = write(tmp_path / "functions/x/appwrite.json", entry)
    (key,) = load_key_file(path).keys
    assert (key.id, key.scopes) == (key_id, entry.get("scopes", []))
    assert run_cli("lint", path, "--appwrite-version", "1.9")[:2] == (0, "")
    assert run_cli("validate", path, "--appwrite-version", "1.9")[0] == 0


def test_audit_of_an_including_project_has_no_expiry_findings(tmp_path):
    main = project(
        tmp_path, {"functions": "functions.json"}, **{"functions.json": [{**FUNCTION, "scopes": ["users.read"]}]}
    )
    code, out, err = run_cli("audit", "--keys", main, "--format", "json", "--now", "2026-06-01T00:00:00Z")
    assert code in (0, 1), err
    findings = json.loads(out)["findings"]
    assert {f["key"] for f in findings} <= {"function:mailer"}
    assert not [f for f in findings if f["rule"] == "no-expiry"]


def test_a_function_in_two_project_files_is_a_warning(tmp_path):
    old = write(tmp_path / "appwrite.json", {"projectId": "shop-prod", "functions": [FUNCTION]})
    new = project(tmp_path, {"functions": "functions.json"}, **{"functions.json": [FUNCTION, {**FUNCTION, "$id": "b"}]})
    code, out, err = run_cli("audit", "--keys", old, "--keys", new, "--format", "json", "--now", "2026-06-01T00:00:00Z")
    assert code in (0, 1), err
    (warning,) = err.strip().splitlines()
    assert warning.startswith("warning: function:mailer of project shop-prod is defined in 2 files (")
    assert str(tmp_path / "functions.json") in warning and old in warning
    assert warning.removeprefix("warning: ") in json.loads(out)["summary"]["notes"]


def test_a_secret_in_an_included_file_is_found(tmp_path):
    secret = "standard_" + "5e" * 128
    main = project(tmp_path, {"functions": "f.json"}, **{"f.json": [{**FUNCTION, "vars": {"KEY": secret}}]})
    code, out, err = run_cli("audit", "--keys", main, "--format", "json", "--now", "2026-06-01T00:00:00Z")
    found = [f for f in json.loads(out)["findings"] if f["rule"] == "secret-in-file"]
    assert code == 1 and found and found[0]["location"]["file"] == str(tmp_path / "f.json")
    assert secret not in out + err


def test_a_file_included_over_and_over_is_read_once(tmp_path):
    """Each file naming the next one twice: 2**depth paths, but a file already read is not read again."""
    depth = 40
    for level in range(depth):
        write(tmp_path / f"f{level}.json", {"includes": {"functions": [f"f{level + 1}.json"] * 2}})
    write(tmp_path / f"f{depth}.json", [FUNCTION])
    key_file = load_key_file(project(tmp_path, {"functions": ["f0.json", "f0.json"]}))
    assert [key.id for key in key_file.keys] == ["function:mailer"]
    assert len(key_file.included) == depth + 1


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_an_include_of_a_fifo_or_device_is_refused_without_waiting(tmp_path, special):
    if special == "fifo":
        os.mkfifo(tmp_path / "fifo.json")
        target = "fifo.json"
    else:
        os.symlink(special, tmp_path / "zero.json")  # inside the project by its name, a device by what it is
        target = "zero.json"
    main = project(tmp_path, {"functions": target})
    with pytest.raises(InputError, match="not a regular file|leaves the project"):
        load_key_file(main)


def test_lint_refuses_a_fifo_in_one_line_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "keys.json")
    command = [sys.executable, "-m", "auditor", "lint", str(tmp_path / "keys.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert done.returncode == 2
    assert "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_an_include_path_with_a_nul_byte_is_refused_in_one_line(tmp_path):
    main = project(tmp_path, {"functions": "a\u0000b.json"})
    code, _, err = run_cli("lint", main)
    assert code == 2 and "NUL" in err and len(err.strip().splitlines()) == 1
    assert "internal error" not in err


def test_many_repeated_functions_are_a_few_lines_on_stderr_and_all_in_the_notes(tmp_path):
    functions = [{**FUNCTION, "$id": f"f{n}"} for n in range(300)]
    old = write(tmp_path / "appwrite.json", {"projectId": "p", "functions": functions})
    new = write(tmp_path / "appwrite.config.json", {"projectId": "p", "functions": functions})
    code, out, err = run_cli("audit", "--keys", old, "--keys", new, "--format", "json")
    assert code in (0, 1), err
    lines = err.strip().splitlines()
    assert len(lines) == MAX_WARNING_LINES + 1 and "and 295 more" in lines[-1] and "summary.notes" in lines[-1]
    assert sum("is defined in 2 files" in note for note in json.loads(out)["summary"]["notes"]) == 300


def test_fix_edits_the_included_file_that_holds_the_scopes(tmp_path):
    """The Appwrite CLI deploys what the included file says: fix rewrites it, and a second run changes nothing."""
    functions = [{**FUNCTION, "scopes": ["users.read", "row.read"]}, {**FUNCTION, "$id": "cron", "scopes": []}]
    main = project(tmp_path, {"functions": "./appwrite/functions.json"}, **{"appwrite/functions.json": functions})
    included = tmp_path / "appwrite/functions.json"
    before = (tmp_path / "appwrite.config.json").read_text()
    code, out, err = run_cli("fix", "--appwrite-version", "1.9", "--diff", main)
    assert code == 1 and f"+++ b/{included}" not in out and f"+++ {included}" in out
    assert '-      "row.read"' in out and '+      "rows.read"' in out and "internal error" not in err
    assert run_cli("fix", "--appwrite-version", "1.9", main)[0] == 0
    assert json.loads(included.read_text())[0]["scopes"] == ["users.read", "rows.read"]
    assert (tmp_path / "appwrite.config.json").read_text() == before
    assert run_cli("fix", "--appwrite-version", "1.9", "--diff", main)[:2] == (0, "")


def test_validate_judges_the_scopes_of_included_files(tmp_path):
    functions = [{**FUNCTION, "scopes": ["users.read", "row.read"]}]
    main = project(tmp_path, {"functions": "./appwrite/functions.json"}, **{"appwrite/functions.json": functions})
    code, out, _ = run_cli("validate", "--appwrite-version", "1.9", main)
    assert code == 1
    assert f"included {tmp_path / 'appwrite/functions.json'}:9 (at /0/scopes/1): unknown scope 'row.read'" in out


def test_a_project_file_with_only_databases_is_judged_clean_not_refused(tmp_path):
    """The CLI writes appwrite.json files that keep only databases or buckets: no function key, nothing to refuse."""
    value = {"databases": [{"$id": "main", "name": "Main"}], "collections": [{"$id": "posts", "databaseId": "main"}]}
    path = write(tmp_path / "appwrite.json", value)
    key_file = load_key_file(path)
    assert (key_file.kind, key_file.keys) == ("appwrite-json", [])
    assert run_cli("lint", path, "--appwrite-version", "1.9")[:2] == (0, "")


def test_the_report_edits_a_function_in_the_included_file_that_holds_it(tmp_path):
    functions = [{**FUNCTION, "scopes": ["users.read", "row.read"]}]
    main = project(tmp_path, {"functions": "./appwrite/functions.json"}, **{"appwrite/functions.json": functions})
    code, out, _ = run_cli("audit", "--keys", main, "--appwrite-version", "1.9", "--format", "json")
    (fixes,) = [key["fixes"] for key in json.loads(out)["keys"] if key.get("fixes")]
    (edit,) = fixes["edits"]
    assert edit["file"] == str(tmp_path / "appwrite/functions.json")
