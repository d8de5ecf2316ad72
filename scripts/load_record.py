#!/usr/bin/env python3
"""Load test of `keyaudit record` on loopback: throughput, added latency and peak memory.

    pip install -e '.[record]'
    python scripts/load_record.py [--requests 5000] [--clients 100] [--upload-mib 256] [--max-seconds 120]

An upstream that answers like Appwrite (a small JSON body; a 401 general_unauthorized_scope for every tenth
request; any upload read and counted) runs in its own process on 127.0.0.1; the proxy runs as users run it
(`keyaudit record`, a child process). `--clients` concurrent clients send `--requests` requests directly,
then the same through the proxy: requests/s and latency p50/p99 for each, the difference is what the proxy
adds. Then one upload of `--upload-mib` MiB and its download stream through the proxy, to show that memory
does not grow with body size. Peak RSS is the proxy's VmHWM (/proc). Every loop is bounded in count and by
--max-seconds; only loopback addresses are used.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from aiohttp import ClientSession, ClientTimeout, TCPConnector

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from helpers.record_proxy import free_port, running_proxy  # noqa: E402

SECRET = "standard_" + "ab" * 128
REFUSED = {"message": "missing scopes", "code": 401, "type": "general_unauthorized_scope", "version": "1.9.6"}
UPSTREAM = """
import sys
from aiohttp import web
REFUSED = %(refused)r
async def answer(request):
    if request.method == "POST":
        size = 0
        async for chunk in request.content.iter_any():
            size += len(chunk)
        return web.json_response({"$id": "upload", "sizeOriginal": size}, status=201)
    if request.path.endswith("/download"):
        size = int(request.query["bytes"])
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)})
        await response.prepare(request)
        block = bytes(1 << 20)
        for start in range(0, size, len(block)):
            await response.write(block[: size - start])
        return response
    if request.query.get("n", "1").endswith("0"):
        return web.json_response(REFUSED, status=401)
    return web.json_response({"total": 0, "users": []})
app = web.Application(client_max_size=0)
app.router.add_route("*", "/{tail:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


async def hammer(base: str, requests: int, clients: int, deadline: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = iter(range(requests))
    headers = {"X-Appwrite-Project": "load", "X-Appwrite-Key": SECRET}

    async def client(session):
        for n in queue:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            async with session.get(f"{base}/v1/users?n={n}", headers=headers) as response:
                await response.read()
            latencies.append(time.perf_counter() - started)

    async with ClientSession(connector=TCPConnector(limit=clients), timeout=ClientTimeout(total=30)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        return time.perf_counter() - started, latencies


async def big_bodies(base: str, mib: int) -> tuple[int, int]:
    async def body():
        block = bytes(1 << 20)
        for _ in range(mib):
            yield block

    headers = {"X-Appwrite-Project": "load", "X-Appwrite-Key": SECRET}
    async with ClientSession(timeout=ClientTimeout(total=300)) as session:
        async with session.post(f"{base}/v1/storage/buckets/b/files", data=body(), headers=headers) as response:
            uploaded = (await response.json())["sizeOriginal"]
        downloaded = 0
        async with session.get(f"{base}/v1/storage/buckets/b/files/f/download?bytes={mib << 20}", headers=headers) as r:
            async for chunk in r.content.iter_any():
                downloaded += len(chunk)
    return uploaded, downloaded


def summary(label: str, seconds: float, latencies: list[float]) -> dict:
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "run": label,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / seconds),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--upload-mib", type=int, default=256)
    parser.add_argument("--max-seconds", type=float, default=120)
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_seconds
    port = free_port()
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM % {"refused": REFUSED}, str(port)])
    direct = f"http://127.0.0.1:{port}"
    try:
        time.sleep(1.0)
        with TemporaryDirectory() as folder:
            log = Path(folder) / "calls.jsonl"
            seconds, latencies = asyncio.run(hammer(direct, args.requests, args.clients, deadline))
            rows = [summary("direct", seconds, latencies)]
            with running_proxy(direct, log) as (proxy, process):
                seconds, latencies = asyncio.run(hammer(proxy, args.requests, args.clients, deadline))
                rows.append(summary("through keyaudit record", seconds, latencies))
                rss_small = peak_rss_mib(process.pid)
                uploaded, downloaded = asyncio.run(big_bodies(proxy, args.upload_mib))
                rss_big = peak_rss_mib(process.pid)
            records = log.read_text().splitlines()
            refused = sum(json.loads(line).get("error") == "general_unauthorized_scope" for line in records)
    finally:
        upstream.terminate()
        upstream.wait(timeout=30)
    for row in rows:
        print(json.dumps(row))
    added = {"added_p50_ms": round(rows[1]["p50_ms"] - rows[0]["p50_ms"], 2)}
    added["added_p99_ms"] = round(rows[1]["p99_ms"] - rows[0]["p99_ms"], 2)
    print(json.dumps(added))
    print(json.dumps({"proxy_peak_rss_mib_after_requests": round(rss_small, 1), "clients": args.clients}))
    print(
        json.dumps(
            {
                "upload_mib": uploaded >> 20,
                "download_mib": downloaded >> 20,
                "proxy_peak_rss_mib_after_bodies": round(rss_big, 1),
            }
        )
    )
    print(json.dumps({"records": len(records), "general_unauthorized_scope": refused, "stop": process.lines[-1]}))


if __name__ == "__main__":
    main()
