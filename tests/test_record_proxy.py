"""`keyaudit record` with the real SDKs: the records the proxy writes equal those the SDK-side recorders write
for the same calls (a 401 general_unauthorized_scope, a chunked file upload and a download included)."""

import hashlib
import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from appwrite.client import Client
from appwrite.exception import AppwriteException
from appwrite.input_file import InputFile
from appwrite.query import Query
from appwrite.services.storage import Storage
from appwrite.services.tables_db import TablesDB
from appwrite.services.users import Users
from helpers.appwrite_server import KEY_ID, SECRET, appwrite  # noqa: F401 (the server fixture)
from helpers.audit import NOW, key, write_keys
from helpers.cli import run_cli
from helpers.paths import ROOT
from helpers.record_proxy import running_proxy
from werkzeug import Response

from auditor.audit import run_audit
from auditor.cli.record import MISSING_AIOHTTP
from auditor.loaders.logs.attribution import NO_KEY, NO_KEY_RECORD
from auditor.recorder import record_calls
from auditor.rules.registry import configured_rules
from auditor.secrets import fingerprint

CHUNK = 5 << 20  # both SDKs upload in 5 MiB chunks
UPLOAD = bytes(range(256)) * ((CHUNK + 1000) // 256)  # two chunks
DOWNLOAD = hashlib.sha256(b"download").digest() * ((6 << 20) // 32)
FILE = {
    "$id": "invoice-1",
    "bucketId": "media",
    "$createdAt": "2026-11-25T10:00:00.000+00:00",
    "$updatedAt": "2026-11-25T10:00:00.000+00:00",
    "$permissions": [],
    "name": "invoice.pdf",
    "folder": "",
    "key": "invoice.pdf",
    "signature": "d41d8cd98f00b204e9800998ecf8427e",
    "mimeType": "application/pdf",
    "sizeOriginal": len(UPLOAD),
    "sizeActual": len(UPLOAD),
    "chunksTotal": 2,
    "chunksUploaded": 2,
    "encryption": False,
    "compression": "none",
}
NOT_FOUND = {"message": "The requested file could not be found.", "code": 404, "type": "storage_file_not_found"}
NODE_SDK = "node-appwrite@27"


@pytest.fixture
def storage_server(appwrite):  # noqa: F811
    """The recorder tests' three routes, a file upload that counts the bytes it got, and a 6 MiB download."""
    received = []

    def upload(request):
        received.append(len(request.get_data()))
        return Response(json.dumps(FILE), status=201, content_type="application/json")

    appwrite.expect_request("/v1/storage/buckets/media/files/invoice-1", method="GET").respond_with_json(
        NOT_FOUND, status=404
    )  # the SDKs ask whether a chunked upload can resume
    appwrite.expect_request("/v1/storage/buckets/media/files", method="POST").respond_with_handler(upload)
    appwrite.expect_request("/v1/storage/buckets/media/files/invoice-1/download", method="GET").respond_with_data(
        DOWNLOAD, content_type="application/octet-stream"
    )
    appwrite.received = received
    return appwrite


def keys_file(tmp_path) -> str:
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    return write_keys(tmp_path, [key(KEY_ID, ["users.read", "rows.write"], projectId="shop-prod", secretSha256=digest)])


def records(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def without_time(written: list[dict]) -> list[dict]:
    return [{k: v for k, v in record.items() if k != "time"} for record in written]


def python_calls(endpoint: str, sdk_log) -> bytes:
    client = Client().set_endpoint(endpoint + "/v1").set_project("shop-prod").set_key(SECRET)
    recorder = record_calls(client, str(sdk_log), key_id=KEY_ID)
    Users(client).list(queries=[Query.limit(25)])
    TablesDB(client).create_row("shop", "orders", "order-1042", {"total": 42})
    with pytest.raises(AppwriteException) as refused:
        TablesDB(client).list_rows("shop", "products")
    assert refused.value.type == "general_unauthorized_scope"
    Storage(client).create_file("media", "invoice-1", InputFile.from_bytes(UPLOAD, "invoice.pdf"))
    downloaded = Storage(client).get_file_download("media", "invoice-1")
    recorder.close()
    return downloaded


def test_python_sdk_through_the_proxy_records_what_its_recorder_records(storage_server, tmp_path):
    sdk_log, proxy_log = tmp_path / "sdk.jsonl", tmp_path / "proxy.jsonl"
    with running_proxy(storage_server.url_for("").rstrip("/"), proxy_log, "--keys", keys_file(tmp_path)) as (url, _):
        downloaded = python_calls(url, sdk_log)
    assert downloaded == DOWNLOAD
    assert sum(storage_server.received) >= len(UPLOAD) and len(storage_server.received) == 2  # two chunks, whole

    expected = without_time(records(sdk_log))
    assert [(r["method"], r["path"].split("?")[0], r["status"]) for r in expected] == [
        ("GET", "/v1/users", 200),
        ("POST", "/v1/tablesdb/shop/tables/orders/rows", 201),
        ("GET", "/v1/tablesdb/shop/tables/products/rows", 401),
        ("GET", "/v1/storage/buckets/media/files/invoice-1", 404),
        ("POST", "/v1/storage/buckets/media/files", 201),
        ("POST", "/v1/storage/buckets/media/files", 201),
        ("GET", "/v1/storage/buckets/media/files/invoice-1/download", 200),
    ]
    assert without_time(records(proxy_log)) == expected
    assert SECRET not in proxy_log.read_text()


def test_an_unknown_secret_is_its_fingerprint_and_no_key_is_recorded_not_dropped(appwrite, tmp_path):  # noqa: F811
    log = tmp_path / "proxy.jsonl"
    with running_proxy(appwrite.url_for("").rstrip("/"), log) as (url, process):
        client = Client().set_endpoint(url + "/v1").set_project("shop-prod")
        Users(client.set_key(SECRET)).list()
        Users(Client().set_endpoint(url + "/v1").set_project("shop-prod")).list()
    written = without_time(records(log))
    fingerprint = "sha256:" + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
    assert [r["key"] for r in written] == [fingerprint, NO_KEY_RECORD]
    assert "keyaudit record: 2 requests recorded to " + str(log) in process.lines

    keys = write_keys(tmp_path, [key(KEY_ID, ["users.read"], projectId="shop-prod")])
    for copies in (1, 5000):  # a small log and one the fast block reader takes
        big = tmp_path / f"calls-{copies}.jsonl"
        big.write_text(log.read_text() * copies)
        result = run_audit([keys], [str(big)], rules=configured_rules(None), now=NOW)
        assert result.usage.stats.unattributed == {NO_KEY: copies}
        assert not any(NO_KEY_RECORD in (f.key or "") for f in result.findings)


def test_the_recorded_run_proposes_the_keys_scopes(storage_server, tmp_path):
    log = tmp_path / "calls.jsonl"
    keys = keys_file(tmp_path)
    with running_proxy(storage_server.url_for("").rstrip("/"), log, "--keys", keys) as (url, _):
        python_calls(url, tmp_path / "sdk.jsonl")
    result = run_audit([keys], [str(log)], rules=configured_rules(None), now=NOW)
    assert {(f.rule, f.scope) for f in result.findings if f.rule == "missing-scope"} >= {("missing-scope", "rows.read")}


def test_websockets_are_refused_with_one_line(appwrite, tmp_path):  # noqa: F811
    import urllib.request

    with running_proxy(appwrite.url_for("").rstrip("/"), tmp_path / "calls.jsonl") as (url, _):
        upgrade = urllib.request.Request(
            url + "/v1/realtime", headers={"Upgrade": "websocket", "Connection": "Upgrade"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(upgrade, timeout=10)
    assert refused.value.code == 501
    assert refused.value.read().decode().count("\n") == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--listen", "0.0.0.0:8787"], "not a loopback address; give --allow-remote"),
        (["--listen", "8787"], "give HOST:PORT"),
        (["--upstream", "cloud.appwrite.io"], "give an http:// or https:// URL"),
        (["--upstream", "http://"], "names no host"),
        (["--upstream", "http://a b"], "names no host"),
        (["--upstream", "http://127.0.0.1:99999"], "port"),
        (["--upstream", "http://127.0.0.1:9/?project=x"], "a query or fragment"),  # every call would go to /
        (["--upstream", "http://127.0.0.1:9#x"], "a query or fragment"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path, arguments, message):
    base = {"--upstream": "http://127.0.0.1:9", "--listen": "127.0.0.1:0"}
    base.update(dict(zip(arguments[::2], arguments[1::2])))
    code, _, stderr = run_cli("record", *sum(base.items(), ()), "--output", str(tmp_path / "c.jsonl"))
    assert code == 2 and message in stderr and "Traceback" not in stderr and len(stderr.splitlines()) == 1


NODE_DRIVER = """
import { Client, Users, TablesDB, Storage, Query } from 'node-appwrite';
import { InputFile } from 'node-appwrite/file';
import { recordCalls } from '%(snippet)s';

const [endpoint, file, size] = process.argv.slice(2);
const client = new Client().setEndpoint(endpoint).setProject('shop-prod').setKey(process.env.KEY_SECRET);
recordCalls(client, { file, keyId: process.env.KEY_ID });
await new Users(client).list({ queries: [Query.limit(25)] });
await new TablesDB(client).createRow({ databaseId: 'shop', tableId: 'orders', rowId: 'order-1042', data: { total: 42 } });
try {
  await new TablesDB(client).listRows({ databaseId: 'shop', tableId: 'products' });
  process.exit(3);
} catch (error) {
  if (error.type !== 'general_unauthorized_scope') throw error;
}
const upload = Buffer.alloc(Number(size), 7);
await new Storage(client).createFile({ bucketId: 'media', fileId: 'invoice-1', file: InputFile.fromBuffer(upload, 'invoice.pdf') });
const downloaded = await new Storage(client).getFileDownload({ bucketId: 'media', fileId: 'invoice-1' });
console.log(downloaded.byteLength);
"""


@pytest.fixture(scope="module")
def node_sdk(tmp_path_factory):
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm not installed")
    folder = tmp_path_factory.mktemp("node-appwrite")
    (folder / "package.json").write_text('{"name": "keyaudit-record-test", "private": true, "type": "module"}')
    install = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", NODE_SDK],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if install.returncode != 0:
        pytest.skip(f"npm could not install {NODE_SDK} (no network?): {install.stderr.strip()[-200:]}")
    return folder


def test_node_sdk_through_the_proxy_records_what_its_recorder_records(node_sdk, storage_server, tmp_path):
    driver = node_sdk / "driver.mjs"
    driver.write_text(
        NODE_DRIVER % {"snippet": (ROOT / "tests" / "fixtures" / "recorder" / "record-calls.mjs").as_uri()}
    )
    sdk_log, proxy_log = tmp_path / "sdk.jsonl", tmp_path / "proxy.jsonl"
    env = {**os.environ, "KEY_ID": KEY_ID, "KEY_SECRET": SECRET}
    env.pop("APPWRITE_FUNCTION_ID", None)
    with running_proxy(storage_server.url_for("").rstrip("/"), proxy_log, "--keys", keys_file(tmp_path)) as (url, _):
        run = subprocess.run(
            ["node", str(driver), url + "/v1", str(sdk_log), str(len(UPLOAD))],
            cwd=node_sdk,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(len(DOWNLOAD))
    # node-appwrite hides a success's status, so its recorder writes status only for failures: compare the rest
    expected = without_time(records(sdk_log))
    proxied = without_time(records(proxy_log))
    assert [r["path"].split("?")[0] for r in expected] == [
        "/v1/users",
        "/v1/tablesdb/shop/tables/orders/rows",
        "/v1/tablesdb/shop/tables/products/rows",
        "/v1/storage/buckets/media/files",
        "/v1/storage/buckets/media/files",
        "/v1/storage/buckets/media/files/invoice-1/download",
    ]
    assert [{**e, "status": r["status"]} for r, e in zip(proxied, expected)] == proxied
    assert [r["status"] for r in proxied] == [200, 201, 401, 201, 201, 200]


def test_a_stop_lets_the_request_in_flight_finish_and_records_it(httpserver, tmp_path):
    import threading
    import time
    import urllib.request

    def slow(request):
        def body():
            for _ in range(4):
                time.sleep(0.25)
                yield b"x" * 1000

        return Response(body(), content_type="application/octet-stream")

    httpserver.expect_request("/v1/storage/buckets/media/files/slow/download").respond_with_handler(slow)
    log = tmp_path / "calls.jsonl"
    got = {}
    with running_proxy(httpserver.url_for("").rstrip("/"), log) as (url, process):

        def download():
            request = urllib.request.Request(url + "/v1/storage/buckets/media/files/slow/download")
            got["body"] = urllib.request.urlopen(request, timeout=30).read()

        client = threading.Thread(target=download)
        client.start()
        time.sleep(0.4)  # the response has begun: the stop comes while it streams
    client.join(timeout=30)
    assert got["body"] == b"x" * 4000
    assert [(r["path"], r["status"], r["key"]) for r in records(log)] == [
        ("/v1/storage/buckets/media/files/slow/download", 200, NO_KEY_RECORD)
    ]
    assert process.returncode == 0 and any("1 requests recorded" in line for line in process.lines)


def test_a_chunked_upload_streams_through_whole(httpserver, tmp_path):
    import requests

    httpserver.expect_request("/v1/storage/buckets/media/files", method="POST").respond_with_handler(
        lambda request: Response(str(len(request.get_data())), status=201)
    )
    log = tmp_path / "calls.jsonl"
    with running_proxy(httpserver.url_for("").rstrip("/"), log) as (url, _):
        blocks = (bytes([n]) * 65536 for n in range(64))  # a generator: sent with Transfer-Encoding: chunked
        answer = requests.post(url + "/v1/storage/buckets/media/files", data=blocks, headers={"X-Appwrite-Key": SECRET})
    assert (answer.status_code, answer.text) == (201, str(64 * 65536))
    assert [r["status"] for r in records(log)] == [201]


def test_an_upstream_that_does_not_answer_is_a_502_and_a_line_at_the_stop(tmp_path):
    import urllib.request

    from helpers.record_proxy import free_port

    log = tmp_path / "calls.jsonl"
    with running_proxy(f"http://127.0.0.1:{free_port()}", log) as (url, process):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "/v1/users", timeout=30)
    assert refused.value.code == 502
    assert any("1 requests got no answer from the upstream" in line for line in process.lines)


def test_a_remote_listen_address_is_allowed_only_when_asked_and_then_warned_about(tmp_path):
    with running_proxy("http://127.0.0.1:9", tmp_path / "calls.jsonl", "--allow-remote", host="0.0.0.0") as (
        _,
        process,
    ):
        pass
    assert any("warning" in line and "secrets pass through this proxy" in line for line in process.lines)


def test_without_aiohttp_record_is_one_line(tmp_path):
    blocker = tmp_path / "aiohttp"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('aiohttp is not installed')\n")
    code, _, stderr = run_cli(
        "record",
        "--upstream",
        "http://127.0.0.1:9",
        "--output",
        str(tmp_path / "c.jsonl"),
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert (code, stderr) == (2, f"keyaudit: error: {MISSING_AIOHTTP}\n")


def raw_exchange(url: str, request: bytes) -> bytes:
    """What the proxy answers to `request` sent as bytes (HTTP that no client library would send)."""
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_an_absolute_form_target_goes_to_the_upstream_only_and_is_recorded_by_its_path(httpserver, tmp_path):
    """`GET http://other-host/... HTTP/1.1` (a proxy request) must not make the proxy reach another host, nor put
    that host in the call log."""
    from helpers.record_proxy import free_port

    httpserver.expect_request("/v1/users").respond_with_data("ok")
    log = tmp_path / "calls.jsonl"
    other = f"127.0.0.1:{free_port()}"
    with running_proxy(httpserver.url_for("").rstrip("/"), log) as (url, process):
        answer = raw_exchange(
            url, f"GET http://{other}/v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
    assert [(r["path"], r["status"]) for r in records(log)] == [("/v1/users", 200)]
    assert not any("Traceback" in line for line in process.lines)


BROKEN_UPSTREAMS = {
    "closes without answering": b"",
    "answers no HTTP": b"NOT HTTP AT ALL\r\n\r\n",
    "sends a header too long": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
}


@pytest.mark.parametrize("reply", BROKEN_UPSTREAMS.values(), ids=BROKEN_UPSTREAMS.keys())
def test_a_broken_upstream_is_a_502_and_a_line_never_a_traceback(tmp_path, reply):
    import urllib.request

    log = tmp_path / "calls.jsonl"
    with broken_upstream(reply) as upstream, running_proxy(upstream, log) as (url, process):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "/v1/users", timeout=30)
    assert refused.value.code == 502
    assert b"the upstream gave no answer" in refused.value.read()
    assert not any("Traceback" in line for line in process.lines), process.lines
    assert any("1 requests got no answer from the upstream" in line for line in process.lines)


@pytest.mark.parametrize("reason", ["TimeoutError", "ServerTimeoutError"])
def test_an_upstream_that_times_out_is_a_502_counted_by_its_reason(tmp_path, reason):
    """A timeout while asking the upstream (aiohttp raises TimeoutError, asyncio's since Python 3.11, or its
    ServerTimeoutError) is a 502 and one reason in the stop line, never an unhandled exception."""
    import asyncio

    from aiohttp import ServerTimeoutError
    from aiohttp.test_utils import TestClient, TestServer

    from auditor.proxy.forward import RecordingProxy
    from auditor.proxy.keys import KeyNames
    from auditor.recorder import CallLogWriter

    error = {"TimeoutError": TimeoutError(), "ServerTimeoutError": ServerTimeoutError("Timeout on reading data")}

    async def refused(*_args, **_kwargs):
        raise error[reason]

    async def ask() -> tuple[int, str, dict]:
        proxy = RecordingProxy("http://127.0.0.1:9", CallLogWriter(str(tmp_path / "calls.jsonl")), KeyNames())
        async with TestClient(TestServer(proxy.application())) as client:
            proxy._session.request = refused
            answer = await client.get("/v1/users")
            return answer.status, await answer.text(), proxy.stats.unanswered_reasons

    status, text, reasons = asyncio.run(ask())
    assert (status, reasons) == (502, {reason: 1})
    assert text == f"keyaudit record: the upstream gave no answer ({reason})\n"


def test_an_upstream_that_ends_its_body_early_cuts_the_response_and_is_recorded_as_cut(tmp_path):
    import http.client

    log = tmp_path / "calls.jsonl"
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"
    with broken_upstream(reply) as upstream, running_proxy(upstream, log) as (url, process):
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=30)
        connection.request("GET", "/v1/users")
        with pytest.raises(http.client.IncompleteRead):
            connection.getresponse().read()
    assert [r["status"] for r in records(log)] == [200]
    assert not any("Traceback" in line for line in process.lines), process.lines
    assert any("1 of them were cut" in line for line in process.lines)


@contextmanager
def broken_upstream(reply: bytes):
    """An upstream on loopback that reads each request and answers `reply` (raw bytes), then hangs up."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)
                connection.sendall(reply)

    server = threading.Thread(target=serve)
    server.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        server.join()
        listener.close()


def test_a_secret_sent_as_the_project_is_never_written(httpserver, tmp_path):
    import urllib.request

    httpserver.expect_request("/v1/users").respond_with_data("ok")
    log = tmp_path / "calls.jsonl"
    with running_proxy(httpserver.url_for("").rstrip("/"), log) as (url, _):
        request = urllib.request.Request(url + "/v1/users", headers={"X-Appwrite-Project": SECRET})
        urllib.request.urlopen(request, timeout=30).read()
    assert SECRET not in log.read_text()
    assert [r["project"] for r in records(log)] == [fingerprint(SECRET)]


def test_a_request_with_two_keys_is_refused_not_attributed(httpserver, tmp_path):
    """The proxy would name the first key and Appwrite might use the other: a call recorded for the wrong key
    makes its scopes look needed. Such a request is refused, never forwarded or recorded."""
    other = "standard_" + "c" * 256
    log = tmp_path / "calls.jsonl"
    with running_proxy(httpserver.url_for("").rstrip("/"), log, "--keys", keys_file(tmp_path)) as (url, _):
        answer = raw_exchange(
            url,
            f"GET /v1/users HTTP/1.1\r\nHost: x\r\nX-Appwrite-Key: {SECRET}\r\nX-Appwrite-Key: {other}\r\n"
            "Connection: close\r\n\r\n".encode(),
        )
    assert answer.startswith(b"HTTP/1.1 400") and b"more than one X-Appwrite-Key" in answer
    assert SECRET.encode() not in answer and other.encode() not in answer
    assert not log.exists() or records(log) == []
    assert httpserver.log == []
