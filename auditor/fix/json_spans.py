"""Where each value of a JSON text starts and ends, by JSON pointer: what edit_array needs for JSON files."""

from __future__ import annotations

import json

from auditor.loaders.document import escape_pointer_token

_WHITESPACE = " \t\r\n\ufeff"


def json_spans(text: str) -> dict[str, tuple[int, int]]:
    """JSON pointer -> (start, end) offsets of its value; the text must be valid JSON (already parsed once)."""
    spans: dict[str, tuple[int, int]] = {}
    _value(text, _skip(text, 0), "", spans)
    return spans


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


def _value(text: str, i: int, pointer: str, spans: dict) -> int:
    start = i
    ch = text[i]
    if ch == "{":
        i = _skip(text, i + 1)
        while text[i] != "}":
            key, i = json.decoder.scanstring(text, i + 1)
            i = _skip(text, _skip(text, i) + 1)  # past ':'
            i = _skip(text, _value(text, i, f"{pointer}/{escape_pointer_token(key)}", spans))
            if text[i] == ",":
                i = _skip(text, i + 1)
        end = i + 1
    elif ch == "[":
        i = _skip(text, i + 1)
        index = 0
        while text[i] != "]":
            i = _skip(text, _value(text, i, f"{pointer}/{index}", spans))
            index += 1
            if text[i] == ",":
                i = _skip(text, i + 1)
        end = i + 1
    elif ch == '"':
        end = json.decoder.scanstring(text, i + 1)[1]
    else:
        end = i
        while end < len(text) and text[end] not in ",]} \t\r\n":
            end += 1
    spans[pointer] = (start, end)
    return end
