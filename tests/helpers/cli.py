"""The real CLI in a subprocess, as users run it."""

import os
import subprocess
import sys

from helpers.paths import ROOT


def run_cli(*args, input=None, env=None):
    """Run the real CLI in a subprocess; returns (code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=env.pop("_cwd", ROOT) if env else ROOT,
        env={**os.environ, **(env or {})},
    )
    return proc.returncode, proc.stdout, proc.stderr
