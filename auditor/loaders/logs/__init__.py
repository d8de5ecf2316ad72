"""Calls from any log file: the one entry point every log consumer uses.

Each file's format is detected from its first lines (loaders/logs/detect.py)
unless forced; keyaudit's JSONL is read by loaders/logs/calllog.py, the other formats
by their modules in loaders/logs/.

PARSERS is the registry of log formats: a format is one module here (`NAME` and `parse(name, stream, stats,
options)`, yielding the `Call` of each line that holds one and counting the rest in `stats`) and one line in
PARSERS; detect.py tells it from a file's first lines, and the report schema's list of formats is tested
against LOG_FORMATS. calllog.py reads keyaudit's JSONL (Call, ReadStats, BadRecord); fastjsonl.py its fast
path; records.py the Call subclasses of audit events and missing-scope error lines; attribution.py and
timestamps.py serve every format. Imported by analysis, state, fix and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from auditor.errors import InputError
from auditor.loaders.logs import audit_log, common_log, error_lines, traefik_json
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.logs.calllog import Call, ReadStats, read_call_stream
from auditor.loaders.logs.detect import JSONL, detect_format
from auditor.loaders.source import display_name, open_binary
from auditor.secrets import MIN_SECRET_CHARS, is_real_secret, redact, scrub_identifier

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
    loaders/logs/records.py, with a stand-in method and path; analysis/evidence.py
    gives them their scopes.
    """
    options = options or LogOptions()
    with open_log(path, stats, options) as (name, stream, log_format):
        yield from read_calls(name, stream, log_format, stats, options)


def read_calls(name: str, stream: BinaryIO, log_format: str, stats: ReadStats, options: LogOptions) -> Iterator[Call]:
    """The calls of a log opened by open_log."""
    if log_format == JSONL:
        calls = read_call_stream(name, stream, stats)
    else:
        calls = PARSERS[log_format](name, stream, stats, options)
    for call in calls:
        call = without_secret(call, stats, options)
        if call is not None:
            yield call


@contextmanager
def open_log(path: str, stats: ReadStats, options: LogOptions) -> Iterator[tuple[str, BinaryIO, str]]:
    """(name as the user gave it, decompressed stream, format) of a log; the format is recorded in `stats`."""
    name = display_name(path)
    if options.format is not None and options.format not in LOG_FORMATS:
        raise InputError(f"unknown log format {options.format!r}; use one of {', '.join(LOG_FORMATS)}")
    with open_binary(path) as stream:
        log_format = options.format or detect_format(stream.peek(HEAD_BYTES))
        stats.formats[name] = log_format
        yield name, stream, log_format


def without_secret(call: Call, stats: ReadStats, options: LogOptions) -> Call | None:
    """The call with every secret out of its key and project, as access logs' key headers are treated.

    A record whose key is a secret (a recorder handed the key's secret for its id) is attributed by the
    secret's sha256 (loaders/logs/attribution.py): to the defined key with that secret, else to
    `sha256:<12 hex>`; a dynamic or shared one is counted as unattributed (None). A project that holds a
    secret becomes its fingerprint. Nothing else of the secret is kept. Ids and projects shorter than any
    secret (all real ones) pass untouched at the cost of two length checks.
    """
    if len(call.key) >= MIN_SECRET_CHARS:
        if is_real_secret(call.key):
            key, reason = options.keys.by_secret(call.key)
            if key is None:
                stats.unattributed_line(reason)
                return None
            call.key = key
        else:
            call.key = redact(call.key)
    if call.project is not None and len(call.project) >= MIN_SECRET_CHARS:
        call.project = scrub_identifier(call.project)
    return call
