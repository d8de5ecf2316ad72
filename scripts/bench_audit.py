#!/usr/bin/env python3
"""Time `keyaudit audit` end to end against DuckDB merely counting the same log's calls per key and method.

    pip install -e '.[bench]'
    python scripts/bench_audit.py [--sizes 1000000,10000000] [--runs 3] [--dir /tmp/keyaudit-bench]

For each size, plain and gzipped, scripts/gen_logs.py writes the log (once: kept in --dir), then each
tool runs --runs times as a child process, as a user runs it: keyaudit audits the generated keys
against the log (`--format json --quiet`), DuckDB runs

    select key, method, count(*) from read_json(LOG, format='newline_delimited', ignore_errors=true)
    group by key, method

(no route matching at all; `ignore_errors` because the log holds bad lines, as real ones do). Wall time,
CPU time (user + system, all the child's processes) and peak RSS come from os.wait4 on each child. The
ratio is keyaudit's median wall time over DuckDB's.

The tools take turns, run by run (DuckDB, then each reader, then DuckDB again), and the log is read once
untimed before each run, so that a busy neighbour or the page cache dropping the file weighs on all of
them alike. keyaudit's bytecode is compiled first, as `pip install` compiles it (a checkout run with
PYTHONDONTWRITEBYTECODE=1 would compile every module on every run). keyaudit runs once per reader of --readers: `scanner` (the
compiled scanner, where it was built) and `pure` (KEYAUDIT_PURE_PYTHON=1, as where no compiler was).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DUCKDB_QUERY = (
    "select key, method, count(*) from read_json({log}, format='newline_delimited', ignore_errors=true) "
    "group by key, method"
)
DUCKDB_CHILD = (
    "import duckdb, sys; connection = duckdb.connect(); connection.execute('set enable_progress_bar=false'); "
    "print(sum(count for _, _, count in connection.execute(sys.argv[1]).fetchall()))"
)


def generate(folder: Path, lines: int, gz: bool) -> tuple[Path, Path]:
    log = folder / f"calls-{lines}.jsonl{'.gz' if gz else ''}"
    keys = folder / "keys.json"
    if not log.exists() or not keys.exists():
        partial = log.with_name(log.name + ".part")
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "gen_logs.py"),
                "--lines",
                str(lines),
                "--out",
                str(partial),
                "--keys-out",
                str(keys),
                *(["--gzip"] if gz else []),
            ],
            check=True,
        )
        partial.rename(log)
    return log, keys


# The `keyaudit` command pip installed beside this Python, as a user runs it; `python -m auditor` where there is none.
_SCRIPT = Path(sys.executable).with_name("keyaudit")
KEYAUDIT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "auditor"]
READER_ENV = {"scanner": {"KEYAUDIT_PURE_PYTHON": "0"}, "pure": {"KEYAUDIT_PURE_PYTHON": "1"}}


def run(command: list[str], env: dict[str, str], exits: tuple[int, ...]) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS MiB, stdout) of one child process and everything it waited for;
    an exit code not in `exits` stops the benchmark with the child's error."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT, env={**os.environ, **env})
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in exits:
            err.seek(0)
            raise RuntimeError(f"{' '.join(command[:4])} failed: {err.read().decode(errors='replace')[-500:]}")
        out.seek(0)
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read().decode()


def warm(log: Path) -> None:
    """Read the log once, so that every run finds it in the page cache."""
    with log.open("rb") as stream:
        while stream.read(16 << 20):
            pass


def take_turns(commands: dict[str, tuple[list[str], dict, tuple]], log: Path, runs: int) -> dict[str, tuple[list, str]]:
    """Per tool: (wall, CPU, RSS) of each run, and the last run's output; the tools run in turns."""
    results: dict[str, tuple[list, str]] = {name: ([], "") for name in commands}
    for _ in range(runs):
        for name, (command, env, exits) in commands.items():
            warm(log)
            wall, cpu, rss, out = run(command, env, exits)
            results[name] = (results[name][0] + [(wall, cpu, rss)], out)
    return results


def describe(results: list[tuple[float, float, float]]) -> str:
    walls, cpus, rss = zip(*results)
    return (
        f"wall median {statistics.median(walls):6.2f} s (range {min(walls):.2f}-{max(walls):.2f}), "
        f"cpu median {statistics.median(cpus):6.2f} s, peak RSS max {max(rss):5.0f} MiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000", help="comma-separated line counts [1000000]")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool; the medians are reported [3]")
    parser.add_argument(
        "--dir",
        default="/tmp/keyaudit-bench",
        help="where the generated logs are kept between runs [/tmp/keyaudit-bench]",
    )
    parser.add_argument("--readers", default="scanner,pure", help="keyaudit's JSONL readers to time [scanner,pure]")
    args = parser.parse_args()
    try:
        import duckdb  # noqa: F401  (the yardstick runs in a child; this only tells whether it can)
    except ImportError:
        parser.error("DuckDB, the yardstick, is not installed: pip install -e '.[bench]'")
    readers = args.readers.split(",")
    unknown = sorted(set(readers) - set(READER_ENV))
    if unknown:
        parser.error(f"--readers: {', '.join(unknown)}? choose among {', '.join(READER_ENV)}")
    version = subprocess.run(  # what the scanner's runs get: KEYAUDIT_PURE_PYTHON=0
        [*KEYAUDIT, "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **READER_ENV["scanner"]},
    ).stdout.strip()
    if "scanner" in readers and "compiled scanner" not in version:
        parser.error(f"--readers scanner: this keyaudit has none ({version}); time `--readers pure`")
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "auditor")], check=True)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
        f"{args.runs} runs each\n{version}"
    )
    for lines in (int(size) for size in args.sizes.split(",")):
        for gz in (False, True):
            log, keys = generate(folder, lines, gz)
            audit = [
                *KEYAUDIT,
                "audit",
                "--keys",
                str(keys),
                "--logs",
                str(log),
                "--format",
                "json",
                "--quiet",
            ]
            quoted = "'" + str(log).replace("'", "''") + "'"
            duck = [sys.executable, "-c", DUCKDB_CHILD, DUCKDB_QUERY.format(log=quoted)]
            turns = take_turns(
                {
                    "duckdb": (duck, {}, (0,)),
                    **{reader: (audit, READER_ENV[reader], (0, 1)) for reader in readers},  # 1: findings
                },
                log,
                args.runs,
            )
            theirs, counted = turns["duckdb"]
            theirs_wall = statistics.median(r[0] for r in theirs)
            print(f"\n{lines:,} lines, {'gzip' if gz else 'plain'}: {log.name}, {log.stat().st_size / 1e6:,.0f} MB")
            print(
                f"  duckdb group-by    {describe(theirs)}; {lines / theirs_wall:,.0f} lines/s; "
                f"{int(counted):,} rows counted"
            )
            for reader in readers:
                ours, report = turns[reader]
                summary = json.loads(report)["summary"]
                ours_wall = statistics.median(r[0] for r in ours)
                print(
                    f"  keyaudit {reader:<9} {describe(ours)}; {lines / ours_wall:,.0f} lines/s; "
                    f"linesRead {summary['linesRead']:,}, badLines {summary['badLines']}; "
                    f"ratio keyaudit/duckdb {ours_wall / theirs_wall:.2f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
