"""Secrets written in an encoded form: found in the decoded text, located in the raw text.

A file or log line may hold a secret its reader decodes but a search of the raw text misses:

- JSON and YAML escapes: `\\u0073tandard_…` (`\\x73`, `\\U00000073`), or `\\nstandard_…` (the escape's
  letter glued to the secret hides it from a search that wants a boundary before it);
- a YAML double-quoted string split with `\\` and a newline (the break and the next line's indent vanish);
- HCL interpolation of literals: `standard_ab${""}cd…`, `${"standard_"}ab…`, and directives between its
  halves (`%{ if true }`);
- percent-encoding: `standard%5F…` in a logged path, `%3Dstandard_…` after an encoded `=`;
- base64 (a Kubernetes Secret's `data`, a basic-auth header, PEM-style lines): `base64_runs` gives each run long enough to
  hold a secret, decoded, for the caller to search.

`decode` turns a text into its decoded view with a map back to the raw offsets, so a secret found in the view is
replaced in the raw text where it was written. Escapes are decoded once (`%255F` stays `%5F`): a reader
decodes once too.
"""

from __future__ import annotations

import binascii
import bisect
import itertools
import re
from dataclasses import dataclass
from functools import cache

MARKERS = ("\\", "%", "${")  # a text without any of these has no encoded form
_TOKEN = re.compile(
    r"\\u(?P<u>[0-9a-fA-F]{4})|\\U(?P<U>[0-9a-fA-F]{8})"
    r"|\\x(?P<x>[0-9a-fA-F]{2})"
    r"|\\(?P<char>[\\/\"'nrtbf0 ])"
    r"|\\\r?\n[ \t]*"  # a YAML double-quoted line continuation
    r"|%(?P<pct>[0-9a-fA-F]{2})"
    r'|\$\{[ \t]*"(?P<hcl>[^"\\$%]*)"[ \t]*\}'  # an HCL interpolation of a plain string literal
    r"|%\{[^{}\n]{0,256}\}"  # an HCL template directive (`%{ if true }`): it writes nothing of its own
)
_CHARS = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "0": "\0"}


