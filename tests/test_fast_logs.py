"""The block reader of keyaudit JSONL (loaders/logs/fastjsonl.py, analysis/blockusage.py) against the line-by-line one.

Whatever the block size, the number of worker processes or the input, reading a log in blocks must give
exactly the Usage that reading it call by call gives: same keys in the same order, same routes, counts,
statuses, first and last times, first locations, unknown-route samples, bad lines (number and reason) and
unattributed calls. Every test runs with the compiled scanner and without it (tests/helpers/readers.py).
"""

import gzip
import hashlib
import io
import json
import random
import re
import tracemalloc

import pytest
from helpers.readers import each_reader  # noqa: F401 (a fixture every test here runs with)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.analysis import blockusage
from auditor.analysis import usage as usage_module
from auditor.analysis.blockusage import BlockReader, combine
from auditor.analysis.parallel import accumulate, mapped_in_threads
from auditor.analysis.usage import Usage, add_calls, read_jsonl, read_usage
from auditor.catalog.catalog import load
from auditor.loaders.logs import iter_calls, open_log
from auditor.loaders.logs.attribution import KeyIndex, LogOptions
from auditor.loaders.logs.fastjsonl import MAX_QUERY, MAX_STRING, Grammar, Layout, _longest_line, learn_layout
from auditor.loaders.source import MAX_LINE_BYTES, iter_blocks
from auditor.model import KeyDefinition, Location
from auditor.secrets import MIN_SECRET_CHARS

pytestmark = pytest.mark.usefixtures("each_reader")  # every test once with the compiled scanner, once without
CATALOG = load("1.9")
SECRET = "standard_" + hashlib.sha256(b"fast-logs").hexdigest() * 4
OTHER_SECRET = "standard_" + hashlib.sha256(b"unknown").hexdigest() * 4
OPTIONS = LogOptions(
    keys=KeyIndex(
        [
            KeyDefinition(
                "k-secret",
                ["rows.read"],
                Location("keys.json"),
                name="s",
                secret_sha256=hashlib.sha256(SECRET.encode()).hexdigest(),
            )
        ]
    )
)
DENIAL_MESSAGE = "app.shop@service.localhost (role: applications) missing scope (documents.read)"

