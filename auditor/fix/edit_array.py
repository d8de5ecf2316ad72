"""Edit a list of scope strings inside JSON or HCL source text, keeping everything around it.

Given the source span of the list and of each element, the new list text is
rebuilt from the original pieces. One element per line (the usual layout):
each element keeps its own line with its indentation and trailing comment, and
the comment lines above it; a removed element takes those with it; an added
one copies its neighbour's indentation. Elements on one line keep their
separator style. Commas follow the original: between elements always, after
the last one only if the original had one there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from auditor.errors import InputError
from auditor.fix.plan import INTO_EMPTY, KEEP, Edit

COMMENT_STARTS = ("#", "//", "/*")


@dataclass(frozen=True)
class Piece:
    """One element's text: leading lines (comments), indentation, the literal, and what follows on its line."""

    lead: str
    indent: str
    literal: str
    tail: str  # after the literal up to and including the newline: maybe a comma, maybe a comment

    @property
    def has_comma(self) -> bool:
        return self.tail.lstrip().startswith(",")

    def with_comma(self, comma: bool) -> Piece:
        if comma == self.has_comma:
            return self
        stripped = self.tail.lstrip()
        space = self.tail[: len(self.tail) - len(stripped)]
        tail = "," + self.tail if comma else space + stripped[1:]
        return Piece(self.lead, self.indent, self.literal, tail)


def quote(value: str) -> str:
    """A string literal valid in both JSON and HCL (scope names need no escapes)."""
    return json.dumps(value)


def edit_list(text: str, start: int, end: int, elements: list[tuple[int, int]], edits: list[Edit], where: str) -> str:
    """The new text of the list at text[start:end] (brackets included) after `edits`."""
    if not edits:
        return text[start:end]
    if elements and _one_per_line(text, start, end, elements):
        return _edit_lines(text, start, end, elements, edits)
    return _edit_inline(text, start, end, elements, edits, where)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _one_per_line(text: str, start: int, end: int, elements) -> bool:
    if "\n" not in text[start : elements[0][0]]:
        return False
    for el_start, el_end in elements:
        if text[_line_start(text, el_start) : el_start].strip():
            return False
        newline = text.find("\n", el_end, end)
        if newline < 0:
            return False
        rest = text[el_end:newline].strip()
        rest = rest[1:].strip() if rest.startswith(",") else rest
        if rest and not rest.startswith(COMMENT_STARTS):
            return False
    return True


def _edit_lines(text, start, end, elements, edits) -> str:
    pieces = []
    cursor = text.index("\n", start) + 1  # the opening bracket's line stays as it is
    head = text[start:cursor]
    for el_start, el_end in elements:
        line = _line_start(text, el_start)
        newline = text.index("\n", el_end)
        pieces.append(Piece(text[cursor:line], text[line:el_start], text[el_start:el_end], text[el_end : newline + 1]))
        cursor = newline + 1
    foot = text[cursor:end]
    trailing_comma = pieces[-1].has_comma
    values = {edit.index: edit.values for edit in edits}
    out = []
    for index, piece in enumerate(pieces):
        for position, value in enumerate(values.get(index, (KEEP,))):
            if value is KEEP:
                out.append(piece)
            elif position == 0:  # in the element's place: its comments and line stay
                out.append(Piece(piece.lead, piece.indent, quote(value), piece.tail))
            else:
                out.append(Piece("", piece.indent, quote(value), "\n"))
    out = [piece.with_comma(i < len(out) - 1 or trailing_comma) for i, piece in enumerate(out)]
    return head + "".join(piece.lead + piece.indent + piece.literal + piece.tail for piece in out) + foot


def _edit_inline(text, start, end, elements, edits, where) -> str:
    gaps = [text[a_end:b_start] for (_, a_end), (b_start, _) in zip(elements, elements[1:])]
    if _has_comments(text, start, end, elements):
        raise InputError(
            f"{where}: the scope list has comments between elements on shared lines; "
            "keyaudit fix cannot keep them, edit it by hand"
        )
    separator = gaps[0] if gaps else ", "
    opening = text[start + 1 : elements[0][0]] if elements else ""
    closing = text[elements[-1][1] : end - 1] if elements else ""
    values = {edit.index: edit.values for edit in edits}
    literals = [quote(value) for value in values.get(INTO_EMPTY, ())]
    for index, (el_start, el_end) in enumerate(elements):
        literals += [text[el_start:el_end] if value is KEEP else quote(value) for value in values.get(index, (KEEP,))]
    if not literals:
        return text[start] + text[end - 1]
    return text[start] + opening + separator.join(literals) + closing + text[end - 1]


def _has_comments(text, start, end, elements) -> bool:
    """Whether a comment sits inside the brackets, outside the elements' strings."""
    outside = []
    cursor = start + 1
    for el_start, el_end in elements:
        outside.append(text[cursor:el_start])
        cursor = el_end
    outside.append(text[cursor : end - 1])
    return any(mark in part for part in outside for mark in COMMENT_STARTS)
