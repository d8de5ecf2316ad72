"""Read the common shape of keyaudit JSONL with one regex over a block of lines.

A log writer prints every record with the same members, in the same order, with
the same separators. That layout is learned from the head of a file and compiled,
with the catalog's route literals, into one regex that `findall` runs over a whole
block: one tuple per line, no Python code per line. For a line it takes it
captures `time`, `key`, `method`, `status`, `project`, `error` and the *shape* of
the path rather than the path: per segment position, whether a segment is there
and, when it is one of the literals templates have at that position, which one. The
router resolves a path from its shape (catalog/matcher.py), so ids never reach
Python and lines of one key, route and status collapse into one group.

The regex takes a line only where the exact reader (calllog.py: `json.loads`,
then `record_to_call`) reads the same values; any other line is captured whole
(`other`) and read by that reader. So it takes:

- printable ASCII strings without escapes (`\\/`, `\\u00e9` and any byte over
  0x7f go to the exact reader), a bounded number of characters each, so that no
  line it takes exceeds MAX_LINE_BYTES;
- the learned members in the learned order, each at most once (a duplicate
  member, an unknown one or another order goes to the exact reader), extra
  members with a scalar value only (a nested object goes to the exact reader);
- `key` and `project` shorter than any secret (logs.py passes those untouched);
- `status` 100-599 or null; `method` 1-16 letters;
- `path` starting with one `/` and `v1` (after `//` PHP's parse_url finds a
  host; without `v1` no route fits), without `:` before its query (PHP may
  read a port there), with at most as many segments as the deepest template;
- `time` in the one format the head uses (`YYYY-MM-DDTHH:MM:SS[.f…]Z` or a fixed
  offset), with a valid calendar date (29 February goes to the exact reader) in the years 1901 to 8998,
  or null. Within one format the text orders as the instant does, so a block's
  first and last call are found by comparing text; only those are parsed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter

from auditor.catalog.catalog import Catalog
from auditor.catalog.matcher import template_segments
from auditor.loaders.logs import native
from auditor.loaders.logs.calllog import BadRecord, record_to_call
from auditor.loaders.source import MAX_LINE_BYTES
from auditor.secrets import MIN_SECRET_CHARS
from auditor.times import parse_time

# What a group of lines shares, with the path's shape after them: the key's two fields, then what its route
# and status depend on (analysis/blockusage.py reads them in this order).
GROUP_FIELDS = ("key", "project", "method", "status", "error")
MAX_STRING = 8192  # characters of a string the regex takes
MAX_QUERY = 16384  # characters of a path's query string the regex takes
MAX_MEMBERS = 32
HEAD_LINES = 50  # lines of a file's head a layout is learned from
MAX_RUN = 64  # spaces around a record, or slashes in a row, the regex takes

_CHAR = rb"[\x20\x21\x23-\x5b\x5d-\x7e]"  # printable ASCII but `"` and `\`
# and neither `/`, `?`, `#` nor `:` (PHP's parse_url may read `a:80` as a port: the exact reader decides)
_SEGMENT_CHAR = rb"[\x20\x21\x24-\x2e\x30-\x39\x3b-\x3e\x40-\x5b\x5d-\x7e]"
_NUMBER = rb"-?(?:0|[1-9][0-9]{0,99})(?:\.[0-9]{1,100})?(?:[eE][+-]?[0-9]{1,100})?"
# Years 1901 to 8998: any offset keeps such a time within auditor/times.py's range (1900 to 8999); the
# exact reader judges the others.
_DATE = (
    rb"(?:190[1-9]|19[1-9][0-9]|[2-7][0-9]{3}|8[0-8][0-9]{2}|89[0-8][0-9]|899[0-8])-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    rb"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
)
_CLOCK = rb"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_TIME_FORMAT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ])[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.([0-9]{1,9}))?"
    r"(Z|z|[+-][0-9]{2}:[0-9]{2})"
)
_DEFAULT_TIME = ("T", 3, "Z")  # what JavaScript's toISOString writes
_STYLES = ((b",", b":", b""), (b", ", b": ", b""), (b", ", b": ", b" "), (b",", b": ", b""))  # item, name, brace
_NAME = re.compile(r"[A-Za-z0-9_$@.-]{1,64}")
_REQUIRED = ("key", "method", "path")
_DEFAULT_LAYOUT = ("time", "project", "key", "method", "path", "status", "error")  # the README's order
_ANY_PATH = b"/" + _CHAR + b"{0,%d}+" % MAX_STRING  # learning a layout looks at its members, not at its paths


@dataclass(frozen=True)
class Layout:
    """How a file's lines are written: member names in order, separators, the time format."""

    members: tuple[str, ...] = _DEFAULT_LAYOUT
    item_sep: bytes = b","
    name_sep: bytes = b":"
    brace_pad: bytes = b""
    time_format: tuple[str, int, str] | None = _DEFAULT_TIME  # date/clock separator, fraction digits, zone


