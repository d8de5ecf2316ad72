"""The compiled scanner (auditor/loaders/logs/_scan.c) against the regex it stands in for (fastjsonl.py).

Line by line, on every kind of odd line, on mutations of good lines and on random bytes: the scanner
either gives the regex's very tuple, or leaves the line whole to the exact reader. It must take the plain
lines a log writer prints (else it would be a scanner in name only). tests/test_fast_logs.py runs the
whole block reader with it and without it; scripts/sanitize runs this file under AddressSanitizer.
"""

import hashlib
import json
import os
import random

import pytest
from helpers.cli import invoke
from helpers.readers import BUILT, reader
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fast_logs import CATALOG, odd_line, record

from auditor.analysis.blockusage import BlockReader
from auditor.loaders.logs import native
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.logs.calllog import call_of_line
from auditor.loaders.logs.fastjsonl import learn_layout, route_literals

scanner_only = pytest.mark.skipif(not BUILT, reason="the compiled scanner was not built here")
FUZZ_LINES = int(os.environ.get("KEYAUDIT_FUZZ_LINES", "20000"))
SEPARATORS = [(",", ":"), (", ", ": "), (",", ": ")]


def reader_of(head: bytes) -> BlockReader:
    """The block reader of the layout of `head`, with the compiled scanner."""
    with reader("scanner"):
        block_reader = BlockReader(learn_layout(head), CATALOG, LogOptions(), 5)
    assert block_reader.grammar.scanner is not None
    return block_reader


def good_lines(seed: int, separators=(",", ":"), count: int = 200) -> list[bytes]:
    rng = random.Random(seed)
    return [json.dumps(record(rng, n, n * 97), separators=separators).encode() for n in range(count)]


READERS = (
    {separators: reader_of(b"\n".join(good_lines(0, separators, 5)) + b"\n") for separators in SEPARATORS}
    if BUILT
    else {}
)


def by_regex(block_reader: BlockReader, line: bytes) -> tuple:
    """("taken", group key, time in microseconds) of a line the regex takes, else ("left", line)."""
    grammar = block_reader.grammar
    row = grammar.line.findall(line + b"\n")[0]
    if row[grammar.field("other")] or not line:
        return ("left", line)
    return ("taken", grammar.group_key()(row), block_reader._micro(row[grammar.field("time")]))


def by_scanner(block_reader: BlockReader, line: bytes) -> tuple:
    """The same of the compiled scanner, which also says ("blank",) of a line of spaces it skips."""
    end, lines, groups, others, firsts = block_reader.grammar.scanner.groups(line + b"\n", 0)
    assert (end, lines) == (len(line) + 1, 1)
    if groups:
        [(first, size, low, high, key)] = groups
        assert (first, size, low, memoryview(firsts).cast("i").tolist()) == (0, 1, high, [0])
        return ("taken", key, low)
    if others:
        assert memoryview(others).cast("q").tolist() == [0, 0, len(line)]
        return ("left", line)
    assert memoryview(firsts).cast("i").tolist() == [-2] and not line.strip()
    return ("blank",)


def assert_taken_alike(block_reader: BlockReader, lines: list[bytes]) -> tuple[int, int]:
    """Each line's group key and time by the scanner are the regex's, or the line is left whole (or skipped as
    blank); how many the scanner and the regex took."""
    scanned, expected = 0, 0
    for line in lines:
        got, want = by_scanner(block_reader, line), by_regex(block_reader, line)
        assert got == want or got[0] in ("left", "blank"), line
        scanned += got[0] == "taken"
        expected += want[0] == "taken"
    return scanned, expected


@scanner_only
@pytest.mark.parametrize("separators", SEPARATORS)
def test_the_scanner_takes_plain_lines_as_the_regex_does(separators):
    scanned, expected = assert_taken_alike(READERS[separators], good_lines(1, separators))
    assert scanned == expected > 100


@scanner_only
@pytest.mark.parametrize("seed", range(40))
def test_odd_lines_are_taken_alike_or_left_whole(seed):
    rng = random.Random(seed)
    lines = [odd_line(rng, n, record(rng, n, n * 61)).encode() for n in range(300)]
    for block_reader in READERS.values():
        assert_taken_alike(block_reader, lines)


