#!/usr/bin/env python3
"""How long the Markdown report is for N keys, uncapped and under the default cap (a PR comment's budget).

    python scripts/markdown_sizes.py [--keys 14 160 1000]

N keys are the bundled samples' definitions (appwrite.json, manifest.yaml) plus copies of the keylist.json keys
(new ids and names, secrets blanked) until there are N; the calls are the samples' logs, so the copies made no
call and carry the no-log findings. Prints one line per N: characters uncapped and capped, and the cap's line.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OTHERS = ["--keys", "samples/appwrite.json", "--keys", "samples/manifest.yaml"]
LOGS = ["--logs", "samples/logs/calls.jsonl", "--logs", "samples/logs/calls-2.jsonl.gz"]
NOW = ["--now", "2026-11-25T00:00:00Z"]
DEFINED_ELSEWHERE = 7  # keys of appwrite.json and manifest.yaml


def keylist(count: int) -> dict:
    original = json.loads((ROOT / "samples/keys/keylist.json").read_text())["keys"]
    keys = [dict(k) for k in original]
    for number in range(count - len(original)):
        copy = dict(original[number % len(original)], secret="")
        copy["$id"] = f"{number:020x}"
        copy["name"] = f"{copy['name']}-{number}"
        keys.append(copy)
    return {"total": len(keys), "keys": keys[:count]}


def markdown(keys_file: Path, *cap: str) -> str:
    command = [sys.executable, "-m", "auditor", "audit", "--keys", str(keys_file), *OTHERS, *LOGS, *NOW]
    proc = subprocess.run([*command, "--format", "markdown", *cap], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(proc.stderr)
    return proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[14, 160, 1000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for total in args.keys:
            keys_file = Path(folder) / "keylist.json"
            keys_file.write_text(json.dumps(keylist(total - DEFINED_ELSEWHERE)))
            full, capped = markdown(keys_file, "--max-chars", "0"), markdown(keys_file)
            said = re.search(r"least severe first: ([^.]*)\.", capped)
            print(
                f"{total} keys: {len(full):,} characters uncapped, {len(capped):,} capped"
                + (f" (left out: {said.group(1)})" if said else " (nothing left out)")
            )


if __name__ == "__main__":
    main()
