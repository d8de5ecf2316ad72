"""Traefik access logs in JSON (`accessLog.format: json`), Appwrite's own proxy.

One entry per line with `RequestMethod`, `RequestPath` (query included),
`DownstreamStatus` and `StartUTC`. Request headers are logged only when kept
(`accessLog.fields.headers.names.X-Appwrite-Key: keep`), as `request_<Header>`:
`request_X-Appwrite-Key` names the key (by its secret's sha256, see
attribution.py) and `request_X-Appwrite-Project` the project. A 401 here is no
missing-scope signal: the log does not say why Appwrite refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from auditor.loaders import jsontext
from auditor.loaders.logs.attribution import NO_KEY, LogOptions, key_for_secret
from auditor.loaders.logs.calllog import METHOD, BadRecord, Call, ReadStats, counted_lines
from auditor.loaders.logs.format import LogFormat
from auditor.loaders.logs.timestamps import rfc3339

NAME = "traefik-json"
KEY_HEADER = "request_X-Appwrite-Key"
PROJECT_HEADER = "request_X-Appwrite-Project"


def is_entry(value) -> bool:
    return isinstance(value, dict) and "RequestMethod" in value and "RequestPath" in value


def _status(entry: dict) -> int | None:
    for field in ("DownstreamStatus", "OriginStatus"):
        status = entry.get(field)
        if type(status) is int and 100 <= status <= 599:
            return status
    return None


def _call(entry, options: LogOptions, stats: ReadStats) -> Call | None:
    if not isinstance(entry, dict):
        raise BadRecord("not a JSON object")
    method, path = entry.get("RequestMethod"), entry.get("RequestPath")
    if not isinstance(method, str) or not METHOD.fullmatch(method) or not isinstance(path, str) or not path:
        raise BadRecord("not a Traefik access-log entry (no RequestMethod and RequestPath)")
    moment = entry.get("StartUTC") or entry.get("time")
    time = rfc3339(moment) if isinstance(moment, str) else None
    key = key_for_secret(entry.get(KEY_HEADER), options, stats, NO_KEY)
    if key is None:
        return None
    sent = entry.get(PROJECT_HEADER)
    project = options.keys.project_of(key, sent if isinstance(sent, str) and sent else None)
    return Call(key, method.upper(), path, time, _status(entry), None, project)


def parse(name: str, stream: BinaryIO, stats: ReadStats, options: LogOptions) -> Iterator[Call]:
    for number, line in counted_lines(name, stream, stats):
        if not line.strip():
            continue
        try:
            call = _call(jsontext.loads(line), options, stats)
        except BadRecord as error:
            stats.bad(name, number, str(error))
            continue
        except (ValueError, RecursionError):
            stats.bad(name, number, "not valid JSON")
            continue
        if call is not None:
            yield call


FORMAT = LogFormat(NAME, parse, json_line=is_entry)
