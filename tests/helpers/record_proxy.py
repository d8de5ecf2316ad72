"""`keyaudit record` run as users run it (a subprocess), for the proxy tests and scripts/load_record.py."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_proxy(upstream: str, output, *extra: str, host: str = "127.0.0.1", env: dict | None = None):
    """Yields (proxy URL, process); stops it with SIGTERM and leaves its stderr lines in `process.lines`."""
    port = free_port()
    command = [sys.executable, "-c", "from auditor.cli.main import cli; cli()", "record", "--upstream", upstream]
    command += ["--listen", f"{host}:{port}", "--output", str(output), *extra]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    process.lines = []
    try:
        for line in process.stderr:
            process.lines.append(line.rstrip("\n"))
            if "listening on" in line:
                break
        else:
            raise RuntimeError("keyaudit record did not start: " + " | ".join(process.lines))
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
        process.lines += rest.splitlines()
