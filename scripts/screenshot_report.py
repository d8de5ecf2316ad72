#!/usr/bin/env python3
"""Render the HTML report of the bundled samples and screenshot it in headless Chromium.

    python scripts/screenshot_report.py [--job] [--out /tmp/keyaudit-report.png] [--size 1400,2000]
                                        [--chromium chromium]

A look at the page as a reviewer's browser shows it: Debian's `chromium` package (apt-get install -y chromium),
run with no network features, no sandbox (as root) and a fresh empty profile. Prints where the HTML and PNG are.
`--job`: the page of `keyaudit job report --format html` instead, for a state of two job runs on the samples
(the first on calls.jsonl as of 2026-11-20, the second adding calls-2.jsonl.gz as of 2026-11-25);
tests/test_job_report_browser.py runs it and checks the picture.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_KEYS = [
    "--keys",
    "samples/keys/keylist.json",
    "--keys",
    "samples/appwrite.json",
    "--keys",
    "samples/manifest.yaml",
]
SAMPLE_AUDIT = [
    *SAMPLE_KEYS,
    "--logs",
    "samples/logs/calls.jsonl",
    "--logs",
    "samples/logs/calls-2.jsonl.gz",
    "--now",
    "2026-11-25T00:00:00Z",
]
JOB_RUNS = (  # (logs, now) of each run of --job
    (["samples/logs/calls.jsonl"], "2026-11-20T00:00:00Z"),
    (["samples/logs/calls.jsonl", "samples/logs/calls-2.jsonl.gz"], "2026-11-25T00:00:00Z"),
)
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
    parser.add_argument("--job", action="store_true", help="the job report's page instead of the audit's")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="keyaudit-shot-"))
    page = work / "report.html"
    if args.job:
        state = str(work / "state.db")
        commands = [
            ["job", "run", "--state", state, *SAMPLE_KEYS, *_logs(logs), "--now", now, "--format", "json"]
            for logs, now in JOB_RUNS
        ]
        commands.append(["job", "report", "--state", state, "--format", "html", "--output", str(page)])
    else:
        commands = [["audit", *SAMPLE_AUDIT, "--format", "html", "--output", str(page)]]
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "auditor", *command], cwd=ROOT, capture_output=True, text=True)
        if done.returncode not in (0, 1):
            sys.stderr.write(done.stderr)
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


def _logs(paths: list[str]) -> list[str]:
    return [argument for path in paths for argument in ("--logs", path)]


if __name__ == "__main__":
    sys.exit(main())
