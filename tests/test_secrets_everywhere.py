"""Every command, every output format, every input full of Appwrite key secrets: nothing keyaudit writes holds one.

One workspace holds secrets (standard_ + 256 hex, account_, ephemeral_/dynamic_ JWTs) in key files (the secret
field, ids, names, scopes, projects, owners, comments), in every log format (keys, paths, queries, headers,
projects, error messages, audit-log names and e-mails, bad lines), in usage files, configs, policies, exception
reasons, job configs and in a live server's answers. Every command runs over it in every format; then stdout,
stderr, every file created and every value of the SQLite state are grepped for any piece of any secret.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest
from helpers.cli import invoke
from helpers.hostile import Secrets, encoded, sqlite_text
from werkzeug import Response

from auditor.reporters import REPORTERS
from auditor.secrets import fingerprint

NOW = "2026-11-25T00:00:00Z"
DAY = "2026-11-20"


def _jsonl(records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def build_workspace(root: Path, s: Secrets) -> dict[str, str]:
    """Write the hostile inputs under root/in; returns the command-line names of each (relative to root)."""
    folder = root / "in"
    folder.mkdir()
    key_id, key_name = s.eph("key-id"), s.dyn("key-name")
    files = {}

    def put(name, text, binary=False, file_name=None):
        path = folder / (file_name or name)
        path.write_bytes(text) if binary else path.write_text(text)
        files[name] = f"in/{file_name or name}"

    put(
        "keys.json",
        json.dumps(
            {
                "total": 3,
                "keys": [
                    {
                        "$id": key_id,
                        "name": key_name,
                        "scopes": ["rows.read", "documents.read", s.eph("scope-in-export")],
                        "expire": None,
                        "projectId": s.std("export-project"),
                        "secret": s.std("export-secret"),
                        "$createdAt": "2026-01-01T00:00:00.000+00:00",
                        "accessedAt": "2026-11-20T00:00:00.000+00:00",
                    },
                    {
                        "$id": "k-ci",
                        "name": "ci " + s.eph("name-suffix"),
                        "scopes": ["users.read", "keys.write", "collections.read"],
                        "expire": "",
                        "secret": "",
                        "secretSha256": hashlib.sha256(s.std("fetched-secret").encode()).hexdigest(),
                    },
                    {
                        "$id": "k-acc",
                        "name": "account key",
                        "scopes": ["users.read"],
                        "expire": None,
                        "secret": s.std("account-secret", "account"),
                    },
                ],
            },
            indent=2,
        ),
    )
    put(
        "manifest.yaml",
        f"""\
# rotated from {s.std("manifest-comment")}
appwriteVersion: "1.9"
project: "{s.std("manifest-project")}"
keys:
  - id: mk1
    name: "{s.dyn("manifest-name")}"
    scopes: [documents.read, "{s.eph("manifest-scope")}"]
    expire: null
    owner: "{s.std("manifest-owner")}"
    purpose: "feeds search; old key {s.eph("manifest-purpose")}"
""",
    )
    put(
        "appwrite.json",
        json.dumps(
            {
                "projectId": s.std("appwrite-json-project"),
                "functions": [
                    {
                        "$id": "fn1",
                        "name": s.dyn("function-name"),
                        "path": f"functions/{s.eph('function-path')}",
                        "scopes": ["documents.read", s.eph("function-scope")],
                        "vars": {"KEY": s.std("function-var", "organization")},
                    }
                ],
            },
            indent=2,
        ),
    )
    put(
        "main.tf",
        f"""\
