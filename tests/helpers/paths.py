"""Where things are: the checkout (ROOT), its samples, and the shared Appwrite data (KEYAUDIT_SHARED)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KEYAUDIT_SHARED", ROOT.parent / "shared")).resolve()
APPWRITE = SHARED / "appwrite"
SAMPLES = ROOT / "samples"
