#!/usr/bin/env python3
"""Measure the compiled scanner alone: nanoseconds per byte of `Scanner.groups` on one JSONL log.

    python scripts/bench_scan.py LOG [--runs 7] [--digest]

The whole log (gzip or not) is read into memory in the blocks usage.py hands the scanner (iter_block_texts, of
SCAN_BLOCK_BYTES); one thread scans every block, `--runs` times, and the fastest run is printed (the minimum is the least
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
from auditor.loaders.logs import HEAD_BYTES, native
from auditor.loaders.logs.fastjsonl import Grammar, learn_layout
from auditor.loaders.source import iter_block_texts, open_binary


def scan(scanner, blocks: list, digest=None) -> None:
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
            layout = learn_layout(stream.peek(HEAD_BYTES))
            blocks = [block for block in iter_block_texts(stream, SCAN_BLOCK_BYTES) if block is not None]
    except InputError as error:
        print(f"bench_scan: {error}", file=sys.stderr)
        return 2
    grammar = Grammar.for_catalog(layout, load(None))
    if grammar.scanner is None:
        print(f"bench_scan: no compiled scanner to measure: JSONL reader {native.reader_name()}", file=sys.stderr)
        return 2
    size = sum(map(len, blocks))
    best = float("inf")
    for _ in range(args.runs):
        began = time.perf_counter()
        scan(grammar.scanner, blocks)
        best = min(best, time.perf_counter() - began)
    print(f"{best:.3f}s {best / size * 1e9:.2f} ns/B (min of {args.runs}, {size} bytes)")
    if args.digest:
        digest = hashlib.sha256()
        scan(grammar.scanner, blocks, digest)
        print(f"sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