PATHS = [
    "/v1/tablesdb/shop/tables/products/rows",
    "/v1/tablesdb/shop/tables/products/rows/{id}",
    "/v1/tablesdb/shop/tables/orders/rows/{id}?queries%5B0%5D=x",
    "/v1/users/{id}/prefs",
    "/v1/users",
    "/v1/users/{id}",
    "/v1/storage/buckets/images/files/{id}/view#frag",
    "/v1/graphql",
    "/v1/health",
    "/v1/databases/legacy/collections/orders/documents/{id}",
    "/v1/tablesdb/rows/tables/rows/rows/rows",
    "/users/{id}",
    "/v1//users//{id}/",
    "/v1",
    "/",
    "/v1x/users",
    "/v1/nothing/{id}",
    "/v1/nowhere/{id}?a=b",
    "/v1/.well-known/acme-challenge/{id}/deeper/and/deeper/still/more/segments",
    "/v1/functions/{id}/executions",
    "/v1/users/{id}?next=https://example.com/a",
    "/v1/a#x?y",
    "/v1/messaging/messages/email",
    "/v1/teams/{id}/memberships/{id}",
    "/v1/account",
]
METHODS = ["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "get", "Post"]
KEYS = ["k-reader", "k-writer", "k-admin", "6a0000000000000000000001"]


def record(rng: random.Random, n: int, when: int, keys: list[str] = KEYS) -> dict:
    path = rng.choice(PATHS).replace("{id}", f"{n:x}{rng.getrandbits(24):06x}")
    data = {
        "time": f"2026-11-{1 + when // 86400:02d}T{when // 3600 % 24:02d}:{when // 60 % 60:02d}:"
        f"{when % 60:02d}.{n % 1000:03d}Z",
        "key": rng.choice(keys),
        "method": rng.choice(METHODS),
        "path": path,
        "status": rng.choice([200, 201, 404]),
        "project": rng.choice(["shop", "blog"]),
    }
    if rng.random() < 0.1:
        data["status"], data["error"] = 401, "general_unauthorized_scope"
    return data


def odd_line(rng: random.Random, n: int, base: dict) -> str:
    """A line the grammar must leave to the exact reader (or take only where it reads the same)."""
    variants = [
        lambda: json.dumps(base).replace("/", "\\/"),  # escaped slashes
        lambda: json.dumps({**base, "key": "k-\u00e9t\u00e9"}),  # \u escapes
        lambda: json.dumps({**base, "key": "k-été"}, ensure_ascii=False),  # raw UTF-8
        lambda: json.dumps({**base, "extra": {"nested": [1, 2]}}, separators=(",", ":")),
        lambda: json.dumps({**base, "ip": "10.0.0.1", "ms": 12.5, "ok": True, "n": None}, separators=(",", ":")),
        lambda: json.dumps(dict(reversed(list(base.items()))), separators=(",", ":")),  # another order
        lambda: json.dumps(base, separators=(",", ":"))[:-1] + ',"key":"k-dup"}',  # duplicate: the last wins
        lambda: json.dumps(base, separators=(",", ":"))[:-1] + ',"status":"x"}',  # duplicate that is bad
        lambda: json.dumps(base, separators=(",", ":"))[:-1] + ',"path":"/v1/users"}',  # shorter duplicate path
        lambda: json.dumps({**base, "status": 600}),
        lambda: json.dumps({**base, "status": "200"}),
        lambda: json.dumps({**base, "status": 200.0}),
        lambda: json.dumps({**base, "status": None}),
        lambda: json.dumps({**base, "method": "G3T"}),
        lambda: json.dumps({**base, "key": ""}),
        lambda: json.dumps({k: v for k, v in base.items() if k != "path"}),
        lambda: json.dumps({**base, "time": "2026-02-29T10:00:00.000Z"}, separators=(",", ":")),  # no such day
        lambda: json.dumps({**base, "time": "2026-04-31T10:00:00.000Z"}, separators=(",", ":")),
        lambda: json.dumps({**base, "time": "2024-02-29T10:00:00.000Z"}, separators=(",", ":")),  # a leap day
        lambda: json.dumps({**base, "time": "0999-12-31T23:59:59.999Z"}, separators=(",", ":")),
        lambda: json.dumps({**base, "time": "0000-01-01T00:00:00.000Z"}, separators=(",", ":")),
        lambda: json.dumps({**base, "time": "2024-02-29T10:00:00.5+02:00"}),  # a leap day, an offset
        lambda: json.dumps({**base, "time": "2026-11-03 10:00:00"}),
        lambda: json.dumps({**base, "time": None}),
        lambda: json.dumps({**base, "time": "2026-11-03T24:00:00Z"}),
        lambda: json.dumps({**base, "time": 5}),
        lambda: json.dumps({**base, "time": "2026-11-03T10:00:00.1234567Z"}),
        lambda: json.dumps({k: v for k, v in base.items() if k != "time"}, separators=(",", ":")),
        lambda: json.dumps({**base, "project": ""}, separators=(",", ":")),
        lambda: json.dumps({**base, "project": None}, separators=(",", ":")),
        lambda: json.dumps({**base, "error": ""}, separators=(",", ":")),
        lambda: json.dumps({**base, "error": DENIAL_MESSAGE}, separators=(",", ":")),
        lambda: json.dumps({**base, "key": SECRET}, separators=(",", ":")),  # attributed by its sha256
        lambda: json.dumps({**base, "key": OTHER_SECRET}, separators=(",", ":")),  # becomes a fingerprint
        lambda: json.dumps({**base, "key": "dynamic_eyJ" + "a" * 20 + ".bbbbbbbbbb.cccccccccc"}),  # unattributed
        lambda: json.dumps({**base, "project": SECRET}, separators=(",", ":")),
        lambda: json.dumps({**base, "key": "k" * 80}, separators=(",", ":")),  # long, not a secret
        lambda: json.dumps({**base, "path": "https://cloud.appwrite.io/v1/users/x"}),
        lambda: json.dumps({**base, "path": "//host/v1/users?u=http://x"}),
        lambda: json.dumps({**base, "path": "/v1/users/" + "x" * 9000}, separators=(",", ":")),
        lambda: json.dumps({**base, "big": 10**200}, separators=(",", ":")),
        lambda: json.dumps(base, separators=(",", ":"))[:-1] + ',"big":' + "9" * 5000 + "}",  # json.loads refuses it
        lambda: " " + json.dumps(base, separators=(",", ":")) + " \t",
        lambda: json.dumps(base, separators=(",", ":")) + "\r",  # CRLF
        lambda: "",
        lambda: "   ",
        lambda: " \x0b\x0c\t\r",  # blank to bytes.strip, skipped by the scanner
        lambda: " " * 2000,  # blank, too long for the scanner to skip: left to the exact reader
        lambda: "not json",
        lambda: "[1, 2]",
        lambda: '{"key": "k", "method": ',
        lambda: json.dumps(base, separators=(",", ":")).replace('"key"', '"key" '),
        lambda: json.dumps(base, separators=(",", ":")).replace('"shop"', '"sh\\u006fp"'),
        lambda: json.dumps(base, separators=(",", ":")).replace("{", "{\x01", 1),
        lambda: json.dumps({**base, "path": "/v1/users/a\tb"}, separators=(",", ":")).replace("\\t", "\t"),
        lambda: json.dumps({**base, "key": "k-\x7f"}, separators=(",", ":")),
    ]
    return rng.choice(variants)()


def write_log(
    path,
    lines: int = 3000,
    seed: int = 1,
    odd: float = 0.15,
    shuffle_times: bool = False,
    separators=(",", ":"),
    gz: bool = False,
    keys: list[str] = KEYS,
    sawtooth: int = 0,
) -> str:
    """`sawtooth`: times rise for that many lines, then start again from the first."""
    rng = random.Random(seed)
    out = []
    for n in range(lines):
        if sawtooth:
            when = n % sawtooth * 600
        else:
            when = rng.randrange(30 * 86400) if shuffle_times else n * 30 * 86400 // lines
        base = record(rng, n, when, keys)
        out.append(odd_line(rng, n, base) if n > 5 and rng.random() < odd else json.dumps(base, separators=separators))
    text = "\n".join(out) + "\n"
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def line_by_line(path: str) -> Usage:
    usage = Usage(files=[path])
    add_calls(usage, path, iter_calls(path, usage.stats, OPTIONS), CATALOG)
    return usage


def in_blocks(path: str, block_bytes: int, workers: int) -> Usage:
    usage = Usage(files=[path])
    with open_log(path, usage.stats, OPTIONS) as (name, stream, log_format):
        assert log_format == "keyaudit-jsonl"
        read_jsonl(usage, name, stream, CATALOG, OPTIONS, lambda lines: None, workers, block_bytes)
    return usage


def assert_same(fast: Usage, plain: Usage) -> None:
    assert fast.stats == plain.stats
    assert list(fast.by_key) == list(plain.by_key)
    for key, usage in plain.by_key.items():
        assert list(fast.by_key[key].routes) == list(usage.routes), key
        assert fast.by_key[key] == usage, key
    assert (fast.first, fast.last) == (plain.first, plain.last)


@pytest.mark.parametrize("block_bytes", [300, 4096, 1 << 20])
@pytest.mark.parametrize("shuffle_times", [False, True])
def test_blocks_read_what_lines_read(tmp_path, block_bytes, shuffle_times):
    path = write_log(tmp_path / "calls.jsonl", shuffle_times=shuffle_times)
    plain = line_by_line(path)
    assert plain.stats.bad_lines > 50 and plain.stats.unattributed and len(plain.by_key) > 8
    assert any(usage.unknown_samples for usage in plain.by_key.values())
    assert_same(in_blocks(path, block_bytes, workers=1), plain)


@pytest.mark.parametrize("block_bytes", [300, 8192])
def test_a_group_per_line_reads_what_lines_read(tmp_path, block_bytes):
    """2 000 keys over 3 000 lines: nearly every line is a group of its own, and slots meet across blocks."""
    path = write_log(tmp_path / "calls.jsonl", keys=[f"key-{n}" for n in range(2000)])
    plain = line_by_line(path)
    assert len(plain.by_key) > 1500
    assert_same(in_blocks(path, block_bytes, workers=1), plain)


def test_the_regex_reads_a_block_of_many_lines_in_pieces(tmp_path, monkeypatch):
    """The pure-Python reader reads a block of more than MAX_PIECE_LINES lines in pieces: same result."""
    monkeypatch.setattr(blockusage, "MAX_PIECE_LINES", 7)
    monkeypatch.setattr(blockusage, "_PIECE", re.compile(rb"(?:[^\n]*\n){1,7}"))
    path = write_log(tmp_path / "calls.jsonl")
    plain = line_by_line(path)
    assert_same(in_blocks(path, 1 << 20, workers=1), plain)


def test_a_block_of_blank_lines_takes_little_memory_in_either_reader():
    """Half a million blank lines in one block: the regex's tuples and their group keys took some 650 MB at once
    before pieces of at most MAX_PIECE_LINES lines, each added before the next is read (44 MB now, as traced;
    7 MB with the compiled scanner)."""
    reader = BlockReader(Layout(), CATALOG, OPTIONS, 5)
    tracemalloc.start()
    try:
        reader.add((1, b"\n" * (1 << 19)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert reader.part.stats.lines_read == 1 << 19 and reader.part.stats.bad_lines == 0
    assert peak < 64 << 20, peak


def test_a_routes_latest_call_is_in_the_group_that_ends_last(tmp_path):
    """Two groups of one key and route (statuses 200 and 404): the 404 group starts later but ends earlier."""
    lines = [
        {
            "time": f"2026-11-0{day}T10:00:00.000Z",
            "key": "k",
            "method": "GET",
            "path": f"/v1/users/u{day}",
            "status": status,
        }
        for day, status in ((1, 200), (2, 404), (3, 200))
    ]
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines))
    fast, plain = in_blocks(str(path), 1 << 20, workers=1), line_by_line(str(path))
    assert_same(fast, plain)
    assert fast.by_key[(None, "k")].routes[("GET", "/v1/users/{userId}")].statuses == {200: 2, 404: 1}


@pytest.mark.parametrize("block_bytes", [300, 4096, 1 << 20])
def test_times_that_rise_within_blocks_but_go_back_between_them(tmp_path, block_bytes):
    path = write_log(tmp_path / "calls.jsonl", sawtooth=37, odd=0.02)
    assert_same(in_blocks(path, block_bytes, workers=1), line_by_line(path))


def test_worker_processes_only_where_grouping_pays(tmp_path, monkeypatch, each_reader):  # noqa: F811
    """Pure Python: a first block of about one group per line (thousands of keys) is read on in this process.
    The compiled scanner reads in threads of this process, never in worker processes."""
    started, threaded = [], []
    monkeypatch.setattr(usage_module, "accumulate", lambda *args: started.append(args) or accumulate(*args))
    monkeypatch.setattr(
        usage_module, "mapped_in_threads", lambda *args: threaded.append(args[2]) or mapped_in_threads(*args)
    )
    many = write_log(tmp_path / "many.jsonl", keys=[f"key-{n}" for n in range(3000)], odd=0)
    assert_same(in_blocks(many, 8192, workers=2), line_by_line(many))
    assert started == []
    few = tmp_path / "few.jsonl"
    few.write_text(
        "".join(
            json.dumps(
                {
                    "time": f"2026-11-01T10:00:{n % 60:02d}.000Z",
                    "key": f"k{n % 2}",
                    "method": "GET",
                    "path": f"/v1/users/u{n}",
                    "status": 200,
                }
            )
            + "\n"
            for n in range(3000)
        )
    )
    assert_same(in_blocks(str(few), 8192, workers=2), line_by_line(str(few)))
    assert (len(started), threaded) == ((0, [2, 2]) if each_reader == "scanner" else (1, []))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10**6), st.integers(1, 400), st.sampled_from([300, 2048]), st.sampled_from([1, 2, 3]))
