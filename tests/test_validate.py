"""`keyaudit validate` end to end: the real CLI in a subprocess, inputs written to tmp_path.

Exit codes: 0 every file valid (deprecated names only warn), 1 a schema violation
(unknown scopes included), 2 a file that cannot be read or parsed: exactly one
line on stderr, never a traceback.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.paths import ROOT, SAMPLES

MESSAGE = re.compile(r"^(?P<file>.+?):(?P<line>[1-9]\d*): (?P<level>error|warning): (?P<text>.+)$")
RAW_HINT = "export with `appwrite project list-keys --raw`"


def run(*args, timeout=60):
    env = {k: v for k, v in os.environ.items() if k != "KEYAUDIT_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "auditor", "validate", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def messages(stdout: str):
    """[(file, line, level, text)] of the `file:line: level: message` lines."""
    found = []
    for line in stdout.splitlines():
        match = MESSAGE.match(line)
        if match:
            found.append((match["file"], int(match["line"]), match["level"], match["text"]))
    return found


def summary(stdout: str, name) -> str:
    """The closing `file: valid|invalid kind[, Appwrite V]` line of one file."""
    lines = [line for line in stdout.splitlines() if line.startswith(f"{name}: ")]
    assert len(lines) == 1, stdout
    return lines[0][len(f"{name}: ") :]


def write(path: Path, content) -> Path:
    if isinstance(content, (dict, list)):
        content = json.dumps(content, indent=2)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def key(key_id="k1", scopes=("rows.read",), **fields):
    return {"$id": key_id, "name": f"name-{key_id}", "expire": None, "scopes": list(scopes), **fields}


def call(key_id="k1", **fields):
    return json.dumps(
        {
            "time": "2026-11-20T10:00:00.000Z",
            "key": key_id,
            "method": "GET",
            "path": "/v1/users",
            "status": 200,
            **fields,
        }
    )


MANIFEST_1_9 = """\
appwriteVersion: "1.9"
project: shop
keys:
  - id: runner
    name: runner
    expire: null
    scopes:
      - functions.read
      - executions.read
"""


# ---------------------------------------------------------------- samples/

# file -> (exit code, kind, [(line, level, start of message)])
# keylist.json and calls.jsonl hold the deliberate mistakes samples/README.md lists
# (typo-key's row.read / collection.read; four broken log lines).
SAMPLE_RESULTS = {
    "samples/appwrite.json": (
        0,
        "appwrite-json",
        [
            (34, "warning", "documents.read is deprecated in Appwrite 1.9; use rows.read"),
        ],
    ),
    "samples/manifest.yaml": (
        0,
        "manifest",
        [
            (36, "warning", "policies.read is deprecated in Appwrite 1.9; use project.policies.read"),
        ],
    ),
    "samples/logs/calls-2.jsonl.gz": (0, "call-log", []),
    "samples/policy-strict.yaml": (0, "config", []),
    "samples/keys/keylist.json": (
        1,
        "key-export",
        [
            (27, "warning", "documents.read is deprecated in Appwrite 1.9; use rows.read"),
            (28, "warning", "documents.write is deprecated in Appwrite 1.9; use rows.write"),
            (29, "warning", "collections.read is deprecated in Appwrite 1.9; use tables.read"),
            (30, "warning", "execution.write is deprecated in Appwrite 1.9; use executions.write"),
            (114, "error", "unknown scope 'row.read' for Appwrite 1.9; did you mean rows.read?"),
            (
                115,
                "error",
                "unknown scope 'collection.read' for Appwrite 1.9; did you mean tables.read (or the old "
                "collections.read)?",
            ),
        ],
    ),
    "samples/logs/calls.jsonl": (
        1,
        "call-log",
        [
            (407, "error", "not valid JSON"),
            (1202, "error", "/: expected object, got a list"),
            (2100, "error", "/: missing required field 'path'"),
            (2801, "error", "not valid JSON"),
        ],
    ),
}


def test_every_sample_file_has_an_expected_result():
    """Every keyaudit input among the samples; not the README's picture nor the CI recipes (test_ci_recipes.py)."""
    files = {
        p.relative_to(ROOT).as_posix()
        for p in SAMPLES.rglob("*")
        if p.is_file() and p.suffix not in (".md", ".sql", ".png") and SAMPLES / "ci" not in p.parents
    }
    assert files == set(SAMPLE_RESULTS)


