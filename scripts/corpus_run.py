#!/usr/bin/env python3
"""Run every keyaudit command that reads key files over a corpus of real projects' files and count what happens.

    python scripts/corpus_run.py /work/corpus [--jobs 2] [--timeout 60] [--json]

The corpus is a folder of projects, one sub-folder each (`<owner>__<repo>/<path as in the repository>`, so
`includes` resolve), kept outside this repository: real projects' files never enter it. Every regular file in
it (but a top-level `SOURCES.tsv`) is run through `validate`, `lint`, `audit --keys` (no logs), `secrets`,
`fix --diff` and `fix` followed by a second `fix --diff` (both on a temporary copy of the file's project, so the
corpus is never changed); each project's files go to one `lint` and one `validate` together, as pre-commit
passes them, and every file of the corpus to one `lint`.

Printed: files, projects, runs per command, files read and refused per command, refusals grouped by their
one-line reason (paths and numbers replaced so that files do not split a group), findings by rule (lint and
audit), fix runs whose second run still changed something, and the failures that must not happen: internal
errors (an exit code other than 0, 1 or 2, or a traceback on stderr), a key secret in any output, timeouts.
Exit 1 when there was any such failure. `--json` prints the same counts, and each failure, as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

SECRET = re.compile(r"standard_[0-9a-fA-F]{256}")
ERROR_LINE = re.compile(r"^keyaudit: error: (.*)$", re.MULTILINE)
NUMBER = re.compile(r"\d+")
ALLOWED_EXIT = {0, 1, 2}
# fix refuses to guess the version names are written for; most real files declare none.
FIX_VERSION = ("--appwrite-version", "1.9")


@dataclass(frozen=True)
class Run:
    """One keyaudit invocation: its name in the counts, its arguments, the files it reads, the project it needs."""

    command: str
    args: tuple[str, ...]
    files: tuple[Path, ...]
    project: Path
    on_copy: bool = False


@dataclass
class Outcome:
    run: Run
    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    failures: list[str] = field(default_factory=list)


def corpus_files(corpus: Path) -> dict[Path, list[Path]]:
    """Every regular file of the corpus under its project folder (the corpus's direct sub-folder)."""
    projects: dict[Path, list[Path]] = defaultdict(list)
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.parent != corpus:
            projects[corpus / path.relative_to(corpus).parts[0]].append(path)
    return dict(projects)


def plan_runs(projects: dict[Path, list[Path]]) -> list[Run]:
    runs: list[Run] = []
    for project, files in projects.items():
        for f in files:
            one = (f,)
            runs += [
                Run("validate", ("validate", "--format", "json", str(f)), one, project),
                Run("lint", ("lint", "--format", "json", str(f)), one, project),
                Run("audit", ("audit", "--keys", str(f), "--format", "json", "--fail-on", "none"), one, project),
                Run("secrets", ("secrets", str(f)), one, project),
                Run("fix --diff", ("fix", *FIX_VERSION, "--diff", str(f)), one, project, on_copy=True),
                Run("fix", ("fix", *FIX_VERSION, str(f)), one, project, on_copy=True),
            ]
        if len(files) > 1:
            every = tuple(str(f) for f in files)
            runs.append(Run("lint project", ("lint", "--format", "json", *every), tuple(files), project))
            runs.append(Run("validate project", ("validate", "--format", "json", *every), tuple(files), project))
    return runs


def normalise(reason: str, paths: list[str]) -> str:
    """A refusal's reason with the corpus's paths and every number replaced, so that files share a group."""
    for path in sorted(paths, key=len, reverse=True):
        reason = reason.replace(path, "<path>")
    reason = re.sub(r"(/[^\s:'\"]+)+", "<path>", reason)
    return NUMBER.sub("N", reason)


def execute(keyaudit: list[str], args: list[str], timeout: float, cwd: Path) -> tuple[int | None, str, str]:
    try:
        done = subprocess.run(
            [*keyaudit, *args], capture_output=True, text=True, errors="replace", timeout=timeout, cwd=cwd
        )
    except subprocess.TimeoutExpired:
        return None, "", ""
    return done.returncode, done.stdout, done.stderr


def perform(run: Run, keyaudit: list[str], timeout: float) -> Outcome:
    if not run.on_copy:
        code, out, err = execute(keyaudit, list(run.args), timeout, run.project)
        return judge(Outcome(run, code, out, err))
    with tempfile.TemporaryDirectory(prefix="corpus-fix-") as tmp:
        copy = Path(tmp) / run.project.name
        shutil.copytree(run.project, copy, symlinks=True)
        moved = [str(copy / Path(a).relative_to(run.project)) if a == str(run.files[0]) else a for a in run.args]
        code, out, err = execute(keyaudit, moved, timeout, copy)
        outcome = judge(
            Outcome(run, code, out.replace(str(copy), str(run.project)), err.replace(str(copy), str(run.project)))
        )
        if run.command == "fix" and code == 0:
            again, _, again_err = execute(keyaudit, ["fix", *FIX_VERSION, "--diff", moved[-1]], timeout, copy)
            if again == 1:
                outcome.failures.append("second fix changed something")
            elif again not in ALLOWED_EXIT or "Traceback" in again_err:
                outcome.failures.append(f"second fix: exit {again}")
        return outcome


def judge(outcome: Outcome) -> Outcome:
    if outcome.exit_code is None:
        outcome.failures.append("timeout")
        return outcome
    if outcome.exit_code not in ALLOWED_EXIT or "Traceback (most recent call last)" in outcome.stderr:
        outcome.failures.append(f"internal error: exit {outcome.exit_code}")
    if SECRET.search(outcome.stdout) or SECRET.search(outcome.stderr):
        outcome.failures.append("secret in output")
    return outcome


def refusals_of(outcome: Outcome) -> list[str]:
    """The one-line reasons a run gave for the files it refused: `keyaudit: error:` lines, or validate's JSON."""
    reasons = ERROR_LINE.findall(outcome.stderr)
    if outcome.run.command.startswith("validate") and outcome.exit_code == 2:
        try:
            results = json.loads(outcome.stdout)
        except ValueError:
            return reasons
        reasons += [r["error"] for r in results if isinstance(r, dict) and r.get("error")]
    return reasons


def findings_of(outcome: Outcome) -> list[str]:
    if outcome.run.command not in ("lint", "audit") or outcome.exit_code not in (0, 1, 2):
        return []
    try:
        report = json.loads(outcome.stdout)
    except ValueError:
        return []
    return [f.get("rule", "?") for f in report.get("findings", [])] if isinstance(report, dict) else []


def summarise(outcomes: list[Outcome], projects: dict[Path, list[Path]]) -> dict:
    paths = [str(f) for files in projects.values() for f in files] + [str(p) for p in projects]
    runs = Counter(o.run.command for o in outcomes)
    read: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    findings: dict[str, Counter[str]] = defaultdict(Counter)
    failures = []
    not_idempotent = 0
    for o in outcomes:
        refusals = refusals_of(o) if o.exit_code == 2 else []
        for reason in refusals:
            reasons[o.run.command][normalise(reason, paths)] += 1
        bad = min(len(refusals), len(o.run.files))
        refused[o.run.command] += bad
        read[o.run.command] += len(o.run.files) - bad
        for rule in findings_of(o):
            findings[o.run.command][rule] += 1
        for failure in o.failures:
            if failure == "second fix changed something":
                not_idempotent += 1
                continue
            failures.append({"failure": failure, "command": list(o.run.args), "stderr": o.stderr.strip()[-400:]})
    kinds = Counter(f["failure"].split(":")[0] for f in failures)
    return {
        "files": sum(len(files) for files in projects.values()),
        "projects": len(projects),
        "runs": sum(runs.values()),
        "runsByCommand": dict(sorted(runs.items())),
        "readByCommand": dict(sorted(read.items())),
        "refusedByCommand": dict(sorted(refused.items())),
        "refusedReasons": {c: dict(r.most_common()) for c, r in sorted(reasons.items())},
        "findingsByRule": {c: dict(r.most_common()) for c, r in sorted(findings.items())},
        "fixNotIdempotent": not_idempotent,
        "internalErrors": kinds["internal error"],
        "secretsInOutput": kinds["secret in output"],
        "timeouts": kinds["timeout"],
        "failures": failures,
    }


def print_summary(summary: dict) -> None:
    print(f"files: {summary['files']}  projects: {summary['projects']}  runs: {summary['runs']}")
    print("runs / read / refused by command:")
    for command, count in summary["runsByCommand"].items():
        read, refused = summary["readByCommand"].get(command, 0), summary["refusedByCommand"].get(command, 0)
        print(f"  {command:<17} runs {count:>5}  files read {read:>5}  refused {refused:>5}")
    print("refused, by reason:")
    for command, reasons in summary["refusedReasons"].items():
        for reason, count in reasons.items():
            print(f"  {count:>5}  {command}: {reason}")
    print("findings by rule:")
    for command, rules in summary["findingsByRule"].items():
        for rule, count in rules.items():
            print(f"  {count:>5}  {command}: {rule}")
    print(f"fix whose second run still changed something: {summary['fixNotIdempotent']}")
    print(f"internal errors: {summary['internalErrors']}")
    print(f"secrets in output: {summary['secretsInOutput']}")
    print(f"timeouts: {summary['timeouts']}")
    for failure in summary["failures"]:
        print(f"  {failure['failure']}: keyaudit {' '.join(failure['command'])}")
        if failure["stderr"]:
            print("    " + failure["stderr"].splitlines()[-1])


def keyaudit_command() -> list[str]:
    """The keyaudit beside this interpreter (a venv's), else `python -m auditor`."""
    beside = Path(sys.executable).with_name("keyaudit")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "auditor"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder of projects, one sub-folder each")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="runs at once [2]")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one run may take [60]")
    parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    options = parser.parse_args()
    if not options.corpus.is_dir():
        print(f"corpus_run: {options.corpus} is not a folder", file=sys.stderr)
        return 2
    corpus = options.corpus.resolve()
    projects = corpus_files(corpus)
    runs = plan_runs(projects)
    every = tuple(f for files in projects.values() for f in files)
    runs.append(Run("lint corpus", ("lint", "--format", "json", *map(str, every)), every, corpus))
    keyaudit = keyaudit_command()
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        outcomes = list(pool.map(lambda run: perform(run, keyaudit, options.timeout), runs))
    summary = summarise(outcomes, projects)
    if options.json:
        print(json.dumps(summary, indent=2))
    else:
        print_summary(summary)
    bad = summary["internalErrors"] + summary["secretsInOutput"] + summary["timeouts"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
