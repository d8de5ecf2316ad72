"""Pre-aggregated usage (`--usage FILE`): what a SQL engine made of logs too big for one machine.

One row per key × method × path, and per project, status and error where those columns exist, with `count`,
`first_seen` and `last_seen`: CSV with a header, JSON Lines or a JSON array (what DuckDB, Spark and most engines
write; samples/sql/ has the queries). `path` is a request path or a route with `{…}` placeholders; keyaudit
resolves it through the catalog exactly like a logged call. Times are RFC 3339 or as SQL engines print them
(`2026-11-20 09:09:00+00`); empty (or NULL, as SQL command lines print it in CSV) when the calls carried
none. A row that cannot be read is counted as a bad line, by line number and reason, like a bad log line.

A count row says how many log lines the engine could not read as calls (samples/sql/ emits one): `bad_lines`
set, `key`, `method`, `path` and `count` empty. Its number is added to the report's bad lines, so lines an
engine skipped are counted as keyaudit counts them in raw logs (schemas/usage-row.schema.json).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.errors import InputError
from auditor.loaders import jsontext
from auditor.loaders.document import load_document
from auditor.loaders.logs.calllog import METHOD, ReadStats
from auditor.loaders.source import MAX_LINE_BYTES, display_name, iter_lines, open_binary
from auditor.secrets import scrub_identifier
from auditor.times import BadTime, epoch

REQUIRED_COLUMNS = ("key", "method", "path", "count", "first_seen", "last_seen")
CSV_NULLS = ("NULL", "\\N")  # how the DuckDB CLI (`-csv`) and Hive print a NULL in CSV
OPTIONAL_COLUMNS = ("project", "status", "error", "bad_lines")
_BLANK = b"\xef\xbb\xbf \t\r\n\x0b\x0c"  # what a blank line holds (a BOM may start the file)
_BLANK_TEXT = _BLANK.decode()
_HEAD_BYTES = 64 << 10
_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?",
    re.I,
)


@dataclass(slots=True)
class UsageRow:
    key: str
    method: str
    path: str
    count: int
    first: float | None  # seconds since the epoch, UTC
    last: float | None
    project: str | None
    status: int | None
    error: str | None


class BadRow(ValueError):
    pass


def parse_engine_time(text: str) -> float:
    """RFC 3339, or a timestamp as DuckDB, Spark or PostgreSQL print it; no zone means UTC."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise BadRow("time is neither RFC 3339 nor a SQL timestamp")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = 0
    if zone and zone.upper() not in ("Z", "UTC"):
        digits = zone[1:].replace(":", "")
        offset = (int(digits[:2]) * 3600 + int(digits[2:] or 0) * 60) * (-1 if zone[0] == "-" else 1)
    try:
        return epoch(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")) / 1_000_000,
            offset,
        )
    except BadTime as error:
        raise BadRow(str(error)) from None


