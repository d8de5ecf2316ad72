"""Error lines: application logs that print Appwrite's missing-scope errors.

Appwrite refuses a key a route with HTTP 401, type `general_unauthorized_scope`
and a message naming the scopes any one of which would have passed:

    app.shop-prod@service.cloud.appwrite.io (role: applications) missing scopes (["rows.read","documents.read"])   (1.8+)
    app.shop-prod@service.localhost (role: applications) missing scope (documents.read)                          (<= 1.7)

An SDK raises it as an exception that apps log. Only lines carrying such an
error count; the others are the app's own business and are skipped, and so is
the last line of a Python traceback that repeats the error logged just before
it (`logger.exception`), so one refusal counts once. A line also
naming the request (`GET /v1/...`) becomes a call to that route; otherwise a
`ScopeDenial` of the scopes named. The key is `--key` (the message names the
project, never the key); a refusal of a user session or guest is no key's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from auditor.loaders.logs.calllog import Call, ReadStats, counted_lines
from auditor.loaders.logs.attribution import NO_KEY_IN_FORMAT, LogOptions
from auditor.loaders.logs.records import UNAUTHORIZED_SCOPE, ScopeDenial
from auditor.loaders.logs.timestamps import find_rfc3339

NAME = "error-lines"
NOT_A_KEY = "scope errors of user sessions or guests, not of a key"
NOTHING_TO_JUDGE = "scope errors that name neither the route nor the scopes"

# Each pattern is searched in lines of up to 1 MiB written by anyone: every repetition is bounded or starts at
# a token boundary, so no line can make a search take time quadratic in its length.
_SCOPES = re.compile(r"missing scopes \((\[[^\]]{0,4096}\])\)")
_SCOPE = re.compile(r"missing scope \(([^()\s]+)\)")
_SCOPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")
_WHO = re.compile(r"(?<!\S)(\S+) \(role: [^)]{0,64}\) missing scope")
_APP_EMAIL = re.compile(r"app\.([^@\s]{1,36})@service\.")  # Appwrite project ids are at most 36 characters
_REQUEST = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD) ((?:(?:https?:)?//[^\s/\"']+)?/v1/[^\s\"'<>]*)")


@dataclass(frozen=True)
class Denial:
    scopes: tuple[str, ...]  # empty when only the error type is there
    by_key: bool  # False: Appwrite refused a user session or a guest
    project: str | None


def find_denial(text: str) -> Denial | None:
    """The missing-scope refusal `text` carries, or None."""
    if "scope" not in text:
        return None
    match = _SCOPES.search(text) or _SCOPE.search(text)
    if match is None and UNAUTHORIZED_SCOPE not in text:
        return None
    scopes = tuple(_SCOPE_NAME.findall(match.group(1))) if match else ()
    who = _WHO.search(text)
    app = _APP_EMAIL.search(who.group(1) if who else text)
    by_key = app is not None or who is None  # keys act as app.<projectId>@service.<host>
    return Denial(scopes, by_key, app.group(1) if app else None)


def is_scope_denial(error: str) -> bool:
    """An `error` field holding Appwrite's missing-scope type or message."""
    return error == UNAUTHORIZED_SCOPE or find_denial(error) is not None


def parse(name: str, stream: BinaryIO, stats: ReadStats, options: LogOptions) -> Iterator[Call | ScopeDenial]:
    previous = None  # the refusal the line before carried, outside a traceback
    in_traceback = False
    for number, line in counted_lines(name, stream, stats):
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
        time = find_rfc3339(text)
        request = _REQUEST.search(text)
        if request:
            yield Call(options.key, request.group(1), request.group(2), time, 401, UNAUTHORIZED_SCOPE, denial.project)
        elif denial.scopes:
            yield ScopeDenial.of(options.key, denial.scopes, time, denial.project)
        else:
            stats.unattributed_line(NOTHING_TO_JUDGE)