resource "appwrite_project_key" "ci" {{
  name       = "{s.eph("tf-name")}"
  project_id = "{s.std("tf-project")}"
  scopes     = ["documents.read", "{s.eph("tf-scope")}"]
  expire     = null
}}
""",
    )
    rows = "/v1/tablesdb/shop/tables/products/rows"
    put(
        "calls.jsonl",
        _jsonl(
            [
                {
                    "time": f"{DAY}T10:00:00Z",
                    "key": key_id,
                    "method": "GET",
                    "path": f"{rows}?token={s.std('query')}",
                    "status": 200,
                },
                {
                    "time": f"{DAY}T10:00:01Z",
                    "key": key_id,
                    "method": "GET",
                    "path": f"/v1/nowhere/{s.std('unknown-path')}",
                    "status": 404,
                },
                {
                    "time": f"{DAY}T10:00:02Z",
                    "key": s.std("jsonl-key"),
                    "method": "GET",
                    "path": "/v1/users",
                    "status": 200,
                    "project": s.std("jsonl-project"),
                },
                {
                    "time": f"{DAY}T10:00:03Z",
                    "key": s.std("export-secret"),
                    "method": "GET",
                    "path": rows,
                    "status": 200,
                },
                {
                    "time": f"{DAY}T10:00:04Z",
                    "key": "k-ci",
                    "method": "GET",
                    "path": "/v1/users",
                    "status": 401,
                    "error": f'app.{s.eph("error-project")}@service.x (role: applications) missing scopes (["users.read"])',
                },
                {
                    "time": f"{DAY}T10:00:05Z",
                    "key": "k-ci",
                    "method": "GET",
                    "path": f"/v1/users/{s.dyn('path-segment')}",
                    "status": 200,
                    "project": s.eph("jsonl-project-2"),
                },
                f"not json at all {s.std('bad-line')}",
                {"key": s.std("bad-record-key"), "method": 5, "path": s.std("bad-record-path")},
            ]
        ),
    )
    put(
        "traefik.json",
        _jsonl(
            [
                {
                    "StartUTC": f"{DAY}T11:00:00Z",
                    "RequestMethod": "GET",
                    "RequestPath": f"/v1/users?x={s.std('traefik-query')}",
                    "DownstreamStatus": 200,
                    "request_X-Appwrite-Key": s.std("fetched-secret"),
                    "request_X-Appwrite-Project": s.std("traefik-project"),
                },
                {
                    "StartUTC": f"{DAY}T11:00:01Z",
                    "RequestMethod": "GET",
                    "RequestPath": f"/v1/nope/{s.eph('traefik-path')}",
                    "DownstreamStatus": 404,
                    "request_X-Appwrite-Key": s.std("traefik-unknown-key"),
                },
                {
                    "StartUTC": f"{DAY}T11:00:02Z",
                    "RequestMethod": "POST",
                    "RequestPath": "/v1/functions/f/executions",
                    "DownstreamStatus": 201,
                    "request_X-Appwrite-Key": s.dyn("traefik-dynamic-key"),
                },
                {"StartUTC": f"{DAY}T11:00:03Z", "RequestMethod": 7, "RequestPath": s.std("traefik-bad")},
            ]
        ),
    )
    put(
        "nginx.log",
        "".join(
            [
                f'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/users/{s.std("nginx-path")} HTTP/1.1" 200 5 "-" '
                f'"sdk {s.eph("nginx-agent")}"\n',
                f"garbage {s.std('nginx-bad')}\n",
            ]
        ),
    )
    put(
        "audit.json",
        json.dumps(
            {
                "total": 3,
                "logs": [
                    {
                        "event": "row.create",
                        "userId": "",
                        "userEmail": f"app.{s.std('audit-project')}@service.cloud.appwrite.io",
                        "userName": key_name,
                        "time": f"{DAY}T12:00:00.000+00:00",
                        "ip": "10.0.0.2",
                    },
                    {
                        "event": "user.create",
                        "userId": "",
                        "userEmail": "app.shop@service.cloud.appwrite.io",
                        "userName": s.std("audit-name"),
                        "time": f"{DAY}T12:00:01.000+00:00",
                    },
                    {"event": s.std("audit-event"), "userEmail": 3},
                ],
            },
            indent=1,
        ),
    )
    put(
        "errors.log",
        "".join(
            [
                f"{DAY}T13:00:00Z ERROR GET /v1/tablesdb/shop/tables/t/rows/{s.eph('error-lines-path')}: "
                f"app.{s.std('error-lines-project')}@service.localhost (role: applications) missing "
                f'scopes (["rows.read","documents.read"])\n',
                f"{DAY}T13:00:01Z ERROR key={s.std('error-lines-noise')}: app.shop@service.localhost (role: applications) "
                f"missing scope (users.read)\n",
            ]
        ),
    )
    usage = io.StringIO()
    writer = csv.writer(usage, lineterminator="\n")
    writer.writerow(["key", "method", "path", "count", "first_seen", "last_seen", "project", "error"])
    writer.writerow(
        [
            s.std("usage-key"),
            "GET",
            f"/v1/users/{s.std('usage-path')}",
            3,
            f"{DAY} 09:00:00+00",
            f"{DAY} 10:00:00+00",
            s.std("usage-project"),
            "",
        ]
    )
    writer.writerow(
        [key_id, "GET", "/v1/tablesdb/{id}/tables/{id}/rows", 2, f"{DAY} 09:00:00+00", f"{DAY} 10:00:00+00", "", ""]
    )
    writer.writerow([s.std("usage-bad-key"), "GET", "/v1/users", "many", "", "", "", ""])
    put("usage.csv", usage.getvalue())
    put(
        "config.yaml",
        f"""\
