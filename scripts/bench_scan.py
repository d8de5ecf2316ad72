#!/usr/bin/env python3
"""Measure the compiled scanner alone: nanoseconds per byte of `Scanner.groups` on one JSONL log.

    python scripts/bench_scan.py LOG [--runs 7] [--digest]

The whole log (gzip or not) is read into memory and cut into blocks of SCAN_BLOCK_BYTES at line ends, as usage.py
hands them;
one thread scans every block, `--runs` times, and the fastest run is printed (the minimum is the least
disturbed by other work on the machine). `--digest` also prints a SHA-256 of every call's result, so two
builds of the scanner can be shown to give the same answer on the same log.
"""

import argparse
import hashlib
import sys
import time

from auditor.analysis.usage import SCAN_BLOCK_BYTES
from auditor.catalog.catalog import load
from auditor.errors import InputError
from auditor.loaders.logs import native
from auditor.loaders.logs.fastjsonl import Grammar, learn_layout
from auditor.loaders.source import open_binary


def blocks_of(data: bytes) -> list[memoryview]:
    """The log cut after the last newline of each block's worth of bytes, as usage.py cuts it."""
    blocks, start = [], 0
    while start < len(data):
        end = data.rfind(b"\n", start, start + SCAN_BLOCK_BYTES) + 1 or len(data)
        blocks.append(memoryview(data)[start:end])
        start = end
    return blocks


def scan(scanner, blocks: list[memoryview], digest=None) -> None:
    for block in blocks:
        start = 0
        while start < len(block):
            result = scanner.groups(block, start)
            start = result[0]
            if digest is not None:
                digest.update(repr(result).encode())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--digest", action="store_true", help="print a SHA-256 of every result")
    args = parser.parse_args()
    try:
        with open_binary(args.log) as stream:
            data = stream.read()
    except InputError as error:
        print(f"bench_scan: {error}", file=sys.stderr)
        return 2
    if data and not data.endswith(b"\n"):
        data += b"\n"  # a last line without its newline is read as if it had one
    grammar = Grammar.for_catalog(learn_layout(data[:65536]), load(None))
    if grammar.scanner is None:
        print(f"bench_scan: no compiled scanner to measure: JSONL reader {native.reader_name()}", file=sys.stderr)
        return 2
    blocks = blocks_of(data)
    best = float("inf")
    for _ in range(args.runs):
        began = time.perf_counter()
        scan(grammar.scanner, blocks)
        best = min(best, time.perf_counter() - began)
    print(f"{best:.3f}s {best / len(data) * 1e9:.2f} ns/B (min of {args.runs}, {len(data)} bytes)")
    if args.digest:
        digest = hashlib.sha256()
        scan(grammar.scanner, blocks, digest)
        print(f"sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