def test_threads_read_what_lines_read(tmp_path, seed, lines, block_bytes, workers):
    """Blocks scanned in threads (processes for pure Python) and added in order read what lines read."""
    path = write_log(tmp_path / f"calls-{seed}.jsonl", lines=lines, seed=seed, odd=0.3, shuffle_times=seed % 2)
    assert_same(in_blocks(path, block_bytes, workers), line_by_line(path))


def test_a_block_of_more_lines_than_one_scan_takes(tmp_path):
    """70 000 lines in one block: the compiled scanner reads them in two calls."""
    path = tmp_path / "calls.jsonl"
    path.write_text(
        "".join(
            json.dumps({"key": f"k{n % 3}", "method": "GET", "path": f"/v1/users/u{n}", "status": 200 + n % 5}) + "\n"
            for n in range(70_000)
        )
    )
    assert_same(in_blocks(str(path), 16 << 20, workers=1), line_by_line(str(path)))


def test_worker_processes_read_what_one_process_reads(tmp_path):
    path = write_log(tmp_path / "calls.jsonl", lines=4000, seed=2)
    assert_same(in_blocks(path, 2048, workers=2), line_by_line(path))


@pytest.mark.parametrize("separators", [(", ", ": "), (",", ": ")])
def test_other_separators_are_learned(tmp_path, separators):
    path = write_log(tmp_path / "calls.jsonl", seed=3, separators=separators)
    layout = learn_layout(open(path, "rb").read(1 << 16))
    assert (layout.item_sep, layout.name_sep) == tuple(s.encode() for s in separators)
    assert_same(in_blocks(path, 4096, workers=1), line_by_line(path))


