"""`json.loads` for JSON from outside: a lone UTF-16 surrogate escape is refused as invalid JSON.

`json.loads('"a\\ud83d"')` returns a str holding half of a surrogate pair, which no encoder takes: writing it
as UTF-8 (reports, the terminal, YAML) or into SQLite raises, far from where it was read. Valid UTF-8 text can
only produce one through a `\\uD800`-`\\uDFFF` escape that is not half of a pair, so the escapes are checked
here, where every log line and document from outside is decoded, and nowhere else.
"""

from __future__ import annotations

import json
import re

_LONE = r"(?<!\\)(?:\\\\)*\\u(?:[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|[dD][c-fC-F][0-9a-fA-F]{2})"
_LONE_TEXT = re.compile(_LONE)
_LONE_BYTES = re.compile(_LONE.encode())
_PAIR = r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_PAIR_TEXT = re.compile(_PAIR)
_PAIR_BYTES = re.compile(_PAIR.encode())


class LoneSurrogate(ValueError):
    """A string escapes half of a UTF-16 surrogate pair; `pos` is where in the text (as JSONDecodeError.pos)."""

    def __init__(self, offset: int):
        super().__init__("a string holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)")
        self.pos = offset


def lone_surrogate_at(text: str | bytes) -> int | None:
    """The offset of the first lone surrogate escape in JSON text (a pair's low half is skipped), or None."""
    if isinstance(text, str):
        if "\\u" not in text:
            return None
        pattern, pairs = _LONE_TEXT, _PAIR_TEXT
    else:
        if b"\\u" not in text:
            return None
        pattern, pairs = _LONE_BYTES, _PAIR_BYTES
    for found in pattern.finditer(text):
        escape = found.end() - 6
        if escape < 6 or pairs.match(text, escape - 6) is None:  # not the low half of the pair before it
            return escape
    return None


def loads(text: str | bytes, **options):
    """`json.loads(text, **options)`; LoneSurrogate (a ValueError) for a lone surrogate escape."""
    value = json.loads(text, **options)
    offset = lone_surrogate_at(text)
    if offset is not None:
        raise LoneSurrogate(offset)
    return value


def raw_decode(decoder: json.JSONDecoder, text: str, start: int) -> tuple[object, int]:
    """`decoder.raw_decode(text, start)`, the value and where it ends; LoneSurrogate as `loads`."""
    value, end = decoder.raw_decode(text, start)
    offset = lone_surrogate_at(text[start:end])
    if offset is not None:
        raise LoneSurrogate(start + offset)
    return value, end