failOn: critical
rules:
  stale-key: {{options: {{days: 30}}}}
policy:
  rules:
    - id: no-minting
      severity: high
      forbiddenScopes: [keys.write]
      message: "{{key}} holds {{scope}}; see {s.std("policy-message")}"
      fix: "Remove {{scope}} from {{key}} ({s.eph("policy-fix")})"
exceptions:
  - rule: deprecated-scope
    key: k-ci
    reason: "migration; old key {s.std("exception-reason")}"
    owner: ops@example.com
    expires: 2027-01-31
  - rule: no-expiry
    key: k-acc
    reason: accepted
    owner: ops@example.com
    expires: 2027-01-31
""",
    )
    put(
        "policy.yaml",
        f"""\
policy:
  rules:
    - id: owners
      severity: low
      requiredFields: [owner]
      message: "{{key}} has no {{field}} ({s.dyn("policy-file-message")})"
      fix: "Add {{field}} to {{key}}"
""",
    )
    put(
        "exceptions.yaml",
        f"""\
exceptions:
  - rule: no-expiry
    key: "{key_id}"
    reason: a key id that is a secret
    owner: ops@example.com
    expires: 2027-01-31
  - rule: unknown-scope
    key: mk1
    scope: "{s.eph("manifest-scope")}"
    reason: "scope is a secret"
    owner: "{s.std("exception-owner")}"
    expires: 2027-01-31
  - rule: high-risk-scope
    key: k-ci
    reason: "{s.dyn("exception-reason-2")}"
    owner: ops@example.com
    expires: 2027-01-31
""",
    )
    put(
        "calls.jsonl.gz",
        gzip.compress(
            _jsonl(
                [
                    {
                        "time": f"{DAY}T14:00:00Z",
                        "key": key_id,
                        "method": "DELETE",
                        "path": f"/v1/users/{s.std('gz-path')}",
                    },
                    {
                        "time": f"{DAY}T14:00:01Z",
                        "key": "k-file",
                        "method": "GET",
                        "path": "/v1/users",
                        "status": 401,
                        "error": "general_unauthorized_scope",
                    },
                    "bad line",
                ]
            ).encode()
        ),
        binary=True,
        file_name=f"calls-{s.eph('log-file-name')}.jsonl.gz",
    )
    put(
        "named.json",
        json.dumps({"keys": [{"$id": "k-file", "name": "file", "scopes": ["documents.read"], "expire": None}]}),
        file_name=f"keys-{s.dyn('key-file-name')}.json",
    )
    (root / "job.yaml").write_text(f"""\
