#!/usr/bin/env python3
"""Cost of made-up keys: peak RSS, report size and state size for K distinct keys no definition names.

    python scripts/load_unknown_keys.py --unknown 200000 [--shape jsonl|traefik] [--keep 1000]
                                        [--command audit|job] [--defined-calls 1000]

Writes a log of the bundled key export's keys (samples/keys/keylist.json) calling a few routes
(--defined-calls lines), interleaved with K lines each from another made-up key: a JSONL `key`, or, in
Traefik's JSON access-log shape, a random `request_X-Appwrite-Key` secret (which keyaudit names by its
sha256). Ten of the made-up keys call 500 times each, so the busiest are known.

- command `audit`: `keyaudit audit --keys … --logs LOG --format json --output REPORT`.
- command `job`: `keyaudit job run --state STATE …` twice on the same log, then once more on a second log of
  K other made-up keys (the state must not grow with them).

It prints the exit code, the peak RSS of each keyaudit run (os.wait4: the process or the largest of the worker
processes it forked and waited for), the report's size, the findings per rule, summary.unknownKeys, and for
the job the state file's size and its rows per table. Logs are written by a process of their own: Linux
keeps a process's peak RSS across exec, so a big parent would show in its children's numbers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEYS = ROOT / "samples" / "keys" / "keylist.json"
NOW = "2026-11-25T12:00:00Z"
BUSY_KEYS, BUSY_CALLS = 10, 500
ROUTES = [
    ("GET", "/v1/users"),
    ("GET", "/v1/tablesdb/shop/tables/products/rows"),
    ("POST", "/v1/functions/f1/executions"),
]


def jsonl_line(key: str, method: str, path: str, second: int) -> str:
    return json.dumps(
        {
            "time": f"2026-11-20T{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z",
            "project": "shop-prod",
            "key": key,
            "method": method,
            "path": path,
            "status": 200,
        }
    )


def traefik_line(secret: str, method: str, path: str, second: int) -> str:
    return json.dumps(
        {
            "ClientHost": "203.0.113.7",
            "DownstreamStatus": 200,
            "RequestMethod": method,
            "RequestPath": path,
            "RequestProtocol": "HTTP/1.1",
            "StartUTC": f"2026-11-20T{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z",
            "request_X-Appwrite-Key": secret,
            "request_X-Appwrite-Project": "shop-prod",
        }
    )


def write_log(path: Path, shape: str, unknown: int, defined_calls: int, seed: int) -> None:
    rng = random.Random(seed)
    defined = [key["$id"] for key in json.loads(KEYS.read_text())["keys"]]
    line = jsonl_line if shape == "jsonl" else traefik_line

    def made_up() -> str:
        return f"{rng.getrandbits(80):020x}" if shape == "jsonl" else f"standard_{rng.getrandbits(1024):0256x}"

    busy = [made_up() for _ in range(BUSY_KEYS)]
    lines = [(made_up(), *rng.choice(ROUTES)) for _ in range(unknown - BUSY_KEYS)]
    lines += [(key, *rng.choice(ROUTES)) for key in busy for _ in range(BUSY_CALLS)]
    if shape == "jsonl":  # Traefik logs name keys by secret; the sample export's secrets are masked
        lines += [(rng.choice(defined), *rng.choice(ROUTES)) for _ in range(defined_calls)]
    rng.shuffle(lines)
    with open(path, "w", encoding="utf-8") as out:
        for second, (key, method, request) in enumerate(lines):
            out.write(line(key, method, request, second) + "\n")


def keyaudit(*args: str) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak RSS in MB, last stderr line) of one keyaudit run."""
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "auditor", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        last = errors.read().strip().splitlines()[-1:]
    return process.returncode, time.monotonic() - start, usage.ru_maxrss / 1024, last[0] if last else ""


def write_in_child(*args) -> None:
    """write_log in a process of its own, so this one stays small."""
    child = multiprocessing.get_context("fork").Process(target=write_log, args=args)
    child.start()
    child.join()


def describe(report_path: Path) -> None:
    report = json.loads(report_path.read_text())
    rules = Counter(finding["rule"] for finding in report["findings"])
    print(f"  report: {report_path.stat().st_size / 1e6:.2f} MB, findings {dict(sorted(rules.items()))}")
    print(f"  summary.unknownKeys: {report['summary']['unknownKeys']}")


def config(folder: Path, keep: int) -> Path:
    path = folder / "keyaudit.yaml"
    path.write_text(f"rules:\n  unknown-key:\n    options:\n      keep: {keep}\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unknown", type=int, default=200_000, help="distinct made-up keys")
    parser.add_argument("--shape", choices=("jsonl", "traefik"), default="jsonl")
    parser.add_argument("--keep", type=int, default=1000, help="unknown-key's option keep")
    parser.add_argument("--command", choices=("audit", "job"), default="audit")
    parser.add_argument("--defined-calls", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        log = folder / ("calls.jsonl" if args.shape == "jsonl" else "access.json")
        write_in_child(log, args.shape, args.unknown, args.defined_calls, 1)
        print(
            f"{args.command} on {log.stat().st_size / 1e6:.0f} MB of {args.shape}: {args.unknown} made-up keys, "
            f"keep {args.keep}"
        )
        common = ["--keys", str(KEYS), "--config", str(config(folder, args.keep)), "--format", "json"]
        report = folder / "report.json"
        if args.command == "audit":
            code, seconds, rss, err = keyaudit(
                "audit", *common, "--logs", str(log), "--now", NOW, "--output", str(report)
            )
            print(f"  exit {code} in {seconds:.1f} s, peak RSS {rss:.0f} MB {err}")
            describe(report)
            return
        state = folder / "state.db"
        second_log = folder / ("more-" + log.name)
        write_in_child(second_log, args.shape, args.unknown, args.defined_calls, 2)
        for run, path in enumerate((log, log, second_log), 1):
            code, seconds, rss, err = keyaudit(
                "job", "run", "--state", str(state), *common, "--logs", str(path), "--now", NOW, "--output", str(report)
            )
            db = sqlite3.connect(state)
            rows = {
                table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("route_day", "status_day", "unknown_sample", "unknown_day", "run_finding")
            }
            db.close()
            print(
                f" run {run} ({path.name}): exit {code} in {seconds:.1f} s, peak RSS {rss:.0f} MB, "
                f"state {state.stat().st_size / 1e6:.2f} MB, rows {rows} {err}"
            )
            describe(report)


if __name__ == "__main__":
    main()