def test_gzip_through_read_usage(tmp_path):
    path = write_log(tmp_path / "calls.jsonl.gz", seed=4, gz=True)
    fast = read_usage([path], CATALOG, log_options=OPTIONS, workers=1)
    assert_same(fast, line_by_line(path))


def test_a_head_of_bad_lines_leaves_the_default_layout(tmp_path):
    path = tmp_path / "calls.jsonl"
    good = json.dumps(record(random.Random(5), 1, 60), separators=(",", ":"))
    path.write_text("not json\n" * 60 + (good + "\n") * 50)
    assert learn_layout(path.read_bytes()[:65536]) == Layout()
    assert_same(in_blocks(str(path), 512, workers=1), line_by_line(str(path)))


def test_over_long_lines_are_bad_by_their_number(tmp_path):
    path = tmp_path / "calls.jsonl"
    good = json.dumps(record(random.Random(6), 1, 60), separators=(",", ":"))
    long_record = json.dumps({"key": "k", "method": "GET", "path": "/v1/users/" + "x" * MAX_LINE_BYTES})
    head = '{"key":"k","method":"GET","path":"/v1/'
    exactly = head + "y" * (MAX_LINE_BYTES - len(head) - 2) + '"}'  # as long as a line may be
    assert len(exactly) == MAX_LINE_BYTES
    path.write_text("\n".join([good, long_record, good, exactly, good, "z" * (3 * MAX_LINE_BYTES), good]))
    plain = line_by_line(str(path))
    assert [s["line"] for s in plain.stats.bad_samples] == [2, 6]
    for block_bytes in (1 << 10, 1 << 20, 4 << 20):
        assert_same(in_blocks(str(path), block_bytes, workers=1), plain)


