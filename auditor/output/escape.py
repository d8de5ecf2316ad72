"""One escaping function per output medium, for text that came from outside (key files, logs, servers, paths).

Key names, ids, scopes, file names, log lines and server answers are attacker-controlled. Where keyaudit shows
them, they must stay text:
- a terminal or a CI log (`terminal`): no escape sequence (ESC, C1 controls such as U+009B CSI and U+009D OSC)
  may clear the screen, set the window title or hide a line; no CR/LF may start a line of its own (a forged
  `file:line: severity` line that CI annotators would take); no bidi override may reorder what is read;
- Markdown (`markdown`, `markdown_code`, `markdown_block`): no HTML, image, link, autolink, @mention or
  comment may go live, no table cell or block may be closed;
- HTML (`html`) and XML (`xml`: ElementTree escapes markup itself) get the characters they may hold;
- SARIF message text (`sarif_text`): `[text](target)` is a link there, so brackets are escaped.
JSON output is exact data: json escapes for itself.

Every medium first replaces what no reader should get (`clean`): C0 and C1 controls, DEL, bidi overrides and
isolates, other invisible format characters, line and paragraph separators, lone surrogates and
noncharacters, each by U+FFFD, so that the reader sees something was there.
"""

from __future__ import annotations

import functools
import html as _html
import re
import unicodedata

REPLACEMENT = "\ufffd"
_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_JOINERS = "\u200c\u200d"  # ZWNJ and ZWJ: Persian, Indic scripts and emoji sequences need them; they move nothing


def _unsafe(char: str) -> bool:
    """A control, format (bidi, invisible), surrogate, line or paragraph separator character, or a noncharacter."""
    return (
        (unicodedata.category(char) in _UNSAFE_CATEGORIES and char not in _JOINERS)
        or (ord(char) & 0xFFFE) == 0xFFFE
        or 0xFDD0 <= ord(char) <= 0xFDEF
    )


def clean(value, keep: str = "\t\n\r") -> str:
    """`value` as text with every unsafe character but those in `keep` replaced by U+FFFD."""
    text = str(value)
    if text.isascii():
        return _ascii_unsafe(keep).sub(REPLACEMENT, text)
    return "".join(REPLACEMENT if char not in keep and _unsafe(char) else char for char in text)


@functools.cache
def _ascii_unsafe(keep: str) -> re.Pattern:
    return re.compile("[" + "".join(re.escape(chr(code)) for code in (*range(32), 127) if chr(code) not in keep) + "]")


def terminal(value, tabs: bool = False) -> str:
    """Text for a terminal or a CI log: one line (line breaks become spaces), nothing the terminal acts on.

    `tabs=True` keeps tabs (a file's own line in a diff), which are otherwise spaces.
    """
    text = _BREAKS.sub(" ", str(value))
    return clean(text, keep="\t") if tabs else clean(text.replace("\t", " "), keep="")


def _one_line(value) -> str:
    """One line (for Markdown, where a line break would end a cell, a heading or an item); tabs are spaces there."""
    return clean(_BREAKS.sub(" ", str(value)), keep="\t")


_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]|~#@$])")  # what starts a link, image, code, emphasis, cell, math
_AUTOLINK_OR_MENTION = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=\\@)", re.IGNORECASE)
_ZERO_WIDTH_SPACE = "&#8203;"


def markdown(value) -> str:
    """Inline Markdown text (a table cell, a heading, a list item), one line.

    Markdown syntax characters are backslash-escaped and `< > &` written as entities, so no link, image, HTML,
    comment, code span, emphasis, math or table cell starts; a zero-width space goes after `@`, inside `://`
    and `www.`, so that no @mention, e-mail or bare-URL autolink forms (GitHub finds those in the rendered text).
    """
    escaped = _html.escape(_MARKDOWN_SYNTAX.sub(r"\\\1", _one_line(value)), quote=False)
    return _AUTOLINK_OR_MENTION.sub(_ZERO_WIDTH_SPACE, escaped)


def markdown_code(value, in_table: bool = False) -> str:
    """An inline code span that no backtick (or, in a table, pipe) in `value` can end; nothing in it is live."""
    text = _one_line(value)
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_block(lines: list[str], language: str = "") -> list[str]:
    """A fenced code block longer than any backtick run of its lines, so no line closes it."""
    lines = [_one_line(line) for line in lines]
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *lines, fence]


def html(value) -> str:
    """Text in an HTML element or a quoted attribute."""
    return _html.escape(clean("" if value is None else value), quote=True)


def xml(value: str) -> str:
    """Text for ElementTree, which escapes markup itself: only characters XML 1.0 may hold, and no controls."""
    return clean(value)


def sarif_text(value) -> str:
    """A SARIF `message.text`: `[text](target)` is an embedded link there (SARIF 2.1.0 §3.11.6), so a literal
    bracket, and the backslash that escapes it, are escaped."""
    return re.sub(r"([\\\[\]])", r"\\\1", clean(value, keep="\t\n"))