@dataclass(frozen=True)
class DecodedView:
    """A decoded text in pieces: literal runs (one raw character per character) and decoded escapes."""

    text: str
    _starts: list[int]  # where each piece starts in `text`
    _raw: list[tuple[int, int, bool]]  # its raw span, and whether it is literal

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span that decodes to text[start:end] (whole escapes at its ends)."""
        return self._raw_offset(start, start_of_span=True), self._raw_offset(end - 1, start_of_span=False)

    def _raw_offset(self, offset: int, start_of_span: bool) -> int:
        piece = bisect.bisect_right(self._starts, offset) - 1
        raw_start, raw_end, literal = self._raw[piece]
        if literal:
            return raw_start + offset - self._starts[piece] + (0 if start_of_span else 1)
        return raw_start if start_of_span else raw_end


def _decoded(match: re.Match) -> str:
    if match["u"] is not None:
        return chr(int(match["u"], 16))
    if match["U"] is not None:
        return chr(min(int(match["U"], 16), 0x10FFFF))
    if match["x"] is not None:
        return chr(int(match["x"], 16))
    if match["char"] is not None:
        return _CHARS.get(match["char"], match["char"])
    if match["pct"] is not None:
        return chr(int(match["pct"], 16))
    if match["hcl"] is not None:
        return match["hcl"]
    return ""  # a line continuation, an HCL directive


def decode(text: str) -> DecodedView | None:
    """The decoded view of `text`; None when it holds nothing encoded."""
    if not any(marker in text for marker in MARKERS):
        return None
    pieces: list[str] = []
    starts: list[int] = []
    raw: list[tuple[int, int, bool]] = []
    length = position = 0

    def add(piece: str, raw_start: int, raw_end: int, literal: bool) -> None:
        nonlocal length
        if piece:
            pieces.append(piece)
            starts.append(length)
            raw.append((raw_start, raw_end, literal))
            length += len(piece)

    for match in _TOKEN.finditer(text):
        add(text[position : match.start()], position, match.start(), True)
        add(_decoded(match), match.start(), match.end(), False)
        position = match.end()
    if position == 0:
        return None
    add(text[position:], position, len(text), True)
    return DecodedView("".join(pieces), starts, raw)


WRAPPED_LINE = 16  # base64 wrapped in lines (PEM's 64 characters, MIME's 76): each line but the last this long
_ALPHABET = re.compile(r"[A-Za-z0-9+/]+")


@cache
def _base64_run() -> re.Pattern:
    """A run of the standard alphabet with its padding, from where the alphabet starts (tried inside a word, it
    would read to the word's end again at every character), maybe wrapped in lines of WRAPPED_LINE characters or
    more but the last; the caller checks its length once line breaks are taken out."""
    alphabet = "[A-Za-z0-9+/]"
    line = rf"\r?\n[ \t]*{alphabet}"
    return re.compile(
        rf"(?<!{alphabet}){alphabet}{{{WRAPPED_LINE},}}(?:{line}{{{WRAPPED_LINE},}})*(?:{line}+)?={{0,2}}"
    )


@dataclass(frozen=True)
class Base64Run:
    """A run's decoded bytes, with where each of its lines was written to map them back to the raw text."""

    decoded: bytes
    first: int  # the run's character (line breaks left out) where its first decoded group starts
    line_chars: tuple[int, ...]  # each line's first character, line breaks left out
    line_offsets: tuple[int, ...]  # where each line starts in the raw text
    end: int  # where the run ends in the raw text

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw (start, end) of the characters that spell decoded bytes start to end."""
        return self._raw(self.first + start // 3 * 4), self._raw(self.first + -(-end // 3) * 4)

    def _raw(self, char: int) -> int:
        line = bisect.bisect_right(self.line_chars, char) - 1
        return min(self.end, self.line_offsets[line] + char - self.line_chars[line])


@cache
def _signatures(starts: tuple[bytes, ...]) -> tuple[tuple[str, int], ...]:
    """(characters, their place in a 4-character group) that base64 of each of `starts` holds whatever its
    byte offset in a 3-byte group: the characters that spell only its bits."""
    signatures = []
    for start in starts:
        for offset in range(3):
            written = binascii.b2a_base64(bytes(offset) + start, newline=False).decode()
            first, last = -(-offset * 8 // 6), (offset + len(start)) * 8 // 6
            signatures.append((written[first:last], first % 4))
    return tuple(signatures)


@cache
def _signature_pattern(starts: tuple[bytes, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(signature) for signature, _ in _signatures(starts)))


def _group_starts(run: str, starts: tuple[bytes, ...]) -> list[int]:
    """Where, among a run's first four characters, the groups start that spell one of `starts` in it."""
    if not _signature_pattern(starts).search(run):  # most runs: one regex search, not one find per signature
        return []
    skips = set()
    for signature, place in _signatures(starts):
        found = run.find(signature)
        while found >= 0 and len(skips) < 4:
            skips.add((found - place) % 4)
            found = run.find(signature, found + 1)
    return sorted(skips)


def base64_runs(text: str, shortest: int, starts: tuple[bytes, ...]):
    """Each Base64Run in `text` long enough to hold `shortest` bytes (the shortest secret) that spells one of
    `starts` (what every secret starts with), decoded from the character where its groups start.

    Where a run starts is no sure group boundary: base64 glued after other characters of its alphabet
    (`/v1/keys/<base64>`, `ab<base64>`), split by JSON's `\\/`, or cut where a long line is read in blocks. A run
    that spells none of `starts` is not decoded."""
    for match in _base64_run().finditer(text):
        written = match.group(0)
        lines = _ALPHABET.findall(written) if "\n" in written else [written.rstrip("=")]
        whole = "".join(lines)
        skips = _group_starts(whole, starts) if len(whole) >= -(-shortest * 4 // 3) else []
        if not skips:  # most runs: nothing more to do
            continue
        line_chars = tuple(itertools.accumulate((len(line) for line in lines[:-1]), initial=0))
        line_offsets = tuple(match.start() + line.start() for line in _ALPHABET.finditer(written))
        for skip in skips:
            run = whole[skip:]
            run = run[: len(run) - len(run) % 4] if len(run) % 4 == 1 else run + "=" * (-len(run) % 4)
            try:
                decoded = binascii.a2b_base64(run)
            except binascii.Error:
                continue
            yield Base64Run(decoded, skip, line_chars, line_offsets, match.end())