def test_taken_lines_are_bounded_below_the_longest_line():
    """Every quantifier of the grammar is bounded: a line at its bounds is taken, one character more is not."""
    grammar = Grammar.for_catalog(Layout(), CATALOG)
    short = MIN_SECRET_CHARS - 1

    def line(query: int) -> bytes:
        path = "/v1" + ("/" + "x" * MAX_STRING) * grammar.depth + "?" + "q" * query
        return (
            json.dumps(
                {
                    "time": "2026-11-01T00:00:00.000Z",
                    "project": "p" * short,
                    "key": "k" * short,
                    "method": "GET",
                    "path": path,
                    "status": 200,
                    "error": "e" * MAX_STRING,
                },
                separators=(",", ":"),
            ).encode()
            + b"\n"
        )

    at_bounds = line(MAX_QUERY)
    assert taken(grammar, at_bounds) and not taken(grammar, line(MAX_QUERY + 1))
    assert len(at_bounds) < _longest_line(grammar.depth) <= MAX_LINE_BYTES


def taken(grammar: Grammar, line: bytes) -> bool:
    """Whether the reader in use (the compiled scanner, else the regex) takes a line."""
    if grammar.scanner is not None:
        return bool(grammar.scanner.groups(line, 0)[2])
    return grammar.rows(line)[0][grammar.field("other")] == b""


