"""Malformed and hostile input to every command that reads a document, every log format and every other input.

A document that cannot be read is one line on stderr naming the file and exit 2, never a traceback (nor
keyaudit's "internal error" line): tests/test_validate.py proves it for `validate`; here the same classes of
bad file go to every other command and option that reads one. A bad line inside a log is counted, not fatal.
Each test runs keyaudit in-process (click's runner), so the whole matrix takes seconds.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from helpers.cli import invoke as in_process
from helpers.paths import ROOT

NOW = ("--now", "2026-11-25T00:00:00Z")
KEYS = {
    "total": 1,
    "keys": [{"$id": "k1", "name": "n1", "scopes": ["users.read"], "expire": None, "projectId": "shop"}],
}


def invoke(*args, env=None):
    """(exit code, stdout, stderr) of keyaudit ARGS, in-process."""
    result = in_process(args, env={"KEYAUDIT_DEBUG": None, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def one_error_line(code, out, err, name, fragment):
    """The run failed cleanly: exit 2, one stderr line naming the file and saying why."""
    lines = err.splitlines()
    assert code == 2, (code, out[-500:], err)
    assert len(lines) == 1 and lines[0].startswith(f"keyaudit: error: {name}"), err
    assert fragment in lines[0], (fragment, err)
    assert "internal error" not in err and "Traceback" not in err


def _alias_bomb() -> bytes:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    return ("\n".join(lines) + "\nkeys: *i\n").encode()


# class -> (file suffix, content; None: absent, "DIR": a directory; fragment of the one error line)
BAD_DOCUMENTS = {
    "missing file": (".json", None, ": no such file"),
    "directory": (".json", "DIR", ": is a directory, not a file"),
    "empty file": (".yaml", b"", ": empty file"),
    "blank file": (".yaml", b" \r\n\t\n", ": empty file"),
    "comment only": (".yaml", b"# nothing\n", ": empty document"),
    "invalid JSON": (".json", b'{"keys": [\n  {"$id": "k1",}\n]}', ":2: invalid JSON: "),
    "invalid YAML": (".yaml", b"keys:\n  - id: [k1\n    name: x\n", ":3: invalid YAML: "),
    "invalid UTF-8": (
        ".yaml",
        "keys:\n  - id: caf\xe9\n".encode("latin-1"),
        ": not UTF-8 text (invalid byte at offset 17)",
    ),
    "UTF-16": (".json", '{"keys": []}'.encode("utf-16"), ": not UTF-8 text"),
    "NUL bytes": (".yaml", b"keys: [\x00\x00]\n", "invalid YAML"),
    "truncated gzip": (
        ".json.gz",
        gzip.compress(json.dumps(KEYS).encode() * 20)[:40],
        ": corrupt or truncated gzip data",
    ),
    "corrupt gzip": (".json.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 64, ": corrupt or truncated gzip data"),
    "JSON nested 10000 deep": (".json", b"[" * 10_000 + b"]" * 10_000, ": JSON nested too deeply"),
    "JSON nested 100 deep": (".json", b'{"keys": ' + b"[" * 100 + b"]" * 100 + b"}", ": JSON nested deeper than 64"),
    "YAML nested 600 deep": (".yaml", b"keys: " + b"[" * 600 + b"]" * 600, ": YAML nested too deeply"),
    "YAML alias bomb": (".yaml", _alias_bomb(), ": YAML expands to more than 200000 values (alias bomb?)"),
    "YAML python object tag": (
        ".yaml",
        b'keys: !!python/object/apply:os.system ["touch PWNED"]\n',
        ":1: YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
    ),
    "YAML python name tag": (".yaml", b"keys: !!python/name:os.system\n", ":1: invalid YAML value"),
    "YAML local tag": (".yaml", b"keys: !include /etc/passwd\n", ":1: YAML tag !include is not allowed"),
    "YAML merge key": (".yaml", b"base: &b {id: k}\nkeys:\n  - <<: *b\n", ":3: YAML merge keys are not supported"),
    "1e999999 in JSON": (".json", b'{"total": 1e999999, "keys": []}', ": invalid JSON: number out of range"),
    "1e999999 in YAML": (".yaml", b"total: 1.0e+999999\nkeys: []\n", ":1: number out of range"),
    "NaN in JSON": (".json", b'{"total": NaN, "keys": []}', ": invalid JSON: NaN is not a JSON number"),
    "5000-digit integer": (".yaml", b"keys: []\ntotal: 1" + b"0" * 5000 + b"\n", ":2: number out of range"),
    # issue #17: a string no encoder takes (reports, the terminal, SQLite) is refused where the document is read
    "lone surrogate in JSON": (
        ".json",
        b'{"keys": [\n {"$id": "k\\ud83d", "scopes": ["users.read"]}]}',
        ":2: invalid JSON: a string holds a lone UTF-16 surrogate escape",
    ),
    "lone surrogate in YAML": (
        ".yaml",
        b'keys:\n  - id: k1\n    scopes: ["users.read\\udc00"]\n',
        ":3: invalid YAML: a string holds a lone UTF-16 surrogate escape",
    ),
    "lone surrogate in a YAML key": (".yaml", b'"k\\ud800": 1\n', ":1: invalid YAML: a string holds a lone"),
}


def _cut_late(content: bytes) -> bytes:
    """`content` gzipped (several read blocks of it), the last tenth of the compressed bytes cut off."""
    packed = gzip.compress(content)
    return packed[: len(packed) * 9 // 10]


def _bom_crlf(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()


MANIFEST = 'appwriteVersion: "1.9"\nkeys:\n  - id: k1\n    name: n1\n    scopes: [users.read]\n    expire: null\n'
# role -> (how to run it with the file at PATH, a valid document, a wrong-typed one, what that one is told)
ROLES = {
    "audit --keys": (["audit", "--keys", "PATH", *NOW], MANIFEST, '{"keys": "k1"}\n', ": invalid key-export at /keys"),
    "explain --keys": (
        ["explain", "k1", "--keys", "PATH", *NOW],
        MANIFEST,
        "[1, 2]\n",
        ": not a key export, key manifest",
    ),
    "lint FILE": (["lint", "PATH", *NOW], MANIFEST, "keys:\n  - id: 5\n", ": invalid manifest at /keys/0"),
    "fix FILE": (
        ["fix", "--appwrite-version", "1.9", "PATH"],
        MANIFEST,
        '{"functions": {"a": 1}}\n',
        ": invalid appwrite-json at /functions",
    ),
    "baseline create FILE": (
        ["baseline", "create", "--output", "OUT", "PATH", *NOW],
        MANIFEST,
        '{"$id": "k1", "scopes": "users.read"}\n',
        ": invalid key-export at /scopes",
    ),
    "--config": (
        ["audit", "--keys", "KEYS", "--config", "PATH", *NOW],
        "failOn: high\n",
        "rules: [1, 2]\n",
        ": invalid config at /rules",
    ),
    "rules --config": (
        ["rules", "--config", "PATH"],
        "rules:\n  stale-key: {severity: high}\n",
        "failOn: 7\n",
        ": invalid config at /failOn",
    ),
    "--policy": (
        ["audit", "--keys", "KEYS", "--policy", "PATH", *NOW],
        "policy:\n  rules:\n    - {id: p, severity: low, maxScopes: 5, message: m, fix: f}\n",
        "policy: 5\n",
        ": invalid policy at /policy",
    ),
    "--exceptions": (
        ["lint", "KEYS", "--exceptions", "PATH", *NOW],
        "exceptions:\n  - {rule: no-expiry, key: k1, reason: r, owner: o, expires: 2027-01-31}\n",
        "exceptions: {rule: x}\n",
        ": invalid exceptions at /exceptions",
    ),
    "--baseline": (
        ["audit", "--keys", "KEYS", "--baseline", "PATH", *NOW],
        '{"baselineVersion": 1, "tool": "keyaudit", "createdAt": "2026-11-25T00:00:00Z", "findings": []}\n',
        '{"findings": 5}\n',
        ": not a keyaudit baseline",
    ),
    "job run --job": (
        ["job", "run", "--job", "PATH", *NOW],
        "state: state.db\nkeys: [keys.json]\n",
        "state: state.db\nkeys: 5\n",
        ": invalid job config at /keys",
    ),
}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("keys.json").write_text(json.dumps(KEYS))
    return tmp_path


def _args(role: str, path: str) -> list[str]:
    return [{"PATH": path, "KEYS": "keys.json", "OUT": "baseline.json"}.get(a, a) for a in ROLES[role][0]]


def _make(path: Path, content) -> None:
    if content == "DIR":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)


# what a role says instead of the loader's message
OTHERWISE = {
    ("fix FILE", "truncated gzip"): ": keyaudit fix edits plain files in place",
    ("fix FILE", "corrupt gzip"): ": keyaudit fix edits plain files in place",
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_bad_document_is_one_line_and_exit_2_for_every_role(folder, role):
    for number, (name, (suffix, content, fragment)) in enumerate(BAD_DOCUMENTS.items()):
        path = f"bad-{number}{suffix}"
        fragment = OTHERWISE.get((role, name), fragment)
        _make(folder / path, content)
        started = time.monotonic()
        one_error_line(*invoke(*_args(role, path)), path, fragment)
        assert time.monotonic() - started < 10, name
    assert not (folder / "PWNED").exists() and not (ROOT / "PWNED").exists()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_wrong_types_are_one_line_naming_the_place(folder, role):
    Path("wrong.yaml").write_text(ROLES[role][2])
    one_error_line(*invoke(*_args(role, "wrong.yaml")), "wrong.yaml", ROLES[role][3])


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_bom_and_crlf_line_ends_are_read_as_plain_text(folder, role):
    Path("good.yaml").write_bytes(_bom_crlf(ROLES[role][1]))
    code, out, err = invoke(*_args(role, "good.yaml"))
    assert code in (0, 1), err
    assert "error" not in err


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_document_over_the_size_cap_is_one_line(folder, monkeypatch, role):
    """README: "a document over 64 MiB is refused". The cap is patched to 1 MiB: a valid document padded to
    exactly the cap is read, one byte more is refused in one line naming the file, whatever its role."""
    from auditor.loaders import source

    cap = 1 << 20
    monkeypatch.setattr(source, "MAX_DOCUMENT_BYTES", cap)
    valid = ROLES[role][1].encode()
    Path("big.yaml").write_bytes(valid + b"\n" * (cap - len(valid)))
    code, out, err = invoke(*_args(role, "big.yaml"))
    assert code in (0, 1) and "error" not in err, err
    Path("big.yaml").write_bytes(valid + b"\n" * (cap + 1 - len(valid)))
    code, out, err = invoke(*_args(role, "big.yaml"))
    one_error_line(code, out, err, "big.yaml", ": larger than 1 MiB; keyaudit reads no key file or settings file")


def test_terraform_key_files(folder):
    for content, fragment in [
        (b'resource "appwrite_project_key" "k" {\n  name = \n}\n', ":2: invalid HCL"),
        ('resource "x" "caf\xe9" {}\n'.encode("latin-1"), ": not UTF-8 text"),
        (b"resource " * 50_000, "invalid HCL"),
        (
            b'resource "appwrite_project_key" "k" {\n  name = "n"\n  scopes = 5\n}\n',
            ":3: invalid appwrite_project_key.k at /scopes",
        ),
        (b'resource "appwrite_project_key" "k" {\n  name = "n"\n  scopes = var.s\n}\n', "is computed by Terraform"),
    ]:
        Path("main.tf").write_bytes(content)
        one_error_line(*invoke("audit", "--keys", "main.tf", *NOW), "main.tf", fragment)
    Path("main.tf").write_bytes(
        _bom_crlf(
            'resource "appwrite_project_key" "k" {\n  name = "n"\n  scopes = ["users.read"]\n  expire = null\n}\n'
        )
    )
    code, out, err = invoke("audit", "--keys", "main.tf", *NOW, "--format", "json")
    assert code in (0, 1), err and json.loads(out)["keys"][0]["granted"] == ["users.read"]


# ---------------------------------------------------------------- logs: every format, every kind of bad line

GOOD = {
    "keyaudit-jsonl": b'{"time": "2026-11-20T10:00:00Z", "key": "k1", "method": "GET", "path": "/v1/users"}',
    "traefik-json": b'{"StartUTC": "2026-11-20T10:00:00Z", "RequestMethod": "GET", "RequestPath": "/v1/users", '
    b'"DownstreamStatus": 200}',
    "traefik-common": b'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/users HTTP/1.1" 200 5 "-" "-" 1 '
    b'"api@docker" "http://10.0.0.9:80" 3ms',
    "nginx-combined": b'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/users HTTP/1.1" 200 5 "-" "sdk"',
    "appwrite-audit": b'{"event": "user.create", "userId": "", "userEmail": "app.shop@service.example.com", '
    b'"userName": "n1", '
    b'"time": "2026-11-20T10:00:00.000+00:00"}',
    "error-lines": b"2026-11-20T10:00:00Z ERROR GET /v1/users: app.shop@service.localhost (role: applications) "
    b"missing scope (users.read)",
}
WRONG_TYPES = {
    "keyaudit-jsonl": b'{"key": 5, "method": "GET", "path": "/v1/users"}',
    "traefik-json": b'{"RequestMethod": 5, "RequestPath": ["/v1/users"]}',
    "traefik-common": b'10.0.0.1 - - [99/Nov/2026:10:00:00 +0000] "GET /v1/users HTTP/1.1" 200 5 "-" "-" 1 "a" "b" 3ms',
    "nginx-combined": b'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET" 200 5 "-" "sdk"',
    "appwrite-audit": b'{"event": 5, "userId": "", "userEmail": "app.shop@service.example.com", "userName": "n1"}',
    "error-lines": b"9999-99-99T99:99:99Z GET /v1/users: app.shop@service.localhost (role: applications) missing "
    b"scope (users.read)",
}
ABSURD_NUMBERS = {
    "keyaudit-jsonl": b'{"key": "k1", "method": "GET", "path": "/v1/users", "status": 1e999999}',
    "traefik-json": b'{"RequestMethod": "GET", "RequestPath": "/v1/users", "StartUTC": 1e999999}',
    "traefik-common": b'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/users HTTP/1.1" 999 5 "-" "-" 1 "a" "b" 3ms',
    "nginx-combined": b'10.0.0.1 - - [20/Nov/99999:10:00:00 +0000] "GET /v1/users HTTP/1.1" 200 5 "-" "sdk"',
    "appwrite-audit": b'{"event": "user.create", "userId": "", "userEmail": "app.shop@service.x", "userName": "n1", '
    b'"time": 1e999999}',
    "error-lines": b"1" * 5000 + b" GET /v1/users/" + b"9" * 5000 + b": app.shop@service.localhost (role: "
    b"applications) missing scope (users.read)",
}
# issue #17: a lone surrogate escape wherever the format has a string (text formats read it as plain text)
LONE_SURROGATES = {
    "keyaudit-jsonl": b'{"key": "k1", "method": "GET", "path": "/v1/users", "project": "p\\ud83d"}',
    "traefik-json": b'{"RequestMethod": "GET", "RequestPath": "/v1/users/\\udc00", "DownstreamStatus": 200}',
    "traefik-common": b'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/users/\\ud83d HTTP/1.1" 200 5 "-" "-" 1 '
    b'"a" "b" 3ms',
    "nginx-combined": b'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/users/\\ud83d HTTP/1.1" 200 5 "-" "sdk"',
    "appwrite-audit": b'{"event": "user.create", "userEmail": "app.shop@service.example.com", "userName": "n1", '
    b'"ip": "\\ud83d"}',
    "error-lines": b"2026-11-20T10:00:00Z ERROR GET /v1/users/\\ud83d: app.shop@service.localhost (role: "
    b"applications) missing scope (users.read)",
}
# issue #17: a time that is year 10000 once in UTC
LEAVES_THE_CALENDAR = {
    "keyaudit-jsonl": b'{"time": "9999-12-31T23:59:59-01:00", "key": "k1", "method": "GET", "path": "/v1/users"}',
    "traefik-json": b'{"StartUTC": "9999-12-31T23:59:59-01:00", "RequestMethod": "GET", "RequestPath": "/v1/users"}',
    "traefik-common": b'10.0.0.1 - - [31/Dec/9999:23:59:59 -0100] "GET /v1/users HTTP/1.1" 200 5 "-" "-" 1 "a" "b" 3ms',
    "nginx-combined": b'10.0.0.1 - - [31/Dec/9999:23:59:59 -0100] "GET /v1/users HTTP/1.1" 200 5 "-" "sdk"',
    "appwrite-audit": b'{"event": "user.create", "userEmail": "app.shop@service.example.com", "userName": "n1", '
    b'"time": "9999-12-31T23:59:59.000-01:00"}',
    "error-lines": b"9999-12-31T23:59:59-01:00 ERROR GET /v1/users: app.shop@service.localhost (role: "
    b"applications) missing scope (users.read)",
}
KINDS = ("wrong types", "absurd number", "lone surrogate", "leaves the calendar")
# per format: what each kind of line becomes (call, bad, or skipped: error-lines skips lines carrying no error)
OUTCOMES = {
    "keyaudit-jsonl": {
        "wrong types": "bad",
        "absurd number": "bad",
        "lone surrogate": "bad",
        "leaves the calendar": "bad",
    },
    "traefik-json": {
        "wrong types": "bad",
        "absurd number": "call",  # a time that is no string is no time
        "lone surrogate": "bad",
        "leaves the calendar": "bad",
    },
    "traefik-common": {
        "wrong types": "bad",
        "absurd number": "bad",
        "lone surrogate": "call",
        "leaves the calendar": "bad",
    },
    "nginx-combined": {
        "wrong types": "bad",
        "absurd number": "bad",
        "lone surrogate": "call",
        "leaves the calendar": "bad",
    },
    "appwrite-audit": {
        "wrong types": "bad",
        "absurd number": "bad",
        "lone surrogate": "bad",
        "leaves the calendar": "bad",
    },
    # an app's own line: a time it cannot read is no time, the error is still a call
    "error-lines": {
        "wrong types": "call",
        "absurd number": "call",
        "lone surrogate": "call",
        "leaves the calendar": "call",
    },
}
BAD_LINES = {
    "invalid JSON": b'{"key": "k1", "method": ',
    "invalid UTF-8": b'{"key": "k\xff\xfe1", "method": "G\xc3\x28ET"}',
    "NUL bytes": b"\x00" * 40,
    "JSON nested 100000 deep": b"[" * 100_000,
    "control characters": b"\x1b[31m\x07\x08\x7f",
    "Unicode whitespace only": "\u00a0\u2003\u3000".encode(),
    "line over 1 MiB": b'{"key": "k1", "path": "' + b"a" * (1 << 20) + b'"}',
}


def _log(log_format: str) -> tuple[bytes, int, int]:
    """A log of one format: BOM, CRLF and LF lines, every bad kind, a blank line, no final newline.

    Returns (content, calls expected, bad lines expected).
    """
    good = GOOD[log_format]
    outcome = OUTCOMES[log_format]
    lines = [
        b"\xef\xbb\xbf" + good + b"\r",
        good,
        WRONG_TYPES[log_format],
        ABSURD_NUMBERS[log_format],
        LONE_SURROGATES[log_format],
        LEAVES_THE_CALENDAR[log_format],
        *BAD_LINES.values(),
        b"",
        b"   ",
        good + b"\r",
    ]
    calls = 3 + sum(outcome[kind] == "call" for kind in KINDS)
    if log_format == "error-lines":  # lines carrying no missing-scope error are the app's own; only the cap counts
        bad = 1
    else:
        bad = sum(outcome[kind] == "bad" for kind in KINDS) + len(BAD_LINES)
    return b"\n".join(lines), calls, bad


@pytest.mark.parametrize("log_format", sorted(GOOD))
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_every_kind_of_bad_line_is_counted_in_every_log_format(folder, log_format, compressed):
    content, calls, bad = _log(log_format)
    path = folder / ("log.gz" if compressed else "log")
    path.write_bytes(gzip.compress(content) if compressed else content)
    code, out, err = invoke(
        "audit",
        "--keys",
        "keys.json",
        "--logs",
        path.name,
        "--log-format",
        log_format,
        "--key",
        "k1",
        "--format",
        "json",
        *NOW,
    )
    assert code in (0, 1), err
    report = json.loads(out)
    summary = report["summary"]
    assert summary["linesRead"] == content.count(b"\n") + 1
    assert summary["badLines"] == bad, summary["badLineSamples"]
    assert report["keys"][0]["calls"] == calls
    assert all(isinstance(s["line"], int) and set(s) == {"file", "line", "reason"} for s in summary["badLineSamples"])
    assert not summary["unattributed"]


def test_detection_reads_a_bom_and_crlf_log_as_its_format(folder):
    for log_format, line in GOOD.items():
        Path("log").write_bytes(b"\xef\xbb\xbf" + line + b"\r\n" + line + b"\r\n")
        code, out, err = invoke(
            "audit", "--keys", "keys.json", "--logs", "log", "--key", "k1", "--format", "json", *NOW
        )
        assert json.loads(out)["summary"]["logFormats"] == {"log": log_format}, err


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("missing.jsonl", None, ": no such file"),
        ("adir", "DIR", ": is a directory, not a file"),
        ("cut.jsonl.gz", gzip.compress(GOOD["keyaudit-jsonl"] * 5000)[:200], ": corrupt or truncated gzip data"),
        # cut after several blocks: the error meets the thread that inflates a log for the scan threads
        ("late.jsonl.gz", _cut_late(GOOD["keyaudit-jsonl"] * 80_000), ": corrupt or truncated gzip data"),
        ("junk.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 64, ": corrupt or truncated gzip data"),
    ],
)
def test_unreadable_logs_are_one_line_for_every_reader(folder, name, content, fragment):
    _make(folder / name, content)
    for args in (
        ["audit", "--keys", "keys.json", "--logs", name, *NOW],
        ["explain", "k1", "--keys", "keys.json", "--logs", name, *NOW],
        ["audit", "--keys", "keys.json", "--usage", name, *NOW],
        ["fix", "--appwrite-version", "1.9", "keys.json", "--logs", name],
        ["job", "run", "--state", "state.db", "--keys", "keys.json", "--logs", name, *NOW],
        ["catalog", "lookup", "--input", name],
        ["secrets", name],
        ["validate", "--kind", "call-log", name],
    ):
        one_error_line(*invoke(*args), name, fragment)


def test_an_empty_log_and_an_empty_usage_file_are_read_as_no_calls(folder):
    for name in ("empty.jsonl", "empty.csv"):
        Path(name).write_bytes(b"")
    code, out, err = invoke(
        "audit", "--keys", "keys.json", "--logs", "empty.jsonl", "--usage", "empty.csv", "--format", "json", *NOW
    )
    summary = json.loads(out)["summary"]
    assert code in (0, 1) and summary["logsGiven"] and summary["linesRead"] == 0 and summary["badLines"] == 0


def test_usage_file_bad_rows_are_counted(folder):
    header = b"key,method,path,count,first_seen,last_seen\r\n"
    rows = [
        b"k1,GET,/v1/users,3,2026-11-20 09:00:00+00,2026-11-20 10:00:00+00",
        b"k1,GET,/v1/users,1e999999,,",
        b"k1,GET,/v1/users,-4,,",
        b"k1,5,/v1/users,1,,",
        b"k1,GET,/v1/users,1,9999-99-99 99:99:99,",
        b"k\xff1,GET,/v1/users,1,,",
        b"k1,GET,/v1/users,1,,,extra",
        b"\x00\x00\x00",
        b"k1,GET,/v1/" + b"a" * (1 << 20) + b",1,,",
        b"k1,GET,/v1/users,2,2026-11-20T11:00:00Z,2026-11-20T11:00:00Z",
        b'"k1,GET,an unterminated quote takes the rest of the file as one field',
        b"k1,GET,/v1/users,1,,",
    ]
    Path("usage.csv").write_bytes(b"\xef\xbb\xbf" + header + b"\r\n".join(rows) + b"\r\n")
    Path("usage.jsonl").write_bytes(
        b"\n".join(
            [
                b'{"key": "k1", "method": "GET", "path": "/v1/users", "count": 1, "first_seen": null, "last_seen": null}',
                b'{"key": "k1", "method": "GET", "path": "/v1/users", "count": 1e999999}',
                b"[" * 100_000,
                b"{nope",
                b'{"key": ["k1"], "method": "GET", "path": "/v1/users", "count": 1}',
            ]
        )
    )
    code, out, err = invoke(
        "audit", "--keys", "keys.json", "--usage", "usage.csv", "--usage", "usage.jsonl", "--format", "json", *NOW
    )
    assert code in (0, 1), err
    report = json.loads(out)
    assert report["keys"][0]["calls"] == 3 + 2 + 1  # the row of k\ufffd1 (invalid UTF-8 replaced) is another key's
    assert report["summary"]["badLines"] == 8 + 4


# ---------------------------------------------------------------- regular expressions that read log lines


def test_no_log_line_makes_a_search_take_quadratic_time(folder):
    """Error-line patterns once backtracked over the whole line (a 40 000-character line took 6 s, 1 MiB an
    hour); each search is now linear. Lines of 120 KB, each built to defeat one pattern (a minute each before)."""
    n = 120_000
    lines = [
        b"ERROR: app.shop@service.x (role: applications) missing scope (users.read)",  # detected as error lines
        b"x missing scope (a) " + b"b" * n,
        b"general_unauthorized_scope " + b"app." * (n // 4),
        b"general_unauthorized_scope " + b"a (role: " * (n // 9),
        b"general_unauthorized_scope " + b"missing scopes ([" * (n // 17),
        b"general_unauthorized_scope GET " + b"GET https://" * (n // 12),
        b": " * (n // 2) + b"a (role: applications) missing scope (a)",
        b"a (role: " * (n // 9) + b") missing scopes ([" + b'"a",' * (n // 4) + b'"a"])',
        b"GET https://" * (n // 12) + b": general_unauthorized_scope",
        b'{"msg": "' + b"GET https://" * (n // 12) + b'", "type": "general_unauthorized_scope"}',
    ]
    Path("app.log").write_bytes(b"\n".join(lines) + b"\n")
    started = time.monotonic()
    code, out, err = invoke(
        "audit", "--keys", "keys.json", "--logs", "app.log", "--key", "k1", "--format", "json", *NOW
    )
    assert code in (0, 1), err
    assert json.loads(out)["summary"]["logFormats"] == {"app.log": "error-lines"}
    assert time.monotonic() - started < 10


# ---------------------------------------------------------------- the state file and a live server's answers


def test_a_broken_state_file_is_one_line(folder):
    for name, content, fragment in [
        ("missing.db", None, ": no such state file"),
        ("text.db", b"hello\n", ": not a keyaudit state file"),
        ("adir.db", "DIR", ": is a directory"),
    ]:
        _make(folder / name, content)
        one_error_line(*invoke("job", "report", "--state", name), name, fragment)
    assert invoke("job", "run", "--state", "real.db", "--keys", "keys.json", *NOW)[0] == 0
    whole = Path("real.db").read_bytes()
    Path("cut.db").write_bytes(whole[: len(whole) // 2])
    for args in (
        ["job", "report", "--state", "cut.db"],
        ["job", "run", "--state", "cut.db", "--keys", "keys.json", *NOW],
    ):
        one_error_line(*invoke(*args), "cut.db", "corrupt")


ANSWERS = [
    ("not JSON", b"<html>hello</html>", "the answer is not JSON"),
    ("empty", b"", "the answer is not JSON"),
    ("invalid UTF-8", b'{"total": 1, "keys": [{"$id": "k\xff"}]}', "the answer is not JSON"),
    ("lone surrogate", b'{"total": 1, "keys": [{"$id": "k\\ud83d", "scopes": []}]}', "the answer is not JSON"),
    ("nested 100000 deep", b"[" * 100_000 + b"]" * 100_000, "the answer is not JSON"),
    ("1e999999", b'{"total": 1e999999, "keys": []}', "not Appwrite's key list (at /total)"),
    ("wrong types", b'{"total": 1, "keys": {"$id": "k1"}}', "not Appwrite's key list (at /keys)"),
    ("a key without scopes", b'{"total": 1, "keys": [{"$id": "k1"}]}', "not Appwrite's key list (at /keys/0)"),
    ("a list", b"[1, 2, 3]", "not Appwrite's key list"),
]


@pytest.mark.parametrize("what, body, fragment", ANSWERS, ids=[a[0] for a in ANSWERS])
def test_fetch_keys_refuses_bad_answers_in_one_line(httpserver, tmp_path, what, body, fragment):
    httpserver.expect_request("/v1/health/version").respond_with_json({"version": "1.9.6"})
    httpserver.expect_request("/v1/project/keys").respond_with_data(body, content_type="application/json")
    output = tmp_path / "keys.json"
    output.write_text("old\n")
    code, out, err = invoke(
        "fetch-keys",
        "--endpoint",
        httpserver.url_for("/v1"),
        "--project",
        "p",
        "--output",
        output,
        env={"APPWRITE_API_KEY": "k"},
    )
    one_error_line(code, out, err, httpserver.url_for("/v1/project/keys"), fragment)
    assert output.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["keys.json"]


def test_fetch_keys_refuses_a_bad_version_answer_and_a_bom(httpserver):
    version = httpserver.url_for("/v1/health/version")
    for body, name, fragment in [
        (b'{"version": 5}', version, ": no Appwrite version in the answer"),
        (b'{"version": "' + b"9" * 5000 + b'.9.6"}', "Appwrite 999", "is not supported"),
        (b"\xef\xbb\xbf{nope", version, ": the answer is not JSON"),
    ]:
        httpserver.clear()
        httpserver.expect_request("/v1/health/version").respond_with_data(body, content_type="application/json")
        code, out, err = invoke(
            "fetch-keys", "--endpoint", httpserver.url_for("/v1"), "--project", "p", env={"APPWRITE_API_KEY": "k"}
        )
        one_error_line(code, out, err, name, fragment)


def test_absurd_version_numbers_are_refused_in_one_line(folder):
    """Version parts longer than int() parses (4300 digits) once crashed keyaudit."""
    Path("m.yaml").write_text('appwriteVersion: "1.' + "9" * 5000 + '"\n' + MANIFEST.split("\n", 1)[1])
    for args, name in (
        (["audit", "--keys", "keys.json", "--appwrite-version", "1." + "9" * 5000], "Appwrite 1.999"),
        (["catalog", "list", "--appwrite-version", "9" * 5000 + ".1"], "Appwrite 999"),
        (["audit", "--keys", "m.yaml"], "m.yaml: appwriteVersion: Appwrite 1.999"),
    ):
        one_error_line(*invoke(*args), name, "is not supported")
    Path("m.yaml").write_text('appwriteVersion: "1.9.' + "9" * 5000 + '"\n' + MANIFEST.split("\n", 1)[1])
    assert invoke("audit", "--keys", "m.yaml", *NOW)[0] == 0  # a patch of 1.9 past 1.9.4


def test_a_usage_count_of_thousands_of_digits_is_a_bad_row(folder):
    """Found by scripts/fuzz_loaders.py: int() refuses 4 300 digits and more, which crashed the usage reader."""
    Path("usage.csv").write_text(
        "key,method,path,count,first_seen,last_seen,status\n"
        f"k1,GET,/v1/users,{'9' * 5000},,,\nk1,GET,/v1/users,1,,,{'2' * 5000}\n"
        "k1,GET,/v1/users,2,,,\n"
    )
    code, out, err = invoke("audit", "--keys", "keys.json", "--usage", "usage.csv", "--format", "json", *NOW)
    assert code in (0, 1), err
    summary = json.loads(out)["summary"]
    assert summary["badLines"] == 2 and [s["reason"] for s in summary["badLineSamples"]] == [
        "'count' is out of range",
        "'status' is out of range",
    ]


def test_usage_rows_after_many_blank_lines_are_all_read(folder):
    """The first character was looked for in 64 bytes only: a usage file starting with more blank space was
    taken for an export of no rows, and every row was dropped unsaid."""
    row = '{"key": "k1", "method": "GET", "path": "/v1/users", "count": 2}\n'
    Path("usage.jsonl").write_text("\n" * 100 + " \t\r\n" * 30_000 + row + "{nope\n" + row)
    code, out, err = invoke("audit", "--keys", "keys.json", "--usage", "usage.jsonl", "--format", "json", *NOW)
    report = json.loads(out)
    assert report["keys"][0]["calls"] == 4
    assert [(s["line"], s["reason"]) for s in report["summary"]["badLineSamples"]] == [(30_102, "not valid JSON")]


# ---------------------------------------------------------------- issue #17: crashes, every command and format

REPORT_FORMATS = ("table", "json", "lines", "sarif", "junit", "markdown", "html")


def _hostile_logs(folder: Path) -> list[str]:
    """One log per format holding every kind of line above (lone surrogates and year-10000 times included)."""
    names = []
    for log_format in sorted(GOOD):
        (folder / f"{log_format}.log").write_bytes(_log(log_format)[0])
        names.append(f"{log_format}.log")
    return names


def test_hostile_log_lines_crash_no_command_and_no_format(folder):
    """A lone surrogate or a year-10000 time in one line once killed `audit` ("internal error") and every
    nightly `job run` after it; `validate` called the file valid. Now each is a counted bad line everywhere."""
    logs = [arg for name in _hostile_logs(folder) for arg in ("--logs", name)]
    for name in REPORT_FORMATS:
        code, out, err = invoke("audit", "--keys", "keys.json", *logs, "--key", "k1", "--format", name, *NOW)
        assert code in (0, 1) and err.count("internal error") == 0, (name, err)
        assert out.encode("utf-8")
    code, out, err = invoke("explain", "k1", "--keys", "keys.json", *logs, "--key", "k1", *NOW)
    assert code in (0, 1), err
    for name in ("json", "table"):
        code, out, err = invoke(
            "job", "run", "--state", "state.db", "--keys", "keys.json", *logs, "--key", "k1", "--format", name, *NOW
        )
        assert code in (0, 1), err
        code, out, err = invoke("job", "report", "--state", "state.db", "--format", name)
        assert code == 0, err
    code, out, err = invoke("catalog", "lookup", "--input", "keyaudit-jsonl.log", "--format", "json")
    assert code in (0, 1) and "internal error" not in err, err
    code, out, err = invoke("validate", "--kind", "call-log", "keyaudit-jsonl.log", "--format", "json")
    assert code == 1, err
    problems = [m["message"] for f in json.loads(out) for m in f["messages"]]
    assert "a string holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)" in problems
    assert "time is outside the years 1900 to 8999" in problems


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-01:00", "9999-12-31T23:00:00Z", "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z"]
)
def test_a_clock_outside_the_calendar_is_one_line_for_every_command(folder, when):
    for args in (
        ["audit", "--keys", "keys.json"],
        ["lint", "keys.json"],
        ["explain", "k1", "--keys", "keys.json"],
        ["baseline", "create", "--output", "b.json", "keys.json"],
        ["job", "run", "--state", "state.db", "--keys", "keys.json"],
    ):
        code, out, err = invoke(*args, "--now", when)
        assert code == 2 and err.count("\n") == 1 and f"--now '{when}': time is outside the years 1900 to 8999" in err
    assert not Path("state.db").exists() and not Path("b.json").exists()


def test_dates_meaning_forever_work_in_every_format(folder):
    """`expires: 9999-12-31` is how people write "forever": it silences (the README promises a bad entry never
    stops a run, and this one is not even bad); a key expiring in year 10000 UTC never expires."""
    Path("far.json").write_text(
        json.dumps(
            {
                "total": 1,
                "keys": [
                    {
                        "$id": "k1",
                        "name": "n1",
                        "scopes": ["users.read"],
                        "expire": "9999-12-31T23:59:59-01:00",
                        "$createdAt": "9999-12-31T23:59:59-01:00",
                        "accessedAt": "9999-12-31T23:59:59-01:00",
                    }
                ],
            }
        )
    )
    Path("exceptions.yaml").write_text(
        "exceptions:\n  - {rule: no-expiry, key: k1, reason: r, owner: o, "
        "expires: 9999-12-31}\n  - {rule: stale-key, key: k1, reason: r, owner: o, "
        "expires: '9999-12-31T23:59:59-01:00'}\n"
    )
    Path("policy.yaml").write_text(
        "policy:\n  rules:\n    - {id: p, severity: low, maxLifetimeDays: 90, message: m, fix: f}\n"
    )
    for name in REPORT_FORMATS:
        for keys in ("keys.json", "far.json"):
            code, out, err = invoke(
                "audit",
                "--keys",
                keys,
                "--exceptions",
                "exceptions.yaml",
                "--policy",
                "policy.yaml",
                "--format",
                name,
                *NOW,
            )
            assert code in (0, 1) and err.count("internal error") == 0, (name, keys, err)
    code, out, err = invoke("lint", "keys.json", "--exceptions", "exceptions.yaml", "--format", "json", *NOW)
    assert {"no-expiry", "exception-invalid"} & {f["rule"] for f in json.loads(out)["findings"]} == set(), out
    code, out, err = invoke("audit", "--keys", "far.json", "--format", "json", *NOW)
    assert {f["rule"] for f in json.loads(out)["findings"]} & {"expired", "stale-key"} == set()
    assert invoke("validate", "far.json", "exceptions.yaml")[0] == 0
    Path("early.json").write_text(
        Path("far.json").read_text().replace("9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00")
    )
    one_error_line(*invoke("audit", "--keys", "early.json", *NOW), "early.json", "is not a valid date-time")
    Path("old.yaml").write_text(
        "exceptions:\n  - {rule: no-expiry, key: k1, reason: r, owner: o, expires: 1800-01-01}\n"
    )
    code, out, err = invoke("lint", "keys.json", "--exceptions", "old.yaml", "--format", "json", *NOW)
    assert "exception-invalid" in {f["rule"] for f in json.loads(out)["findings"]}


def test_usage_times_outside_the_calendar_are_bad_rows(folder):
    Path("usage.csv").write_text(
        "key,method,path,count,first_seen,last_seen\n"
        "k1,GET,/v1/users,1,9999-12-31 23:59:59-01,\nk1,GET,/v1/users,1,,0001-01-01 00:00:00+01\n"
        "k1,GET,/v1/users,2,2026-11-20 09:00:00+00,\n"
    )
    for name in REPORT_FORMATS:
        code, out, err = invoke("audit", "--keys", "keys.json", "--usage", "usage.csv", "--format", name, *NOW)
        assert code in (0, 1), err
    report = json.loads(invoke("audit", "--keys", "keys.json", "--usage", "usage.csv", "--format", "json", *NOW)[1])
    assert report["summary"]["badLines"] == 2 and report["keys"][0]["calls"] == 2


@pytest.mark.parametrize(
    "table, column, value",
    [
        ("run", "at", 1e300),
        ("run", "window_start", -1e15),
        ("run", "at", "soon"),
        ("route_day", "first", 1e20),
        ("route_day", "last", -1e20),
        ("meta", "value", 9e15),
    ],
)
def test_tampered_state_times_are_one_line(folder, table, column, value):
    import sqlite3

    Path("calls.jsonl").write_bytes(GOOD["keyaudit-jsonl"] + b"\n")
    assert invoke("job", "run", "--state", "state.db", "--keys", "keys.json", "--logs", "calls.jsonl", *NOW)[0] in (
        0,
        1,
    )
    db = sqlite3.connect("state.db")
    where = " WHERE name = 'observed_since'" if table == "meta" else ""
    db.execute(f"UPDATE {table} SET {column} = ?{where}", (value,))
    db.commit()
    db.close()
    for args in (
        ["job", "report", "--state", "state.db"],
        ["job", "run", "--state", "state.db", "--keys", "keys.json", "--now", "2026-11-26T00:00:00Z"],
    ):
        code, out, err = invoke(*args)
        if table in ("route_day", "meta") and args[1] == "report":  # only a run rebuilds the window from them
            assert code == 0, err
        else:
            one_error_line(code, out, err, "state.db", "the state file is corrupt")


# ---------------------------------------------------------------- issue #17: the router's edge cases


def _requests(log_format: str, path: str) -> bytes:
    """One GET of `path` by key k1 in `log_format` (k1 given by --key where the format names no key)."""
    return {
        "keyaudit-jsonl": json.dumps({"time": "2026-11-20T10:00:00Z", "key": "k1", "method": "GET", "path": path}),
        "traefik-json": json.dumps(
            {"StartUTC": "2026-11-20T10:00:00Z", "RequestMethod": "GET", "RequestPath": path, "DownstreamStatus": 200}
        ),
        "traefik-common": f'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET {path} HTTP/1.1" 200 5 "-" "-" 1 '
        '"api@docker" "http://10.0.0.9:80" 3ms',
        "nginx-combined": f'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET {path} HTTP/1.1" 200 5 "-" "sdk"',
        "error-lines": f"2026-11-20T10:00:00Z ERROR GET {path}: app.shop@service.localhost (role: applications) "
        "missing scope (users.read)",
        "usage": f"k1,GET,{path},1,2026-11-20 10:00:00+00,2026-11-20 10:00:00+00",
    }[log_format].encode()


# PHP's parse_url takes `//host` for a host: Appwrite serves these as GET /v1/users ...
SERVED_AS_USERS = ("//evil.example/v1/users", "//u:p@evil.example:8443/v1/users?x=1", "https://h/v1/users#f")
# ... and answers these 404: no /v1 (nothing is guessed), an empty host or `:80` PHP refuses (utopia routes `/`)
NOT_SERVED = ("/users", "///v1/users", "/v1/users/u1:80", "//v1/users")


@pytest.mark.parametrize(
    "log_format", ["keyaudit-jsonl", "traefik-json", "traefik-common", "nginx-combined", "error-lines", "usage"]
)
def test_paths_resolve_as_appwrite_routes_them_in_every_format_that_carries_one(folder, log_format):
    header = b"key,method,path,count,first_seen,last_seen\n" if log_format == "usage" else b""
    Path("log").write_bytes(header + b"\n".join(_requests(log_format, p) for p in SERVED_AS_USERS + NOT_SERVED))
    source = ["--usage", "log"] if log_format == "usage" else ["--logs", "log", "--log-format", log_format]
    served, not_served = len(SERVED_AS_USERS), len(NOT_SERVED)
    runs = [
        invoke("audit", "--keys", "keys.json", *source, "--key", "k1", "--format", "json", *NOW),
        invoke(
            "job", "run", "--state", "state.db", "--keys", "keys.json", *source, "--key", "k1", "--format", "json", *NOW
        ),
    ]
    for code, out, err in runs:
        assert code in (0, 1), err
        key = json.loads(out)["keys"][0]
        assert [(r["method"], r["route"], r["count"]) for r in key["routes"]] == [("GET", "/v1/users", served)], key
        if log_format != "error-lines":  # an app's error line names a request only when it has a /v1 path
            assert key["unknownRouteCalls"] == not_served, key
    for path in SERVED_AS_USERS:
        assert "GET /v1/users" in invoke("catalog", "lookup", "GET", path)[1]
    for path in NOT_SERVED:
        assert "no route matches" in invoke("catalog", "lookup", "GET", path)[1]


def test_a_file_name_that_is_not_utf8_is_one_line(folder):
    """Python decodes such a name to lone surrogates, which crashed every report and the job's state."""
    import os

    name = os.fsdecode(b"caf\xe9.jsonl")
    Path(name).write_bytes(GOOD["keyaudit-jsonl"] + b"\n")
    for args in (
        ["audit", "--keys", "keys.json", "--logs", name, *NOW],
        ["lint", name, *NOW],
        ["secrets", name],
        ["job", "run", "--state", "state.db", "--keys", "keys.json", "--logs", name, *NOW],
    ):
        one_error_line(*invoke(*args), "caf\\xe9.jsonl", "the argument is not UTF-8 text")
    Path("job.yaml").write_text("state: state.db\nkeys: [keys.json]\nlogs: ['*.jsonl']\n")
    one_error_line(
        *invoke("job", "run", "--job", "job.yaml", *NOW), "caf\\xe9.jsonl", "job.yaml: logs file name is not UTF-8 text"
    )
    assert not Path("state.db").exists()
