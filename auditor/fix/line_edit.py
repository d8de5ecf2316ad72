"""The edited lines that set a new scope list in a manifest or appwrite.json.

A list with one scope per line stays that way (same indentation and quoting);
any other layout is rewritten as a one-line list. Every edit is checked by
parsing the edited file: it must equal the original with only that list
changed, or no edit is offered.
"""

from __future__ import annotations

import json
import re

from auditor.loaders.document import Document
from auditor.secrets import redact

_YAML_KEY = re.compile(r"""^\s*(?:-\s+)?(["']?)scopes\1\s*:""")
_JSON_KEY = re.compile(r'^.*?"scopes"\s*:')
_YAML_ITEM = re.compile(r"^\s*-\s+")
_INLINE = re.compile(r"""(["']?)scopes\1\s*:\s*(?P<list>\[[^\]\n]*\])""")
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def scope_list_edit(doc: Document, pointer: str, scopes: list[str]) -> dict | None:
    """{file, startLine, endLine, before, after} setting the list at `pointer` to `scopes`; None if unsafe."""
    if doc.name == "<stdin>" or not isinstance(_value_at(doc.value, pointer), list):
        return None
    count = len(_value_at(doc.value, pointer))
    lines = doc.text.splitlines(keepends=True)
    key_line = doc.lines.get(pointer)
    item_lines = [doc.lines.get(f"{pointer}/{index}") for index in range(count)]
    if key_line is None or None in item_lines:
        return None
    end = item_lines[-1] if item_lines else key_line
    if doc.syntax == "json":
        end = _closing_line(lines, end)
        if end is None:
            return None
    one_per_line = bool(item_lines) and item_lines == list(range(key_line + 1, key_line + 1 + count))
    region = lines[key_line - 1 : end]
    if one_per_line and scopes:
        new = _one_per_line(doc.syntax, region, len(item_lines), scopes)
    else:
        new = _one_line(doc.syntax, region, scopes)
    if new is None or not _only_change(doc, lines, key_line, end, new, pointer, scopes):
        return None
    return {
        "file": doc.name,
        "startLine": key_line,
        "endLine": end,
        "before": [redact(line.rstrip("\r\n")) for line in region],
        "after": [redact(line.rstrip("\r\n")) for line in new],
    }


def _value_at(value, pointer: str):
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        elif isinstance(value, dict) and token in value:
            value = value[token]
        else:
            return None
    return value


def _closing_line(lines: list[str], last: int) -> int | None:
    """The line of the `]` that closes a JSON list whose last item (or key) is on line `last`."""
    if "]" in lines[last - 1]:
        return last
    for number in range(last + 1, len(lines) + 1):
        text = lines[number - 1].strip()
        if text:
            return number if text.startswith("]") else None
    return None


def _eol(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :] or "\n"


def _yaml_scalar(scope: str, quote: str) -> str:
    if quote == "'":
        return "'" + scope.replace("'", "''") + "'"
    if quote == '"' or not _PLAIN.match(scope):
        return json.dumps(scope)
    return scope


def _one_per_line(syntax: str, region: list[str], items: int, scopes: list[str]) -> list[str] | None:
    """Key line, one line per scope shaped like the first item's line, then (JSON) the closing line."""
    template = region[1]
    eol = _eol(template)
    if syntax == "json":
        indent = template[: len(template) - len(template.lstrip())]
        body = [indent + json.dumps(s) + ("," if i < len(scopes) - 1 else "") + eol for i, s in enumerate(scopes)]
        return [region[0], *body, *region[1 + items :]]
    match = _YAML_ITEM.match(template)
    if match is None:
        return None
    rest = template[match.end() :]
    quote = rest[0] if rest[:1] in ("'", '"') else ""
    return [region[0], *(match.group(0) + _yaml_scalar(s, quote) + eol for s in scopes)]


def _flow(syntax: str, scopes: list[str]) -> str:
    if syntax == "json":
        return json.dumps(scopes)
    return "[" + ", ".join(_yaml_scalar(s, "") for s in scopes) + "]"


def _one_line(syntax: str, region: list[str], scopes: list[str]) -> list[str] | None:
    """The list as a one-line flow list: in place when it already is one, else on its key's line."""
    if len(region) == 1:
        found = list(_INLINE.finditer(region[0]))
        if len(found) != 1:
            return None
        start, end = found[0].span("list")
        return [region[0][:start] + _flow(syntax, scopes) + region[0][end:]]
    first, last = region[0], region[-1]
    key = (_JSON_KEY if syntax == "json" else _YAML_KEY).match(first)
    if key is None:
        return None
    suffix = last.rstrip("\r\n")[last.rfind("]") + 1 :] if syntax == "json" else ""
    return [key.group(0) + " " + _flow(syntax, scopes) + suffix + _eol(last)]


def parse_text(syntax: str, text: str):
    """The value of JSON or YAML text; ValueError when it does not parse."""
    if syntax == "json":
        return json.loads(text)
    import yaml  # here: a run given only JSON never imports PyYAML

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def _only_change(
    doc: Document, lines: list[str], start: int, end: int, new: list[str], pointer: str, scopes: list[str]
) -> bool:
    """True when the edited text parses to the original with only the list at `pointer` set to `scopes`."""
    edited = "".join(lines[: start - 1] + new + lines[end:])
    try:
        expected, actual = parse_text(doc.syntax, doc.text), parse_text(doc.syntax, edited)
    except ValueError:
        return False
    *parents, last = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    holder = expected
    for token in parents:
        holder = holder[int(token)] if isinstance(holder, list) else holder[token]
    holder[last] = scopes
    return actual == expected