# job of {s.std("job-comment")}
state: out/state.db
keys: [in/keys.json, in/manifest.yaml, in/appwrite.json, in/main.tf, "in/keys-*.json"]
logs: [in/calls.jsonl, in/traefik.json, in/nginx.log, in/audit.json, in/errors.log, "in/*.gz"]
usage: [in/usage.csv]
config: in/config.yaml
exceptions: in/exceptions.yaml
policy: in/policy.yaml
key: nginx-key
window: 30d
format: json
""")
    files["job.yaml"] = "job.yaml"
    return files


KEY_FILES = ("keys.json", "manifest.yaml", "appwrite.json", "main.tf", "named.json")
LOG_FILES = ("calls.jsonl", "traefik.json", "nginx.log", "audit.json", "errors.log", "calls.jsonl.gz")


class Runner:
    """Runs keyaudit in-process from the workspace and keeps everything it printed."""

    def __init__(self, root: Path):
        self.root = root
        self.printed: list[tuple[list[str], str]] = []

    def __call__(self, *args, env=None, expect=(0, 1)):
        result = invoke([str(a) for a in args], env={"KEYAUDIT_DEBUG": None, **(env or {})})
        self.printed.append((list(args), result.stdout + result.stderr))
        assert result.exit_code in expect, (args, result.exit_code, result.stdout[-2000:], result.stderr[-2000:])
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
        return result


def _audit_inputs(files):
    args = []
    for name in KEY_FILES:
        args += ["--keys", files[name]]
    for name in LOG_FILES:
        args += ["--logs", files[name]]
    return args + [
        "--usage",
        files["usage.csv"],
        "--config",
        files["config.yaml"],
        "--exceptions",
        files["exceptions.yaml"],
        "--policy",
        files["policy.yaml"],
        "--key",
        "nginx-key",
        "--now",
        NOW,
    ]


@pytest.fixture
def workspace(tmp_path, monkeypatch, httpserver):
    secrets = Secrets()
    files = build_workspace(tmp_path, secrets)
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    inputs = {p for p in tmp_path.rglob("*") if p.is_file()}
    return tmp_path, secrets, files, inputs, Runner(tmp_path)


def _serve_keys(httpserver, s: Secrets):
    httpserver.expect_request("/v1/health/version").respond_with_json({"version": "1.9.6"})
    keys = [
        {
            "$id": "live1",
            "$createdAt": "2026-01-01T00:00:00.000+00:00",
            "$updatedAt": "2026-01-01T00:00:00.000+00:00",
            "name": s.dyn("live-name"),
            "expire": "",
            "scopes": ["users.read"],
            "secret": s.std("live-secret"),
            "accessedAt": "",
            "sdks": [s.std("live-sdk")],
        }
    ]
    httpserver.expect_request("/v1/project/keys").respond_with_json({"total": 1, "keys": keys})
    httpserver.expect_request("/v1/health/version", headers={"X-Appwrite-Project": "bad"}).respond_with_json(
        {"version": "1.9.6"}
    )


def test_no_secret_in_anything_any_command_writes(workspace, httpserver):
    root, s, files, inputs, run = workspace
    audit_inputs = _audit_inputs(files)
    # audit: every format on stdout, and every format at once into files
    for name in sorted(REPORTERS):
        run("audit", *audit_inputs, "--format", name)
    every_format = [arg for name in sorted(REPORTERS) for arg in ("--output", f"{name}=out/report.{name}")]
    run("audit", *audit_inputs, *every_format)
    key_id = s.by_name["key-id"]
    run("explain", key_id, *audit_inputs)
    run("explain", "k-ci", *audit_inputs)
    key_paths = [files[name] for name in KEY_FILES]
    for name in ("lines", "json"):
        run(
            "lint",
            *key_paths,
            "--config",
            files["config.yaml"],
            "--exceptions",
            files["exceptions.yaml"],
            "--policy",
            files["policy.yaml"],
            "--now",
            NOW,
            "--format",
            name,
        )
    run("secrets", *files.values())
    run("baseline", "create", "--output", "out/baseline.json", *audit_inputs)
    run("baseline", "create", "--output", "out/baseline-lint.json", *key_paths, "--now", NOW)
    run("audit", *audit_inputs, "--baseline", "out/baseline.json", "--format", "json")
    run("lint", *key_paths, "--baseline", "out/baseline-lint.json", "--now", NOW)
    run("fix", "--appwrite-version", "1.9", "--diff", files["keys.json"], expect=(1,))
    run(
        "fix",
        "--appwrite-version",
        "1.9",
        "--mode",
        "replace",
        "--logs",
        files["calls.jsonl"],
        "--logs",
        files["traefik.json"],
        files["keys.json"],
        expect=(0,),
    )
    for name in ("manifest.yaml", "appwrite.json", "main.tf"):
        result = run("fix", "--appwrite-version", "1.9", files[name], expect=(2,))
        assert "holds a key secret (sha256:" in result.stderr
    for name in ("table", "json"):
        run("validate", *[files[n] for n in KEY_FILES + ("config.yaml", "calls.jsonl")], "--format", name)
    run("job", "run", "--job", "job.yaml", "--now", NOW)
    run(
        "job",
        "run",
        "--job",
        "job.yaml",
        "--now",
        "2026-11-26T00:00:00Z",
        "--format",
        "html",
        "--output",
        "out/job.html",
    )
    for name in ("table", "json"):
        run("job", "report", "--state", "out/state.db", "--format", name)
    _serve_keys(httpserver, s)
    run(
        "fetch-keys",
        "--endpoint",
        httpserver.url_for("/v1"),
        "--project",
        s.std("fetch-project"),
        "--output",
        "out/fetched.json",
        env={"APPWRITE_API_KEY": s.std("credential")},
        expect=(0,),
    )
    run("catalog", "lookup", "GET", f"/v1/users/{s.std('lookup-path')}?q={s.eph('lookup-query')}")
    run("catalog", "lookup", "GET", f"/v1/users/{s.std('lookup-path')}", "--format", "json")
    run("catalog", "lookup", "--input", files["calls.jsonl"])
    for name in ("table", "json", "markdown"):
        run("rules", "--config", files["config.yaml"], "--format", name)

    leaks = []
    for args, text in run.printed:
        found = s.leaks(text)
        if found:
            leaks.append((" ".join(map(str, args[:2])), found))
    written = sorted(p for p in root.rglob("*") if p.is_file() and p not in inputs)
    assert {p.name for p in written} >= {
        "state.db",
        "baseline.json",
        "fetched.json",
        "job.html",
        *[f"report.{n}" for n in REPORTERS],
    }
    for path in written:
        found = s.leaks(path.read_bytes())
        if path.name == "state.db":
            found += s.leaks(sqlite_text(path))
        if found:
            leaks.append((str(path.relative_to(root)), sorted(set(found))))
    assert leaks == [], "\n".join(f"{where}: {found}" for where, found in leaks)
    # what was found is reported by place and fingerprint: the export's secret is a secret-in-file finding
    report = json.loads((root / "out" / "report.json").read_text())
    secret_findings = [f for f in report["findings"] if f["rule"] == "secret-in-file"]
    assert {f["location"]["file"] for f in secret_findings} >= {files["keys.json"], files["manifest.yaml"]}
    assert fingerprint(s.by_name["export-secret"]) in json.dumps(secret_findings)
    # a secret where an id belongs is known by its fingerprint, consistently in key files and logs: the key whose
    # id is a secret keeps its calls, including the record whose `key` is that key's own secret
    keys = {k["id"]: k for k in report["keys"]}
    assert keys[fingerprint(key_id)]["calls"] == 6
    assert ("unknown-key", fingerprint(s.by_name["jsonl-key"])) in {(f["rule"], f["key"]) for f in report["findings"]}
    assert run.printed[len(REPORTERS) + 1][0][:2] == ["explain", key_id]
    assert "6 logged calls" in run.printed[len(REPORTERS) + 1][1]


def test_the_call_recorder_refuses_a_secret_for_the_key_id(tmp_path):
    """The recorder writes keyaudit's own log: handed the key's secret where its id belongs, it writes nothing."""
    from appwrite.client import Client

    from auditor.recorder import record_calls

    secret = Secrets().std("recorder")
    client = Client().set_endpoint("http://127.0.0.1:9/v1").set_project("shop").set_key(secret)
    for given in (secret, f"key-{secret}"):
        with pytest.raises(ValueError, match="never its secret") as refused:
            record_calls(client, str(tmp_path / "calls.jsonl"), key_id=given)
        assert secret not in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_no_secret_in_any_error_message(tmp_path, monkeypatch, httpserver):
    """Bad input quoting a secret (a value a schema refuses, a name no rule has, a server's error) is still
    one line on stderr and exit 2, and the line holds the secret's fingerprint at most."""
    s = Secrets()
    monkeypatch.chdir(tmp_path)
    good = {"total": 1, "keys": [{"$id": "k1", "name": "n", "scopes": ["users.read"], "expire": None}]}
    Path("keys.json").write_text(json.dumps(good))

    def put(name, content):
        Path(name).write_text(content if isinstance(content, str) else json.dumps(content))
        return name

    server = httpserver.url_for("/v1")
    httpserver.expect_request("/v1/health/version").respond_with_json({"version": "1.9.6"})
    httpserver.expect_request("/v1/project/keys", headers={"X-Appwrite-Project": "p401"}).respond_with_json(
        {"message": s.std("server-message"), "type": s.eph("server-type"), "code": 401}, status=401
    )
    httpserver.expect_request("/v1/project/keys", headers={"X-Appwrite-Project": "p302"}).respond_with_response(
        Response("", status=302, headers={"Location": f"https://evil.example/{s.std('server-location')}"})
    )
    httpserver.expect_request("/v1/project/keys", headers={"X-Appwrite-Project": "pjunk"}).respond_with_data(
        f"<html>{s.std('server-body')}</html>", content_type="text/html"
    )
    fetch = ["fetch-keys", "--endpoint", server, "--project"]
    cases = [
        ["audit", "--keys", put("bad.json", '{"keys": [{"$id": "k1", "secret": "' + s.std("json") + '" "x": 1}]}')],
        ["audit", "--keys", put("expire.json", {"keys": [{"$id": "k1", "scopes": [], "expire": s.std("expire")}]})],
        ["audit", "--keys", put("manifest.yaml", f'appwriteVersion: "{s.eph("version")}"\nkeys: []\n')],
        ["audit", "--keys", "keys.json", "--config", put("c1.yaml", f"rules:\n  {s.std('rule-id')}: {{}}\n")],
        ["audit", "--keys", "keys.json", "--config", put("c2.yaml", f"failOn: {s.std('fail-on')}\n")],
        [
            "audit",
            "--keys",
            "keys.json",
            "--policy",
            put(
                "p.yaml",
                {
                    "policy": {
                        "rules": [
                            {
                                "id": "x",
                                "severity": "high",
                                "forbiddenScopes": [s.eph("policy-scope")],
                                "message": "m",
                                "fix": "f",
                            }
                        ]
                    }
                },
            ),
        ],
        ["audit", "--keys", "keys.json", "--exceptions", put("e.json", [s.std("exceptions-list")])],
        ["audit", "--keys", "keys.json", "--baseline", put("b.json", {"findings": [s.std("baseline-entry")]})],
        ["audit", "--keys", "keys.json", "--usage", put("u.csv", f"key,{s.std('usage-header')}\n")],
        ["audit", "--keys", "keys.json", "--now", s.eph("now")],
        ["audit", "--keys", "keys.json", "--appwrite-version", s.eph("appwrite-version")],
        ["audit", "--keys", "keys.json", "--output", f"sarf={s.eph('output')}"],
        ["audit", "--keys", f"missing-{s.eph('path')}.json"],
        ["explain", s.std("explain-id"), "--keys", "keys.json"],
        ["job", "run", "--job", put("job.yaml", {"state": "s.db", "keys": ["keys.json"], "window": s.eph("window")})],
        ["job", "run", "--job", put("job2.yaml", {"state": "s.db", "keys": ["keys.json"], "format": s.std("fmt")})],
        [
            "job",
            "run",
            "--job",
            put("job3.yaml", {"state": "s.db", "keys": ["keys.json"], "logs": [f"../{s.eph('job-path')}"]}),
        ],
        ["job", "report", "--state", put("not-state.db", s.std("state-content"))],
        fetch + ["p401"],
        fetch + ["p302"],
        fetch + ["pjunk"],
    ]
    for args in cases:
        result = invoke(args, env={"APPWRITE_API_KEY": s.std("credential"), "KEYAUDIT_DEBUG": None})
        lines = result.stderr.splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("keyaudit: error: "), (
            args,
            result.exit_code,
            result.stderr,
        )
        assert "internal error" not in result.stderr
        assert s.leaks(result.stdout + result.stderr) == [], (args, result.stderr)


# ---------------------------------------------------------------- issue #17: secrets in encoded forms


def _encoded_workspace(s: Secrets) -> dict[str, list[str]]:
    """Files holding secrets only in encoded forms (hostile.encoded), each form where its medium allows it;
    returns file -> the names of the secrets in it."""
    placed: dict[str, list[str]] = {}

    def form(file: str, name: str, how: str) -> str:
        placed.setdefault(file, []).append(f"{name}/{how}")
        return encoded(s.std(f"{name}/{how}"))[how]

    json_forms = ("json-u-escape", "json-after-newline", "percent-encoded", "after-percent-equals", "base64")
    keys = [
        {
            "$id": f"k{i}",
            "projectId": form("keys.json", "project", how),
            "scopes": ["users.read"],
            "expire": None,
            "secret": form("keys.json", "secret", how),
        }
        for i, how in enumerate(json_forms)
    ]
    # json.dumps would escape the backslashes that make the escapes: the forms go in as JSON text
    text = json.dumps({"total": len(keys), "keys": keys}, indent=2).replace("\\\\", "\\")
    Path("keys.json").write_text(text)
    Path("keys-utf16.json").write_bytes(text.encode("utf-16"))  # PowerShell's `>`
    Path("keys-utf32.json").write_bytes(text.encode("utf-32-le"))  # no BOM: found by its NUL bytes
    placed["keys-utf16.json"] = placed["keys-utf32.json"] = placed["keys.json"]
    Path("manifest.yaml").write_text(f'''appwriteVersion: "1.9"
project: "{form("manifest.yaml", "yaml-project", "yaml-line-continuation")}"
keys:
  - id: mk1
    name: ci
    scopes: [users.read]
    expire: null
    owner: "{form("manifest.yaml", "yaml-owner", "json-u-escape")}"
    purpose: "{form("manifest.yaml", "yaml-purpose", "json-after-newline")}"
''')
    Path("main.tf").write_text(f'''locals {{
  token = "{form("main.tf", "tf-local", "hcl-empty-interpolation")}"
  other = "{form("main.tf", "tf-other", "hcl-literal-interpolation")}"
}}
resource "appwrite_project_key" "ci" {{
  name   = "ci"
  scopes = ["users.read"]
  expire = null
}}
''')
    rows = [
        {"time": f"{DAY}T10:00:0{i}Z", "key": "k0", "method": "GET", "path": path, "status": 200}
        for i, path in enumerate(
            [
                f"/v1/users/{form('calls.jsonl', 'log-path', 'percent-encoded')}",
                f"/v1/nowhere/{form('calls.jsonl', 'log-unknown', 'percent-encoded')}",
                f"/v1/users?{form('calls.jsonl', 'log-query', 'after-percent-equals')}",
            ]
        )
    ]
    rows.append(
        {
            "time": f"{DAY}T10:00:09Z",
            "key": "k0",
            "method": "GET",
            "path": "/v1/users",
            "status": 401,
            "error": form("calls.jsonl", "log-error", "json-after-newline"),
        }
    )
    Path("calls.jsonl").write_text("".join(json.dumps(r).replace("\\\\", "\\") + "\n" for r in rows))
    Path("nginx.log").write_text(
        f'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/nope/{form("nginx.log", "nginx", "percent-encoded")} '
        f'HTTP/1.1" 404 5 "-" "sdk"\n'
    )
    Path("usage.csv").write_text(
        "key,method,path,count,first_seen,last_seen\n"
        f"k0,GET,/v1/x/{form('usage.csv', 'usage', 'percent-encoded')},1,,\n"
    )
    Path("keys.json.gz").write_bytes(gzip.compress(text.encode()))
    placed["keys.json.gz"] = placed["keys.json"]
    return placed


def test_encoded_secrets_are_found_by_secrets_and_lint_and_never_leave(tmp_path, monkeypatch):
    """`\\u0073tandard_…`, a YAML line continuation, HCL `${""}`, `standard%5F…` in a logged path, a secret
    after `\\n` or `%3D`: found by `secrets` (UTF-16/32 and gzip files too) and lint, and nothing keyaudit
    prints or writes (every report format, the job's state) holds one."""
    s = Secrets()
    monkeypatch.chdir(tmp_path)
    placed = _encoded_workspace(s)
    Path("out").mkdir()
    inputs = {p for p in tmp_path.rglob("*") if p.is_file()}
    run = Runner(tmp_path)
    code = run("secrets", *sorted(placed), expect=(1,))
    found: dict[str, set[str]] = {}
    for line in code.stdout.splitlines():
        found.setdefault(line.split(":", 1)[0], set()).add(line.rsplit("(", 1)[1].rstrip(")"))
    for file, names in placed.items():
        assert found.get(file) == {fingerprint(s.by_name[name]) for name in names}, file
    lint = run("lint", "keys.json", "manifest.yaml", "--now", NOW, "--format", "json")
    in_files = {f["location"]["file"] for f in json.loads(lint.stdout)["findings"] if f["rule"] == "secret-in-file"}
    assert in_files == {"keys.json", "manifest.yaml"}
    logs = ["--logs", "calls.jsonl", "--logs", "nginx.log", "--usage", "usage.csv", "--key", "k0"]
    audit = ["--keys", "keys.json", "--keys", "manifest.yaml", *logs, "--now", NOW]
    for name in sorted(REPORTERS):
        run("audit", *audit, "--format", name)
        run("audit", *audit, "--output", f"{name}=out/report.{name}")
    run("lint", "keys.json", "manifest.yaml", "--now", NOW)
    run("explain", "k0", *audit)
    run("validate", "keys.json", "manifest.yaml", "calls.jsonl")
    run("baseline", "create", "--output", "out/baseline.json", *audit)
    run("fix", "--appwrite-version", "1.9", "--diff", "keys.json", expect=(0, 1, 2))
    for name in ("json", "html"):
        run("job", "run", "--state", "out/state.db", *audit, "--format", name, "--output", f"out/job.{name}")
    for name in ("json", "table"):
        run("job", "report", "--state", "out/state.db", "--format", name)
    run("catalog", "lookup", "--input", "calls.jsonl")
    leaks = [(" ".join(args[:2]), s.leaks(text)) for args, text in run.printed if s.leaks(text)]
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file() and p not in inputs):
        found_in = s.leaks(path.read_bytes()) + (s.leaks(sqlite_text(path)) if path.suffix == ".db" else [])
        if found_in:
            leaks.append((path.name, sorted(set(found_in))))
    assert leaks == [], leaks