@pytest.mark.parametrize("name", sorted(SAMPLE_RESULTS))
def test_sample_file(name):
    code, kind, expected = SAMPLE_RESULTS[name]
    proc = run(name)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert proc.stderr == ""
    found = messages(proc.stdout)
    assert [(line, level) for _, line, level, _ in found] == [(line, level) for line, level, _ in expected]
    for (file, _, _, text), (_, _, start) in zip(found, expected):
        assert file == name and text.startswith(start)
    version = "" if kind in ("call-log", "config") else ", Appwrite 1.9"
    assert summary(proc.stdout, name) == f"{'valid' if code == 0 else 'invalid'} {kind}{version}"


def test_samples_are_valid_apart_from_their_deliberate_mistakes(tmp_path):
    keylist = json.loads((SAMPLES / "keys/keylist.json").read_text())
    keylist["keys"] = [k for k in keylist["keys"] if k["name"] != "typo-key"]
    keylist["total"] = len(keylist["keys"])
    keys = write(tmp_path / "keylist.json", keylist)
    broken = {407, 1202, 2100, 2801}
    lines = (SAMPLES / "logs/calls.jsonl").read_text().splitlines(keepends=True)
    logs = write(tmp_path / "calls.jsonl", "".join(line for n, line in enumerate(lines, 1) if n not in broken))
    proc = run(keys, logs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [level for _, _, level, _ in messages(proc.stdout)] == ["warning"] * 4
    assert summary(proc.stdout, keys) == "valid key-export, Appwrite 1.9"
    assert summary(proc.stdout, logs) == "valid call-log"


# ---------------------------------------------------------------- kind detection and --kind


def test_kind_detection(tmp_path):
    files = {
        "keylist.json": {"total": 1, "keys": [key()]},
        "single-key.json": key(secret="standard_[hidden]"),
        "key-array.json": [key("a"), key("b")],
        "manifest.yaml": MANIFEST_1_9,
        "manifest-no-version.json": {"keys": [{"id": "k1", "name": "n", "expire": None, "scopes": []}]},
        "appwrite.json": {"projectId": "shop", "functions": [{"$id": "f", "scopes": ["rows.read"]}]},
        "sites-only.json": {"sites": [{"$id": "s", "scopes": []}]},
        "calls.jsonl": call() + "\n",
        "calls.ndjson": call() + "\n",
        "export.LOG": call() + "\n",
        "config.yaml": "failOn: high\n",
        "rules-only.json": {"rules": {"no-expiry": {"enabled": False}}},
    }
    paths = [write(tmp_path / name, content) for name, content in files.items()]
    with gzip.open(tmp_path / "calls.jsonl.gz", "wt") as handle:
        handle.write(call() + "\n")
    paths.append(tmp_path / "calls.jsonl.gz")
    proc = run("--format", "json", *paths)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kinds = {Path(r["file"]).name: r["kind"] for r in json.loads(proc.stdout)}
    assert kinds == {
        "keylist.json": "key-export",
        "single-key.json": "key-export",
        "key-array.json": "key-export",
        "manifest.yaml": "manifest",
        "manifest-no-version.json": "manifest",
        "appwrite.json": "appwrite-json",
        "sites-only.json": "appwrite-json",
        "calls.jsonl": "call-log",
        "calls.ndjson": "call-log",
        "export.LOG": "call-log",
        "calls.jsonl.gz": "call-log",
        "config.yaml": "config",
        "rules-only.json": "config",
    }


def test_undetectable_file_asks_for_kind(tmp_path):
    path = write(tmp_path / "mystery.json", {"name": "x"})
    proc = run(path)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"keyaudit: error: {path}: not a key export, key manifest, appwrite.json "
        "or config file (say which with --keys-format for audit, --kind for validate)"
    ]


