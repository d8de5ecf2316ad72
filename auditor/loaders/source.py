"""Open what the user named: a file, `-` for stdin, gzip or not; stream its lines."""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from auditor.errors import InputError

try:  # ISA-L's inflate: the same gzip module API, about four times as fast (installed where it has wheels)
    from isal import igzip as _fast_gzip
    from isal.isal_zlib import error as _fast_gzip_error
except ImportError:
    _fast_gzip, _fast_gzip_error = None, zlib.error

MAX_LINE_BYTES = 1 << 20  # a longer log line is counted as bad, never held in memory
BLOCK_BYTES = 4 << 20  # what iter_blocks reads at a time
MAX_DOCUMENT_BYTES = 64 << 20  # key files, manifests, appwrite.json
_GZIP_MAGIC = b"\x1f\x8b"
_SURROGATE = re.compile("[\ud800-\udfff]")


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def utf8_name(name: str, what: str) -> str:
    """`name` (a command-line argument, a file a glob found) if it is UTF-8 text. Python decodes other bytes
    to lone surrogates, which no UTF-8 report, terminal or SQLite state takes: such a name is refused here."""
    if not _SURROGATE.search(name):
        return name
    shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    raise InputError(f"{shown}: {what} is not UTF-8 text; keyaudit writes names into UTF-8 reports (rename it)")


def _not_regular(name: str) -> InputError:
    return InputError(f"{name}: not a regular file (a FIFO, socket or device); not read")


def refuse_special(path: str) -> None:
    """Refuse a FIFO, socket or device at `path` (followed through links) before anything opens it: a file that a
    pre-commit hook or another file's `includes` names is read only if it is a regular file (or a directory, which
    its reader refuses with its own line). A missing path and stdin are left to the reader."""
    if path == "-":
        return
    try:
        kind = os.stat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)):
        raise _not_regular(display_name(path))


