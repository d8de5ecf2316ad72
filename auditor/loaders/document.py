"""Parse a JSON or YAML document into plain values plus a line for each JSON pointer.

Text that starts like JSON (`{` or `[`) is read as strict JSON unless the file is named .yaml/.yml, where
YAML's flow style may look the same. Text that is neither, in a file not named as JSON or YAML (a shell script,
a README, an env file), is NotKeyFile: it is not a key definition, not a broken one.

Hostile input is refused with one line: invalid UTF-8, syntax errors (position
only, never the offending text, which may hold a secret), nesting beyond
MAX_DEPTH, YAML alias bombs (expanded size capped), YAML tags that would
construct objects, and numbers that overflow to infinity.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass, field

from auditor.errors import InputError, NotKeyFile
from auditor.loaders import jsontext
from auditor.loaders.source import display_name, read_document

MAX_DEPTH = 64
YAML_SUFFIXES = (".yaml", ".yml", ".yaml.gz", ".yml.gz")  # named YAML: `{a: 1}` is a flow mapping, not broken JSON
DOCUMENT_SUFFIXES = YAML_SUFFIXES + (".json", ".json.gz")  # named JSON or YAML: what does not parse is broken
MAX_NODES = 200_000
SURROGATE = re.compile("[\ud800-\udfff]")  # YAML's `\u` escapes make them as JSON's do (loaders/jsontext.py)


@dataclass
class Document:
    name: str  # as the user wrote it; `<stdin>` for -
    value: object
    syntax: str  # "json" or "yaml"
    lines: dict[str, int] = field(default_factory=dict)  # JSON pointer -> 1-based line
    text: str = ""

    def line(self, pointer: str) -> int | None:
        """The line of `pointer`, or of its nearest ancestor that has one."""
        while True:
            if pointer in self.lines:
                return self.lines[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]


def escape_pointer_token(token) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def load_document(path: str) -> Document:
    name = display_name(path)
    data = read_document(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text (invalid byte at offset {error.start})") from None
    if not text.strip():
        raise InputError(f"{name}: empty file")
    if text.lstrip()[:1] in "{[" and not path.lower().endswith(YAML_SUFFIXES):
        return _load_json(name, text)  # strict, as the Appwrite CLI reads it: a trailing comma is refused
    from auditor.loaders.yaml_document import load_yaml  # here: a run given only JSON never imports PyYAML

    try:
        return load_yaml(name, text)
    except InputError:
        if path == "-" or path.lower().endswith(DOCUMENT_SUFFIXES):
            raise
        raise NotKeyFile(f"{name}: not JSON or YAML text (a script, notes, an env file?): no key definitions") from None


def _reject_constant(token: str):
    raise ValueError(f"{token} is not a JSON number")


def _parse_float(token: str) -> float:
    value = float(token)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _load_json(name: str, text: str) -> Document:
    try:
        value = jsontext.loads(text, parse_constant=_reject_constant, parse_float=_parse_float)
    except json.JSONDecodeError as error:
        raise InputError(f"{name}:{error.lineno}: invalid JSON: {error.msg} (column {error.colno})") from None
    except jsontext.LoneSurrogate as error:
        raise InputError(f"{name}:{text.count(chr(10), 0, error.pos) + 1}: invalid JSON: {error}") from None
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply") from None
    except ValueError as error:
        raise InputError(f"{name}: invalid JSON: {error}") from None
    lines = _JsonLines(text).scan()
    if lines is None:
        raise InputError(f"{name}: JSON nested deeper than {MAX_DEPTH} levels")
    return Document(name, value, "json", lines, text)


class _JsonLines:
    """Record the line each value starts on (members: the line of their key)."""

    def __init__(self, text: str):
        self.text = text
        self.newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self.lines: dict[str, int] = {}

    def line_at(self, index: int) -> int:
        return bisect.bisect_left(self.newlines, index) + 1

    def skip_ws(self, i: int) -> int:
        text = self.text
        while i < len(text) and text[i] in " \t\r\n\ufeff":
            i += 1
        return i

    def scan(self) -> dict[str, int] | None:
        try:
            self.value(self.skip_ws(0), "", 0)
        except _TooDeep:
            return None
        return self.lines

    def value(self, i: int, pointer: str, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise _TooDeep
        text = self.text
        self.lines.setdefault(pointer, self.line_at(i))
        ch = text[i]
        if ch == "{":
            i = self.skip_ws(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                key_line = self.line_at(i)
                key, i = json.decoder.scanstring(text, i + 1)
                child = f"{pointer}/{escape_pointer_token(key)}"
                self.lines[child] = key_line
                i = self.skip_ws(self.skip_ws(i) + 1)  # past ':'
                i = self.skip_ws(self.value(i, child, depth + 1))
                if text[i] == "}":
                    return i + 1
                i = self.skip_ws(i + 1)  # past ','
        if ch == "[":
            i = self.skip_ws(i + 1)
            if text[i] == "]":
                return i + 1
            index = 0
            while True:
                i = self.skip_ws(self.value(i, f"{pointer}/{index}", depth + 1))
                index += 1
                if text[i] == "]":
                    return i + 1
                i = self.skip_ws(i + 1)
        if ch == '"':
            return json.decoder.scanstring(text, i + 1)[1]
        while i < len(text) and text[i] not in ",]} \t\r\n":
            i += 1
        return i


class _TooDeep(Exception):
    pass
