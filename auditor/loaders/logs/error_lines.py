"""Error lines: application logs that print Appwrite's missing-scope errors.

Appwrite refuses a key a route with HTTP 401, type `general_unauthorized_scope`
and a message naming the scopes any one of which would have passed, written by
app/controllers/shared/api.php as `<email> (role: <label>) missing scopes (<json_encode of the route's scopes>)`:

    app.shop-prod@service.cloud.appwrite.io (role: applications) missing scopes (["rows.read","documents.read"])   (1.8+)
    app.shop-prod@service.localhost (role: applications) missing scope (documents.read)                          (<= 1.7)

An SDK raises it as an exception that apps log. Only Appwrite's exact shapes
count, where a log line's structure puts an error, never a phrase found
anywhere in a line (a logged search for `missing scopes (["keys.write"])` is
no refusal):

- in a text line, the message ends the line and starts it or follows `: `
  (`AppwriteException: <message>`, `sync failed: <message>`); the type alone
  counts the same way (`request failed: general_unauthorized_scope`);
- in a JSON line, the object's `type` is `general_unauthorized_scope` (with
  `code` 401 where present, as Appwrite's error response has it), or its
  `message`, `msg` or `error` holds the message as a text line would.

A request the line names before the error (`GET /v1/...`; in a JSON line at the
start of its `msg` or `message`) makes the refusal a call to that route;
otherwise it is a `ScopeDenial` of the scopes named. The last line of a Python
traceback that repeats the error logged just before it (`logger.exception`) is
skipped, so one refusal counts once. The key is `--key` (the message names the
project, never the key); a refusal of a user session or guest is no key's: a
key acts as `app.<projectId>@service.<host>` with the role `applications`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from auditor.loaders.logs.attribution import NO_KEY_IN_FORMAT, LogOptions
from auditor.loaders.logs.calllog import Call, ReadStats, counted_lines
from auditor.loaders.logs.format import Head, LogFormat
from auditor.loaders.logs.records import UNAUTHORIZED_SCOPE, ScopeDenial
from auditor.loaders.logs.timestamps import find_rfc3339

NAME = "error-lines"
NOT_A_KEY = "scope errors of user sessions or guests, not of a key"
NOTHING_TO_JUDGE = "scope errors that name neither the route nor the scopes"

# Patterns are matched against a line's tail or a field that has been cut to Appwrite's shape first: every
# repetition is bounded, so no line of up to 1 MiB can make a match take time quadratic in its length.
_SCOPE_NAME = r"[a-z][A-Za-z0-9_-]{0,63}(?:\.[A-Za-z0-9_-]{1,64}){0,4}"
_MESSAGE = re.compile(
    rf'(?P<who>[^\s"]{{1,320}}) \(role: (?P<role>[a-z]{{1,32}})\) missing '
    rf'(?:scopes \((?P<scopes>\[(?:"{_SCOPE_NAME}"(?:,"{_SCOPE_NAME}"){{0,63}})?\])\)'
    rf"|scope \((?P<scope>{_SCOPE_NAME})\))"
)
_KEY_EMAIL = re.compile(r"app\.([A-Za-z0-9._-]{1,36})@service\.[^\s@]{1,255}")  # project ids: 36 characters
_KEY_ROLE = "applications"  # the label of Appwrite's ROLE_APPS, lower-cased as the message has it
_ROLE_MARK = " (role: "
_TAIL_MARK = ": "
_REQUEST = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD) ((?:(?:https?:)?//[^\s/\"']{1,255})?/v1/[^\s\"'<>]{0,8192})")
_MESSAGE_FIELDS = ("message", "msg", "error")
# A logger writes its timestamp first (`2026-11-20T10:00:00Z ERROR …`, `{"time": "…", …}`): a time further
# on is text the line carries (a query, a user's input), which must not set the span the logs cover.
TIME_PREFIX = 64
_REQUEST_FIELDS = ("msg", "message")


@dataclass(frozen=True)
class Denial:
    scopes: tuple[str, ...]  # empty when only the error type is there
    by_key: bool  # False: Appwrite refused a user session or a guest
    project: str | None
    request: tuple[str, str] | None = None  # (method, path) the line names before the error


def _message_denial(message: str) -> Denial | None:
    """The refusal `message` states when it is exactly Appwrite's missing-scope message, else None."""
    match = _MESSAGE.fullmatch(message)
    if match is None:
        return None
    scopes = tuple(json.loads(match["scopes"])) if match["scopes"] else (match["scope"],)
    app = _KEY_EMAIL.fullmatch(match["who"])
    by_key = app is not None and match["role"] == _KEY_ROLE
    return Denial(scopes, by_key, app.group(1) if by_key else None)