# Each input is detected as something else (or nothing) without --kind: mystery.json is
# undetectable, calls.txt is not one document, keys.jsonl is a call log by its name,
# manifest.yaml is a manifest, keys.json a key export.
@pytest.mark.parametrize(
    "name,content,kind,code,expected",
    [
        ("mystery.json", {"name": "x"}, "appwrite-json", 0, "valid appwrite-json, Appwrite 1.9"),
        ("calls.txt", call() + "\n" + call("k2") + "\n", "call-log", 0, "valid call-log"),
        ("keys.jsonl", {"total": 1, "keys": [key()]}, "key-export", 0, "valid key-export, Appwrite 1.9"),
        ("manifest.yaml", MANIFEST_1_9, "config", 1, "invalid config"),
        ("keys.json", {"keys": [key()]}, "manifest", 1, "invalid manifest, Appwrite 1.9"),
        ("keys.json", {"keys": [key()]}, "appwrite-json", 0, "valid appwrite-json, Appwrite 1.9"),
    ],
)
def test_kind_forced(tmp_path, name, content, kind, code, expected):
    path = write(tmp_path / name, content)
    forced = run("--kind", kind, path)
    assert forced.returncode == code, forced.stdout + forced.stderr
    assert summary(forced.stdout, path) == expected


def test_kind_forced_messages(tmp_path):
    path = write(tmp_path / "manifest.yaml", MANIFEST_1_9)
    proc = run("--kind", "config", path)
    assert messages(proc.stdout) == [(str(path), 1, "error", "unexpected field 'keys', 'project'")]
    keys = write(tmp_path / "keys.json", {"keys": [key()]})
    proc = run("--kind", "manifest", keys)
    assert messages(proc.stdout) == [
        (str(keys), 3, "error", "missing required field 'id'"),
        (str(keys), 3, "error", "unexpected field '$id'"),
    ]