def test_fifos_devices_and_gzip_bombs_do_not_stop_secrets(tmp_path):
    import os
    import time

    os.mkfifo(tmp_path / "fifo")
    for special in (tmp_path / "fifo", Path("/dev/zero")):
        started = time.monotonic()
        result = invoke(["secrets", str(special)], env={"KEYAUDIT_DEBUG": None})
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert "not a regular file (a FIFO, socket or device)" in result.stderr
        assert time.monotonic() - started < 5
    from auditor.secrets import scan as secret_scan

    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(b"\0" * 4 + b"a" * (4 << 20)))  # text after the sniff: all of it is read
    original = secret_scan.MAX_DECOMPRESSED
    secret_scan.MAX_DECOMPRESSED = 1 << 20
    try:
        result = invoke(["secrets", str(bomb)], env={"KEYAUDIT_DEBUG": None})
    finally:
        secret_scan.MAX_DECOMPRESSED = original
    assert result.exit_code in (0, 2)


def test_a_debug_traceback_holds_no_secret(tmp_path, monkeypatch):
    """KEYAUDIT_DEBUG=1 shows the traceback of an internal error; its messages may quote a credential, which is
    redacted before it leaves, as written and encoded. A credential no header can carry is refused first."""
    from auditor.cli import fetch_keys

    s = Secrets()
    credential = s.std("credential")

    def broken(*args, **kwargs):
        raise RuntimeError(f"boom {credential} {encoded(s.std('encoded-in-message'))['json-u-escape']}")

    monkeypatch.setattr(fetch_keys, "fetch", broken)
    result = invoke(
        ["fetch-keys", "--endpoint", "http://127.0.0.1:9/v1", "--project", "p"],
        env={"APPWRITE_API_KEY": credential, "KEYAUDIT_DEBUG": "1"},
    )
    assert (
        result.exit_code == 2 and "Traceback" in result.stderr and "RuntimeError: boom <secret sha256:" in result.stderr
    )
    assert s.leaks(result.stdout + result.stderr) == []
    result = invoke(
        ["fetch-keys", "--endpoint", "http://127.0.0.1:9/v1", "--project", "p"],
        env={"APPWRITE_API_KEY": credential[:40] + "\nX-Evil: 1", "KEYAUDIT_DEBUG": "1"},
    )
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "an HTTP header cannot carry" in result.stderr