def mutate(rng: random.Random, line: bytes) -> bytes:
    data = bytearray(line)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) + 1)
        choice = rng.random()
        if choice < 0.3 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif choice < 0.5:
            data[at:at] = bytes([rng.choice(b'"\\/{}:,?#. 0\r\t\x00\xff9-eE')])
        elif choice < 0.7:
            del data[at : at + rng.randint(1, 8)]
        elif choice < 0.85:
            data[at:at] = rng.choice([b"/", b"//", b"a" * 9000, b"1" * 120, b" " * 70, b"null", b'","x":"'])
        else:
            del data[at:]
    return bytes(data).replace(b"\n", b" ")


@scanner_only
def test_a_fuzz_of_mutated_lines():
    rng = random.Random(21)
    seeds = good_lines(2) + good_lines(3, (", ", ": "))
    for _ in range(FUZZ_LINES // 500):
        lines = [mutate(rng, rng.choice(seeds)) for _ in range(500)]
        for block_reader in READERS.values():
            assert_taken_alike(block_reader, lines)


@scanner_only
@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300).map(lambda data: data.replace(b"\n", b"")), max_size=20))
def test_random_bytes_are_taken_alike_or_left_whole(lines):
    assert_taken_alike(READERS[(",", ":")], lines)


LITERALS = sorted(set().union(*route_literals(CATALOG)))


def shaped_paths():
    """Paths of segments that are template literals (at their place or another), near misses and ids."""
    segment = st.one_of(
        st.sampled_from(LITERALS),
        st.sampled_from(LITERALS).map(lambda word: word + "s"),
        st.sampled_from(LITERALS).map(lambda word: word[:-1]),
        st.text(st.sampled_from("abc019-_.~%"), min_size=1, max_size=12),
    )
    return st.tuples(
        st.lists(segment, max_size=10), st.sampled_from(["/", "//"]), st.sampled_from(["", "/", "?q=1", "#f"])
    ).map(lambda parts: "/v1" + "".join(parts[1] + word for word in parts[0]) + parts[2])


@scanner_only
@settings(max_examples=400, deadline=None)
@given(shaped_paths(), st.sampled_from(["GET", "post"]), st.sampled_from([200, 401, None]))
def test_path_shapes_are_the_regex_shapes(path, method, status):
    """Every segment that is no template's literal at its place becomes `{}` (b"/"), the others stay themselves:
    a plain line of any shape is taken by both, with one group key."""
    line = json.dumps({"time": None, "key": "k", "method": method, "path": path, "status": status})
    for block_reader in READERS.values():
        want = by_regex(block_reader, line.encode())
        assert by_scanner(block_reader, line.encode()) == want or want[0] == "left", line


def times():
    """Times of every format the scanner takes: any date of years 1901-8998 but 29 February, any zone."""
    return st.builds(
        lambda year, month, day, clock, separator, fraction, zone: (
            f"{year:04d}-{month:02d}-{day:02d}{separator}{clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d}"
            + (f".{fraction}" if fraction else "")
            + zone
        ),
        st.integers(1901, 8998),
        st.integers(1, 12),
        st.integers(1, 28),
        st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)),
        st.sampled_from("Tt "),
        st.sampled_from(["", "5", "123", "000001", "999999", "1234567", "999999999"]),
        st.one_of(
            st.sampled_from(["Z", "z", "+00:00", "-00:00"]),
            st.builds(
                lambda sign, hours, minutes: f"{sign}{hours:02d}:{minutes:02d}",
                st.sampled_from("+-"),
                st.integers(0, 23),
                st.integers(0, 59),
            ),
        ),
    )


@scanner_only
@settings(max_examples=300, deadline=None)
@given(times())
def test_times_are_the_exact_readers_instants(time):
    """The scanner's instant of a time (microseconds, from its digits and the zone) is the regex path's and the
    exact reader's (datetime's) in every format."""
    line = json.dumps({"time": time, "key": "k", "method": "GET", "path": "/v1/users"}).encode()
    block_reader = reader_of(line + b"\n")
    taken = by_scanner(block_reader, line)
    assert taken == by_regex(block_reader, line) and taken[0] == "taken"
    assert taken[2] / 1_000_000 == call_of_line(line).time


