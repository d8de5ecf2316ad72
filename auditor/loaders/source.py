"""Open what the user named: a file, `-` for stdin, gzip or not; stream its lines."""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from contextlib import contextmanager
from typing import BinaryIO, Iterator

from auditor.errors import InputError

MAX_LINE_BYTES = 1 << 20  # a longer log line is counted as bad, never held in memory
MAX_DOCUMENT_BYTES = 64 << 20  # key files, manifests, appwrite.json
_GZIP_MAGIC = b"\x1f\x8b"


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


@contextmanager
def open_binary(path: str) -> Iterator[BinaryIO]:
    """A binary stream of the decompressed content; gzip is detected by its magic bytes."""
    name = display_name(path)
    try:
        raw = sys.stdin.buffer if path == "-" else open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as error:
        raise InputError(f"{name}: cannot open ({error.strerror or type(error).__name__})") from None
    try:
        if os.path.isdir(path):
            raise InputError(f"{name}: is a directory, not a file")
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
        stream = gzip.GzipFile(fileobj=buffered) if buffered.peek(2)[:2] == _GZIP_MAGIC else buffered
        yield stream
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise InputError(f"{name}: corrupt or truncated gzip data ({type(error).__name__})") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except OSError as error:
        raise InputError(f"{name}: read error ({error.strerror or type(error).__name__})") from None
    finally:
        if path != "-":
            raw.close()


def read_document(path: str) -> bytes:
    """The whole (small) file, for key definitions; refuses absurd sizes."""
    with open_binary(path) as stream:
        data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{display_name(path)}: larger than {MAX_DOCUMENT_BYTES >> 20} MiB; not a key file")
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
