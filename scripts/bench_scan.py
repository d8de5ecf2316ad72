#!/usr/bin/env python3
"""Measure the compiled scanner alone: nanoseconds per byte of `Scanner.groups` on one JSONL log.

    python scripts/bench_scan.py LOG [--runs 7] [--digest]

The whole log is read into memory and cut into blocks of about 1 MiB at line ends, as usage.py hands them;
one thread scans every block, `--runs` times, and the fastest run is printed (the minimum is the least
disturbed by other work on the machine). `--digest` also prints a SHA-256 of every call's result, so two
builds of the scanner can be shown to give the same answer on the same log.
"""

import argparse
import hashlib
import sys
import time

from auditor.catalog.catalog import load
from auditor.loaders.logs.fastjsonl import Grammar, learn_layout

BLOCK = 1 << 20


def blocks_of(data: bytes) -> list[memoryview]:
    """The log cut after the last newline of each MiB, as usage.py cuts it."""
    blocks, start = [], 0
    while start < len(data):
        end = data.rfind(b"\n", start, start + BLOCK) + 1 or len(data)
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
    with open(args.log, "rb") as file:
        data = file.read()
    grammar = Grammar.for_catalog(learn_layout(data[:65536]), load(None))
    if grammar is None or grammar.scanner is None:
        print("bench_scan: no compiled scanner for this log", file=sys.stderr)
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
