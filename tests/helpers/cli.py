"""The CLI as tests run it: run_cli in a subprocess, as users run it; invoke in this process."""

import os
import subprocess
import sys

from click.testing import CliRunner

from auditor.cli.main import cli
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


def invoke(args, **settings):
    """Run the CLI in this process with click's CliRunner (for monkeypatching, resource limits or speed); `args`
    are made text; `settings` go to CliRunner.invoke (env, input, ...). Returns click's Result."""
    return CliRunner().invoke(cli, [str(arg) for arg in args], **settings)