def test_blocks_hold_whole_lines_and_skip_long_ones_unjoined():
    lines = [b"a" * 10, b"b" * (MAX_LINE_BYTES + 1), b"c" * 3, b"d" * (3 * MAX_LINE_BYTES), b"", b"e" * 7]
    stream = io.BufferedReader(io.BytesIO(b"\n".join(lines)))  # the last line has no newline
    blocks = list(iter_blocks(stream, 1024))
    assert all(block is None or len(block) <= 1024 + MAX_LINE_BYTES for _, block in blocks)
    read = [line for _, block in blocks for line in ([None] if block is None else block.split(b"\n")[:-1])]
    starts = [number for number, _ in blocks]
    assert starts == [
        1 + sum(1 if block is None else block.count(b"\n") for _, block in blocks[:n]) for n in range(len(blocks))
    ]
    assert read[1] in (None, lines[1])  # whole in a block when it fits in one read (the reader counts it)
    assert read[:1] + read[2:] == [b"a" * 10, b"c" * 3, None, b"", b"e" * 7]


@pytest.mark.parametrize("first", [10, (1 << 20) - 1000])
def test_a_long_line_across_a_read_is_one_line(tmp_path, first):
    """A 3-line file whose 5 MiB middle line spans a 4 MiB read: 3 lines, the middle one bad, the last one read."""
    path = tmp_path / "long.jsonl"
    line = json.dumps(record(random.Random(1), 1, 60), separators=(",", ":"))
    path.write_text(" " * first + line + "\n" + "x" * (5 << 20) + "\n" + line + "\n")
    fast, plain = in_blocks(str(path), 4 << 20, workers=1), line_by_line(str(path))
    assert fast.stats.lines_read == 3
    assert [sample["line"] for sample in fast.stats.bad_samples] == [2]
    assert_same(fast, plain)


def test_readers_of_interleaved_blocks_combine_into_one(tmp_path):
    """Blocks dealt to readers as workers take them: what each counted, combined, is what one reader counts."""
    path = write_log(tmp_path / "calls.jsonl", lines=3000, seed=7, shuffle_times=True)
    layout = learn_layout(open(path, "rb").read(1 << 16))
    readers = [BlockReader(layout, CATALOG, OPTIONS, 5) for _ in range(3)]
    with open(path, "rb") as stream:
        for number, item in enumerate(iter_blocks(stream, 1000)):
            readers[number * 7 % 5 % 3].add(item)  # unevenly, as free workers take them
    usage = Usage(files=[path])
    usage.stats.formats[path] = "keyaudit-jsonl"
    usage.add_part(
        combine([reader.result() for reader in readers], 5),
        path,
        {(route.method, route.template): route for route in CATALOG.routes},
    )
    assert_same(usage, line_by_line(path))
