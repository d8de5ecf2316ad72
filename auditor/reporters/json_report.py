"""`--format json`: the report as documented by schemas/report.schema.json."""

import json
from itertools import islice

from auditor.secrets import holds_secret, redact_values

_BATCH = 1 << 16  # encoder chunks joined at a time


def render(report: dict) -> str:
    """The report, indented, without any secret.

    JSON escapes none of a secret's characters, so a report whose text holds no secret, as written or encoded
    (holds_secret), holds none in any value: only then is the redacted copy of the report (as big again as the
    report) skipped.
    """
    text = _indented(report)
    return _indented(redact_values(report)) if holds_secret(text) else text


def _indented(value) -> str:
    """json.dumps(value, indent=2) + a newline. The indenting encoder is pure Python and yields a chunk per
    token: joined in batches, a report of 100 000 keys costs about twice its text in memory, not six times."""
    chunks = json.JSONEncoder(indent=2).iterencode(value)
    pieces = []
    while batch := "".join(islice(chunks, _BATCH)):
        pieces.append(batch)
    pieces.append("\n")
    return "".join(pieces)