@pytest.mark.parametrize("how", sorted(encoded(Secrets().std("forms"))))
def test_fix_refuses_to_rewrite_a_file_holding_an_encoded_secret(tmp_path, monkeypatch, how):
    """A rewritten file keeps the secret it holds: fix refuses, naming its fingerprint, whatever the encoding."""
    s = Secrets()
    monkeypatch.chdir(tmp_path)
    form = encoded(s.std("in-file"))[how]
    if how.startswith("hcl"):
        name, text = (
            "main.tf",
            (
                'resource "appwrite_project_key" "k" {\n  name = "ci"\n  scopes = ["collections.read"]\n'
                f'  expire = null\n}}\nlocals {{\n  t = "{form}"\n}}\n'
            ),
        )
    else:
        name, text = (
            "keys.yaml",
            (
                f'appwriteVersion: "1.9"\nproject: "{form}"\nkeys:\n  - id: mk1\n    name: ci\n'
                "    scopes: [collections.read]\n    expire: null\n"
            ),
        )
    Path(name).write_text(text)
    result = invoke(["fix", "--appwrite-version", "1.9", name], env={"KEYAUDIT_DEBUG": None})
    assert result.exit_code == 2 and f"holds a key secret ({fingerprint(s.by_name['in-file'])})" in result.stderr
    assert Path(name).read_text() == text and s.leaks(result.stdout + result.stderr) == []
