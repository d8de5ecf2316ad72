"""FORMATS, the registry of log formats: adding one is its module in loaders/logs/ and its line here.

A format's module declares a `LogFormat` (format.py): its name, its reader and how detection recognises it.
The order below is detection's order of asking, and so how an ambiguous head is settled: the first line that
any format recognises decides, asked in this order (keyaudit's JSONL before the JSON of Traefik and of audit
logs; Traefik's `common` before nginx, whose lines Traefik's extend); failing every line, the first format that
recognises the head as a whole. Code reads the registry when it needs it (names(), named()), never a copy made
at import, so a format registered at run time (tests/test_log_formats.py does) is one like any other.
"""

from __future__ import annotations

from auditor.loaders.logs import audit_log, calllog, common_log, error_lines, traefik_json
from auditor.loaders.logs.format import LogFormat

FORMATS: list[LogFormat] = [
    calllog.FORMAT,
    traefik_json.FORMAT,
    common_log.TRAEFIK_FORMAT,
    common_log.NGINX_FORMAT,
    audit_log.FORMAT,
    error_lines.FORMAT,
]


def names() -> tuple[str, ...]:
    """The registered formats' names, in registry order."""
    return tuple(log_format.name for log_format in FORMATS)


def named(name: str) -> LogFormat | None:
    """The registered format called `name`, or None."""
    return next((log_format for log_format in FORMATS if log_format.name == name), None)