def _tail_denial(text: str) -> tuple[Denial, int] | None:
    """(refusal, where it starts) when `text` ends with Appwrite's message or error type, which starts the text
    or follows `: `; None otherwise."""
    text = text.rstrip()
    if text.endswith(UNAUTHORIZED_SCOPE):
        start = len(text) - len(UNAUTHORIZED_SCOPE)
        if start == 0 or text.endswith(_TAIL_MARK, 0, start):
            return Denial((), True, None), start
    if not text.endswith(")"):
        return None
    role = text.rfind(_ROLE_MARK)
    if role < 0:
        return None
    start = text.rfind(_TAIL_MARK, 0, role)
    start = 0 if start < 0 else start + len(_TAIL_MARK)
    denial = _message_denial(text[start:])
    return (denial, start) if denial else None


def _request(text: str) -> tuple[str, str] | None:
    """The request a line names before its error: `GET /v1/users: <message>` (the colon ends the path)."""
    match = _REQUEST.search(text)
    if not match:
        return None
    path = match.group(2)
    if path.endswith(":") and text.startswith(" ", match.end()):
        path = path[:-1]
    return match.group(1), path


def _json_denial(text: str) -> Denial | None:
    """The refusal a JSON log line's fields state, or None."""
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    denial = None
    if record.get("type") == UNAUTHORIZED_SCOPE and record.get("code", 401) == 401:
        denial = Denial((), True, None)
    for field in _MESSAGE_FIELDS:
        value = record.get(field)
        found = _tail_denial(value) if isinstance(value, str) else None
        if found:
            denial = found[0]
            break
    if denial is None:
        return None
    for field in _REQUEST_FIELDS:
        value = record.get(field)
        match = _REQUEST.match(value) if isinstance(value, str) else None
        if match:
            return Denial(denial.scopes, denial.by_key, denial.project, (match.group(1), match.group(2)))
    return denial


def find_denial(text: str) -> Denial | None:
    """The missing-scope refusal `text` carries in one of Appwrite's exact shapes, or None."""
    if "scope" not in text:
        return None
    if text.lstrip().startswith("{"):
        return _json_denial(text)
    found = _tail_denial(text)
    if found is None:
        return None
    denial, start = found
    return Denial(denial.scopes, denial.by_key, denial.project, _request(text[:start]))


def is_scope_denial(error: str) -> bool:
    """An `error` field holding Appwrite's missing-scope type, or exactly its message."""
    return error == UNAUTHORIZED_SCOPE or _message_denial(error) is not None


def parse(name: str, stream: BinaryIO, stats: ReadStats, options: LogOptions) -> Iterator[Call | ScopeDenial]:
    previous = None  # the refusal the line before carried, outside a traceback
    in_traceback = False
    for _, line in counted_lines(name, stream, stats):
        text = line.decode("utf-8", "replace")
        if text.startswith("Traceback (most recent call last):"):
            in_traceback = True
            continue
        if in_traceback and text[:1] in (" ", "\t"):
            continue
        closes_traceback, in_traceback = in_traceback, False
        denial = find_denial(text)
        if closes_traceback and denial is not None and denial == previous:
            continue  # a Python traceback's last line repeats the error logged just before it (logger.exception)
        previous = denial
        if denial is None:
            continue
        if not denial.by_key:
            stats.unattributed_line(NOT_A_KEY)
            continue
        if options.key is None:
            stats.unattributed_line(NO_KEY_IN_FORMAT.format(format=NAME))
            continue
        time = find_rfc3339(text[:TIME_PREFIX])  # the logger's own stamp, never one written inside a request
        if denial.request:
            method, path = denial.request
            yield Call(options.key, method, path, time, 401, UNAUTHORIZED_SCOPE, denial.project)
        elif denial.scopes:
            yield ScopeDenial.of(options.key, denial.scopes, time, denial.project)
        else:
            stats.unattributed_line(NOTHING_TO_JUDGE)


def holds_a_denial(head: Head) -> bool:
    """Whether any of a log's first lines carries a missing-scope error (asked once no line is another format's)."""
    return any(find_denial(line) for line in head.lines)


FORMAT = LogFormat(NAME, parse, head=holds_a_denial)
