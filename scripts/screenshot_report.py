#!/usr/bin/env python3
"""Render the HTML report of the bundled samples and screenshot it in headless Chromium.

    python scripts/screenshot_report.py [--out /tmp/keyaudit-report.png] [--size 1400,2000] [--chromium chromium]

A look at the page as a reviewer's browser shows it (not a CI test): Debian's
`chromium` package (apt-get install -y chromium), run with no network features,
no sandbox (as root) and a fresh empty profile. Prints where the HTML and PNG are.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_AUDIT = [
    "--keys",
    "samples/keys/keylist.json",
    "--keys",
    "samples/appwrite.json",
    "--keys",
    "samples/manifest.yaml",
    "--logs",
    "samples/logs/calls.jsonl",
    "--logs",
    "samples/logs/calls-2.jsonl.gz",
    "--now",
    "2026-11-25T00:00:00Z",
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "keyaudit-report.png"))
    parser.add_argument("--size", default="1400,2000", help="window width,height in pixels")
    parser.add_argument("--chromium", default="chromium")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="keyaudit-shot-"))
    page = work / "report.html"
    audit = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", *SAMPLE_AUDIT, "--format", "html", "--output", str(page)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if audit.returncode not in (0, 1):
        sys.stderr.write(audit.stderr)
        return 2
    profile = work / "profile"
    profile.mkdir()
    shot = subprocess.run(
        [
            args.chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={args.out}",
            f"--window-size={args.size}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if shot.returncode != 0 or not Path(args.out).is_file():
        sys.stderr.write(shot.stderr[-2000:])
        return 2
    print(f"html: {page}\npng:  {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