@scanner_only
def test_a_call_reads_a_bounded_number_of_lines():
    """A block of more lines than one call reads: the next call goes on where the last one stopped."""
    block_reader = READERS[(",", ":")]
    lines = good_lines(4, count=10) * 7000 + [b"   ", b"x"] * 50
    block = b"".join(line + b"\n" for line in lines)
    start, sizes, others = 0, [], []
    while start < len(block):
        end, count, groups, left, firsts = block_reader.grammar.scanner.groups(block, start)
        assert 0 < count == len(memoryview(firsts).cast("i")) <= 65536 and start < end
        sizes.append(count)
        others.extend(memoryview(left).cast("q")[::3])
        start = end
    left_alone = sum(by_scanner(block_reader, line)[0] == "left" for line in set(lines))
    assert sizes == [65536, len(lines) - 65536] and len(others) == 7000 * (left_alone - 1) + 50


@scanner_only
def test_hostile_calls_are_refused_not_crashed():
    scanner = READERS[(",", ":")].grammar.scanner
    with pytest.raises(ValueError):
        scanner.groups(b'{"key":"a"}', 0)  # no newline at the end
    for start in (-1, 2):
        with pytest.raises(ValueError):
            scanner.groups(b"\n", start)
    with pytest.raises(TypeError):
        scanner.groups("text\n", 0)
    assert scanner.groups(b"", 0) == (0, 0, [], b"", b"")
    unset = type(scanner).__new__(type(scanner))
    with pytest.raises(ValueError):
        unset.groups(b"\n", 0)
    with pytest.raises((TypeError, ValueError)):
        type(scanner)((), (), b",", b":", b"", b"T", 3, b"Z", 0, 10, (), ())


def test_version_says_which_reader_runs():
    with reader("pure"):
        assert "JSONL reader: pure Python" in invoke(["--version"]).output
    if BUILT:
        with reader("scanner"):
            assert "JSONL reader: compiled scanner" in invoke(["--version"]).output


def test_the_built_scanner_says_the_source_it_was_built_from():
    if native._scan is None:
        pytest.skip("the compiled scanner was not built here")
    assert native._scan.SOURCE_SHA256 == hashlib.sha256(native.SOURCE.read_bytes()).hexdigest()


def test_a_scanner_older_than_its_source_is_not_used(tmp_path, monkeypatch):
    """An editable install keeps the module it built while `git pull` brings a new _scan.c: its settings may
    differ, so it is not used (every audit would fail), and --version says how to rebuild it."""
    if native._scan is None:
        pytest.skip("the compiled scanner was not built here")
    newer = tmp_path / "_scan.c"
    newer.write_bytes(native.SOURCE.read_bytes() + b"/* changed */\n")
    monkeypatch.setattr(native, "SOURCE", newer)
    native._stale.cache_clear()
    try:
        with reader("scanner"):
            assert native.scanner_type() is None
            assert "older than its source: `pip install -e .` rebuilds it" in invoke(["--version"]).output
    finally:
        native._stale.cache_clear()


# ---- the edges of the scanner's word-at-a-time reads (sixteen-byte steps, word frames, literal slots) ----


class GuardedBlock:
    """Blocks written to end exactly where a page the process may not read begins: a scanner read past a block's
    end is a crash, not a silent read of the bytes that happen to follow."""

    def __init__(self, room: int = 1 << 16):
        import ctypes
        import mmap

        self.page = mmap.PAGESIZE
        self.end = (room // self.page + 1) * self.page
        self.map = mmap.mmap(-1, self.end + self.page)
        base = ctypes.addressof(ctypes.c_char.from_buffer(self.map))
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        assert libc.mprotect(base + self.end, self.page, 0) == 0, ctypes.get_errno()  # PROT_NONE

    def __call__(self, block: bytes) -> memoryview:
        self.map[self.end - len(block) : self.end] = block
        return memoryview(self.map)[self.end - len(block) : self.end]


guarded_only = pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="mprotect through ctypes: Linux")


def edge_lines(separators) -> list[bytes]:
    """Plain lines whose strings, segments and query end at every offset around the 16- and 8-byte steps."""
    lines = []
    for size in range(1, 37):
        lines.append(
            json.dumps(
                {
                    "time": "2026-11-01T00:00:00.000Z",
                    "key": "k" * size,
                    "method": "GET",
                    "path": "/v1/users/" + "u" * size + "/prefs" + "?q=" + "x" * size,
                    "status": 200,
                    "project": "p" * (size % 20),
                },
                separators=separators,
            ).encode()
        )
    return lines


