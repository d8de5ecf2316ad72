"""ISA-L's gzip reader (isal, where it is installed) and the gzip module's read the same content from the same
files and refuse the same broken ones, so the reader in use changes the speed of reading a log, never what is
read from a sound file (loaders/source.py). Two odd headers are refused by ISA-L only (see below)."""

from __future__ import annotations

import gzip
import struct
import zlib

import pytest

from auditor.errors import InputError
from auditor.loaders import source

isal = pytest.importorskip("isal", reason="isal is not installed here: only the gzip module reads gzip")

TEXT = b"".join(b'{"key":"k%d","method":"GET","path":"/v1/users"}\n' % i for i in range(5000))


def _member(data: bytes, flags: int = 0, extra: bytes = b"", crc: int | None = None, size: int | None = None) -> bytes:
    """A gzip member written by hand, so that header flags, CRC and size can be anything."""
    header = b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\0\xff" + extra
    body = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = body.compress(data) + body.flush()
    crc = zlib.crc32(data) if crc is None else crc
    size = len(data) & 0xFFFFFFFF if size is None else size
    return header + deflated + struct.pack("<II", crc, size)


CASES = {
    "one member": gzip.compress(TEXT),
    "two members": gzip.compress(TEXT[:1000]) + gzip.compress(TEXT[1000:]),
    "an empty member between": gzip.compress(TEXT[:10]) + gzip.compress(b"") + gzip.compress(TEXT[10:]),
    "zero padding after": gzip.compress(TEXT) + b"\0" * 1024,
    "name, comment and extra field": _member(TEXT, 0x04 | 0x08 | 0x10, b"\x04\0abcd" + b"log.jsonl\0" + b"hi\0"),
    "header CRC": _member(TEXT, 0x02, struct.pack("<H", zlib.crc32(b"\x1f\x8b\x08\x02\0\0\0\0\0\xff") & 0xFFFF)),
    "trailing garbage": gzip.compress(TEXT) + b"garbage",
    "a second, truncated member": gzip.compress(TEXT) + gzip.compress(TEXT)[:100],
    "cut in the deflate stream": gzip.compress(TEXT)[:200],
    "cut in the trailer": gzip.compress(TEXT)[:-3],
    "corrupt deflate": b"\x1f\x8b\x08\x00" + b"\xff" * 64,
    "zeroed body": b"\x1f\x8b\x08\x00" + b"\x00" * 64,
    "wrong CRC": _member(TEXT, crc=1),
    "wrong size": _member(TEXT, size=7),
    "unknown method": b"\x1f\x8b\x07" + gzip.compress(TEXT)[3:],
    "reserved flag bits": _member(TEXT, 0xE0),
}


def _read(path, fast: bool, monkeypatch) -> bytes | str:
    """What open_binary reads from `path`, or the start of its one-line error, with either gzip reader."""
    if not fast:
        monkeypatch.setattr(source, "_fast_gzip", None)
    else:
        monkeypatch.undo()
    try:
        with source.open_binary(str(path)) as stream:
            assert type(stream) is (isal.igzip.IGzipFile if fast else gzip.GzipFile)
            return b"".join(iter(lambda: stream.read(1 << 16), b""))
    except InputError as error:
        return str(error).split("(")[0]


@pytest.mark.parametrize("case", CASES)
def test_both_gzip_readers_read_or_refuse_alike(case, tmp_path, monkeypatch):
    path = tmp_path / "calls.jsonl.gz"
    path.write_bytes(CASES[case])
    fast, plain = _read(path, True, monkeypatch), _read(path, False, monkeypatch)
    assert fast == plain
    if isinstance(plain, str):
        assert plain == f"{path}: corrupt or truncated gzip data "


def test_a_wrong_header_crc_is_refused_by_isal_and_read_by_the_gzip_module(tmp_path, monkeypatch):
    """One difference: RFC 1952 lets a reader check the optional header CRC; ISA-L does, the gzip module
    skips it. Such a file is corrupt, and refusing it is the safer of the two."""
    path = tmp_path / "calls.jsonl.gz"
    path.write_bytes(_member(TEXT, 0x02, b"\0\0"))
    assert _read(path, True, monkeypatch) == f"{path}: corrupt or truncated gzip data "
    assert _read(path, False, monkeypatch) == TEXT


@pytest.mark.parametrize("before", [b"", gzip.compress(TEXT)], ids=["first member", "second member"])
def test_a_header_longer_than_isals_buffer_is_refused_in_one_line_by_isal_and_read_by_the_gzip_module(
    before, tmp_path, monkeypatch
):
    """ISA-L reads a member's header within its read buffer (512 KiB) and raises OverflowError past it; a file
    name or comment that long is no log's, so it is refused as corrupt, not left to crash the run."""
    path = tmp_path / "calls.jsonl.gz"
    path.write_bytes(before + _member(TEXT, 0x08, b"n" * (isal.igzip.READ_BUFFER_SIZE + 1) + b"\0"))
    assert _read(path, True, monkeypatch) == f"{path}: corrupt or truncated gzip data "
    assert _read(path, False, monkeypatch) == (TEXT * 2 if before else TEXT)


def test_the_version_names_the_gzip_reader():
    assert source.gzip_reader_name() == "ISA-L (isal)"
