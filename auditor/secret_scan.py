"""Find Appwrite key secrets in any file: binary files are skipped, large ones streamed.

A file is read in CHUNK-sized pieces. Matches that start more than OVERLAP
bytes before the end of what has been read are final: a secret is at most
MAX_SECRET_CHARS long, so the regex saw all of it and the character after it.
The rest is carried into the next round, with one byte before it kept so the
pattern's look-behind sees what precedes a secret. Memory stays at about
CHUNK + OVERLAP whatever the file size, even for a file without line breaks.
"""

from __future__ import annotations

import hashlib
from typing import BinaryIO, Iterator

from auditor.loaders.source import open_binary
from auditor.secrets import MAX_SECRET_CHARS, SECRET_BYTES_PATTERN, SecretHit

CHUNK = 1 << 20
OVERLAP = MAX_SECRET_CHARS + 1
BINARY_SNIFF = 8192  # like git: a NUL byte in the first 8 KiB means binary


def looks_binary(head: bytes) -> bool:
    return b"\0" in head[:BINARY_SNIFF]


def scan_stream(stream: BinaryIO, chunk_size: int = CHUNK) -> Iterator[SecretHit]:
    """Secrets in a text stream, in order, with 1-based line numbers."""
    buffer = b""
    start = 0  # where unscanned bytes begin in `buffer`
    line = 1  # line number at `counted`
    while True:
        data = stream.read(chunk_size)
        buffer += data
        final = not data
        if not final and len(buffer) <= OVERLAP:
            continue
        limit = len(buffer) if final else len(buffer) - OVERLAP
        counted = 0
        resume = limit
        for match in SECRET_BYTES_PATTERN.finditer(buffer, start):
            if match.start() >= limit:
                break
            line += buffer.count(b"\n", counted, match.start())
            counted = match.start()
            secret = match.group(0)
            yield SecretHit(line, secret.split(b"_", 1)[0].decode(),
                            "sha256:" + hashlib.sha256(secret).hexdigest()[:12])
            resume = max(resume, match.end())
        if final:
            return
        cut = limit - 1
        line += buffer.count(b"\n", counted, cut)
        buffer = buffer[cut:]
        start = resume - cut


def scan_file(path: str) -> list[SecretHit] | None:
    """The secrets in `path` (gzip read transparently); None when the file is binary."""
    with open_binary(path) as stream:
        head = stream.read(BINARY_SNIFF)
        if looks_binary(head):
            return None
        return list(scan_stream(_Prefixed(head, stream)))


class _Prefixed:
    """A stream that first yields bytes already read from it for sniffing."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head = head
        self.rest = rest

    def read(self, size: int) -> bytes:
        if self.head:
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.rest.read(size)
