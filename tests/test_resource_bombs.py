"""Resource bombs: a 60 MB line without a newline, memory that must not grow with log lines or distinct paths.

The peak RSS of each reader is measured in a process of its own (tests/helpers/rss_probe.py forks one per reader and
reads its peak from wait4), so a reader that held the line would show 60 MB more than the others.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tracemalloc

from helpers.cli import invoke
from helpers.paths import ROOT
from test_hostile_inputs import GOOD, one_error_line
from werkzeug import Response

from auditor.analysis.needs import analyse_key
from auditor.analysis.usage import KeyUsage, Usage, read_usage
from auditor.audit import report as report_module
from auditor.audit import run_audit
from auditor.catalog.catalog import load
from auditor.loaders.document import load_document
from auditor.loaders.keys import live as fetch
from auditor.loaders.logs import LOG_FORMATS
from auditor.model import KeyDefinition, Location
from auditor.rules.registry import configured_rules

LINE_BYTES = 60 * 1000 * 1000
# What the 60 MB line costs a reader: its peak growth minus that of the same reader over the same files without
# the line. Measured (3 runs): 3.0-4.3 MiB for every reader and `job run` (1 MiB line cap, its copies and read
# buffers), 14.9-15.2 MiB for `audit --logs`, which reads 4 MiB blocks. Bounds: the measured maximum + 8 MiB.
MAX_LINE_KB = 12 * 1024
MAX_LINE_KB_AUDIT = 23 * 1024
# Peak growth over a child that does nothing, the run's own work included (audit: 22.7 MiB measured, of which
# 7.5 MiB without the line): the measured maximum + 8 MiB.
MAX_GROWTH_KB = 31 * 1024


def _with_huge_line(path, first: bytes, real: bool = False, size: int = LINE_BYTES) -> None:
    """`first`, then a 60 MB last line without a newline: NUL bytes in a sparse file, or real text."""
    with open(path, "wb") as handle:
        handle.write(first + b"\n")
        if real:
            chunk = b"a" * (1 << 20)
            for _ in range(size // len(chunk)):
                handle.write(chunk)
        else:
            handle.truncate(len(first) + 1 + size)


def _probe(folder, size: int) -> dict:
    """Peak RSS growth of each reader (tests/helpers/rss_probe.py) over files whose last line is `size` bytes long."""
    folder.mkdir()
    for name in LOG_FORMATS:
        _with_huge_line(folder / f"log-{name}", GOOD[name], real=name == "keyaudit-jsonl", size=size)
    _with_huge_line(
        folder / "usage.csv", b"key,method,path,count,first_seen,last_seen\nk1,GET,/v1/users,2,,", size=size
    )
    _with_huge_line(
        folder / "usage.jsonl", b'{"key": "k1", "method": "GET", "path": "/v1/users", "count": 2}', size=size
    )
    (folder / "keys.json").write_text(
        json.dumps({"keys": [{"$id": "k1", "name": "n1", "scopes": ["users.read"], "expire": None}]})
    )
    probe = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "helpers" / "rss_probe.py"), str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "KEYAUDIT_DEBUG"},
    )
    assert probe.returncode == 0, probe.stderr
    results = json.loads(probe.stdout)
    assert len(results) == len(LOG_FORMATS) + 7
    for name, outcome in results.items():
        assert outcome["status"] == 0 and "error" not in outcome, (name, outcome)
    return results


def test_a_60_mb_line_without_newline_is_counted_in_bounded_memory(tmp_path):
    """Each reader in a process of its own, once over files ending in a 60 MB line, once over the same files
    without it: the difference is what the line costs the reader (README § Hostile input quotes it)."""
    results = _probe(tmp_path / "huge", LINE_BYTES)
    without = _probe(tmp_path / "plain", 0)
    for name, outcome in results.items():
        assert outcome["growth_kb"] < MAX_GROWTH_KB, (name, outcome)
        line_kb = outcome["growth_kb"] - without[name]["growth_kb"]
        assert line_kb < (MAX_LINE_KB_AUDIT if name.startswith("audit ") else MAX_LINE_KB), (name, line_kb, outcome)
        if name.startswith(("logs ", "usage ")):
            lines = 3 if "csv" in name else 2  # the CSV header is a line too
            assert (outcome["calls"], outcome["bad"], outcome["lines"]) == (1, 1, lines), (name, outcome)
    assert results["validate call-log"]["bad"] == 1
    assert results["audit --logs (detected)"]["exit"] in (0, 1), results["audit --logs (detected)"]
    assert results["job run --logs"]["exit"] in (0, 1), results["job run --logs"]


def _write_log(path, lines: int, keys: int) -> None:
    """`lines` calls of `keys` keys to a few routes, every path distinct (ids never repeat), a tenth unknown."""
    shapes = (
        "GET /v1/tablesdb/shop/tables/products/rows/{}",
        "GET /v1/users/{}",
        "DELETE /v1/storage/buckets/b/files/{}",
        "POST /v1/functions/{}/executions",
        "GET /v1/tablesdb/{}/tables/t/rows",
        "GET /v1/nowhere/{}/x",
    )
    with open(path, "w") as handle:
        for n in range(lines):
            method, template = shapes[n % len(shapes)].split(" ")
            handle.write(
                json.dumps(
                    {
                        "time": f"2026-11-{1 + n % 28:02d}T10:00:00Z",
                        "key": f"k{n % keys}",
                        "method": method,
                        "path": template.format(f"id{n:x}"),
                    }
                )
                + "\n"
            )


def test_usage_keeps_keys_times_routes_never_lines_or_distinct_paths(tmp_path):
    """60 000 calls of 50 keys, every path distinct: what is kept is one slot per key and route, five samples of
    unknown paths per key, and one matcher cache entry per path shape.

    (scripts/load_test.py runs 10 million lines with 100 000 keys and quotes the peak RSS.)"""
    catalog = load.__wrapped__("1.9")  # a catalog of its own: its matcher cache starts empty
    log = tmp_path / "calls.jsonl"
    _write_log(log, 60_000, keys=50)
    usage = read_usage([str(log)], catalog, workers=1)  # matched in this process, where the cache can be seen
    assert usage.stats.lines_read == 60_000 and len(usage.by_key) == 50
    assert sum(u.calls for u in usage.by_key.values()) == 60_000
    assert sum(len(u.routes) for u in usage.by_key.values()) <= 50 * 5
    assert all(len(u.unknown_samples) <= 5 for u in usage.by_key.values())
    assert len(catalog._router._cache) <= 50


class _CountingDict(dict):
    """A dict that counts the entries its items() hands out."""

    handed_out = 0

    def items(self):
        for item in super().items():
            _CountingDict.handed_out += 1
            yield item


def test_analysing_every_key_reads_each_keys_usage_once():
    catalog = load("1.9")
    usage = Usage()
    usage.by_key = _CountingDict({(None, f"k{i}"): KeyUsage(f"k{i}", None) for i in range(500)})
    _CountingDict.handed_out = 0
    for i in range(500):
        analyse_key(KeyDefinition(f"k{i}", ["users.read"], Location("keys.json")), usage, catalog)
    assert _CountingDict.handed_out <= 4 * 500


def test_a_policy_placeholder_cannot_ask_for_a_gigabyte(tmp_path):
    """`{key:>300000000}` rendered a 300 MB message per finding (900 MB of memory, 12 s); format specs and
    conversions are refused like unknown placeholders."""
    (tmp_path / "keys.json").write_text(json.dumps({"keys": [{"$id": "k1", "scopes": ["users.read"], "expire": None}]}))
    rule = "{id: big, severity: high, forbiddenScopes: [users.read], message: '%s', fix: 'f'}"
    for template in ("{key:>300000000} holds {scope}", "{scope!r:^999999999}", "{key:{scope}}"):
        (tmp_path / "policy.yaml").write_text("policy:\n  rules:\n    - " + rule % template + "\n")
        result = invoke(["audit", "--keys", str(tmp_path / "keys.json"), "--policy", str(tmp_path / "policy.yaml")])
        assert result.exit_code == 2 and len(result.stdout) < 10_000, result.stdout[:200]
        assert "takes no format spec or conversion" in result.stderr and len(result.stderr.splitlines()) == 1


def test_fetch_keys_stops_a_server_that_pages_forever(httpserver, monkeypatch, tmp_path):
    monkeypatch.setattr(fetch, "MAX_KEYS", 250)
    pages = iter(range(10_000))

    def endless(request):
        page = next(pages)
        keys = [{"$id": f"k{page}-{i}", "name": "n", "scopes": ["users.read"], "expire": ""} for i in range(100)]
        return Response(json.dumps({"total": 10**9, "keys": keys}), content_type="application/json")

    httpserver.expect_request("/v1/health/version").respond_with_json({"version": "1.9.6"})
    httpserver.expect_request("/v1/project/keys").respond_with_handler(endless)
    output = tmp_path / "keys.json"
    output.write_bytes(b'{"old": true}\n')
    result = invoke(
        ["fetch-keys", "--endpoint", httpserver.url_for("/v1"), "--project", "p", "--output", str(output)],
        env={"APPWRITE_API_KEY": "k"},
    )
    one_error_line(
        result.exit_code,
        result.stdout,
        result.stderr,
        httpserver.url_for("/v1/project/keys"),
        ": more than 250 keys and still paging",
    )
    assert next(pages) == 3
    assert output.read_bytes() == b'{"old": true}\n' and list(tmp_path.iterdir()) == [output]


def _key_list_of(size: int) -> bytes:
    """A valid key list of exactly `size` bytes (JSON padded with trailing blanks)."""
    body = json.dumps(
        {"total": 1, "keys": [{"$id": "k1", "name": "n", "scopes": ["users.read"], "expire": ""}]}
    ).encode()
    return body + b" " * (size - len(body))


def test_fetch_keys_refuses_an_answer_over_the_cap_in_one_line(httpserver, monkeypatch, tmp_path):
    """README: an answer over 64 MiB is refused in one line, `--output` left as it was. The cap is patched to
    1 MiB: an answer of exactly the cap is read; one byte more, streamed without a length, is refused."""
    cap = 1 << 20
    monkeypatch.setattr(fetch, "MAX_ANSWER_BYTES", cap)
    output = tmp_path / "keys.json"
    args = ["fetch-keys", "--endpoint", httpserver.url_for("/v1"), "--project", "p", "--output", str(output)]
    httpserver.expect_request("/v1/health/version").respond_with_json({"version": "1.9.6"})
    httpserver.expect_request("/v1/project/keys").respond_with_data(_key_list_of(cap), content_type="application/json")
    result = invoke(args, env={"APPWRITE_API_KEY": "k"})
    assert result.exit_code == 0 and json.loads(output.read_text())["keys"][0]["$id"] == "k1", result.stderr

    def streamed(request):
        body = _key_list_of(cap + 1)
        return Response((body[i : i + 65536] for i in range(0, len(body), 65536)), content_type="application/json")

    httpserver.clear()
    httpserver.expect_request("/v1/health/version").respond_with_json({"version": "1.9.6"})
    httpserver.expect_request("/v1/project/keys").respond_with_handler(streamed)
    output.write_bytes(b'{"old": true}\n')
    result = invoke(args, env={"APPWRITE_API_KEY": "k"})
    one_error_line(
        result.exit_code,
        result.stdout,
        result.stderr,
        httpserver.url_for("/v1/project/keys"),
        ": answer larger than 1 MiB",
    )
    assert output.read_bytes() == b'{"old": true}\n' and list(tmp_path.iterdir()) == [output]


def test_a_path_of_thousands_of_segments_takes_no_more_room_in_the_matcher_than_a_short_one():
    """The matcher caches routes by path shape: a shape once held every segment, so 2 000 log lines with paths
    of 5 000+ segments grew memory by 114 MB (a 1 MiB path: 1.4 MB a line). Shapes now stop one segment past
    the longest template, which resolves them alike."""
    catalog = load.__wrapped__("1.9")
    long_paths = ["/v1/users" + "/users" * (3000 + n) for n in range(300)]
    assert {catalog.match("GET", path) for path in long_paths} == {None}
    assert catalog.match("GET", "/v1/.well-known/acme-challenge/" + "a/" * 5000).template.endswith("/*")
    assert sum(len(shape) for shape in catalog._router._cache) <= 2 * 12


def test_building_the_report_hands_each_key_only_its_own_findings(tmp_path, monkeypatch):
    """The report's fixes once scanned every finding for every key: 100 000 keys with 400 000 findings meant
    4e10 comparisons. Each key's findings are now grouped once."""
    keys = [
        {"$id": f"k{i}", "name": f"n{i}", "scopes": ["documents.read", "global"], "expire": None} for i in range(200)
    ]
    (tmp_path / "keys.json").write_text(json.dumps({"keys": keys}))
    handed = []
    plain = report_module.ready_fix

    def counting(plan, findings, *args):
        handed.append(len(findings))
        return plain(plan, findings, *args)

    monkeypatch.setattr(report_module, "ready_fix", counting)
    result = run_audit([str(tmp_path / "keys.json")], [], rules=configured_rules(None))
    report = report_module.build(result)
    assert len(handed) == 200 and sum(handed) == len(result.findings)
    assert all(len(k["fixes"]["changes"]) == 2 for k in report["keys"])  # rows.read beside documents.read, global out