def learn_layout(head: bytes) -> Layout:
    """The layout of the first line of `head` that is a flat record in a form the regex can take.

    Its time format is that of the first such line with a time in one (the default when none has).
    """
    learned = [layout for layout in map(_layout_of, head.split(b"\n")[:-1][:HEAD_LINES]) if layout is not None]
    if not learned:
        return Layout()
    timed = next((layout.time_format for layout in learned if layout.time_format is not None), _DEFAULT_TIME)
    first = learned[0]
    return Layout(first.members, first.item_sep, first.name_sep, first.brace_pad, timed)


def _layout_of(line: bytes) -> Layout | None:
    """The layout of one line (time_format None: it has no time), or None if the regex could not take it."""
    line = line.rstrip(b"\r")
    if not line.isascii() or b"\\" in line:
        return None
    try:
        pairs = json.loads(line, object_pairs_hook=list)
        record_to_call(dict(pairs))
    except (ValueError, RecursionError, BadRecord, TypeError):
        return None
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or len(names) > MAX_MEMBERS or not all(map(_NAME.fullmatch, names)):
        return None
    if any(isinstance(value, (dict, list)) for _, value in pairs):
        return None
    time, time_format = dict(pairs).get("time"), None
    if isinstance(time, str):
        found = _TIME_FORMAT.fullmatch(time)
        if found is None:
            return None
        separator, fraction, zone = found.groups()
        time_format = (separator, len(fraction or ""), zone)
    for item_sep, name_sep, brace_pad in _STYLES:
        layout = Layout(tuple(names), item_sep, name_sep, brace_pad, time_format or _DEFAULT_TIME)
        taken = re.fullmatch(_line_pattern(layout, _ANY_PATH), line + b"\n")
        if taken and taken["other"] is None:
            return Layout(layout.members, item_sep, name_sep, brace_pad, time_format)
    return None


def route_literals(catalog: Catalog) -> list[frozenset[str]]:
    """Per segment position (0 is `v1`): the literal segments any route template has there."""
    literals: list[set[str]] = []
    for route in catalog.routes:
        for position, segment in enumerate(template_segments(route.template)):
            while len(literals) <= position:
                literals.append(set())
            if segment is not None:
                literals[position].add(segment)
    return [frozenset(words) for words in literals]


def _optional(pattern: bytes) -> bytes:
    """`pattern` or nothing; sre runs an empty alternative faster than a `?` on a group."""
    return b"(?:" + pattern + b"|)"


@dataclass(frozen=True)
class Grammar:
    """The regex of one layout and one catalog, and how to read its tuples; the compiled scanner of the same
    lines where there is one. The regex is built and compiled when first used (where the scanner reads, it need
    not be: about 5 ms of every audit)."""

    layout: Layout
    literals: tuple[frozenset[str], ...]  # route_literals of the catalog
    scanner: object | None = None  # the compiled scanner of the same lines (native.py), when there is one

    @property
    def depth(self) -> int:
        """Segments after `v1` of the deepest template."""
        return len(self.literals) - 1

    @cached_property
    def pattern(self) -> bytes:
        return _line_pattern(self.layout, _path(self.literals))

    @cached_property
    def line(self) -> re.Pattern:
        return re.compile(self.pattern)

    @classmethod
    def for_catalog(cls, layout: Layout, catalog: Catalog) -> Grammar:
        literals = tuple(route_literals(catalog))
        if _longest_line(len(literals) - 1) > MAX_LINE_BYTES:  # a line that long is bad: the exact reader says so
            raise ValueError(f"routes {len(literals) - 1} segments deep: the fast reader could take over-long lines")
        made = native.scanner_type()
        return cls(layout, literals, made and made(*_scanner_settings(layout, literals)))

    def rows(self, block: bytes) -> list[tuple]:
        """One tuple per line of `block` (whole lines, each ending in a newline), by the regex.

        The compiled scanner (`scanner.groups(block, start)`, see _scan.c) takes a subset of these lines with
        the same captures and hands back their groups (analysis/blockusage.py) rather than one tuple a line.
        """
        return self.line.findall(block)

    def field(self, name: str) -> int:
        return self.line.groupindex[name] - 1

    def shape_fields(self) -> list[int]:
        """Per segment position, its group (see _path)."""
        return [self.field(f"s{position}") for position in range(1, self.depth + 1)]

    def group_key(self):
        """The getter of what a line's group is made of: GROUP_FIELDS, then the path's shape."""
        return itemgetter(*(self.field(name) for name in GROUP_FIELDS), *self.shape_fields())


_KINDS = ("time", "key", "method", "path", "status", "project", "error")  # _scan.c's member kinds; others last


def _scanner_settings(layout: Layout, literals: tuple[frozenset[str], ...]) -> tuple:
    """The arguments of _scan.Scanner for `layout`: what the regex is built from."""
    words = [tuple(sorted(word.encode() for word in position)) for position in literals[1:]]
    separator, fraction, zone = layout.time_format
    return (
        tuple(name.encode() for name in layout.members),
        tuple(_KINDS.index(name) if name in _KINDS else len(_KINDS) for name in layout.members),
        layout.item_sep,
        layout.name_sep,
        layout.brace_pad,
        separator.encode(),
        fraction,
        zone.encode(),
        int(parse_time("1970-01-01T00:00:00" + zone)),
        MIN_SECRET_CHARS - 1,
        tuple(words),
        tuple(tuple(b"/" + word for word in position) for position in words),
    )


