"""Find Appwrite key secrets in any file, as written or encoded: binary files are skipped, large ones streamed.

A file is read as text: UTF-8, or UTF-16/UTF-32 (by their BOM, or by the pattern of NUL bytes ASCII text makes
in them: a key export saved by PowerShell's `>` is UTF-16), transcoded to UTF-8 as it is read; gzip is
decompressed, up to MAX_DECOMPRESSED bytes. Another file with a NUL byte in its first 8 KiB is binary and
skipped. Only regular files are read: a FIFO or a device is refused, never waited on.

Secrets as written: the file is read in CHUNK-sized pieces. Matches that start more than OVERLAP
bytes before the end of what has been read are final: a secret is at most
MAX_SECRET_CHARS long, so the regex saw all of it and the character after it.
The rest is carried into the next round, with one byte before it kept so the
pattern's look-behind sees what precedes a secret. Memory stays at about
CHUNK + OVERLAP whatever the file size, even for a file without line breaks.

Secrets encoded (`\\u0073tandard_…`, `\\nstandard_…`, a YAML line continuation, HCL `${""}`, `standard%5F…`,
`%3Dstandard_…`; see secret_encodings.py): a second pass reads the file in blocks of whole lines, each with the last ENCODED_OVERLAP
bytes of the one before it, and searches each block's decoded view.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from auditor.errors import InputError
from auditor.loaders.source import decompressed, open_binary
from auditor.secrets import MAX_SECRET_CHARS, SECRET_BYTES_PATTERN, SecretHit, fingerprint, secret_spans

CHUNK = 1 << 20
OVERLAP = MAX_SECRET_CHARS + 1
ENCODED_OVERLAP = 6 * OVERLAP  # `\\u0073` spells one character in six
ENCODED_CHUNK = CHUNK // 4  # a block is held about five times over (bytes, text, decoded view): kept small
BINARY_SNIFF = 8192  # like git: a NUL byte in the first 8 KiB means binary
MAX_DECOMPRESSED = 1 << 30  # a gzip file is scanned up to this much of its content
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8"),
)


def looks_binary(head: bytes) -> bool:
    return b"\0" in head[:BINARY_SNIFF]


def text_encoding(head: bytes) -> str | None:
    """The encoding of a file starting with `head`: by its BOM, else by where ASCII text puts NUL bytes in
    UTF-16 or UTF-32; "utf-8" for a file without NUL bytes; None for a binary file."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if not looks_binary(head):
        return "utf-8"
    sample = head[: BINARY_SNIFF - BINARY_SNIFF % 4]
    for encoding, width, zeros in (
        ("utf-32-le", 4, (1, 2, 3)),
        ("utf-32-be", 4, (0, 1, 2)),
        ("utf-16-le", 2, (1,)),
        ("utf-16-be", 2, (0,)),
    ):
        columns = [sample[i::width] for i in range(width)]
        if all(column.count(0) >= 0.9 * len(column) for i, column in enumerate(columns) if i in zeros) and all(
            column.count(0) <= 0.1 * len(column) for i, column in enumerate(columns) if i not in zeros
        ):
            return encoding
    return None


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
            yield SecretHit(
                line, secret.split(b"_", 1)[0].decode(), "sha256:" + hashlib.sha256(secret).hexdigest()[:12]
            )
            resume = max(resume, match.end())
        if final:
            return
        cut = limit - 1
        line += buffer.count(b"\n", counted, cut)
        buffer = buffer[cut:]
        start = resume - cut


def scan_file(path: str) -> list[SecretHit] | None:
    """The secrets in `path`, as written or encoded, in line order; None when the file is binary."""
    with _text(path) as stream:
        if stream is None:
            return None
        hits = list(scan_stream(stream))
    with _text(path) as stream:
        seen = {(hit.line, hit.fingerprint) for hit in hits}
        for hit in scan_encoded(stream):
            if (hit.line, hit.fingerprint) not in seen:
                seen.add((hit.line, hit.fingerprint))
                hits.append(hit)
    return sorted(hits, key=lambda hit: hit.line)


def scan_encoded(stream: BinaryIO, chunk_size: int = ENCODED_CHUNK) -> Iterator[SecretHit]:
    """Secrets as a reader decodes them (as written too: scan_file keeps what scan_stream did not find), in
    blocks of whole lines (a line longer than a block is cut), each searched with the last ENCODED_OVERLAP
    bytes before it; a secret in that overlap may be yielded twice."""
    line, carry, tail = 1, b"", b""
    while True:
        data = stream.read(chunk_size)
        buffer = carry + data
        cut = len(buffer) if not data else buffer.rfind(b"\n") + 1 or max(0, len(buffer) - ENCODED_OVERLAP)
        block, carry = buffer[:cut], buffer[cut:]
        text = (tail + block).decode("utf-8", "replace")
        first_line = line - tail.count(b"\n")
        for start, _, secret in secret_spans(text):
            yield SecretHit(first_line + text.count("\n", 0, start), secret.split("_", 1)[0], fingerprint(secret))
        line += block.count(b"\n")
        tail = (tail + block)[-ENCODED_OVERLAP:]
        if not data:
            return


@contextmanager
def _text(path: str) -> Iterator[BinaryIO | None]:
    """The file's text as UTF-8 bytes (gzip decompressed, at most MAX_DECOMPRESSED); None for a binary file."""
    with open_binary(path, regular_only=True) as stream:
        head = stream.read(BINARY_SNIFF)
        encoding = text_encoding(head)
        if encoding is None:
            yield None
            return
        content = _Prefixed(head, stream)
        if decompressed(stream):
            content = _Bounded(content, path)
        yield content if encoding == "utf-8" else _Transcoded(content, encoding)


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


class _Bounded:
    """At most MAX_DECOMPRESSED bytes of a gzip file's content; more is one error line (a gzip bomb is not
    read whole)."""

    def __init__(self, stream, path: str):
        self.stream = stream
        self.path = path
        self.left = MAX_DECOMPRESSED

    def read(self, size: int) -> bytes:
        data = self.stream.read(min(size, self.left + 1))
        self.left -= len(data)
        if self.left < 0:
            raise InputError(f"{self.path}: decompresses to more than {MAX_DECOMPRESSED >> 30} GiB; not scanned whole")
        return data


class _Transcoded:
    """A UTF-16 or UTF-32 stream read as UTF-8 bytes (a BOM dropped, undecodable bytes replaced)."""

    def __init__(self, stream, encoding: str):
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder(encoding)("replace")
        self.done = False

    def read(self, size: int) -> bytes:
        while not self.done:
            data = self.stream.read(size)
            text = self.decoder.decode(data, final=not data)
            self.done = not data
            if text:
                return text.encode("utf-8")
        return b""
