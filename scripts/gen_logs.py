#!/usr/bin/env python3
"""Write N lines of realistic keyaudit call logs (ids never repeat) for benchmarks.

    python scripts/gen_logs.py --lines 1000000 --out /tmp/calls.jsonl [--gzip] [--keys-out /tmp/keys.json]

Several keys, ~20 route shapes, query strings, timestamps across 30 days, a few
401 general_unauthorized_scope answers and a few bad lines.
"""

import argparse
import gzip
import json
import random
import sys
from datetime import UTC, datetime

SHAPES = [
    ("GET", "/v1/tablesdb/shop/tables/products/rows", "?queries%5B0%5D=%7B%22method%22%3A%22limit%22%7D"),
    ("GET", "/v1/tablesdb/shop/tables/products/rows/{id}", ""),
    ("POST", "/v1/tablesdb/shop/tables/orders/rows", ""),
    ("PATCH", "/v1/tablesdb/shop/tables/orders/rows/{id}", ""),
    ("DELETE", "/v1/tablesdb/shop/tables/carts/rows/{id}", ""),
    ("GET", "/v1/databases/legacy/collections/orders/documents", "?queries%5B0%5D=x"),
    ("GET", "/v1/databases/legacy/collections/orders/documents/{id}", ""),
    ("POST", "/v1/databases/legacy/collections/orders/documents", ""),
    ("GET", "/v1/users/{id}", ""),
    ("GET", "/v1/users", "?search=a"),
    ("PATCH", "/v1/users/{id}/prefs", ""),
    ("POST", "/v1/storage/buckets/images/files", ""),
    ("GET", "/v1/storage/buckets/images/files/{id}/view", ""),
    ("GET", "/v1/storage/buckets/images/files/{id}/preview", "?width=200"),
    ("POST", "/v1/functions/resize/executions", ""),
    ("GET", "/v1/functions/resize/executions/{id}", ""),
    ("POST", "/v1/messaging/messages/email", ""),
    ("GET", "/v1/teams/{id}/memberships", ""),
    ("POST", "/v1/graphql", ""),
    ("GET", "/v1/health", ""),
]
KEYS = {
    "k-reader": ["rows.read"],
    "k-writer": ["rows.read", "rows.write", "files.read", "files.write", "users.read"],
    "k-legacy": ["documents.read", "documents.write"],
    "k-admin": ["users.read", "users.write", "teams.read", "executions.write", "executions.read", "messages.write"],
    "k-unused": ["rows.read", "files.read"],
}


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown, the docstring's usage example kept as written."""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1], formatter_class=_Formatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines to write")
    parser.add_argument("--out", required=True, help="the log to write")
    parser.add_argument("--gzip", action="store_true", help="write it gzipped")
    parser.add_argument("--keys-out", help="also write a key export of the log's keys here (for --keys)")
    parser.add_argument("--seed", type=int, default=7, help="the same seed writes the same log")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    keys = list(KEYS)[:4]
    opener = gzip.open if args.gzip else open
    base = 1_793_491_200  # 2026-11-01T00:00:00Z
    with opener(args.out, "wt") as out:
        for n in range(args.lines):
            if n % 100_000 == 99_999:
                out.write('{"key": "k-reader", "method": "GET", "path": \n')
                continue
            method, path, query = SHAPES[rng.randrange(len(SHAPES))]
            path = path.replace("{id}", f"{n:x}{rng.getrandbits(40):010x}") + query
            seconds = base + n * 2_592_000 // args.lines
            record = {
                "time": datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "key": keys[rng.randrange(len(keys))],
                "method": method,
                "path": path,
                "status": 200,
                "project": "shop",
            }
            if n % 997 == 0:
                record["status"], record["error"] = 401, "general_unauthorized_scope"
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    if args.keys_out:
        with open(args.keys_out, "w") as handle:
            json.dump(
                {
                    "total": len(KEYS),
                    "keys": [
                        {"$id": k, "name": k, "scopes": s, "expire": "2027-06-30T00:00:00.000+00:00"}
                        for k, s in KEYS.items()
                    ],
                },
                handle,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
