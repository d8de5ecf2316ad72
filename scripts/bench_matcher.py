#!/usr/bin/env python3
"""Measure the path matcher: requests per second, cached and uncached, per version.

    python scripts/bench_matcher.py [--requests 200000]

Every route of the catalog is requested with fresh ids (so no two paths repeat);
"cold" clears the shape cache before each request, "warm" keeps it.
"""

import argparse
import re
import time

from auditor.catalog.catalog import load
from auditor.catalog.versions import SUPPORTED


def requests_for(catalog, count):
    routes = [r for r in catalog.routes if not r.template.endswith("*")]
    out = []
    for n in range(count):
        route = routes[n % len(routes)]
        out.append((route.method, re.sub(r"\{[^}]+\}", f"id{n:x}", route.template) + "?limit=25"))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    args = parser.parse_args()
    print(f"{'version':8} {'routes':>6} {'warm req/s':>12} {'cold req/s':>12} {'linear scan req/s':>18}")
    for version in SUPPORTED:
        catalog = load(version)
        router = catalog._router
        requests = requests_for(catalog, args.requests)
        start = time.perf_counter()
        for method, path in requests:
            router.match(method, path)
        warm = len(requests) / (time.perf_counter() - start)
        cold_requests = requests[: args.requests // 10]
        start = time.perf_counter()
        for method, path in cold_requests:
            router._cache.clear()
            router.match(method, path)
        cold = len(cold_requests) / (time.perf_counter() - start)
        patterns = [
            (r.method, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(r.template)) + "$"))
            for r in catalog.routes
        ]
        scan_requests = requests[: args.requests // 100]
        start = time.perf_counter()
        for method, path in scan_requests:
            bare = path.split("?")[0]
            next((1 for m, p in patterns if m == method and p.match(bare)), None)
        scan = len(scan_requests) / (time.perf_counter() - start)
        print(f"{version:8} {len(catalog.routes):>6} {warm:>12,.0f} {cold:>12,.0f} {scan:>18,.0f}")


if __name__ == "__main__":
    main()
