"""`keyaudit fetch-keys` against a local server that answers as Appwrite does (the spec's keyList and key)."""

import hashlib
import json
import socket
import time

import pytest
from helpers.cli import invoke
from helpers.drip_server import VERSION_BODY, DripServer, answer
from helpers.paths import APPWRITE
from jsonschema import Draft202012Validator
from werkzeug import Response

from auditor.loaders.keys import load_key_file

PROJECT = "shop-prod"
API_KEY = "standard_" + "ab" * 128
COOKIE = "a_session_console=eyJpZCI6InNlc3Npb24ifQ=="


@pytest.fixture(scope="module")
def key_list_schema():
    spec = json.loads((APPWRITE / "specs" / "open-api3-1.8.1-console.json").read_text())
    return Draft202012Validator({"$ref": "#/components/schemas/keyList", "components": spec["components"]})


def appwrite_key(index):
    secret = "standard_" + hashlib.sha256(str(index).encode()).hexdigest() * 4
    return {
        "$id": f"key{index:04d}",
        "$createdAt": "2026-01-01T00:00:00.000+00:00",
        "$updatedAt": "2026-01-02T00:00:00.000+00:00",
        "name": f"service-{index}",
        "expire": "",
        "scopes": ["rows.read", "users.read"],
        "secret": secret,
        "accessedAt": "2026-11-20T00:00:00.000+00:00",
        "sdks": ["appwrite:nodejs"],
    }


def key_pages(keys, schema, seen):
    """A handler answering GET .../keys with Appwrite's queries[] limit and offset."""

    def handle(request):
        queries = [json.loads(q) for q in request.args.getlist("queries[]")]
        seen.append(queries)
        limit = next((q["values"][0] for q in queries if q["method"] == "limit"), 25 if queries else len(keys))
        offset = next((q["values"][0] for q in queries if q["method"] == "offset"), 0)
        body = {"total": len(keys), "keys": keys[offset : offset + limit]}
        schema.validate(body)
        return Response(json.dumps(body), content_type="application/json")

    return handle


def fetch(httpserver, *args, env=None):
    result = invoke(
        ["fetch-keys", "--endpoint", httpserver.url_for("/v1"), "--project", PROJECT, *args],
        env={"APPWRITE_API_KEY": API_KEY, **(env or {})},
    )
    return result.exit_code, result.stdout, result.stderr


def version(httpserver, number):
    httpserver.expect_request("/v1/health/version", method="GET").respond_with_json({"version": number})


def test_api_key_reads_every_page_and_no_secret_is_written(httpserver, key_list_schema, tmp_path):
    keys = [appwrite_key(i) for i in range(230)]
    seen = []
    version(httpserver, "1.9.6")
    httpserver.expect_request(
        "/v1/project/keys", method="GET", headers={"X-Appwrite-Key": API_KEY, "X-Appwrite-Project": PROJECT}
    ).respond_with_handler(key_pages(keys, key_list_schema, seen))
    out = tmp_path / "keys.json"
    code, stdout, stderr = fetch(httpserver, "--output", str(out))
    assert code == 0, stderr
    assert [[q["values"][0] for q in page] for page in seen] == [[100, 0], [100, 100], [100, 200]]
    written = out.read_text()
    data = json.loads(written)
    assert data["total"] == 230 and [k["$id"] for k in data["keys"]] == [k["$id"] for k in keys]
    for original, key in zip(keys, data["keys"]):
        assert key["secret"] == "" and key["secretSha256"] == hashlib.sha256(original["secret"].encode()).hexdigest()
        assert key["projectId"] == PROJECT and key["scopes"] == original["scopes"]
    for text in (written, stdout, stderr):
        assert "standard_" not in text and API_KEY not in text
    assert stderr.strip() == (
        f"keyaudit: 230 keys of project {PROJECT} from Appwrite 1.9.6 (catalog 1.9); "
        "audit them with --appwrite-version 1.9.6"
    )
    loaded = load_key_file(str(out)).keys
    assert loaded[0].secret_sha256 == data["keys"][0]["secretSha256"] and loaded[0].project == PROJECT
    result = invoke(["audit", "--keys", str(out), "--format", "json", "--fail-on", "none"])
    assert result.exit_code == 0
    assert "secret-in-file" not in {f["rule"] for f in json.loads(result.stdout)["findings"]}


def test_console_session_on_an_older_server_reads_the_one_list(httpserver, key_list_schema):
    keys = [appwrite_key(i) for i in range(3)]
    seen = []
    version(httpserver, "1.7.4")
    httpserver.expect_request(
        f"/v1/projects/{PROJECT}/keys", method="GET", headers={"Cookie": COOKIE, "X-Appwrite-Project": "console"}
    ).respond_with_handler(key_pages(keys, key_list_schema, seen))
    code, stdout, stderr = fetch(httpserver, "--session-env", "SESSION", env={"SESSION": COOKIE.split("=", 1)[1]})
    assert code == 0, stderr
    assert seen == [[]]  # 1.7 takes no queries
    assert len(json.loads(stdout)["keys"]) == 3 and "catalog 1.7" in stderr


def test_an_api_key_cannot_list_keys_before_1_9_5(httpserver):
    version(httpserver, "1.8.1")
    code, _, stderr = fetch(httpserver)
    assert code == 2
    assert stderr.strip() == (
        "keyaudit: error: Appwrite 1.8.1 has no /v1/project/keys: API keys list keys from "
        "1.9.5 on; use a console session (--session-env VAR)"
    )