def test_unknown_kind_is_a_usage_error(tmp_path):
    path = write(tmp_path / "keys.json", {"keys": [key()]})
    proc = run("--kind", "keys", path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "'keys' is not one of" in proc.stderr


# ---------------------------------------------------------------- messages


@pytest.mark.parametrize(
    "content,line",
    [
        ({"total": 1, "keys": [{"$id": "k1", "name": "ci"}]}, 4),
        ({"$id": "k1", "name": "ci", "expire": None}, 1),
        ([{"$id": "k1", "scopes": ["rows.read"]}, {"$id": "k2", "secret": ""}], 8),
    ],
)
def test_key_export_without_scopes_needs_raw(tmp_path, content, line):
    path = write(tmp_path / "keys.json", content)
    proc = run(path)
    assert proc.returncode == 1
    ((file, at, level, text),) = messages(proc.stdout)
    assert (file, at, level) == (str(path), line, "error")
    assert "`appwrite project list-keys --json` drops them" in text and RAW_HINT in text and "--raw" in text


def test_unknown_scopes_get_did_you_mean(tmp_path):
    path = write(tmp_path / "keys.json", {"keys": [key(scopes=["row.read", "users.read", "collection.read"])]})
    proc = run(path)
    assert proc.returncode == 1
    assert messages(proc.stdout) == [
        (str(path), 8, "error", "unknown scope 'row.read' for Appwrite 1.9; did you mean rows.read?"),
        (
            str(path),
            10,
            "error",
            "unknown scope 'collection.read' for Appwrite 1.9; did you mean tables.read (or the old collections.read)?",
        ),
    ]
    assert summary(proc.stdout, path) == "invalid key-export, Appwrite 1.9"


JSON_LINES = """\
{
  "total": 3,
  "keys": [
    {
      "$id": "k1",
      "name": "a",
      "scopes": [
        "rows.read",
        "row.read"
      ]
    },
    {
      "$id": "k2",
      "name": "b",
      "expire": "tomorrow",
      "scopes": ["documents.read"]
    },
    {
      "name": "c",
      "scopes": []
    }
  ]
}
"""

YAML_LINES = """\
# a manifest
appwriteVersion: "1.9"
keys:
  - id: k1
    name: a
    expire: null
    scopes:
      - rows.read
      - row.read

  - id: k2
    name: b
    expire: null
    color: blue
    scopes: [documents.read]
  - name: c
    owner: ""
    expire: null
    scopes: []
"""


def test_message_lines_in_json(tmp_path):
    path = write(tmp_path / "keys.json", JSON_LINES)
    proc = run(path)
    assert proc.returncode == 1
    found = messages(proc.stdout)
    assert [(f, line, level) for f, line, level, _ in found] == [
        (str(path), 9, "error"),
        (str(path), 15, "error"),
        (str(path), 16, "warning"),
        (str(path), 18, "error"),
    ]
    texts = [t for *_, t in found]
    assert texts[0].startswith("unknown scope 'row.read'")
    assert "'tomorrow'" in texts[1]
    assert texts[2].startswith("documents.read is deprecated in Appwrite 1.9; use rows.read")
    assert texts[3] == "missing required field '$id'"
    # every output line is a message or the summary
    assert len(proc.stdout.splitlines()) == len(found) + 1


def test_message_lines_in_yaml(tmp_path):
    path = write(tmp_path / "manifest.yaml", YAML_LINES)
    proc = run(path)
    assert proc.returncode == 1
    assert messages(proc.stdout) == [
        (str(path), 9, "error", "unknown scope 'row.read' for Appwrite 1.9; did you mean rows.read?"),
        (str(path), 11, "error", "unexpected field 'color'"),  # reported on the line of its key object
        (
            str(path),
            15,
            "warning",
            "documents.read is deprecated in Appwrite 1.9; use rows.read (see `keyaudit "
            "audit` for routes that accept only the old name)",
        ),
        (str(path), 16, "error", "missing required field 'id'"),
        (str(path), 17, "error", "'' violates minLength 1"),
    ]
    assert summary(proc.stdout, path) == "invalid manifest, Appwrite 1.9"


def test_deprecated_names_only_warn(tmp_path):
    path = write(tmp_path / "keys.json", {"keys": [key(scopes=["documents.read", "execution.write", "policies.read"])]})
    proc = run(path)
    assert proc.returncode == 0, proc.stdout
    assert [(line, level) for _, line, level, _ in messages(proc.stdout)] == [
        (8, "warning"),
        (9, "warning"),
        (10, "warning"),
    ]
    assert summary(proc.stdout, path) == "valid key-export, Appwrite 1.9"
    older = run("--appwrite-version", "1.7", path.with_name("keys.json"))
    assert older.returncode == 1  # policies.read is unknown there; documents.read is current, so not warned
    assert [(line, level) for _, line, level, _ in messages(older.stdout)] == [(10, "error")]


def test_format_json(tmp_path):
    good = write(tmp_path / "manifest.yaml", MANIFEST_1_9)
    bad = write(tmp_path / "keys.json", {"keys": [key(scopes=["row.read", "documents.read"])]})
    proc = run("--format", "json", good, bad)
    assert proc.returncode == 1 and proc.stderr == ""
    reports = json.loads(proc.stdout)
    assert [r["file"] for r in reports] == [str(good), str(bad)]
    assert all({"file", "kind", "valid", "messages", "appwriteVersion", "error"} <= set(r) for r in reports)
    assert [(r["kind"], r["valid"], r["appwriteVersion"], r["error"]) for r in reports] == [
        ("manifest", True, "1.9", None),
        ("key-export", False, "1.9", None),
    ]
    assert reports[0]["messages"] == []
    assert [(m["level"], m["line"], m["pointer"]) for m in reports[1]["messages"]] == [
        ("error", 8, "/keys/0/scopes/0"),
        ("warning", 9, "/keys/0/scopes/1"),
    ]
    assert reports[1]["messages"][0]["message"] == "unknown scope 'row.read' for Appwrite 1.9; did you mean rows.read?"


def test_format_json_with_an_unreadable_file(tmp_path):
    good = write(tmp_path / "calls.jsonl", call() + "\n")
    missing = tmp_path / "missing.json"
    proc = run("--format", "json", good, missing)
    assert proc.returncode == 2
    reports = json.loads(proc.stdout)
    assert reports[0]["valid"] is True and reports[0]["kind"] == "call-log"
    assert reports[1] == {
        "file": str(missing),
        "kind": None,
        "appwriteVersion": None,
        "valid": False,
        "error": f"{missing}: no such file",
        "messages": [],
    }


def test_table_format_with_an_unreadable_file_still_reports_the_others(tmp_path):
    good = write(tmp_path / "calls.jsonl", call() + "\n")
    missing = tmp_path / "missing.json"
    proc = run(good, missing)
    assert proc.returncode == 2
    assert summary(proc.stdout, good) == "valid call-log"
    assert proc.stderr.splitlines() == [f"keyaudit: error: {missing}: no such file"]


# ---------------------------------------------------------------- unreadable or hostile input: exit 2


def _alias_bomb():
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    return "\n".join(lines) + "\nkeys: *i\n"


def _big_int_yaml():
    return "keys: []\ntotal: 1" + "0" * 5000 + "\n"


def _truncated_gzip():
    return gzip.compress((call() + "\n").encode() * 50)[:40]


def _make(path: Path, content):
    if content == "DIR":
        path.mkdir()
    elif content is not None:
        write(path, content)
    return path


# (file name, content: bytes, None for an absent file, "DIR" for a directory; fragment of the one stderr line)
UNREADABLE = [
    pytest.param("missing.json", None, ": no such file", id="missing-file"),
    pytest.param("adir", "DIR", ": is a directory, not a file", id="directory"),
    pytest.param("empty.json", b"", ": empty file", id="empty-file"),
    pytest.param("bad.json", b'{"keys": [\n  {"$id": "k1",}\n]}', ":2: invalid JSON: ", id="invalid-json"),
    pytest.param("bad.yaml", b"keys:\n  - id: [k1\n    name: x\n", ":3: invalid YAML: ", id="invalid-yaml"),
    pytest.param(
        "latin1.json",
        '{"keys": [{"$id": "k\xe9", "scopes": []}]}'.encode("latin-1"),
        ": not UTF-8 text (invalid byte at offset 20)",
        id="invalid-utf8",
    ),
    pytest.param(
        "evil.yaml",
        b'keys: !!python/object/apply:os.system ["touch PWNED"]\n',
        ":1: YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
        id="yaml-python-tag",
    ),
    pytest.param(
        "bomb.yaml",
        _alias_bomb().encode(),
        ": YAML expands to more than 200000 values (alias bomb?)",
        id="yaml-alias-bomb",
    ),
    pytest.param("deep.json", b"[" * 10_000 + b"]" * 10_000, ": JSON nested too deeply", id="json-10000-deep"),
    pytest.param(
        "huge.json", b'{"total": 1e999999, "keys": []}', ": invalid JSON: number out of range", id="json-1e999999"
    ),
    pytest.param("bigint.yaml", _big_int_yaml().encode(), ":2: number out of range", id="yaml-5000-digit-int"),
]


@pytest.mark.parametrize("name,content,fragment", UNREADABLE)
def test_unreadable_input_exits_2_with_one_line(tmp_path, name, content, fragment):
    path = _make(tmp_path / name, content)
    proc = run(path, timeout=30)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"keyaudit: error: {path}{fragment}")
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert not (ROOT / "PWNED").exists()


