"""Tell a call log's format from its first lines, by asking the registered formats (formats.py) in their order.

The first line that is recognisably one format decides: a line that is a JSON object is offered to each
format's `json_line`, any other line to each `text_line` (a line that starts like JSON and is not is
skipped). Today that makes a JSON object with `key`, `method` and `path` keyaudit's JSONL; with
`RequestMethod` and `RequestPath` Traefik's JSON; with `event` and `userEmail`/`userName`, or a `logs` list,
an Appwrite audit log; a common/combined line Traefik's `common` format when it ends like Traefik's, else
nginx `combined`. Failing every line, the first format whose `head` recognises the head as a whole: an audit
log's JSON document over several lines, or array, that speaks of `logs` or `event`; then lines that carry a
missing-scope error (error lines). Anything else is read as keyaudit JSONL, whose reader counts each line it
cannot read, so a file of an unknown format shows up as bad lines, never as silence.
"""

from __future__ import annotations

import json

from auditor.loaders.logs import formats
from auditor.loaders.logs.calllog import JSONL
from auditor.loaders.logs.format import Head

HEAD_LINES = 20


def _line_format(line: str) -> str | None:
    """The first registered format that recognises one line of a head, or None."""
    if line.startswith("{"):
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            return None
        return next((f.name for f in formats.FORMATS if f.json_line and f.json_line(value)), None)
    return next((f.name for f in formats.FORMATS if f.text_line and f.text_line(line)), None)


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
        found = _line_format(line)
        if found:
            return found
    whole = Head(text, lines)
    return next((f.name for f in formats.FORMATS if f.head and f.head(whole)), JSONL)
