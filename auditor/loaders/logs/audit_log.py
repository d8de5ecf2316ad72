"""Appwrite audit logs: the `logList` that Appwrite's `.../logs` endpoints return.

    {"total": 2, "logs": [{"event": "row.create", "userId": "", "userEmail": "app.shop-prod@service.cloud.appwrite.io",
                           "userName": "order-sync", "mode": "default", "ip": "10.0.4.17",
                           "time": "2026-11-20T10:00:00.000+00:00", ...}, ...]}

Since 1.8 Appwrite logs an action done with an API key as the user it makes up
for the key (app/controllers/shared/api.php): an empty `userId`, the email
`app.<projectId>@service.<host>`, the key's name as `userName`, and `userType`
`app` (1.8) or `keyProject` (later) where the entry has one. Only an entry of
exactly that shape is a key's: a user account whose email and name look like a
key's has its own id, so its actions are never counted for the key. The entry
is attributed to the defined key of that name in that project (when several
keys share it, to neither, and the report says so; a key defined without a
project takes none: see attribution.py). Entries by users, guests and the
Console are counted, not attributed. An entry names its action by audit event, which
auditor/analysis/evidence.py maps to routes. Audit logs record mutations only.

Read as one JSON document (a logList, an array of entries, or several of them
one after another, up to MAX_DOCUMENT_BYTES), or as JSON Lines, one entry or one
logList per line (`jq -c '.logs[]'`), streamed at any size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from auditor.errors import InputError
from auditor.loaders import jsontext
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.logs.calllog import BadRecord, ReadStats, counted_lines
from auditor.loaders.logs.format import Head, LogFormat
from auditor.loaders.logs.records import AuditEvent
from auditor.loaders.logs.timestamps import rfc3339
from auditor.loaders.source import MAX_DOCUMENT_BYTES

NAME = "appwrite-audit"
NOT_A_KEY = "audit entries by users, guests or the Console, not by an API key"
_APP_EMAIL = re.compile(r"app\.([A-Za-z0-9][A-Za-z0-9._-]{0,35})@service\.[^\s@]{1,255}")  # project ids: 36 chars
_KEY_TYPES = ("app", "keyProject")  # Appwrite 1.8's ACTIVITY_TYPE_APP, later ACTOR_TYPE_KEY_PROJECT
_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\r\n]*")
_HEAD_BYTES = 64 << 10


def is_entry(value) -> bool:
    return isinstance(value, dict) and (
        "event" in value and ("userEmail" in value or "userName" in value) or isinstance(value.get("logs"), list)
    )


def _event(entry, options: LogOptions, stats: ReadStats) -> AuditEvent | None:
    """The entry as an AuditEvent; None (counted) when no single key made it."""
    if not isinstance(entry, dict):
        raise BadRecord("not a log object")
    event, email, name, moment = entry.get("event"), entry.get("userEmail"), entry.get("userName"), entry.get("time")
    user_id, user_type = entry.get("userId"), entry.get("userType")
    if not isinstance(event, str) or not event:
        raise BadRecord("missing or invalid 'event'")
    if not isinstance(email, str):
        raise BadRecord("missing or invalid 'userEmail'")
    if not isinstance(user_id, str):
        raise BadRecord("missing or invalid 'userId' (empty for an API key)")
    if moment is not None and not isinstance(moment, str):
        raise BadRecord("'time' is not a string")
    time = rfc3339(moment) if moment else None
    app = _APP_EMAIL.fullmatch(email)
    if app is None or user_id or (user_type is not None and user_type not in _KEY_TYPES):
        stats.unattributed_line(NOT_A_KEY)
        return None
    if not isinstance(name, str) or not name:
        raise BadRecord("missing or invalid 'userName' (the key's name)")
    project = app.group(1)
    key, reason = options.keys.by_name(name, project)
    if key is None:
        stats.unattributed_line(reason)
        return None
    return AuditEvent.of(key, event, time, project)


def _entries(value) -> list:
    """The log entries a decoded JSON value holds: a logList's, an array's, or the value itself."""
    if isinstance(value, dict) and isinstance(value.get("logs"), list):
        return value["logs"]
    return value if isinstance(value, list) else [value]


def _events(entries, options, stats, name, line) -> Iterator[AuditEvent]:
    for entry in entries:
        try:
            event = _event(entry, options, stats)
        except BadRecord as error:
            stats.bad(name, line, str(error))
            continue
        if event is not None:
            yield event


def parse(name: str, stream: BinaryIO, stats: ReadStats, options: LogOptions) -> Iterator[AuditEvent]:
    first, *rest = stream.peek(_HEAD_BYTES).lstrip().split(b"\n", 1)
    try:
        json.loads(first)
        json_lines = bool(rest)  # a whole first line that is JSON by itself
    except (ValueError, RecursionError):
        json_lines = False
    if json_lines:
        yield from _parse_lines(name, stream, stats, options)
    else:
        yield from _parse_document(name, stream, stats, options)


def _parse_lines(name, stream, stats, options) -> Iterator[AuditEvent]:
    for number, line in counted_lines(name, stream, stats):
        if not line.strip():
            continue
        try:
            value = jsontext.loads(line)
        except (ValueError, RecursionError):
            stats.bad(name, number, "not valid JSON")
            continue
        yield from _events(_entries(value), options, stats, name, number)


def _parse_document(name, stream, stats, options) -> Iterator[AuditEvent]:
    """Entries of one document; stats.lines_read follows the line of each entry as it is read."""
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"{name}: an audit log over {MAX_DOCUMENT_BYTES >> 20} MiB as one JSON document; "
            "give it one entry per line instead (jq -c '.logs[]')"
        )
    text = data.decode("utf-8", "replace")
    base, line, counted = stats.lines_read, 1, 0

    def line_at(offset: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, offset)
        counted = offset
        return line

    try:
        for offset, entry in _document_entries(text):
            stats.lines_read = base + line_at(offset)
            yield from _events([entry], options, stats, name, line)
    except (ValueError, RecursionError) as error:
        stats.bad(name, line_at(max(getattr(error, "pos", 0), counted)), "not valid JSON; the rest is not read")
    stats.lines_read = base + text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def _document_entries(text: str) -> Iterator[tuple[int, object]]:
    """(offset, entry) of every log entry in `text`, decoded one entry at a time, top-level values in turn."""
    i = _skip(text, 0)
    while i < len(text):
        if text.startswith("[", i):
            i = yield from _array_items(text, i)
        elif text.startswith("{", i):
            i = yield from _object_entries(text, i)
        else:
            raise json.JSONDecodeError("expected a JSON object or array", text, i)
        i = _skip(text, i)


def _skip(text: str, i: int) -> int:
    return _WHITESPACE.match(text, i).end()


def _array_items(text: str, i: int):
    """Yield (offset, item) of the array at `i`; return the offset past it."""
    i = _skip(text, i + 1)
    if text.startswith("]", i):
        return i + 1
    while True:
        value, end = jsontext.raw_decode(_DECODER, text, i)
        yield i, value
        i = _skip(text, end)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
        elif text.startswith("]", i):
            return i + 1
        else:
            raise json.JSONDecodeError("expected ',' or ']'", text, i)


def _object_entries(text: str, start: int):
    """Yield the items of the `logs` array of the object at `start`, or the object itself when it has
    none (a single entry); return the offset past it. Entries before a break in the JSON are kept."""
    i, has_logs = _skip(text, start + 1), False
    while not text.startswith("}", i):
        if not text.startswith('"', i):
            raise json.JSONDecodeError("expected a member name", text, i)
        name, i = json.decoder.scanstring(text, i + 1)
        i = _skip(text, i)
        if not text.startswith(":", i):
            raise json.JSONDecodeError("expected ':'", text, i)
        i = _skip(text, i + 1)
        if name == "logs" and text.startswith("[", i):
            has_logs = True
            i = yield from _array_items(text, i)
        else:
            i = jsontext.raw_decode(_DECODER, text, i)[1]
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
        elif not text.startswith("}", i):
            raise json.JSONDecodeError("expected ',' or '}'", text, i)
    if not has_logs:
        yield start, jsontext.raw_decode(_DECODER, text, start)[0]
    return i + 1


def is_document(head: Head) -> bool:
    """Whether a log's head starts a JSON document over several lines, or an array, that speaks of `logs` or
    `event` (a compact logList longer than the head is one too)."""
    first = head.text.lstrip()[:1]
    return (first == "[" or first == "{" and not _is_json(head.lines[0])) and (
        '"logs"' in head.text or '"event"' in head.text
    )


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


FORMAT = LogFormat(NAME, parse, json_line=is_entry, head=is_document)