# More hostile or broken files, validated in one run (each still gets exactly one stderr line).
MORE_UNREADABLE = {
    "blank.yaml": (b"  \n\n\t\n", ": empty file"),
    "comment.yaml": (b"# nothing here\n", ": empty document"),
    "latin1.yaml": ("keys:\n  - id: caf\xe9\n".encode("latin-1"), ": not UTF-8 text (invalid byte at offset 17)"),
    "evil-root.yaml": (
        b'!!python/object/apply:os.system ["touch PWNED"]\n',
        ":1: YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
    ),
    "evil-map.yaml": (
        b'keys: !!python/object/new:os.system {args: ["touch PWNED"]}\n',
        ":1: YAML tag tag:yaml.org,2002:python/object/new:os.system is not allowed",
    ),
    "evil-name.yaml": (b"keys: !!python/name:os.system\n", ":1: invalid YAML value"),
    "local-tag.yaml": (b"keys: !secret [a]\n", ":1: YAML tag !secret is not allowed"),
    "merge.yaml": (b"base: &b {id: k}\nkeys:\n  - <<: *b\n", ":3: YAML merge keys are not supported"),
    "deep-keys.json": (b'{"keys": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", ": JSON nested too deeply"),
    "deep-100.json": (b'{"keys": ' + b"[" * 100 + b"]" * 100 + b"}", ": JSON nested deeper than 64 levels"),
    "deep-100.yaml": (
        b"keys:\n" + b"".join(b"  " * i + b"-\n" for i in range(1, 101)),
        ": YAML nested deeper than 64 levels",
    ),
    "huge.yaml": (b"keys: []\ntotal: 1.0e+999999\n", ":2: number out of range"),
    "nan.json": (b'{"total": NaN, "keys": []}', ": invalid JSON: NaN is not a JSON number"),
    "bigint.json": (b'{"keys": [], "total": 1' + b"0" * 5000 + b"}", ": invalid JSON: Exceeds the limit"),
    "calls.jsonl.gz": (_truncated_gzip(), ": corrupt or truncated gzip data"),
    "scalar.yaml": (b"just some text\n", ": not a key export, key manifest, appwrite.json or config file"),
    "numbers.json": (b"[1, 2, 3]", ": not a key export, key manifest, appwrite.json or config file"),
}


def test_more_unreadable_inputs_each_give_one_line(tmp_path):
    paths = [_make(tmp_path / name, content) for name, (content, _) in MORE_UNREADABLE.items()]
    proc = run(*paths, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == len(paths), proc.stderr
    for path, line in zip(paths, lines):
        assert line.startswith(f"keyaudit: error: {path}{MORE_UNREADABLE[path.name][1]}"), line
    assert not (ROOT / "PWNED").exists()


def test_invalid_json_message_never_shows_the_text(tmp_path):
    secret = "standard_" + "ab12" * 64
    path = write(tmp_path / "keys.json", '{"keys": [{"$id": "k1", "secret": "' + secret + '" "scopes": []}]}')
    proc = run(path)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    assert secret not in proc.stderr and "ab12ab12" not in proc.stderr


# ---------------------------------------------------------------- call logs


def test_call_log_bad_lines_are_reported_by_line_number(tmp_path):
    lines = [
        call(),
        "",
        '{"key": "k1", "method": "GET", "path": "/v1/users"',
        call(status=700),
        call(method="G E T"),
        "[1, 2]",
        json.dumps({"key": "k1", "method": "GET"}),
        call(time="last tuesday"),
        call(status=404, error="user_not_found"),
    ]
    path = write(tmp_path / "calls.jsonl", "\n".join(lines) + "\n")
    proc = run(path)
    assert proc.returncode == 1 and proc.stderr == ""
    assert messages(proc.stdout) == [
        (str(path), 3, "error", "not valid JSON"),
        (str(path), 4, "error", "/status: 700 violates maximum 599"),
        (str(path), 5, "error", "/method: 'G E T' is not in the expected format"),
        (str(path), 6, "error", "/: expected object, got a list"),
        (str(path), 7, "error", "/: missing required field 'path'"),
        (str(path), 8, "error", "/time: 'last tuesday' is not an RFC 3339 date-time"),
    ]
    assert summary(proc.stdout, path) == "invalid call-log"


def test_gzipped_call_log_bad_line(tmp_path):
    path = tmp_path / "calls.jsonl.gz"
    path.write_bytes(gzip.compress(f"{call()}\n{call(status='ok')}\n".encode()))
    proc = run(path)
    assert proc.returncode == 1
    assert messages(proc.stdout) == [(str(path), 2, "error", "/status: expected integer, got 'ok'")]


def test_call_log_shows_twenty_bad_lines_then_counts(tmp_path):
    path = write(tmp_path / "calls.jsonl", call() + "\n" + "oops\n" * 25)
    proc = run(path)
    assert proc.returncode == 1
    assert [line for _, line, _, _ in messages(proc.stdout)] == list(range(2, 22))
    assert f"{path}: error: 5 more bad lines not shown" in proc.stdout.splitlines()


def test_call_log_with_invalid_utf8_line(tmp_path):
    path = write(tmp_path / "calls.jsonl", call().encode() + b"\n" + b'{"key": "k\xff", "method": "GET"}\n')
    proc = run(path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert messages(proc.stdout) == [(str(path), 2, "error", "not valid JSON")]


# ---------------------------------------------------------------- BOM and CRLF


def test_bom_and_crlf_are_accepted(tmp_path):
    bom = b"\xef\xbb\xbf"
    keys = write(tmp_path / "keys.json", bom + json.dumps({"keys": [key()]}, indent=2).replace("\n", "\r\n").encode())
    manifest = write(tmp_path / "manifest.yaml", bom + MANIFEST_1_9.replace("\n", "\r\n").encode())
    logs = write(tmp_path / "calls.jsonl", bom + (call() + "\r\n" + call("k2") + "\r\n").encode())
    proc = run(keys, manifest, logs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert summary(proc.stdout, keys) == "valid key-export, Appwrite 1.9"
    assert summary(proc.stdout, manifest) == "valid manifest, Appwrite 1.9"
    assert summary(proc.stdout, logs) == "valid call-log"


def test_lines_stay_right_with_bom_and_crlf(tmp_path):
    bom = b"\xef\xbb\xbf"
    keys = write(tmp_path / "keys.json", bom + JSON_LINES.replace("\n", "\r\n").encode())
    manifest = write(tmp_path / "manifest.yaml", bom + YAML_LINES.replace("\n", "\r\n").encode())
    logs = write(tmp_path / "calls.jsonl", bom + (call() + "\r\n" + call(status=99) + "\r\n").encode())
    proc = run(keys, manifest, logs)
    assert proc.returncode == 1
    lines = {(Path(f).name, line) for f, line, _, _ in messages(proc.stdout)}
    assert lines == {
        ("keys.json", 9),
        ("keys.json", 15),
        ("keys.json", 16),
        ("keys.json", 18),
        ("manifest.yaml", 9),
        ("manifest.yaml", 11),
        ("manifest.yaml", 15),
        ("manifest.yaml", 16),
        ("manifest.yaml", 17),
        ("calls.jsonl", 2),
    }


# ---------------------------------------------------------------- Appwrite versions


@pytest.mark.parametrize(
    "value,fragment",
    [
        (
            "1.9.2",
            "Appwrite 1.9.2 is not supported: 1.9.0-1.9.4 name scopes differently from 1.9.5+ and keyaudit has "
            "no route data for them; the nearest supported choice is 1.8",
        ),
        (
            "2.6",
            "Appwrite 2.6 is not supported (supported: 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, cloud); the nearest is 2.5",
        ),
        (
            "1.5.3",
            "Appwrite 1.5.3 is not supported (supported: 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, cloud); the nearest is 1.6",
        ),
        (
            "latest",
            "--appwrite-version 'latest' is not a version; use one of 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, cloud",
        ),
    ],
)
def test_unsupported_appwrite_version_is_refused(tmp_path, value, fragment):
    path = write(tmp_path / "manifest.yaml", MANIFEST_1_9)
    proc = run("--appwrite-version", value, path)
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"keyaudit: error: {fragment}")


@pytest.mark.parametrize("value,shown", [("1.9.5", "1.9"), ("v1.9.6", "1.9"), ("2.2.0", "2.2"), ("Cloud", "cloud")])
def test_supported_appwrite_versions(tmp_path, value, shown):
    path = write(tmp_path / "manifest.yaml", MANIFEST_1_9)
    proc = run("--appwrite-version", value, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert summary(proc.stdout, path) == f"valid manifest, Appwrite {shown}"


def test_manifest_valid_on_1_9_but_not_on_1_8(tmp_path):
    path = write(tmp_path / "manifest.yaml", MANIFEST_1_9)
    assert run(path).returncode == 0
    proc = run("--appwrite-version", "1.8", path)
    assert proc.returncode == 1
    assert messages(proc.stdout) == [
        (
            str(path),
            9,
            "error",
            "unknown scope 'executions.read' for Appwrite 1.8; executions.read is a key scope "
            "from Appwrite 1.9 on; Appwrite 1.8 names it execution.read",
        ),
    ]
    assert summary(proc.stdout, path) == "invalid manifest, Appwrite 1.8"


def test_manifest_appwrite_version_is_used_unless_overridden(tmp_path):
    path = write(tmp_path / "manifest.yaml", MANIFEST_1_9.replace('"1.9"', '"1.8.1"'))
    declared = run(path)
    assert declared.returncode == 1 and "for Appwrite 1.8" in declared.stdout
    overridden = run("--appwrite-version", "1.9", path)
    assert overridden.returncode == 0, overridden.stdout
    assert summary(overridden.stdout, path) == "valid manifest, Appwrite 1.9"


# ---------------------------------------------------------------- regressions of bugs found and fixed


def test_unquoted_manifest_version_is_a_schema_violation(tmp_path):
    path = write(tmp_path / "manifest.yaml", MANIFEST_1_9.replace('"1.9"', "1.9"))
    proc = run(path)
    assert "internal error" not in proc.stderr
    assert proc.returncode == 1
    assert messages(proc.stdout)[0] == (str(path), 1, "error", "expected string, got 1.9; write it in quotes")


def test_bad_manifest_version_is_a_schema_violation(tmp_path):
    path = write(tmp_path / "manifest.yaml", MANIFEST_1_9.replace('"1.9"', '"latest"'))
    proc = run(path)
    assert "--appwrite-version" not in proc.stderr
    assert proc.returncode == 1
    assert messages(proc.stdout)[0] == (str(path), 1, "error", "'latest' is not in the expected format")


@pytest.mark.parametrize(
    "name,content,args,message",
    [
        ("list.json", [], ["--kind", "config"], "expected object, got a list"),
        ("config.json", {"rules": 5}, [], "expected object, got 5"),
    ],
)
def test_config_of_the_wrong_type_is_a_schema_violation(tmp_path, name, content, args, message):
    path = write(tmp_path / name, content)
    proc = run(*args, path)
    assert "internal error" not in proc.stderr
    assert proc.returncode == 1
    assert [t for *_, t in messages(proc.stdout)] == [message]


def test_config_rules_string_gives_one_error(tmp_path):
    path = write(tmp_path / "config.json", {"rules": "abc"})
    proc = run(path)
    assert proc.returncode == 1
    assert [t for *_, t in messages(proc.stdout)] == ["expected object, got 'abc'"]


def test_each_file_is_validated_on_its_own_whatever_the_others_are(tmp_path):
    """A script, an empty file and a JSON-shaped file with a trailing comma are one line each; the good file is
    still validated, and the exit is 2."""
    script = write(tmp_path / "deploy.sh", "#!/bin/sh\nset -e\nappwrite push functions --force: yes\n")
    empty = write(tmp_path / "keys.json", "")
    comma = write(tmp_path / "appwrite.config", '{\n  "projectId": "shop",\n  "functions": [],\n}\n')
    good = write(
        tmp_path / "appwrite.json", {"projectId": "shop", "functions": [{"$id": "f", "scopes": ["users.read"]}]}
    )
    result = run(script, empty, comma, good)
    assert result.returncode == 2
    assert summary(result.stdout, good) == "valid appwrite-json, Appwrite 1.9"
    assert result.stderr.splitlines() == [
        f"keyaudit: error: {script}: not JSON or YAML text (a script, notes, an env file?): no key definitions",
        f"keyaudit: error: {empty}: empty file",
        f"keyaudit: error: {comma}:4: invalid JSON: Expecting property name enclosed in double quotes (column 1)",
    ]


@pytest.mark.parametrize("name", ["keys.json", "calls.jsonl", "main.tf"])
def test_a_fifo_is_refused_in_one_line_without_waiting(tmp_path, name):
    os.mkfifo(tmp_path / name)
    command = [sys.executable, "-m", "auditor", "validate", str(tmp_path / name)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not a regular file" in done.stdout + done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "includes, message",
    [("missing.json", "no such file"), ("../outside.json", "leaves the project"), ("self.json", "a cycle")],
)
def test_validate_follows_includes_as_lint_does(tmp_path, includes, message):
    (tmp_path / "outside.json").write_text("[]")
    project = tmp_path / "repo"
    project.mkdir()
    (project / "self.json").write_text(json.dumps({"includes": {"functions": "self.json"}}))
    main = project / "appwrite.config.json"
    main.write_text(json.dumps({"projectId": "p", "includes": {"functions": includes}}))
    command = [sys.executable, "-m", "auditor", "validate", str(main)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert message in done.stdout and "Traceback" not in done.stderr