@scanner_only
@guarded_only
@pytest.mark.parametrize("separators", SEPARATORS)
def test_no_read_passes_the_end_of_a_block(separators):
    """Every plain line, and every cut of it (a string or segment that runs into the end of the block at each
    offset), scanned as a block that ends where unreadable memory begins: the scanner reads no byte past it and
    answers as it does of the same bytes anywhere."""
    block_reader, guard = READERS[separators], GuardedBlock()
    scanner = block_reader.grammar.scanner
    lines = edge_lines(separators)
    assert assert_taken_alike(block_reader, lines) == (len(lines), len(lines))
    for line in lines:
        for cut in range(len(line) + 1):
            block = line[:cut] + b"\n"
            assert scanner.groups(guard(block), 0) == scanner.groups(block, 0), block
        assert_taken_alike(block_reader, [line[:cut] for cut in range(len(line))])


CLASS_EDGES = b'\x00\x1f\x20\x7e\x7f\x80\xff"\\/?#:.-T 09aZ{}'


@scanner_only
def test_a_string_or_segment_byte_of_every_class_edge_at_every_offset():
    """One byte of a string, a path segment or the query replaced by each byte at the edge of a class (controls,
    DEL, high bytes, quote, backslash, the path's stops), at every offset of 16-byte steps."""
    block_reader = READERS[(",", ":")]
    for line in edge_lines((",", ":"))[::5]:
        changed = [line[:at] + bytes([byte]) + line[at + 1 :] for at in range(1, len(line) - 1) for byte in CLASS_EDGES]
        assert_taken_alike(block_reader, [mutant.replace(b"\n", b" ") for mutant in changed])


@scanner_only
def test_each_literal_and_its_near_misses_at_its_place():
    """Each literal of each position is itself; one changed byte (the same length and, mostly, first byte) or one
    byte more or less makes it `{}` unless that is another literal there: as the regex says."""
    literals = route_literals(CATALOG)
    block_reader = READERS[(",", ":")]
    lines = []
    for position, words in enumerate(literals[1:], start=1):
        for word in sorted(words):
            prefix = "/v1" + "/x" * (position - 1)
            variants = [word, word + "s", word[:-1]] + [word[:at] + "~" + word[at + 1 :] for at in range(len(word))]
            for variant in variants:
                path = prefix + "/" + variant if variant else prefix
                line = {"time": None, "key": "k", "method": "GET", "path": path}
                lines.append(json.dumps(line, separators=(",", ":")).encode())
    scanned, expected = assert_taken_alike(block_reader, lines)
    assert scanned == expected == len(lines)


@scanner_only
def test_each_time_byte_changed_to_each_edge():
    """A time of each layout with one byte changed to a digit, a separator or a byte that carries when six is
    added (0xfa-0xff): taken as the regex takes it (every digit still a digit: taken), else left."""
    for time in ("2026-11-01T00:00:00.000Z", "2026-11-01 10:20:30+02:00", "2026-11-01t23:59:59.123456789-05:30"):
        base = {"time": time, "key": "k", "method": "GET", "path": "/v1/users", "status": 200}
        block_reader = reader_of(json.dumps(base).encode() + b"\n")
        digits_only, changed = [], []
        for at in range(len(time)):
            for byte in b"0159:-.T tZ/\xfa\xff\x00":
                mutant = time.encode()[:at] + bytes([byte]) + time.encode()[at + 1 :]
                line = json.dumps({**base, "time": "TIME"}).encode().replace(b"TIME", mutant)
                changed.append(line)
                if chr(byte).isdigit() and time[at].isdigit():
                    digits_only.append(line)
        assert_taken_alike(block_reader, changed)
        taken = [line for line in digits_only if by_regex(block_reader, line)[0] == "taken"]
        assert taken and all(by_scanner(block_reader, line)[0] == "taken" for line in taken)


@scanner_only
def test_a_groups_earliest_and_latest_time_in_any_order():
    """Times of one group that go back and forth: its earliest and latest are the least and the greatest."""
    block_reader = READERS[(",", ":")]
    seconds = [30, 10, 50, 50, 20, 40, 5, 59]
    lines = [
        json.dumps(
            {"time": f"2026-11-01T00:00:{s:02d}.000Z", "key": "k", "method": "GET", "path": "/v1/users"},
            separators=(",", ":"),
        ).encode()
        for s in seconds
    ]
    [(first, size, low, high, _)] = block_reader.grammar.scanner.groups(b"\n".join(lines) + b"\n", 0)[2]
    instants = [call_of_line(line).time * 1_000_000 for line in lines]
    assert (first, size, low, high) == (0, len(lines), min(instants), max(instants))
