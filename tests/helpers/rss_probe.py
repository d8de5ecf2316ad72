"""Peak memory of each reader of keyaudit over one file, each in a process of its own (run by test_resource_bombs).

    python tests/helpers/rss_probe.py FOLDER

FOLDER holds `log` (a good call of each format, then a 60 MB line without a newline), `usage.csv`,
`usage.jsonl` and `keys.json`. After everything is imported, the probe forks once per reader; the parent reads
the child's peak RSS from wait4() and prints, as JSON, how far each reader grew it beyond that of a child that
does nothing (kB), with what the reader counted.
"""

from __future__ import annotations

import json
import os
import sys

from click.testing import CliRunner

from auditor.catalog.catalog import load
from auditor.cli.catalog import _lookup_stream
from auditor.cli.main import cli
from auditor.loaders.logs import LOG_FORMATS, iter_calls
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.logs.calllog import ReadStats
from auditor.loaders.usage_file import read_usage_rows
from auditor.secrets.scan import scan_file
from auditor.validation.validate_file import validate_path


def _log(log_format: str):
    def read(folder: str) -> dict:
        stats = ReadStats()
        calls = sum(1 for _ in iter_calls(f"{folder}/log-{log_format}", stats, LogOptions(format=log_format, key="k1")))
        return {"calls": calls, "bad": stats.bad_lines, "lines": stats.lines_read}

    return read


def _usage(name: str):
    def read(folder: str) -> dict:
        stats = ReadStats()
        rows = sum(1 for _ in read_usage_rows(f"{folder}/{name}", stats))
        return {"calls": rows, "bad": stats.bad_lines, "lines": stats.lines_read}

    return read


def _cli(*args):
    def run(folder: str) -> dict:
        os.chdir(folder)
        result = CliRunner().invoke(cli, list(args))
        return {"exit": result.exit_code, "stderr": result.stderr[-300:], "out": len(result.stdout)}

    return run


def _lookup(folder: str) -> dict:
    sys.stdout = open(os.devnull, "w")
    _lookup_stream(load("1.9"), f"{folder}/log-keyaudit-jsonl")
    return {}


def _validate(folder: str) -> dict:
    report = validate_path(f"{folder}/log-keyaudit-jsonl", "call-log", None)
    return {"bad": report.errors}


def _secrets(folder: str) -> dict:
    return {"hits": len(scan_file(f"{folder}/log-keyaudit-jsonl"))}


READERS = {
    "nothing (the baseline)": lambda folder: {},
    **{f"logs {name}": _log(name) for name in LOG_FORMATS},
    "usage csv": _usage("usage.csv"),
    "usage jsonl": _usage("usage.jsonl"),
    "catalog lookup --input": _lookup,
    "validate call-log": _validate,
    "secrets": _secrets,
    "audit --logs (detected)": _cli(
        "audit",
        "--keys",
        "keys.json",
        "--logs",
        "log-keyaudit-jsonl",
        "--format",
        "json",
        "--now",
        "2026-11-25T00:00:00Z",
    ),
    "job run --logs": _cli(
        "job",
        "run",
        "--state",
        "state.db",
        "--keys",
        "keys.json",
        "--logs",
        "log-keyaudit-jsonl",
        "--now",
        "2026-11-25T00:00:00Z",
    ),
}


def main(folder: str) -> None:
    results = {}
    for name, reader in READERS.items():
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            try:
                outcome = reader(folder)
            except BaseException as error:  # reported, not raised: the parent must hear of it
                outcome = {"error": f"{type(error).__name__}: {error}"}
            os.write(write_fd, json.dumps(outcome).encode())
            os._exit(0)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            outcome = json.loads(pipe.read() or "{}")
        _, status, usage = os.wait4(pid, 0)
        results[name] = {"peak_kb": usage.ru_maxrss, "status": status, **outcome}
    baseline = results.pop("nothing (the baseline)")["peak_kb"]
    for outcome in results.values():
        outcome["growth_kb"] = outcome["peak_kb"] - baseline
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
