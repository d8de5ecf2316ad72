"""Calls from any log file: the one entry point every log consumer uses.

Each file's format is detected from its first lines (loaders/logs/detect.py) unless forced, and read by the
registered format of that name. formats.py holds FORMATS, the registry of log formats: a format is one module
here declaring its `LogFormat` (format.py: `NAME`, `parse(name, stream, stats, options)` yielding the `Call`
of each line that holds one and counting the rest in `stats`, and how detection recognises it) and one line in
FORMATS. The report schema describes format names by pattern, not by list (tests check every registered name
fits it). calllog.py reads keyaudit's JSONL (Call, ReadStats, BadRecord); fastjsonl.py its fast path;
records.py the Call subclasses of audit events and missing-scope error lines; attribution.py and
timestamps.py serve every format. Imported by analysis, state, fix and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from auditor.errors import InputError
from auditor.loaders.logs import formats
from auditor.loaders.logs.attribution import NO_KEY, NO_KEY_RECORD, LogOptions
from auditor.loaders.logs.calllog import Call, ReadStats
from auditor.loaders.logs.detect import detect_format
from auditor.loaders.source import display_name, open_binary
from auditor.secrets import MIN_SECRET_CHARS, is_real_secret, redact, scrub_identifier

HEAD_BYTES = 64 << 10

LOG_FORMATS = formats.names()  # as registered at import, for tests and scripts to go through; code asks formats


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
    for call in formats.named(log_format).parse(name, stream, stats, options):
        call = without_secret(call, stats, options)
        if call is not None:
            yield call


@contextmanager
def open_log(path: str, stats: ReadStats, options: LogOptions) -> Iterator[tuple[str, BinaryIO, str]]:
    """(name as the user gave it, decompressed stream, format) of a log; the format is recorded in `stats`."""
    name = display_name(path)
    if options.format is not None and formats.named(options.format) is None:
        raise InputError(f"unknown log format {options.format!r}; use one of {', '.join(formats.names())}")
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
        if call.key == NO_KEY_RECORD:
            stats.unattributed_line(NO_KEY)
            return None
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