def one_line_error(code, stderr):
    assert code == 2 and stderr.count("\n") == 1 and stderr.startswith("keyaudit: error: ")
    assert API_KEY not in stderr and "Traceback" not in stderr
    return stderr.strip()[len("keyaudit: error: ") :]


def test_missing_scope_is_one_clear_line(httpserver):
    version(httpserver, "1.9.6")
    httpserver.expect_request("/v1/project/keys").respond_with_json(
        {
            "message": 'app.x@service.localhost (role: applications) missing scopes (["keys.read"])',
            "code": 401,
            "type": "general_unauthorized_scope",
            "version": "1.9.6",
        },
        status=401,
    )
    said = one_line_error(*fetch(httpserver)[::2])
    assert said.endswith(
        "/v1/project/keys: HTTP 401 general_unauthorized_scope: the credential may not list keys "
        "(an API key needs the keys.read scope and must belong to this project; a console session "
        "must be valid and see the project)"
    )


def test_not_json_and_not_a_key_list(httpserver):
    httpserver.expect_request("/v1/health/version").respond_with_data("<html>login</html>", content_type="text/html")
    assert one_line_error(*fetch(httpserver)[::2]).endswith(
        "/v1/health/version: the answer is not JSON (text/html); is this an Appwrite endpoint?"
    )
    httpserver.clear()
    version(httpserver, "1.9.6")
    httpserver.expect_request("/v1/project/keys").respond_with_json({"total": 1, "keys": [{"$id": "x"}]})
    assert one_line_error(*fetch(httpserver)[::2]).endswith(
        "/v1/project/keys: the answer is not Appwrite's key list (at /keys/0)"
    )


def test_timeout(httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response(json.dumps({"version": "1.9.6"}), content_type="application/json")

    httpserver.expect_request("/v1/health/version").respond_with_handler(slow)
    assert one_line_error(*fetch(httpserver, "--timeout", "0.2")[::2]).endswith(
        "/v1/health/version: no complete answer within 0.2 s (--timeout bounds the whole exchange)"
    )


KEYS_PAGE = answer(b'{"total":0,"keys":[]}' + b" " * 200)
LONG_VERSION = answer(VERSION_BODY + b" " * 100)
TLS_RECORD = b"\x16\x03\x03\x40\x00" + b"\x00" * 200  # a handshake record of 16 KiB, its body a byte at a time


@pytest.mark.parametrize(
    "answers, route, scheme",
    [
        ([(answer(VERSION_BODY), 0)], "/v1/health/version", "http"),  # the status line and headers drip
        ([(LONG_VERSION, len(LONG_VERSION) - 120)], "/v1/health/version", "http"),  # the headers come, the body drips
        ([(answer(VERSION_BODY), 10_000), (KEYS_PAGE, 150)], "/v1/project/keys", "http"),  # the second request drips
        ([(TLS_RECORD, 5)], "/v1/health/version", "https"),  # the server's TLS handshake drips
    ],
    ids=["headers", "body", "second request", "TLS handshake"],
)
def test_timeout_bounds_the_whole_exchange_not_one_read(answers, route, scheme, tmp_path):
    """A byte every 0.1 s never trips a per-read timeout of 0.8 s; the deadline ends the exchange anyway."""
    output = tmp_path / "keys.json"
    output.write_text("old")
    with DripServer(answers, interval=0.1) as server:
        started = time.monotonic()
        endpoint = server.url.replace("http:", f"{scheme}:")
        result = invoke(
            ["fetch-keys", "--endpoint", endpoint, "--project", PROJECT, "--timeout", "0.8", "--output", str(output)],
            env={"APPWRITE_API_KEY": API_KEY},
        )
        took = time.monotonic() - started
    assert one_line_error(result.exit_code, result.stderr).endswith(
        f"{route}: no complete answer within 0.8 s (--timeout bounds the whole exchange)"
    )
    assert took < 2.5, took  # each answer drips for 5 s or more
    assert output.read_text() == "old"


def test_network_failure_and_redirect(httpserver):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    result = invoke(
        ["fetch-keys", "--endpoint", f"http://127.0.0.1:{closed_port}/v1", "--project", PROJECT],
        env={"APPWRITE_API_KEY": API_KEY},
    )
    assert "/v1/health/version: cannot connect (" in one_line_error(result.exit_code, result.stderr)
    httpserver.expect_request("/v1/health/version").respond_with_data(
        "", status=301, headers={"Location": "https://elsewhere.example/v1/health/version"}
    )
    assert one_line_error(*fetch(httpserver)[::2]).endswith(
        "redirected to https://elsewhere.example/v1/health/version; give that address as --endpoint "
        "(keyaudit does not follow redirects with a credential)"
    )


def test_the_credential_comes_from_the_environment_only(httpserver):
    said = one_line_error(*fetch(httpserver, env={"APPWRITE_API_KEY": ""})[::2])
    assert said == (
        "set APPWRITE_API_KEY to an API key holding keys.read (or name another variable with "
        "--key-env, or use --session-env); keyaudit never takes a key on the command line"
    )
    result = invoke(["fetch-keys", "--endpoint", "x", "--project", PROJECT, "--key", API_KEY])
    assert result.exit_code == 2 and "No such option '--key'" in result.stderr