def _longest_line(depth: int) -> int:
    """An upper bound of the length of a line the regex takes (every quantifier in it is bounded)."""
    member = 2 + 64 + 2 + MAX_STRING + 2  # name, separator, the longest value (a number has at most 304 characters)
    path = 3 + depth * (1 + MAX_RUN + MAX_STRING) + MAX_RUN + 1 + MAX_QUERY
    return 2 * MAX_RUN + 4 + MAX_MEMBERS * (member + 2) + path


def _line_pattern(layout: Layout, path: bytes) -> bytes:
    name_sep, item_sep = re.escape(layout.name_sep), re.escape(layout.item_sep)
    members = [
        (name, b'"' + re.escape(name.encode()) + b'"' + name_sep + _value(name, layout, path))
        for name in layout.members
    ]
    anchor = next(i for i, (name, _) in enumerate(members) if name in _REQUIRED)
    body = b"".join(_optional(pattern + item_sep) for _, pattern in members[:anchor])
    body += members[anchor][1]
    for name, pattern in members[anchor + 1 :]:
        body += item_sep + pattern if name in _REQUIRED else _optional(item_sep + pattern)
    pad = re.escape(layout.brace_pad)
    absent = b"".join(
        b"(?P<%s>)" % name.encode() for name in ("time", "status", "project", "error") if name not in layout.members
    )
    return (
        rb"[ \t]{0,%d}\{" % MAX_RUN
        + pad
        + body
        + pad
        + rb"\}[ \t\r]{0,%d}\n" % MAX_RUN
        + absent
        + rb"|(?P<other>[^\n]*)\n"
    )


def _string(limit: int, minimum: int = 0) -> bytes:
    return b'"' + _CHAR + b"{%d,%d}+" % (minimum, limit) + b'"'


def _value(name: str, layout: Layout, path: bytes) -> bytes:
    short = MIN_SECRET_CHARS - 1  # loaders/logs/__init__.py passes a key or project that short untouched
    if name == "time":
        return b'(?:"(?P<time>' + _time(layout.time_format) + b')"|null)'
    if name == "key":
        return b'"(?P<key>' + _CHAR + b"{1,%d}+)" % short + b'"'
    if name == "method":
        return b'"(?P<method>[A-Za-z]{1,16})"'
    if name == "path":
        return b'"' + path + b'"'
    if name == "status":
        return b"(?P<status>[1-5][0-9][0-9]|null)"
    if name == "project":
        return b"(?P<project>" + _string(short) + b"|null)"
    if name == "error":
        return b"(?P<error>" + _string(MAX_STRING) + b"|null)"
    return b"(?:" + _string(MAX_STRING) + b"|" + _NUMBER + b"|true|false|null)"


def _time(time_format: tuple[str, int, str]) -> bytes:
    separator, fraction, zone = time_format
    return (
        _DATE
        + re.escape(separator.encode())
        + _CLOCK
        + (rb"\.[0-9]{%d}" % fraction if fraction else b"")
        + re.escape(zone.encode())
    )


def _path(literals: tuple[frozenset[str], ...]) -> bytes:
    """A path as the router splits it (matcher.split_path): `/v1` first, empty segments dropped.

    Segment position p (1 after `v1`) captures `s<p>`: `/` and the segment when it is a literal
    some template has at p, a bare `/` for any other segment (a one-byte capture: ids cost no
    object), nothing when the path is shorter.
    """
    end = rb'(?=[/?#"])'
    nested = b""
    for position in range(len(literals) - 1, 0, -1):
        nested = _optional(
            b"/{0,%d}(?P<s%d>/" % (MAX_RUN, position)
            + _trie(literals[position])
            + end
            + b"|/(?="
            + _SEGMENT_CHAR
            + b"))"
            + _SEGMENT_CHAR
            + b"{0,%d}+" % MAX_STRING
            + nested
        )
    return (
        rb"(?=/(?!/))"
        + b"/v1"
        + end
        + nested
        + b"/{0,%d}+" % MAX_RUN
        + _optional(b"[?#]" + _CHAR + b"{0,%d}+" % MAX_QUERY)
    )


def _trie(words: frozenset[str]) -> bytes:
    """An alternation of `words` that branches on one character at a time, so a miss fails fast."""
    if not words:
        return b"(?!)"
    tree: dict = {}
    for word in words:
        node = tree
        for char in word.encode():
            node = node.setdefault(char, {})
        node[None] = {}
    return _emit(tree)


def _emit(node: dict) -> bytes:
    branches = [re.escape(bytes([char])) + _emit(node[char]) for char in sorted(c for c in node if c is not None)]
    if not branches:
        return b""
    body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
    return _optional(body) if None in node else body
