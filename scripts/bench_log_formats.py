#!/usr/bin/env python3
"""Measure reading each call-log format into usage: lines per second, and peak memory per format.

    python scripts/bench_log_formats.py [--lines 200000] [--dir /tmp/keyaudit-bench]

Writes N lines of each format (Traefik JSON with X-Appwrite-Key kept, Traefik common, nginx combined,
Appwrite audit entries one per line, app error lines, keyaudit JSONL), ids never repeating, then runs
analysis.usage.read_usage on each in a fresh process with the keys that attribute them.
"""

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

SHAPES = [
    ("GET", "/v1/tablesdb/shop/tables/products/rows", "?queries%5B0%5D=%7B%22method%22%3A%22limit%22%7D"),
    ("GET", "/v1/tablesdb/shop/tables/products/rows/{id}", ""),
    ("POST", "/v1/tablesdb/shop/tables/orders/rows", ""),
    ("PATCH", "/v1/tablesdb/shop/tables/orders/rows/{id}", ""),
    ("GET", "/v1/users/{id}", ""),
    ("POST", "/v1/storage/buckets/images/files", ""),
]
EVENTS = ["row.create", "row.update", "row.delete", "user.update", "file.create", "deployment.create"]
KEYS = [
    (f"6a{n:018x}", f"key-{n}", "standard_" + hashlib.sha256(f"bench-{n}".encode()).hexdigest() * 4) for n in range(4)
]
BASE = 1_793_491_200  # 2026-11-01T00:00:00Z


def _when(n, lines):
    return datetime.fromtimestamp(BASE + n * 2_592_000 // lines, UTC)


def _request(n):
    method, path, query = SHAPES[n % len(SHAPES)]
    return method, path.replace("{id}", f"r{n:x}") + query


def write(folder: Path, lines: int) -> dict[str, Path]:
    files = {
        name: folder / name
        for name in ("traefik.json", "traefik.log", "nginx.log", "audit.jsonl", "errors.log", "calls.jsonl")
    }
    handles = {name: path.open("w") for name, path in files.items()}
    for n in range(lines):
        when = _when(n, lines)
        key_id, name, secret = KEYS[n % len(KEYS)]
        method, path = _request(n)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{n % 1000:03d}456789Z"
        clf = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
        handles["traefik.json"].write(
            json.dumps(
                {
                    "ClientHost": "10.0.4.17",
                    "DownstreamStatus": 200,
                    "Duration": 1287341,
                    "RequestMethod": method,
                    "RequestPath": path,
                    "RequestProtocol": "HTTP/1.1",
                    "RouterName": "appwrite_api-https@docker",
                    "StartUTC": stamp,
                    "level": "info",
                    "msg": "",
                    "request_X-Appwrite-Key": secret,
                    "request_X-Appwrite-Project": "shop",
                    "time": stamp[:19] + "Z",
                },
                separators=(",", ":"),
            )
            + "\n"
        )
        handles["traefik.log"].write(
            f'10.0.4.17 - - [{clf}] "{method} {path} HTTP/1.1" 200 1843 "-" '
            f'"AppwritePythonSDK/27.0.0" {n} "appwrite_api-https@docker" '
            f'"http://172.18.0.9:80" 12ms\n'
        )
        handles["nginx.log"].write(
            f'203.0.113.7 - - [{clf}] "{method} {path} HTTP/1.1" 200 1843 "-" "AppwriteNodeJSSDK/27.1.0"\n'
        )
        handles["audit.jsonl"].write(
            json.dumps(
                {
                    "event": EVENTS[n % len(EVENTS)],
                    "userId": "",
                    "userEmail": "app.shop@service.appwrite.example",
                    "userName": name,
                    "mode": "default",
                    "ip": "10.0.4.17",
                    "time": when.strftime("%Y-%m-%dT%H:%M:%S.000+00:00"),
                },
                separators=(",", ":"),
            )
            + "\n"
        )
        handles["errors.log"].write(
            f"{when:%Y-%m-%d %H:%M:%S},123 INFO shop.sync: order r{n:x} synced\n"
            if n % 50
            else f"{when:%Y-%m-%d %H:%M:%S},123 ERROR shop.sync: AppwriteException: app.shop@service.localhost "
            f'(role: applications) missing scopes (["rows.read","documents.read"])\n'
        )
        handles["calls.jsonl"].write(
            json.dumps(
                {
                    "time": stamp[:23] + "Z",
                    "key": key_id,
                    "method": method,
                    "path": path,
                    "status": 200,
                    "project": "shop",
                },
                separators=(",", ":"),
            )
            + "\n"
        )
    for handle in handles.values():
        handle.close()
    keys = folder / "keys.json"
    keys.write_text(
        json.dumps(
            {
                "total": len(KEYS),
                "keys": [
                    {
                        "$id": key_id,
                        "name": name,
                        "scopes": ["rows.read"],
                        "expire": None,
                        "projectId": "shop",
                        "secretSha256": hashlib.sha256(secret.encode()).hexdigest(),
                    }
                    for key_id, name, secret in KEYS
                ],
            }
        )
    )
    return files


def measure(keys: str, log: str) -> None:
    """Run in a child: read one log into usage and print lines/s and peak RSS."""
    from auditor.analysis.usage import read_usage
    from auditor.catalog.catalog import load
    from auditor.loaders.keys import load_key_file
    from auditor.loaders.logs.attribution import KeyIndex, LogOptions

    catalog = load("1.9")
    options = LogOptions(key=KEYS[0][0], keys=KeyIndex(load_key_file(keys).keys))
    start = time.perf_counter()
    usage = read_usage([log], catalog, log_options=options)
    seconds = time.perf_counter() - start
    calls = sum(u.calls for u in usage.by_key.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "format": next(iter(usage.stats.formats.values())),
                "lines": usage.stats.lines_read,
                "calls": calls,
                "bad": usage.stats.bad_lines,
                "seconds": round(seconds, 2),
                "lines_per_s": int(usage.stats.lines_read / seconds),
                "peak_rss_mib": int(peak),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--dir", default="/tmp/keyaudit-bench")
    parser.add_argument("--measure", nargs=2, metavar=("KEYS", "LOG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return 0
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    files = write(folder, args.lines)
    print(f"{'format':16} {'lines':>9} {'calls':>9} {'seconds':>8} {'lines/s':>9} {'peak MiB':>8}")
    for path in files.values():
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(folder / "keys.json"), str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        row = json.loads(out)
        print(
            f"{row['format']:16} {row['lines']:>9} {row['calls']:>9} {row['seconds']:>8} {row['lines_per_s']:>9} "
            f"{row['peak_rss_mib']:>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
