"""Wall time of `keyaudit fetch-keys --timeout T` against local servers that drip their answer a byte at a time.

    python scripts/bench_fetch_deadline.py --timeout 2

Three servers: one drips its headers, one its body, one answers the version at once and drips the key list.
Each run should end (exit 2, one line) a little after T seconds, whatever the server does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from helpers.drip_server import VERSION_BODY, DripServer, answer  # noqa: E402

KEYS_BODY = b'{"total":0,"keys":[]}'
SERVERS = {
    "headers drip": [(answer(VERSION_BODY), 0)],
    "body drips": [(answer(VERSION_BODY), len(answer(VERSION_BODY)) - len(VERSION_BODY))],
    "key list drips": [(answer(VERSION_BODY), 10_000), (answer(KEYS_BODY * 50), 200)],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    env = {**os.environ, "APPWRITE_API_KEY": "bench", "PYTHONPATH": str(ROOT)}
    for name, answers in SERVERS.items():
        with DripServer(answers) as server:
            started = time.monotonic()
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "auditor",
                    "fetch-keys",
                    "--endpoint",
                    server.url,
                    "--project",
                    "p",
                    "--timeout",
                    str(args.timeout),
                ],
                capture_output=True,
                text=True,
                env=env,
            )
            took = time.monotonic() - started
        print(f"{name:15} {took:5.2f} s  exit {run.returncode}  {run.stderr.strip()}")


if __name__ == "__main__":
    main()
