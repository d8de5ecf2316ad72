"""Where things are: the checkout (ROOT), its samples, and the shared Appwrite data (KEYAUDIT_SHARED)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KEYAUDIT_SHARED", ROOT.parent / "shared")).resolve()
APPWRITE = SHARED / "appwrite"
SAMPLES = ROOT / "samples"
# the bundled sample project as the README's main command reads it (paths relative to ROOT)
SAMPLE_KEYS = (
    "--keys",
    "samples/keys/keylist.json",
    "--keys",
    "samples/appwrite.json",
    "--keys",
    "samples/manifest.yaml",
)
SAMPLE_LOGS = ("--logs", "samples/logs/calls.jsonl", "--logs", "samples/logs/calls-2.jsonl.gz")
SAMPLE_NOW = ("--now", "2026-11-25T00:00:00Z")  # the day after the samples' last call