def _text(value, column: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise BadRow(f"missing '{column}'")
        return None
    if not isinstance(value, str):
        raise BadRow(f"'{column}' is not a string")
    return value


def _integer(value, column: str) -> int | None:
    if value is None or value == "":
        return None
    if type(value) is int:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        if len(value.strip()) > 18:  # beyond any count, and int() refuses 4 300 digits and more
            raise BadRow(f"'{column}' is out of range")
        return int(value)
    raise BadRow(f"'{column}' is not an integer")


def _time(value, column: str) -> float | None:
    text = _text(value, column)
    return None if text is None else parse_engine_time(text)


def row_from_mapping(data) -> UsageRow:
    if not isinstance(data, dict):
        raise BadRow("not an object")
    key = _text(data.get("key"), "key", required=True)
    method = _text(data.get("method"), "method", required=True)
    if not METHOD.fullmatch(method):
        raise BadRow("'method' is not an HTTP method")
    path = _text(data.get("path"), "path", required=True)
    count = _integer(data.get("count"), "count")
    if count is None or count < 1:
        raise BadRow("'count' is not a positive integer")
    first, last = _time(data.get("first_seen"), "first_seen"), _time(data.get("last_seen"), "last_seen")
    if first is not None and last is not None and first > last:
        raise BadRow("'first_seen' is after 'last_seen'")
    first, last = (last if first is None else first), (first if last is None else last)  # one known: both it
    status = _integer(data.get("status"), "status")
    if status is not None and not 100 <= status <= 599:
        raise BadRow("'status' is not an HTTP status code")
    # a secret where a key id or project belongs is kept only as its fingerprint, as in logs (loaders/logs/__init__.py)
    return UsageRow(
        scrub_identifier(key),
        method.upper(),
        path,
        count,
        first,
        last,
        scrub_identifier(_text(data.get("project"), "project")),
        status,
        _text(data.get("error"), "error"),
    )


def engine_bad_lines(data) -> int | None:
    """The bad lines a count row reports; None for any other row."""
    if not isinstance(data, dict):
        return None
    bad_lines = _integer(data.get("bad_lines"), "bad_lines")
    if bad_lines is None:
        return None
    if bad_lines < 0:
        raise BadRow("'bad_lines' is negative")
    if any(data.get(column) not in (None, "") for column in ("key", "method", "path", "count")):
        raise BadRow("a count row ('bad_lines') carries no call: key, method, path and count must be empty")
    return bad_lines


def _usage_row(data, name: str, number: int, stats: ReadStats) -> UsageRow | None:
    """The row's calls, or None for a count row, whose bad lines are added to `stats`."""
    bad_lines = engine_bad_lines(data)
    if bad_lines is None:
        return row_from_mapping(data)
    if bad_lines:
        lines = "1 log line" if bad_lines == 1 else f"{bad_lines} log lines"
        stats.bad(name, number, f"{lines} the SQL engine could not read as calls (its count row)", bad_lines)
    return None


def read_usage_rows(path: str, stats: ReadStats) -> Iterator[UsageRow]:
    """Every readable row of a usage file; the others are counted in `stats`.

    `stats.lines_read` is the number of the line being read, as for call logs.
    """
    name = display_name(path)
    with open_binary(path) as stream:
        blank_lines = 0  # leading blank lines are read past (in whole chunks) to see the first character
        while True:
            head = stream.peek(_HEAD_BYTES)[:_HEAD_BYTES]
            start = head.lstrip(_BLANK)[:1]
            if start or not head:
                break
            blank_lines += head.count(b"\n")
            stream.read(len(head))
        if not start:  # an export of no rows
            return
        if start != b"[":
            yield from (_json_lines if start == b"{" else _csv_rows)(stream, name, stats, blank_lines)
            return
    yield from _json_array(path, name, stats)  # one document, read once this stream is closed


def _json_lines(stream, name: str, stats: ReadStats, offset: int) -> Iterator[UsageRow]:
    for number, line in iter_lines(stream):
        number += offset
        stats.lines_read = number
        if line is None:
            stats.bad(name, number, f"line longer than {MAX_LINE_BYTES >> 20} MiB")
            continue
        if not line.strip():
            continue
        try:
            row = _usage_row(jsontext.loads(line), name, number, stats)
        except BadRow as error:
            stats.bad(name, number, str(error))
        except (ValueError, RecursionError):
            stats.bad(name, number, "not valid JSON")
        else:
            if row is not None:
                yield row


def _csv_rows(stream, name: str, stats: ReadStats, offset: int) -> Iterator[UsageRow]:
    over_long: set[int] = set()

    def text_lines() -> Iterator[str]:
        """The lines as text, each at most MAX_LINE_BYTES: a longer one is never held, it reads as empty."""
        for number, line in iter_lines(stream):
            if line is None:
                over_long.add(number)
                yield "\n"
            else:
                yield line.decode("utf-8", "replace") + "\n"

    reader = csv.reader(text_lines())
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    columns = [column.strip().lstrip("\ufeff").lower() for column in header or []]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise InputError(
            f"{name}: not a usage file: no column {', '.join(missing)} in its first line "
            f"(needs {', '.join(REQUIRED_COLUMNS)}; optional {', '.join(OPTIONAL_COLUMNS)})"
        )
    stats.lines_read = reader.line_num + offset
    while True:
        before = reader.line_num
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            stats.lines_read = reader.line_num + offset
            stats.bad(name, reader.line_num + offset, f"not a CSV row ({error})")
            continue
        stats.lines_read = number = reader.line_num + offset
        if over_long and any(line in over_long for line in range(before + 1, reader.line_num + 1)):
            stats.bad(name, number, f"line longer than {MAX_LINE_BYTES >> 20} MiB")
            continue
        if not any(value.strip(_BLANK_TEXT) for value in values):
            continue
        if len(values) != len(columns):
            stats.bad(name, number, f"{len(values)} fields where the header has {len(columns)}")
            continue
        try:
            row = _usage_row(
                {column: "" if value in CSV_NULLS else value for column, value in zip(columns, values)},
                name,
                number,
                stats,
            )
        except BadRow as error:
            stats.bad(name, number, str(error))
            continue
        if row is not None:
            yield row


def _json_array(path: str, name: str, stats: ReadStats) -> Iterator[UsageRow]:
    doc = load_document(path)
    if not isinstance(doc.value, list):
        raise InputError(f"{name}: not a usage file: a JSON document must be an array of rows")
    for index, item in enumerate(doc.value):
        number = doc.line(f"/{index}") or index + 1
        stats.lines_read = number
        try:
            row = _usage_row(item, name, number, stats)
        except BadRow as error:
            stats.bad(name, number, str(error))
            continue
        if row is not None:
            yield row
