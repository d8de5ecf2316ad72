"""Stream keyaudit call-log records (JSONL), counting every line that is not one.

A record: `{"key", "method", "path"}` and optionally `time` (RFC 3339),
`status`, `error` (Appwrite error type) and `project`; see
schemas/call-log-record.schema.json. Bad lines are counted with their line
number and reason, never their content (a log line may carry anything).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import BinaryIO, Iterator

from auditor.loaders.source import iter_lines

MAX_BAD_SAMPLES = 5
_METHOD = re.compile(r"[A-Za-z]{1,16}")


@dataclass(slots=True)
class Call:
    key: str
    method: str
    path: str
    time: float | None  # seconds since the epoch, UTC
    status: int | None
    error: str | None
    project: str | None


@dataclass
class ReadStats:
    lines_read: int = 0
    bad_lines: int = 0
    bad_samples: list[dict] = field(default_factory=list)
    # Requests read but tied to no single key (reason -> count); see loaders/logformats/attribution.py.
    unattributed: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)  # file -> the log format it was read as

    def bad(self, file: str, line: int, reason: str) -> None:
        self.bad_lines += 1
        if len(self.bad_samples) < MAX_BAD_SAMPLES:
            self.bad_samples.append({"file": file, "line": line, "reason": reason})

    def unattributed_line(self, reason: str) -> None:
        self.unattributed[reason] = self.unattributed.get(reason, 0) + 1


class BadRecord(ValueError):
    pass


def parse_time(value: str) -> float:
    text = value.strip()
    if text[-1:] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRecord("time is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def record_to_call(data) -> Call:
    if not isinstance(data, dict):
        raise BadRecord("not a JSON object")
    key, method, path = data.get("key"), data.get("method"), data.get("path")
    if not isinstance(key, str) or not key:
        raise BadRecord("missing or invalid 'key'")
    if not isinstance(method, str) or not _METHOD.fullmatch(method):
        raise BadRecord("missing or invalid 'method'")
    if not isinstance(path, str) or not path:
        raise BadRecord("missing or invalid 'path'")
    time = data.get("time")
    if time is not None:
        if not isinstance(time, str) or not time:
            raise BadRecord("'time' is not a string")
        time = parse_time(time)
    status = data.get("status")
    if status is not None and (type(status) is not int or not 100 <= status <= 599):
        raise BadRecord("'status' is not an HTTP status code")
    error = data.get("error")
    if error is not None and not isinstance(error, str):
        raise BadRecord("'error' is not a string")
    project = data.get("project")
    if project is not None and not isinstance(project, str):
        raise BadRecord("'project' is not a string")
    return Call(key, method.upper(), path, time, status, error, project)


def read_call_stream(name: str, stream: BinaryIO, stats: ReadStats) -> Iterator[Call]:
    """The records of an open (decompressed) stream; `name` is the file as the user named it."""
    for number, line in iter_lines(stream):
        stats.lines_read += 1
        if line is None:
            stats.bad(name, number, "line longer than 1 MiB")
            continue
        if not line.strip():  # a blank line carries no record
            continue
        try:
            yield record_to_call(json.loads(line))
        except BadRecord as error:
            stats.bad(name, number, str(error))
        except (ValueError, RecursionError):
            stats.bad(name, number, "not valid JSON")
