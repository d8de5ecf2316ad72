#!/usr/bin/env python3
"""Fuzz every loader of keyaudit, every log format and the path matcher with mutated real input.

    python scripts/fuzz_loaders.py --seconds 1200 [--seed 1] [--crashes /tmp/keyaudit-crashes] [--target NAME ...]

A mutation fuzzer: each target starts from a corpus of real inputs (samples/, the test fixtures, one good line
per log format) and feeds it mutated copies: bit flips, cut and repeated pieces, splices of two inputs, and
tokens that break parsers (deep nesting, `1e999999`, YAML tags and aliases, invalid UTF-8, NUL, BOM, CRLF, key
secrets). An input that makes a target raise anything but keyaudit's InputError, or break the target's
invariant (a log line neither a call, a bad line nor unattributed; the fast JSONL reader counting otherwise
than the line reader; a route that does not fit its path; a secret that survives redaction), is a crash: it
is saved under --crashes and counted. The targets take turns until the time is up; the summary gives the
inputs run and the crashes per target, and the exit code is 1 when there was any.

The property tests (tests/test_properties.py) run the same targets with hypothesis at a modest example count;
`KEYAUDIT_EXAMPLES=5000 python -m pytest tests/test_properties.py` runs them longer.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers.hostile import minted_secret, stored_secret  # noqa: E402
from test_hostile_inputs import GOOD  # noqa: E402

from auditor.analysis.usage import read_usage  # noqa: E402
from auditor.catalog.catalog import load  # noqa: E402
from auditor.catalog.matcher import split_path, template_segments  # noqa: E402
from auditor.errors import InputError  # noqa: E402
from auditor.loaders.document import load_document  # noqa: E402
from auditor.loaders.keys import load_key_file  # noqa: E402
from auditor.loaders.logs import LOG_FORMATS, iter_calls  # noqa: E402
from auditor.loaders.logs.attribution import KeyIndex, LogOptions  # noqa: E402
from auditor.loaders.logs.calllog import BadRecord, ReadStats  # noqa: E402
from auditor.loaders.logs.timestamps import clf, rfc3339  # noqa: E402
from auditor.loaders.usage_file import BadRow, parse_engine_time, read_usage_rows  # noqa: E402
from auditor.model import KeyDefinition, Location  # noqa: E402
from auditor.policy.load import load_policy  # noqa: E402
from auditor.rules.baseline import load_baseline  # noqa: E402
from auditor.rules.config import load_config  # noqa: E402
from auditor.rules.exceptions import load_exceptions  # noqa: E402
from auditor.rules.registry import configured_rules  # noqa: E402
from auditor.secrets import find_secrets, redact  # noqa: E402
from auditor.secrets.scan import scan_stream  # noqa: E402
from auditor.state.job_config import load_job_config  # noqa: E402
from auditor.times import BadTime, parse_time  # noqa: E402

CATALOG = load("1.9")
KEYS = KeyIndex([KeyDefinition("k1", ["users.read"], Location("keys.json"), name="n1")])
TOKENS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b":",
    b",",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\\",
    b"[" * 200,
    b'{"a":' * 100,
    b"1e999999",
    b"-1e999999",
    b"NaN",
    b"9" * 5000,
    b"!!python/object:os.system",
    b"!!binary",
    b"&a ",
    b"*a",
    b"<<: ",
    b"- ",
    b"? ",
    b"%YAML 1.2\n",
    b"---\n",
    b"...\n",
    b"${var.x}",
    b"%2F",
    b"/../",
    b"//",
    b"?q=1",
    b"#",
    b"\t",
    b" " * 100,
    b"\xc3\x28",
    b"\xed\xa0\x80",
    stored_secret("fuzz").encode(),
    minted_secret("fuzz").encode(),
    b"app.shop@service.x",
    b" (role: applications) missing scope (users.read)",
    b"general_unauthorized_scope",
    b"GET /v1/users ",
    b"2026-11-20T10:00:00Z",
    b"[20/Nov/2026:10:00:00 +0000]",
    b'"logs": [',
    b'"event": "user.create"',
    "\u00a0\u2028\u3000".encode(),
    b"\x1c\x1d\x1e\x85",
]


def _corpus() -> dict[str, list[bytes]]:
    samples = [p.read_bytes() for p in (ROOT / "samples").rglob("*") if p.is_file() and p.suffix != ".gz"]
    fixtures = [p.read_bytes() for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_file() and p.suffix != ".gz"]
    documents = [s for s in samples + fixtures if s[:1] in b"{[#a" or s.startswith(b"appwriteVersion")]
    documents += [
        b"failOn: high\nrules:\n  stale-key: {options: {days: 30}}\n",
        b'{"baselineVersion": 1, "tool": "keyaudit", "createdAt": "2026-11-25T00:00:00Z", "findings": '
        b'[{"fingerprint": "' + b"a" * 64 + b'", "rule": "no-expiry"}]}',
        b"exceptions:\n  - {rule: no-expiry, key: k1, reason: r, owner: o, expires: 2027-01-31}\n",
        b"state: s.db\nkeys: [keys.json]\nwindow: 30d\n",
    ]
    terraform = [p.read_bytes() for p in (ROOT / "tests" / "fixtures").rglob("*.tf")] or [
        b'resource "appwrite_project_key" "k" {\n  name = "n"\n  scopes = ["users.read"]\n  expire = null\n}\n'
    ]
    usage = [
        b"key,method,path,count,first_seen,last_seen\nk1,GET,/v1/users,3,2026-11-20 09:00:00+00,\n",
        b'{"key": "k1", "method": "GET", "path": "/v1/users", "count": 2}\n',
        b'[{"key": "k1", "method": "GET", "path": "/v1/users", "count": 2}]',
    ]
    logs = {name: [GOOD[name] + b"\n" + GOOD[name] + b"\n"] for name in LOG_FORMATS}
    logs["keyaudit-jsonl"] += [(ROOT / "samples" / "logs" / "calls.jsonl").read_bytes()[:20_000]]
    logs["appwrite-audit"] += [
        p.read_bytes()[:20_000] for p in (ROOT / "tests" / "fixtures" / "logs").glob("appwrite-*")
    ]
    paths = [f"{route.method} {route.template}".encode() for route in CATALOG.routes[::7]]
    return {
        "documents": documents,
        "terraform": terraform,
        "usage": usage,
        "paths": paths,
        "times": [b"2026-11-20T10:00:00.123456789Z", b"20/Nov/2026:10:00:00 +0000", b"2026-11-20 09:09:00+00"],
        "text": [b"key = " + stored_secret("c").encode() + b"\n" + minted_secret("c").encode()],
        **logs,
    }


def mutate(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    for _ in range(rng.choice((1, 1, 2, 3, 6))):
        choice = rng.randrange(8)
        at = rng.randrange(len(data) + 1)
        if choice == 0 and data:
            index = rng.randrange(len(data))
            data = data[:index] + bytes([data[index] ^ (1 << rng.randrange(8))]) + data[index + 1 :]
        elif choice == 1:
            data = data[:at] + rng.choice(TOKENS) + data[at:]
        elif choice == 2:
            data = data[:at] + data[at + rng.randrange(1, 64) :]
        elif choice == 3:
            end = min(len(data), at + rng.randrange(1, 200))
            data = data[:end] + data[at:end] * rng.randrange(1, 20) + data[end:]
        elif choice == 4:
            other = rng.choice(corpus)
            cut = rng.randrange(len(other) + 1)
            data = data[:at] + other[cut : cut + rng.randrange(1, 400)] + data[at:]
        elif choice == 5:
            data = data[:at]
        elif choice == 6:
            data = data.replace(b"\n", b"\r\n") if rng.random() < 0.5 else data.replace(b"\n", b"")
        else:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80)))
    return data[:200_000]


class Crash(Exception):
    """An invariant broken (as opposed to an exception raised)."""


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _write(folder: str, name: str, data: bytes) -> str:
    path = os.path.join(folder, name)
    Path(path).write_bytes(data)
    return path


def _loader(function, name="input.yaml"):
    def run(folder: str, data: bytes) -> None:
        try:
            function(_write(folder, name, data))
        except InputError:
            pass

    return run


def _log(log_format: str):
    def run(folder: str, data: bytes) -> None:
        compressed = data[:1] == b"!"  # now and then through gzip
        path = _write(folder, "log.gz" if compressed else "log", gzip.compress(data) if compressed else data)
        stats = ReadStats()
        try:
            calls = list(iter_calls(path, stats, LogOptions(format=log_format, key="k1", keys=KEYS)))
        except InputError:
            return
        for call in calls:
            if not (isinstance(call.key, str) and call.key and redact(call.key) == call.key):
                raise Crash(f"bad key {call.key!r}")
        if stats.lines_read != _line_count(data):
            raise Crash(f"lines_read {stats.lines_read} of {_line_count(data)} lines")
        nonblank = sum(1 for line in data.split(b"\n") if line.strip())
        accounted = len(calls) + stats.bad_lines + sum(stats.unattributed.values())
        if (
            log_format == "error-lines"
            and accounted > nonblank
            or log_format not in ("error-lines", "appwrite-audit")
            and accounted != nonblank
        ):
            raise Crash(f"{accounted} calls, bad or unattributed lines of {nonblank} non-blank lines")

    return run


def _fast_jsonl(folder: str, data: bytes) -> None:
    path = _write(folder, "fast.jsonl", data)
    stats = ReadStats()
    options = LogOptions(format="keyaudit-jsonl", keys=KEYS)
    try:
        calls = list(iter_calls(path, stats, options))
    except InputError:  # corrupt gzip: the fast reader must refuse it too
        try:
            read_usage([path], CATALOG, log_options=options, workers=1)
        except InputError:
            return
        raise Crash("the fast reader read what the line reader refused") from None
    usage = read_usage([path], CATALOG, log_options=options, workers=1)
    fast = (usage.stats.lines_read, usage.stats.bad_lines, sum(u.calls for u in usage.by_key.values()))
    if fast != (stats.lines_read, stats.bad_lines, len(calls)):
        raise Crash(f"fast reader {fast} vs line reader {(stats.lines_read, stats.bad_lines, len(calls))}")


def _matcher(folder: str, data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    method, _, path = text.partition(" ")
    route = CATALOG.match(method, path)
    if route is None:
        return
    parts, template = split_path(path), template_segments(route.template)
    if template and template[-1] == "*":
        fits = len(parts) >= len(template) - 1 and all(t is None or t == p for t, p in zip(template[:-1], parts))
    else:
        fits = len(parts) == len(template) and all(t is None or t == p for t, p in zip(template, parts))
    if not fits or route.method != ("GET" if method.upper() == "HEAD" else method.upper()):
        raise Crash(f"{method} {path!r} matched {route.method} {route.template}")


def _times(folder: str, data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for parse, bad in ((rfc3339, BadRecord), (parse_time, BadTime), (clf, BadRecord), (parse_engine_time, BadRow)):
        try:
            parse(text)
        except bad:
            pass


def _secrets(folder: str, data: bytes) -> None:
    import io

    text = data.decode("utf-8", "replace")
    whole = [(h.line, h.fingerprint) for h in find_secrets(text)]
    streamed = [(h.line, h.fingerprint) for h in scan_stream(io.BytesIO(text.encode()), chunk_size=1 + len(data) % 997)]
    if whole != streamed:
        raise Crash("streaming scan disagrees with the whole-text scan")
    if find_secrets(redact(text)):
        raise Crash("a secret survives redaction")


TARGETS = {
    "document": ("documents", _loader(load_document)),
    "document.json": ("documents", _loader(load_document, "input.json")),
    "key file": ("documents", _loader(load_key_file, "keys.json")),
    "terraform": ("terraform", _loader(load_key_file, "main.tf")),
    "config": ("documents", _loader(load_config)),
    "policy": ("documents", _loader(load_policy)),
    "exceptions": ("documents", _loader(lambda path: load_exceptions(None, {}, path, configured_rules(None)))),
    "baseline": ("documents", _loader(load_baseline)),
    "job config": ("documents", _loader(load_job_config)),
    "usage file": ("usage", _loader(lambda path: list(read_usage_rows(path, ReadStats())), "usage")),
    **{f"log {name}": (name, _log(name)) for name in LOG_FORMATS},
    "fast jsonl": ("keyaudit-jsonl", _fast_jsonl),
    "matcher": ("paths", _matcher),
    "timestamps": ("times", _times),
    "secrets": ("text", _secrets),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="Total time, shared by the targets.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--crashes", default=os.path.join(tempfile.gettempdir(), "keyaudit-crashes"))
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="Only these targets.")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = _corpus()
    targets = args.target or list(TARGETS)
    inputs, crashes, kinds = Counter(), Counter(), {}
    deadline = time.monotonic() + args.seconds
    os.makedirs(args.crashes, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        while time.monotonic() < deadline:
            for name in targets:
                seeds, target = TARGETS[name]
                pool = corpus[seeds]
                data = mutate(rng, rng.choice(pool), pool)
                inputs[name] += 1
                try:
                    target(folder, data)
                except RecursionError as error:  # noqa: PERF203 - each input on its own
                    _record(args.crashes, name, data, error, crashes, kinds)
                except Exception as error:  # noqa: BLE001 - every other exception is the finding
                    _record(args.crashes, name, data, error, crashes, kinds)
    total_inputs, total_crashes = sum(inputs.values()), sum(crashes.values())
    print(f"{'target':<24} {'inputs':>9} {'crashes':>8}")
    for name in targets:
        print(f"{name:<24} {inputs[name]:>9} {crashes[name]:>8}")
    print(f"{'all':<24} {total_inputs:>9} {total_crashes:>8}   ({args.seconds:g} s, seed {args.seed})")
    for signature, (name, example) in kinds.items():
        print(f"crash in {name}: {signature} (e.g. {example})")
    return 1 if total_crashes else 0


def _record(folder, name, data, error, crashes, kinds) -> None:
    crashes[name] += 1
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    signature = (
        f"{type(error).__name__} at {frame.filename.split('auditor/')[-1]}:{frame.lineno}"
        if frame
        else type(error).__name__
    )
    path = os.path.join(folder, f"{name.replace(' ', '-')}-{hashlib.sha256(data).hexdigest()[:12]}")
    Path(path).write_bytes(data)
    kinds.setdefault(signature, (name, path))


if __name__ == "__main__":
    sys.exit(main())
