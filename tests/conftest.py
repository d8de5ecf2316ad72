import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KEYAUDIT_SHARED", ROOT.parent / "shared")).resolve()
APPWRITE = SHARED / "appwrite"
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def appwrite_dir() -> Path:
    assert APPWRITE.is_dir(), f"../shared/appwrite not found at {APPWRITE} (set KEYAUDIT_SHARED)"
    return APPWRITE


def run_cli(*args, input=None, env=None):
    """Run the real CLI in a subprocess; returns (code, stdout, stderr)."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=env.pop("_cwd", ROOT) if env else ROOT,
        env={**os.environ, **(env or {})},
    )
    return proc.returncode, proc.stdout, proc.stderr
