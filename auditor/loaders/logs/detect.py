"""Tell a call log's format from its first lines.

The first line that is recognisably one format decides: a JSON object with
`key`, `method` and `path` is keyaudit's JSONL; with `RequestMethod` and
`RequestPath` Traefik's JSON; with `event` and `userEmail`/`userName`, or a
`logs` list, an Appwrite audit log (so is a JSON document over several lines,
or an array, that speaks of `logs` or `event`); a common/combined line is Traefik's `common`
format when it ends like Traefik's, else nginx `combined`. Failing all, lines
that carry a missing-scope error make an error-lines file. Anything else is read
as keyaudit JSONL, whose reader counts each line it cannot read, so a file of an
unknown format shows up as bad lines, never as silence.
"""

from __future__ import annotations

import json

from auditor.loaders.logs import audit_log, common_log, error_lines, traefik_json

JSONL = "keyaudit-jsonl"
HEAD_LINES = 20


def _json_kind(value) -> str | None:
    if isinstance(value, dict) and {"key", "method", "path"} <= value.keys():
        return JSONL
    if traefik_json.is_entry(value):
        return traefik_json.NAME
    if audit_log.is_entry(value):
        return audit_log.NAME
    return None


def detect_format(head: bytes) -> str:
    """The format of a log whose first bytes are `head` (a partial last line is ignored unless alone)."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    lines = text.split("\n")
    if len(lines) > 1:
        lines.pop()  # incomplete: it continues past the head
    lines = [line.strip() for line in lines if line.strip()][:HEAD_LINES]
    if not lines:
        return JSONL
    for line in lines:
        if line.startswith("{"):
            try:
                kind = _json_kind(json.loads(line))
            except (ValueError, RecursionError):
                continue
            if kind:
                return kind
        else:
            kind = common_log.kind(line)
            if kind:
                return kind
    first = text.lstrip()[:1]
    if (first == "[" or first == "{" and not _is_json(lines[0])) and ('"logs"' in text or '"event"' in text):
        return audit_log.NAME
    if any(error_lines.find_denial(line) for line in lines):
        return error_lines.NAME
    return JSONL


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True
