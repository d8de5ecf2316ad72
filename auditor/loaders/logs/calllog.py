"""Stream keyaudit call-log records (JSONL), counting every line that is not one.

A record: `{"key", "method", "path"}` and optionally `time` (RFC 3339),
`status`, `error` (Appwrite error type) and `project`; see
schemas/call-log-record.schema.json. Bad lines are counted with their line
number and reason, never their content (a log line may carry anything).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from auditor.loaders import jsontext
from auditor.loaders.logs.format import LogFormat
from auditor.loaders.source import iter_lines
from auditor.times import BadTime, parse_time

if TYPE_CHECKING:
    from auditor.loaders.logs.attribution import LogOptions

JSONL = "keyaudit-jsonl"
MAX_BAD_SAMPLES = 5
LONG_LINE = "line longer than 1 MiB"
METHOD = re.compile(r"[A-Za-z]{1,16}")  # an HTTP method as every log format takes it


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
    # Requests read but tied to no single key (reason -> count); see loaders/logs/attribution.py.
    unattributed: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)  # file -> the log format it was read as

    def bad(self, file: str, line: int, reason: str, count: int = 1) -> None:
        """`count` bad lines at `line`: more than one where a usage file's count row says how many."""
        self.bad_lines += count
        if len(self.bad_samples) < MAX_BAD_SAMPLES:
            self.bad_samples.append({"file": file, "line": line, "reason": reason})

    def unattributed_line(self, reason: str) -> None:
        self.unattributed[reason] = self.unattributed.get(reason, 0) + 1

    def merge(self, part: ReadStats, file: str) -> None:
        """Add what was read of `file` by another reader (its bad samples numbered as the file's lines)."""
        self.lines_read += part.lines_read
        for sample in part.bad_samples:
            if len(self.bad_samples) < MAX_BAD_SAMPLES:
                self.bad_samples.append({"file": file, "line": sample["line"], "reason": sample["reason"]})
        self.bad_lines += part.bad_lines
        for reason, count in part.unattributed.items():
            self.unattributed[reason] = self.unattributed.get(reason, 0) + count


class BadRecord(ValueError):
    pass


def record_to_call(data) -> Call:
    if not isinstance(data, dict):
        raise BadRecord("not a JSON object")
    key, method, path = data.get("key"), data.get("method"), data.get("path")
    if not isinstance(key, str) or not key:
        raise BadRecord("missing or invalid 'key'")
    if not isinstance(method, str) or not METHOD.fullmatch(method):
        raise BadRecord("missing or invalid 'method'")
    if not isinstance(path, str) or not path:
        raise BadRecord("missing or invalid 'path'")
    time = data.get("time")
    if time is not None:
        if not isinstance(time, str) or not time:
            raise BadRecord("'time' is not a string")
        try:
            time = parse_time(time)
        except BadTime as error:
            raise BadRecord(str(error)) from None
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


def call_of_line(line: bytes) -> Call | None:
    """The call on one line (without its end); None for a blank line; BadRecord says why a line is not one."""
    if not line.strip():
        return None
    try:
        data = jsontext.loads(line)
    except jsontext.LoneSurrogate as error:
        raise BadRecord(str(error)) from None
    except (ValueError, RecursionError):
        raise BadRecord("not valid JSON") from None
    return record_to_call(data)


def counted_lines(name: str, stream: BinaryIO, stats: ReadStats) -> Iterator[tuple[int, bytes]]:
    """(number, line) of every line of a log, each counted as read; a line over the cap is counted bad instead."""
    for number, line in iter_lines(stream):
        stats.lines_read += 1
        if line is None:
            stats.bad(name, number, LONG_LINE)
        else:
            yield number, line


def read_call_stream(name: str, stream: BinaryIO, stats: ReadStats) -> Iterator[Call]:
    """The records of an open (decompressed) stream; `name` is the file as the user named it."""
    for number, line in counted_lines(name, stream, stats):
        try:
            call = call_of_line(line)
        except BadRecord as error:
            stats.bad(name, number, str(error))
            continue
        if call is not None:
            yield call


def is_record(value) -> bool:
    """Whether a JSON line of a log's head is a keyaudit record (it names a key, a method and a path)."""
    return isinstance(value, dict) and {"key", "method", "path"} <= value.keys()


def _parse(name: str, stream: BinaryIO, stats: ReadStats, options: LogOptions) -> Iterator[Call]:
    return read_call_stream(name, stream, stats)  # a record names its key: no option applies


FORMAT = LogFormat(JSONL, _parse, json_line=is_record)
