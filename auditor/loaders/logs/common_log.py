"""Access logs in the common/combined text format: nginx `combined` and Traefik's default `common`.

    203.0.113.7 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/users?limit=25 HTTP/1.1" 200 512 "-" "AppwritePythonSDK/27.0.0"

Traefik's `common` format appends `<request count> "<router>" "<service URL>" <duration>ms`;
nginx configs often append fields of their own (the stock `main` format adds
`"$http_x_forwarded_for"`). Both are accepted and ignored. Neither format logs
request headers, so the key is `--key` for the whole file; without it every
request is counted as unattributed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from auditor.loaders.logs.attribution import NO_KEY_IN_FORMAT, LogOptions
from auditor.loaders.logs.calllog import BadRecord, Call, ReadStats, counted_lines
from auditor.loaders.logs.format import LogFormat
from auditor.loaders.logs.timestamps import clf

NGINX = "nginx-combined"
TRAEFIK = "traefik-common"

LINE = re.compile(r'\S+ \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" (?P<status>\d{3}) \S+(?P<rest>.*)')
TRAEFIK_TAIL = re.compile(r' \d+ "[^"]*" "[^"]*" \d+ms\s*$')
_REQUEST = re.compile(r"(?P<method>[A-Za-z]{1,16}) (?P<path>\S+)(?: \S+)?")


def kind(line: str) -> str | None:
    """TRAEFIK, NGINX, or None when `line` is neither."""
    match = LINE.fullmatch(line)
    if match is None:
        return None
    return TRAEFIK if TRAEFIK_TAIL.search(match.group("rest")) else NGINX


def _request(text: str) -> tuple[str, str, float, int]:
    """(method, path, time, status) of one line."""
    match = LINE.fullmatch(text)
    if match is None:
        raise BadRecord("not a common/combined access-log line")
    request = _REQUEST.fullmatch(match.group("request"))
    if request is None:
        raise BadRecord("request is not METHOD PATH")
    status = int(match.group("status"))
    if not 100 <= status <= 599:
        raise BadRecord("status is not an HTTP status code")
    return request.group("method").upper(), request.group("path"), clf(match.group("time")), status


def parser(format_name: str):
    """The parse function for one of the two formats; they differ only in name (and detection)."""
    unattributed = NO_KEY_IN_FORMAT.format(format=format_name)

    def parse(name: str, stream: BinaryIO, stats: ReadStats, options: LogOptions) -> Iterator[Call]:
        for number, line in counted_lines(name, stream, stats):
            if not line.strip():  # blank as every reader judges it; a line of other whitespace is a bad line
                continue
            text = line.decode("utf-8", "replace").rstrip()
            try:
                method, path, time, status = _request(text)
            except BadRecord as error:
                stats.bad(name, number, str(error))
                continue
            if options.key is None:
                stats.unattributed_line(unattributed)
                continue
            yield Call(options.key, method, path, time, status, None, None)

    return parse


def _format(format_name: str) -> LogFormat:
    return LogFormat(format_name, parser(format_name), text_line=lambda line: kind(line) == format_name)


TRAEFIK_FORMAT = _format(TRAEFIK)
NGINX_FORMAT = _format(NGINX)
