"""Record every request an Appwrite Python SDK client sends, as keyaudit call-log records.

Add to an app that uses the official SDK (`pip install appwrite keyaudit`):

    from appwrite.client import Client
    from auditor.recorder import record_calls

    client = Client().set_endpoint(ENDPOINT).set_project("shop-prod").set_key(os.environ["APPWRITE_API_KEY"])
    record_calls(client, "/var/log/shop/keyaudit-calls.jsonl", key_id="6a7af9ba1038f415b0bf")

Each request becomes one JSONL line: time, project, key id, method, path with
query as sent, HTTP status and, on failure, Appwrite's error type
(`general_unauthorized_scope` when the key lacks a scope). The SDK knows the
key's secret, not its id, so the id is given; inside an Appwrite function
(the runtime sets APPWRITE_FUNCTION_ID) it defaults to `function:<id>`, the
name keyaudit gives a function's key. The secret is never read or written.

The file rotates at `max_bytes`, keeping `backups` old files (`.1`, `.2`, …);
writes are serialised across threads (logging's RotatingFileHandler). Give
each process its own file. Requests that got no answer are not recorded.

The responses are taken where the SDK sends requests: `appwrite.client`'s
`requests` module is replaced once by a pass-through that hands each response
to the recorder of the client whose `call` is running in that thread.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import threading
import time
from logging.handlers import RotatingFileHandler

from auditor.secrets import redact, scrub_identifier
from auditor.times import iso

DEFAULT_MAX_BYTES = 50 << 20
DEFAULT_BACKUPS = 5

_ACTIVE: contextvars.ContextVar[CallRecorder | None] = contextvars.ContextVar("keyaudit_recorder", default=None)
_INSTALL = threading.Lock()


def function_key_id() -> str | None:
    """`function:<id>` inside an Appwrite function, else None."""
    function_id = os.environ.get("APPWRITE_FUNCTION_ID")
    return f"function:{function_id}" if function_id else None


def error_type(status: int, content_type: str, body: bytes | str) -> str | None:
    """Appwrite's error type (`general_unauthorized_scope`, ...) from an error response's JSON body, else None."""
    if status < 400 or "json" not in content_type:
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    error = value.get("type") if isinstance(value, dict) else None
    return error if isinstance(error, str) and error else None


def call_record(
    started: float, project: str | None, key: str, method: str, path: str, status: int | None, error: str | None
) -> str:
    """The one JSONL line of keyaudit's call log for a request (every recorder writes through this)."""
    record = {
        "time": iso(started),
        "project": scrub_identifier(project) or None,
        "key": key,
        "method": method,
        "path": redact(path),
        "status": status,
        "error": error or None,
    }
    return json.dumps({k: v for k, v in record.items() if v is not None}, separators=(",", ":"))


class CallLogWriter:
    """Appends record lines to a call log that rotates at `max_bytes`, keeping `backups` old files; whole lines,
    serialised across threads (logging's RotatingFileHandler), so the file is safe to read while written."""

    def __init__(self, path: str, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS):
        self._handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
        self._handler.setFormatter(logging.Formatter("%(message)s"))

    def write(self, line: str) -> None:
        self._handler.handle(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))

    def close(self) -> None:
        self._handler.close()


class CallRecorder:
    """Writes one record per response of a key's requests; `close()` releases the file until the next record."""

    def __init__(self, path: str, key_id: str, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS):
        self.key_id = key_id
        self._writer = CallLogWriter(path, max_bytes, backups)

    def record(self, response, started: float) -> None:
        request = response.request
        if "x-appwrite-key" not in request.headers:  # a session or JWT request: no key to audit
            return
        status = response.status_code
        error = error_type(status, response.headers.get("content-type", ""), response.content)
        project = request.headers.get("x-appwrite-project")
        self._writer.write(call_record(started, project, self.key_id, request.method, request.path_url, status, error))

    def close(self) -> None:
        self._writer.close()


class _RecordingRequests:
    """Stands in for `requests` inside appwrite.client: passes everything through, reports responses."""

    def __init__(self, requests_module):
        self._requests = requests_module

    def __getattr__(self, name):
        return getattr(self._requests, name)

    def request(self, *args, **kwargs):
        started = time.time()
        response = self._requests.request(*args, **kwargs)
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.record(response, started)
        return response


def _hook_sdk_transport() -> None:
    import appwrite.client as sdk

    with _INSTALL:
        if not isinstance(sdk.requests, _RecordingRequests):
            sdk.requests = _RecordingRequests(sdk.requests)


def record_calls(
    client, path: str, key_id: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS
) -> CallRecorder:
    """Record every request `client` (an appwrite.client.Client) sends to the JSONL file `path`."""
    key_id = key_id or function_key_id()
    if not key_id:
        raise ValueError("record_calls needs key_id (the key's $id): the SDK holds only its secret")
    if redact(key_id) != key_id:
        raise ValueError("record_calls was given a key secret as key_id: give the key's $id, never its secret")
    recorder = CallRecorder(path, key_id, max_bytes, backups)
    _hook_sdk_transport()
    send = client.call

    def recorded_call(*args, **kwargs):
        token = _ACTIVE.set(recorder)
        try:
            return send(*args, **kwargs)
        finally:
            _ACTIVE.reset(token)

    client.call = recorded_call
    return recorder