def test_loading_yaml_documents_keeps_nothing_of_them(tmp_path):
    """Found by the fuzzer's memory growth: one YAML constructor shared by every document kept every scalar
    node it ever built, so each YAML file loaded (lint over a repository, a long job) stayed in memory."""
    path = tmp_path / "manifest.yaml"
    path.write_text(
        "keys:\n"
        + "".join(f"  - {{id: k{i}, name: n{i}, scopes: [users.read, rows.read], expire: null}}\n" for i in range(500))
    )
    load_document(str(path))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            load_document(str(path))
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 200_000, grown


def test_a_tf_file_over_the_hcl_cap_is_refused_before_the_parser_sees_it(tmp_path):
    """The HCL parser holds some 200 bytes per byte (a 20 MiB string took 4 GB and 17 s): a .tf file over
    MAX_HCL_BYTES is one line, read in the memory of the file itself."""
    from auditor.loaders.keys.terraform import MAX_HCL_BYTES

    big = tmp_path / "main.tf"
    big.write_text('resource "appwrite_function" "f" {\n  name = "' + "a" * MAX_HCL_BYTES + '"\n}\n')
    tracemalloc.start()
    try:
        result = invoke(["lint", str(big)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2 and "keyaudit parses no .tf file that large" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert peak < 10 * MAX_HCL_BYTES
