#!/usr/bin/env python3
"""Load test: millions of log lines, 100 000 keys, a million distinct paths; peak memory and time.

    python scripts/load_test.py [--lines 10000000] [--keys 100000] [--paths 1000000] [--also 1000000]
                                [--phase read|audit|both]

Streams a generated log (no log on disk) into keyaudit: each line a call of one of --keys keys to one of its
three routes, with an id from a pool of --paths distinct values, so the paths are distinct while the key ×
route pairs stay at keys × 3. Every 2 000th line is broken, every 50th calls an unknown route.

- phase `read`: the logs alone, as every command reads them (analysis/usage.py read_usage on stdin), in a
  process of its own; it reports how many keys and key × route slots it kept.
- phase `audit`: the whole `keyaudit audit --keys K --logs - --format json` of the same log, keys written as
  a key export.

For each line count (--also runs a smaller one first, to show that memory does not grow with lines) it prints
the wall time, the peak RSS of the keyaudit process (wait4), and the peak summed RSS of its process tree
(sampled from /proc every 0.2 s; the JSONL reader forks worker processes, whose shared pages this sum counts
once per process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHAPES = [  # (method, path with {id}, scope a key needs for it)
    ("GET", "/v1/tablesdb/shop/tables/products/rows/{id}", "rows.read"),
    ("PATCH", "/v1/tablesdb/shop/tables/orders/rows/{id}", "rows.write"),
    ("GET", "/v1/users/{id}", "users.read"),
    ("DELETE", "/v1/users/{id}/sessions", "users.write"),
    ("GET", "/v1/storage/buckets/images/files/{id}/view", "files.read"),
    ("POST", "/v1/functions/{id}/executions", "executions.write"),
    ("GET", "/v1/teams/{id}/memberships", "teams.read"),
    ("GET", "/v1/databases/legacy/collections/orders/documents/{id}", "documents.read"),
    ("GET", "/v1/messaging/messages/{id}", "messages.read"),
    ("GET", "/v1/sites/{id}/deployments", "sites.read"),
]


def key_shapes(index: int) -> list[int]:
    return [index % len(SHAPES), (index * 7 + 3) % len(SHAPES), (index * 13 + 5) % len(SHAPES)]


def write_keys(path: Path, keys: int) -> None:
    items = []
    for index in range(keys):
        scopes = sorted({SHAPES[s][2] for s in key_shapes(index)} | {"users.read", "rows.read"})
        items.append(
            {
                "$id": f"key{index:07d}",
                "name": f"service-{index}",
                "scopes": scopes,
                "expire": "2027-06-30T00:00:00.000+00:00",
                "$createdAt": "2026-01-01T00:00:00.000+00:00",
                "accessedAt": "2026-11-20T00:00:00.000+00:00",
            }
        )
    path.write_text(json.dumps({"total": keys, "keys": items}))


def generate(out, lines: int, keys: int, paths: int) -> None:
    rng = random.Random(12)
    write = out.write
    for n in range(lines):
        if n % 2000 == 1999:
            write(b'{"key": "key0000001", "method": "GET", "path": \n')
            continue
        index = rng.randrange(keys)
        if n % 50 == 49:
            method, path = "GET", f"/v1/nowhere/{n % paths:x}"
        else:
            method, template, _ = SHAPES[key_shapes(index)[n % 3]]
            path = template.replace("{id}", f"i{n % paths:x}")
        write(
            (
                f'{{"time":"2026-11-{1 + n % 28:02d}T10:{n // 60 % 60:02d}:{n % 60:02d}.000Z","key":"key{index:07d}",'
                f'"method":"{method}","path":"{path}","status":200}}\n'
            ).encode()
        )


def _tree_rss_kb(root: int) -> int:
    """Summed VmRSS of `root` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total


READ_ONLY = """
import json, sys
from auditor.analysis.usage import read_usage
from auditor.catalog.catalog import load
usage = read_usage(["-"], load("1.9"))
kept = usage.by_key.values()
print(json.dumps({"linesRead": usage.stats.lines_read, "badLines": usage.stats.bad_lines, "keys kept": len(kept),
                  "key x route slots kept": sum(len(u.routes) for u in kept),
                  "unknown-route calls": sum(u.unknown_route_calls for u in kept)}))
"""


def run(folder: Path, lines: int, keys: int, paths: int, phase: str) -> dict:
    report = folder / f"report-{lines}.json"
    if phase == "read":
        args = [sys.executable, "-c", READ_ONLY]
    else:
        args = [
            sys.executable,
            "-m",
            "auditor",
            "audit",
            "--keys",
            str(folder / "keys.json"),
            "--logs",
            "-",
            "--now",
            "2026-11-30T00:00:00Z",
            "--format",
            "json",
            "--output",
            str(report),
            "--fail-on",
            "none",
        ]
    started = time.monotonic()
    audit = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_tree = 0
    done = threading.Event()

    def sample():
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, _tree_rss_kb(audit.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        generate(audit.stdin, lines, keys, paths)
    finally:
        audit.stdin.close()
    stdout, stderr = audit.stdout.read().decode(errors="replace"), audit.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(audit.pid, 0)
    audit.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    seconds = time.monotonic() - started
    result = {
        "phase": phase,
        "lines": lines,
        "keys": keys,
        "distinct paths": min(paths, lines),
        "exit": audit.returncode,
        "seconds": round(seconds, 1),
        "peak RSS of the keyaudit process (MB)": round(usage.ru_maxrss / 1024),
        "peak RSS of its process tree (MB)": round(peak_tree / 1024),
        "stderr": stderr.strip()[-300:],
    }
    if phase == "read" and stdout.strip():
        result.update(json.loads(stdout))
    if report.exists():
        summary = json.loads(report.read_text())["summary"]
        result.update(
            {
                "linesRead": summary["linesRead"],
                "badLines": summary["badLines"],
                "keys in report": summary["keys"],
                "findings": summary["findings"],
            }
        )
        report.unlink()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--paths", type=int, default=1_000_000)
    parser.add_argument("--also", type=int, default=1_000_000, help="A smaller line count to run first (0: none).")
    parser.add_argument("--phase", choices=("read", "audit", "both"), default="both")
    args = parser.parse_args()
    phases = ("read", "audit") if args.phase == "both" else (args.phase,)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.monotonic()
        write_keys(folder / "keys.json", args.keys)
        print(
            f"keys: {args.keys} written in {time.monotonic() - started:.1f} s "
            f"({(folder / 'keys.json').stat().st_size / 1e6:.1f} MB)",
            flush=True,
        )
        for phase in phases:
            for lines in ([args.also] if args.also else []) + [args.lines]:
                print(json.dumps(run(folder, lines, args.keys, args.paths, phase)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
