"""auditor.recorder with the real `appwrite` SDK, against a local server that answers like Appwrite 1.9.6."""

import json
import threading
from pathlib import Path

import pytest
from appwrite.client import Client
from appwrite.exception import AppwriteException
from appwrite.query import Query
from appwrite.services.tables_db import TablesDB
from appwrite.services.users import Users
from helpers.appwrite_server import KEY_ID, SECRET, appwrite  # noqa: F401 (the server fixture)
from helpers.audit import NOW, key, write_keys

from auditor.audit import run_audit
from auditor.recorder import record_calls
from auditor.rules.registry import configured_rules


def client_for(server, secret=SECRET):
    client = Client().set_endpoint(server.url_for("/v1")).set_project("shop-prod")
    return client.set_key(secret) if secret else client


def records(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_each_request_becomes_a_record_and_the_audit_reads_it(appwrite, tmp_path):
    log = tmp_path / "calls.jsonl"
    client = client_for(appwrite)
    recorder = record_calls(client, str(log), key_id=KEY_ID)
    Users(client).list(queries=[Query.limit(25)])
    TablesDB(client).create_row("shop", "orders", "order-1042", {"total": 42})
    with pytest.raises(AppwriteException) as refused:
        TablesDB(client).list_rows("shop", "products")
    recorder.close()
    assert refused.value.type == "general_unauthorized_scope"  # the app still sees Appwrite's answer

    written = records(log)
    assert [
        (r["key"], r["project"], r["method"], r["path"].split("?")[0], r["status"], r.get("error")) for r in written
    ] == [
        (KEY_ID, "shop-prod", "GET", "/v1/users", 200, None),
        (KEY_ID, "shop-prod", "POST", "/v1/tablesdb/shop/tables/orders/rows", 201, None),
        (KEY_ID, "shop-prod", "GET", "/v1/tablesdb/shop/tables/products/rows", 401, "general_unauthorized_scope"),
    ]
    assert written[0]["path"].startswith("/v1/users?queries%5B0%5D=")  # the query as sent
    assert all(r["time"].endswith("Z") for r in written)
    assert SECRET not in log.read_text() and SECRET[9:40] not in log.read_text()

    keys = write_keys(tmp_path, [key(KEY_ID, ["users.read", "rows.write", "files.read"], projectId="shop-prod")])
    result = run_audit([keys], [str(log)], rules=configured_rules(None), now=NOW)
    found = {(f.rule, f.scope) for f in result.findings}
    assert ("missing-scope", "rows.read") in found and ("unused-scope", "files.read") in found
    (missing,) = [f for f in result.findings if f.rule == "missing-scope"]
    assert (
        "1 call(s) to GET /v1/tablesdb/{databaseId}/tables/{tableId}/rows were answered 401 general_unauthorized_scope;"
        in missing.message
    )


def test_inside_an_appwrite_function_the_key_is_the_functions(appwrite, tmp_path, monkeypatch):
    monkeypatch.setenv("APPWRITE_FUNCTION_ID", "order-webhook")
    log = tmp_path / "calls.jsonl"
    client = client_for(appwrite)
    recorder = record_calls(client, str(log))
    Users(client).list()
    recorder.close()
    assert [r["key"] for r in records(log)] == ["function:order-webhook"]


def test_outside_a_function_the_key_id_is_required(tmp_path, monkeypatch):
    monkeypatch.delenv("APPWRITE_FUNCTION_ID", raising=False)
    with pytest.raises(ValueError, match="key_id"):
        record_calls(Client(), str(tmp_path / "calls.jsonl"))


def test_requests_without_a_key_are_not_recorded(appwrite, tmp_path):
    log = tmp_path / "calls.jsonl"
    session_client = client_for(appwrite, secret=None)
    recorder = record_calls(session_client, str(log), key_id=KEY_ID)
    Users(session_client).list()
    recorder.close()
    assert not log.exists() or records(log) == []


def test_threads_share_a_rotating_file_without_torn_lines(appwrite, tmp_path):
    log = tmp_path / "calls.jsonl"
    client = client_for(appwrite)
    recorder = record_calls(client, str(log), key_id=KEY_ID, max_bytes=4096, backups=20)

    def work():
        for _ in range(15):
            Users(client).list()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.close()
    files = sorted(tmp_path.glob("calls.jsonl*"))
    assert len(files) > 1  # it rotated
    written = [record for path in files for record in records(path)]
    assert len(written) == 90 and {r["status"] for r in written} == {200}


def test_a_second_client_records_to_its_own_file(appwrite, tmp_path):
    first, second = client_for(appwrite), client_for(appwrite)
    recorders = [
        record_calls(first, str(tmp_path / "first.jsonl"), key_id="first-key"),
        record_calls(second, str(tmp_path / "second.jsonl"), key_id="second-key"),
    ]
    Users(first).list()
    Users(second).list()
    Users(second).list()
    for recorder in recorders:
        recorder.close()
    assert [r["key"] for r in records(tmp_path / "first.jsonl")] == ["first-key"]
    assert [r["key"] for r in records(tmp_path / "second.jsonl")] == ["second-key"] * 2
