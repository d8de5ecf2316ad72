"""Calls from any log file: the one entry point every log consumer uses.

Each file's format is detected from its first lines (loaders/logformats/detect.py)
unless forced; keyaudit's JSONL is read by loaders/calllog.py, the other formats
by their modules in loaders/logformats/.
"""

from __future__ import annotations

from typing import Iterator

from auditor.errors import InputError
from auditor.loaders.calllog import Call, ReadStats, read_call_stream
from auditor.loaders.logformats import audit_log, common_log, error_lines, traefik_json
from auditor.loaders.logformats.attribution import LogOptions
from auditor.loaders.logformats.detect import JSONL, detect_format
from auditor.loaders.source import display_name, open_binary

HEAD_BYTES = 64 << 10

PARSERS = {
    traefik_json.NAME: traefik_json.parse,
    common_log.TRAEFIK: common_log.parser(common_log.TRAEFIK),
    common_log.NGINX: common_log.parser(common_log.NGINX),
    audit_log.NAME: audit_log.parse,
    error_lines.NAME: error_lines.parse,
}
LOG_FORMATS = (JSONL, *PARSERS)


def iter_calls(path: str, stats: ReadStats, options: LogOptions | None = None) -> Iterator[Call]:
    """Every call recorded in `path`; unreadable lines are counted in `stats`.

    Audit-log events and missing-scope error lines come as the Call subclasses of
    loaders/logformats/records.py, with a stand-in method and path; analysis/evidence.py
    gives them their scopes.
    """
    name = display_name(path)
    options = options or LogOptions()
    if options.format is not None and options.format not in LOG_FORMATS:
        raise InputError(f"unknown log format {options.format!r}; use one of {', '.join(LOG_FORMATS)}")
    with open_binary(path) as stream:
        log_format = options.format or detect_format(stream.peek(HEAD_BYTES))
        stats.formats[name] = log_format
        if log_format == JSONL:
            yield from read_call_stream(name, stream, stats)
        else:
            yield from PARSERS[log_format](name, stream, stats, options)
