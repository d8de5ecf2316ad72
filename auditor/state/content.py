"""Recognise a file's content among what the state has ingested: same, grown, rotated, gzipped.

Each ingest leaves a checkpoint: the length (decompressed bytes and lines) of what was read and the sha256 of
those bytes. One pass over a file (decompressed, so `app.log.1.gz` is the same content as `app.log.1`) hashes
it and compares every checkpoint at its length; the longest one that matches says how much of the file is
already counted. Logs only grow at the end, which decides the cases:

- the whole file matches a checkpoint: already ingested, skip it;
- a prefix matches the newest checkpoint of its stream: the file grew, read only the lines after it;
- a prefix matches an older checkpoint and the file ends before that stream's next one: an earlier copy of a
  file ingested further since, skip it;
- otherwise the file is new content (possibly sharing a prefix): read what no checkpoint covers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from auditor.loaders.source import decompressed, open_binary

CHUNK = 1 << 20


@dataclass(frozen=True)
class Checkpoint:
    id: int
    stream: int
    bytes: int
    lines: int
    sha256: str
    path: str


@dataclass(frozen=True)
class Extent:
    """A prefix of a file: its length and hash."""

    bytes: int
    lines: int
    sha256: str


@dataclass(frozen=True)
class Scan:
    whole: Extent  # the file as read
    complete_lines: Extent  # up to its last newline
    gzip: bool
    match: Checkpoint | None  # the longest checkpoint the file starts with

    @property
    def unterminated_last_line(self) -> bool:
        return self.whole.bytes > self.complete_lines.bytes


@dataclass(frozen=True)
class Plan:
    """What to read of a file: lines after `skip`, into `stream` (None: a new one); or why nothing."""

    skip: int = 0
    stream: int | None = None
    nothing_because: str | None = None


def scan(path: str, checkpoints: list[Checkpoint]) -> Scan:
    by_length: dict[int, dict[str, Checkpoint]] = {}
    for checkpoint in checkpoints:
        by_length.setdefault(checkpoint.bytes, {})[checkpoint.sha256] = checkpoint
    lengths = sorted(by_length)
    digest = hashlib.sha256()
    position = lines = 0
    at_newline = Extent(0, 0, digest.hexdigest())
    match = None
    upcoming = 0  # index into lengths

    def feed(piece: bytes) -> None:
        nonlocal position, lines, at_newline
        newline = piece.rfind(b"\n")
        if newline >= 0:
            digest.update(piece[: newline + 1])
            position += newline + 1
            lines += piece.count(b"\n")
            at_newline = Extent(position, lines, digest.hexdigest())
            piece = piece[newline + 1 :]
        digest.update(piece)
        position += len(piece)

    with open_binary(path) as stream:
        compressed = decompressed(stream)
        while chunk := stream.read(CHUNK):
            start = 0
            while upcoming < len(lengths) and lengths[upcoming] <= position + len(chunk) - start:
                cut = start + lengths[upcoming] - position
                feed(chunk[start:cut])
                start = cut
                match = by_length[lengths[upcoming]].get(digest.hexdigest(), match)
                upcoming += 1
            feed(chunk[start:])
    whole = Extent(position, lines + (position > at_newline.bytes), digest.hexdigest())
    return Scan(whole, at_newline, compressed, match)


def plan(found: Scan, checkpoints: list[Checkpoint]) -> Plan:
    match = found.match
    if match is None:
        return Plan()
    if match.bytes == found.whole.bytes:
        return Plan(nothing_because=f"already ingested (as {match.path})")
    later = sorted(c.bytes for c in checkpoints if c.stream == match.stream and c.bytes > match.bytes)
    if not later:
        return Plan(skip=match.lines, stream=match.stream)
    if found.whole.bytes < later[0]:
        return Plan(nothing_because="an earlier copy of a file ingested further since")
    return Plan(skip=match.lines)


def load_checkpoints(db) -> list[Checkpoint]:
    return [Checkpoint(*row) for row in db.execute("SELECT id, stream, bytes, lines, sha256, path FROM checkpoint")]