def _open_regular(path: str, name: str) -> BinaryIO:
    """`path` opened for reading if it is a regular file; a FIFO or device is refused without blocking on it."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    kind = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(kind):
        os.close(descriptor)
        if stat.S_ISDIR(kind):
            raise IsADirectoryError
        raise _not_regular(name)
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


@contextmanager
def open_binary(path: str, regular_only: bool = False) -> Iterator[BinaryIO]:
    """A binary stream of the decompressed content; gzip is detected by its magic bytes.

    `regular_only`: refuse what is no regular file (a FIFO would block the reader until someone writes it).
    """
    name = display_name(path)
    try:
        if path == "-":
            raw = sys.stdin.buffer
        else:
            raw = _open_regular(path, name) if regular_only else open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as error:
        raise InputError(f"{name}: cannot open ({error.strerror or type(error).__name__})") from None
    stream = None
    try:
        if os.path.isdir(path):
            raise InputError(f"{name}: is a directory, not a file")
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
        stream = _gzip_reader(buffered) if buffered.peek(2)[:2] == _GZIP_MAGIC else buffered
        yield stream
    except (gzip.BadGzipFile, EOFError, zlib.error, _fast_gzip_error) as error:
        raise InputError(f"{name}: corrupt or truncated gzip data ({type(error).__name__})") from None
    except OverflowError:  # ISA-L's: a member header (file name, comment) longer than its read buffer
        if not (_fast_gzip and isinstance(stream, _fast_gzip.IGzipFile)):
            raise
        raise InputError(
            f"{name}: corrupt or truncated gzip data (a header over {_fast_gzip.READ_BUFFER_SIZE >> 10} KiB)"
        ) from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except BrokenPipeError:  # raised by the reader's consumer writing to a closed stdout, not by this file
        raise
    except OSError as error:
        raise InputError(f"{name}: read error ({error.strerror or type(error).__name__})") from None
    finally:
        if path != "-":
            raw.close()


def _gzip_reader(raw: BinaryIO) -> gzip.GzipFile:
    """The decompressed stream of gzip data: ISA-L's reader where isal is installed, else the gzip module's.

    Both read the same members, padding and trailers and refuse the same corrupt data
    (tests/test_gzip_readers.py); only the speed differs, and ISA-L refuses a header with a wrong CRC or
    longer than its read buffer (open_binary says so in one line), which the gzip module reads.
    """
    return (_fast_gzip.IGzipFile if _fast_gzip else gzip.GzipFile)(fileobj=raw)


def gzip_reader_name() -> str:
    """What `keyaudit --version` says of the gzip reader."""
    return "ISA-L (isal)" if _fast_gzip else "zlib (gzip module)"


def read_document(path: str) -> bytes:
    """The whole (small) file, for key definitions; refuses absurd sizes. Read in blocks: one read of the cap
    would take the cap's 64 MiB of memory for the smallest file."""
    chunks, size = [], 0
    with open_binary(path) as stream:
        while size <= MAX_DOCUMENT_BYTES:
            chunk = stream.read(min(BLOCK_BYTES, MAX_DOCUMENT_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    data = b"".join(chunks)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"{display_name(path)}: larger than {MAX_DOCUMENT_BYTES >> 20} MiB; "
            "keyaudit reads no key file or settings file that large"
        )
    return data


def iter_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line without its end) pairs; None stands for an over-long line.

    Memory stays bounded: an over-long line is skipped in chunks, never joined.
    """
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line.rstrip(b"\r\n")


def iter_blocks(stream: BinaryIO, size: int = BLOCK_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """The blocks of iter_block_texts as bytes (to hand to another process), each with the number of its first
    line."""
    number = 1
    for block in iter_block_texts(stream, size):
        block = block if block is None else bytes(block)
        yield number, block
        number += 1 if block is None else block.count(b"\n")


def iter_block_texts(stream: BinaryIO, size: int = BLOCK_BYTES) -> Iterator[bytes | memoryview | None]:
    """The lines iter_lines reads, in blocks of whole lines of about `size` bytes; None stands for one over-long
    line.

    Each block ends in a newline (a last line without one gets one). A line longer than MAX_LINE_BYTES
    that does not fit in one read is skipped in chunks, never joined, and stands as None; one that fits
    stays in a block, for the reader to count as over-long. Memory stays within two reads. The whole lines of
    a read are handed on as a view of it, not copied; the line a read cut off is joined with its end, alone.
    """
    carry, after = b"", b""  # after: what followed a skipped line in its read, lines still to cut
    while True:
        chunk = after or stream.read(size)
        after = b""
        if not chunk:
            break
        start = 0
        if carry:
            end = chunk.find(b"\n")
            start = len(chunk) if end < 0 else end + 1
            carry += chunk[:start]
            if end >= 0:
                yield carry
                carry = b""
        cut = max(chunk.rfind(b"\n") + 1, start)
        if cut > start:
            yield memoryview(chunk)[start:cut]
        carry += chunk[cut:]
        if len(carry) > MAX_LINE_BYTES:
            yield None
            carry, after = b"", _after_line(stream, size)
    if len(carry) > MAX_LINE_BYTES:
        yield None
    elif carry:
        yield carry + b"\n"


def _after_line(stream: BinaryIO, size: int) -> bytes:
    """Skip the rest of the current line; what follows it in the last read."""
    while True:
        chunk = stream.read(size)
        end = chunk.find(b"\n")
        if not chunk or end >= 0:
            return chunk[end + 1 :] if chunk else b""


def decompressed(stream: BinaryIO) -> bool:
    """Whether a stream opened by open_binary decompresses gzip as it is read."""
    return isinstance(stream, gzip.GzipFile)


def position(stream: BinaryIO) -> int | None:
    """How far into the file (compressed, for gzip) a stream opened by open_binary has read; None if unknown."""
    raw = stream.fileobj if decompressed(stream) else stream
    try:
        return raw.tell()
    except OSError:
        return None
