"""Properties of every loader and of the path matcher, over generated input (hypothesis).

- the matcher never raises, and returns None or a route whose template fits the path;
- reading any bytes as any log format never raises, counts every line, and gives each non-blank line a call, a
  bad line or an unattributed request (error-lines skips lines carrying no error); the fast JSONL path of
  analysis/usage.py counts what the line-by-line reader counts;
- loading any bytes as a document, a key file, a config, a policy, exceptions, a baseline, a job config or a
  usage file raises nothing but InputError;
- timestamps parse or are bad records; no redacted text holds a secret; a secret is found at any chunk size;
- a server's answers to fetch-keys, any bytes or any JSON, give keys or raise nothing but InputError;
- a job's state file with bytes overwritten or cut off is read by `job report` or refused in one line.

Example counts stay modest here (the suite's budget); scripts/fuzz_loaders.py runs the same targets for as
long as it is given.
"""

from __future__ import annotations

import io
import json
import math
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from helpers.audit import call, key, write_keys
from helpers.cli import invoke
from helpers.hostile import minted_secret, stored_secret
from helpers.job import job_run, lines
from helpers.paths import ROOT
from helpers.readers import built_readers, reader
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from test_hostile_inputs import GOOD

from auditor.analysis.usage import read_usage
from auditor.catalog.catalog import load
from auditor.catalog.matcher import split_path, template_segments
from auditor.errors import InputError
from auditor.loaders.document import MAX_DEPTH, load_document
from auditor.loaders.keys import live as fetch
from auditor.loaders.keys import load_key_file
from auditor.loaders.logs import LOG_FORMATS, iter_calls
from auditor.loaders.logs.attribution import KeyIndex, LogOptions
from auditor.loaders.logs.calllog import BadRecord, ReadStats
from auditor.loaders.logs.timestamps import clf, find_rfc3339, rfc3339
from auditor.loaders.usage_file import BadRow, parse_engine_time, read_usage_rows
from auditor.model import KeyDefinition, Location
from auditor.policy.load import load_policy
from auditor.rules.baseline import load_baseline
from auditor.rules.config import load_config
from auditor.rules.exceptions import load_exceptions
from auditor.rules.registry import configured_rules
from auditor.secrets import find_secrets, redact, scrub_identifier
from auditor.secrets.scan import scan_stream
from auditor.state.job_config import load_job_config
from auditor.times import EARLIEST, LATEST, BadTime, iso, parse_time

FEW = settings(
    max_examples=int(os.environ.get("KEYAUDIT_EXAMPLES", "60")), deadline=None, suppress_health_check=list(HealthCheck)
)
CATALOG = load("1.9")
KEYS = KeyIndex([KeyDefinition("k1", ["users.read"], Location("keys.json"), name="n1")])


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield name


def _write(folder: str, name: str, data: bytes) -> str:
    path = os.path.join(folder, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


# ---------------------------------------------------------------- the path matcher

_SEGMENT = st.text(st.characters(blacklist_characters="/?#", blacklist_categories=("Cs",)), min_size=1, max_size=12)


@st.composite
def request_paths(draw):
    """A catalog template with its parameters filled in (sometimes with literals), mangled as logs write paths."""
    route = draw(st.sampled_from(CATALOG.routes))
    parts = []
    for part in route.template.split("/"):
        if part.startswith("{") or part == "*":
            part = draw(st.one_of(_SEGMENT, st.sampled_from(["databases", "transactions", "v1", "%2F", ".."])))
        parts.append(part)
    path = "/".join(parts)
    if draw(st.booleans()):
        path = path.removeprefix("/v1")
    path += draw(st.sampled_from(["", "/", "?queries%5B0%5D=x", "#frag", "//"]))
    if draw(st.booleans()):
        path = "https://cloud.appwrite.io" + ("" if path.startswith("/") else "/") + path
    method = draw(st.sampled_from([route.method, route.method.lower(), "HEAD", "GET", "PATCH", "BREW"]))
    return method, path


def _fits(method: str, path: str, route) -> bool:
    expected = "GET" if method.upper() == "HEAD" else method.upper()
    if route.method != expected:
        return False
    parts, template = split_path(path), template_segments(route.template)
    if template and template[-1] == "*":
        return len(parts) >= len(template) - 1 and all(t is None or t == p for t, p in zip(template[:-1], parts))
    return len(parts) == len(template) and all(t is None or t == p for t, p in zip(template, parts))


@FEW
@given(st.one_of(request_paths(), st.tuples(st.text(max_size=8), st.text(max_size=80))))
def test_the_matcher_never_raises_and_any_route_it_gives_fits_the_path(request):
    method, path = request
    route = CATALOG.match(method, path)
    assert route is None or _fits(method, path, route), (method, path, route)


@FEW
@given(request_paths())
def test_a_path_made_from_a_template_finds_a_route_of_its_shape(request):
    method, path = request
    assume(method.upper() in ("GET", "HEAD") or method.upper() in {r.method for r in CATALOG.routes})
    route = CATALOG.match(method, path)
    assert route is None or _fits(method, path, route)


# ---------------------------------------------------------------- every log format


def _json_values():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
        max_leaves=12,
    )


FIELDS = [
    "key",
    "method",
    "path",
    "time",
    "status",
    "error",
    "project",
    "RequestMethod",
    "RequestPath",
    "StartUTC",
    "DownstreamStatus",
    "request_X-Appwrite-Key",
    "request_X-Appwrite-Project",
    "event",
    "userId",
    "userEmail",
    "userName",
    "userType",
    "logs",
]


def _records():
    """JSON objects with the fields the formats read, holding anything."""
    return st.dictionaries(st.sampled_from(FIELDS), _json_values(), max_size=8).map(
        lambda value: json.dumps(value).encode()
    )


def _mutated(line: bytes):
    return st.tuples(st.integers(0, len(line)), st.integers(0, 8), st.binary(max_size=6)).map(
        lambda cut: line[: cut[0]] + cut[2] + line[cut[0] + cut[1] :]
    )


def _lines(log_format: str):
    good = GOOD[log_format]
    return st.lists(
        st.one_of(
            st.binary(max_size=60),
            st.just(good),
            _mutated(good),
            _records(),
            st.sampled_from([b"", b"   ", b"\xef\xbb\xbf" + good, b"\x00", "\u00a0".encode()]),
        ),
        max_size=12,
    )


def _join(lines: list[bytes], crlf: bool, final_newline: bool) -> bytes:
    data = (b"\r\n" if crlf else b"\n").join(lines)
    return data + b"\n" if final_newline and lines else data


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _check_calls(calls) -> None:
    for logged in calls:
        assert isinstance(logged.key, str) and logged.key and redact(logged.key) == logged.key
        assert isinstance(logged.method, str) and isinstance(logged.path, str)
        assert logged.time is None or math.isfinite(logged.time)
        assert logged.status is None or (type(logged.status) is int and 100 <= logged.status <= 599)


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_any_bytes_read_as_any_log_format_count_every_line(folder, log_format):
    @FEW
    @given(_lines(log_format), st.booleans(), st.booleans())
    def check(lines, crlf, final_newline):
        data = _join(lines, crlf, final_newline)
        path = _write(folder, f"log-{log_format}", data)
        stats = ReadStats()
        try:
            calls = list(iter_calls(path, stats, LogOptions(format=log_format, key="k1", keys=KEYS)))
        except InputError:
            assert data.startswith(b"\x1f\x8b")  # only a file that is (corrupt) gzip is refused as a whole
            return
        _check_calls(calls)
        assert stats.lines_read == _line_count(data)
        nonblank = sum(1 for line in data.split(b"\n") if line.strip())
        accounted = len(calls) + stats.bad_lines + sum(stats.unattributed.values())
        if log_format == "error-lines":  # lines without a missing-scope error are the app's own business
            assert accounted <= nonblank
        elif log_format != "appwrite-audit":  # there one line may hold a whole logList, one entry many lines
            assert accounted == nonblank, (accounted, nonblank, stats)

    check()


@FEW
@given(_lines("keyaudit-jsonl"), st.booleans(), st.booleans())
def test_the_fast_jsonl_reader_counts_what_the_line_reader_counts(folder, lines, crlf, final_newline):
    data = _join(lines, crlf, final_newline)
    assume(not data.startswith(b"\x1f\x8b"))  # gzip magic: a corrupt gzip file, refused by both
    path = _write(folder, "fast.jsonl", data)
    stats = ReadStats()
    calls = list(iter_calls(path, stats, LogOptions(format="keyaudit-jsonl", keys=KEYS)))
    for name in built_readers():  # the compiled scanner and pure Python
        with reader(name):
            usage = read_usage([path], CATALOG, log_options=LogOptions(format="keyaudit-jsonl", keys=KEYS), workers=1)
        assert usage.stats.lines_read == stats.lines_read, name
        assert usage.stats.bad_lines == stats.bad_lines, name
        assert sum(u.calls for u in usage.by_key.values()) == len(calls), name


# ---------------------------------------------------------------- documents and every file that is one

SAMPLES = [
    (ROOT / "samples" / name).read_bytes()
    for name in ("keys/keylist.json", "appwrite.json", "manifest.yaml", "policy-strict.yaml")
]


def _documents():
    return st.one_of(
        st.binary(max_size=200),
        _json_values().map(lambda value: json.dumps(value).encode()),
        st.sampled_from(SAMPLES).flatmap(
            lambda sample: st.tuples(st.integers(0, len(sample)), st.integers(0, 40), st.binary(max_size=12)).map(
                lambda cut: sample[: cut[0]] + cut[2] + sample[cut[0] + cut[1] :]
            )
        ),
        st.text(st.sampled_from(list("{}[]:,-&*!<>|'\"#% \n\tab1")), max_size=120).map(str.encode),
    )


def _plain(value, depth=0) -> bool:
    if isinstance(value, dict):
        return depth <= MAX_DEPTH + 1 and all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return depth <= MAX_DEPTH + 1 and all(_plain(v, depth + 1) for v in value)
    return value is None or isinstance(value, (str, bool, int, float))


@FEW
@given(_documents(), st.sampled_from([".json", ".yaml", ".txt"]))
def test_loading_any_bytes_as_a_document_raises_only_input_error(folder, data, suffix):
    path = _write(folder, "doc" + suffix, data)
    try:
        doc = load_document(path)
    except InputError:
        return
    assert _plain(doc.value)


LOADERS = {
    "key file": lambda path: load_key_file(path),
    "terraform": lambda path: load_key_file(path),
    "config": load_config,
    "policy": load_policy,
    "exceptions": lambda path: load_exceptions(None, {}, path, configured_rules(None)),
    "baseline": load_baseline,
    "job config": load_job_config,
    "usage file": lambda path: list(read_usage_rows(path, ReadStats())),
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_every_loader_raises_only_input_error(folder, loader):
    @FEW
    @given(_documents())
    def check(data):
        path = _write(folder, "main.tf" if loader == "terraform" else "input.yaml", data)
        try:
            LOADERS[loader](path)
        except InputError:
            pass

    check()


# ---------------------------------------------------------------- timestamps and secrets


@FEW
@given(
    st.one_of(
        st.text(max_size=40),
        st.from_regex(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,12})?(Z|[+-]\d\d:?\d\d)?", fullmatch=True),
        st.sampled_from(
            [
                "9999-12-31T23:59:59-01:00",
                "0001-01-01T00:00:00+01:00",
                "8999-12-31T23:59:59-00:01",
                "1900-01-01T00:00:00+00:01",
                "9999-12-31 23:59:59-0100",
            ]
        ),
    )
)
def test_timestamps_parse_or_are_bad_records(text):
    for parse, bad in ((rfc3339, BadRecord), (parse_time, BadTime), (clf, BadRecord), (parse_engine_time, BadRow)):
        try:
            moment = parse(text)
        except bad:
            continue
        assert EARLIEST <= moment < LATEST and iso(moment)  # every reader checks the one range, which iso formats
    found = find_rfc3339(text)
    assert found is None or EARLIEST <= found < LATEST


_SECRETS = st.one_of(
    st.text(max_size=6).map(lambda seed: stored_secret(seed)),
    st.text(max_size=6).map(lambda seed: stored_secret(seed, "organization")),
    st.text(max_size=6).map(lambda seed: minted_secret(seed)),
    st.text(max_size=6).map(lambda seed: minted_secret(seed, "dynamic")),
)


@FEW
@given(st.lists(st.one_of(st.text(max_size=30), _SECRETS), max_size=8), st.integers(1, 700))
def test_secrets_are_found_at_any_chunk_size_and_never_survive_redaction(pieces, chunk):
    text = "".join(pieces)
    whole = find_secrets(text)
    streamed = list(scan_stream(io.BytesIO(text.encode()), chunk_size=chunk))
    assert [(h.line, h.kind, h.fingerprint) for h in streamed] == [(h.line, h.kind, h.fingerprint) for h in whole]
    assert find_secrets(redact(text)) == []
    assert find_secrets(scrub_identifier(text) or "") == []


# ---------------------------------------------------------------- fetch-keys: a server's answers

_KEY_FIELDS = ["$id", "name", "scopes", "expire", "secret", "$createdAt", "accessedAt", "sdks", "projectId"]


def _key_lists():
    """Answers shaped like Appwrite's keyList, any field holding anything (sometimes what it should)."""
    good = st.fixed_dictionaries(
        {
            "$id": st.text(min_size=1, max_size=8),
            "name": st.text(max_size=8),
            "scopes": st.lists(st.sampled_from(["users.read", "rows.read", "nope", ""])),
            "expire": st.sampled_from(["", None, "2027-01-01T00:00:00.000+00:00"]),
        }
    )
    loose = st.dictionaries(st.sampled_from(_KEY_FIELDS), _json_values(), max_size=6)
    secret = st.sampled_from([stored_secret("a"), minted_secret("b"), "", 5, None])
    keys = st.lists(
        st.one_of(good, loose, st.tuples(good, secret).map(lambda ks: {**ks[0], "secret": ks[1]}), _json_values()),
        max_size=4,
    )
    valid = st.lists(st.one_of(good, st.tuples(good, secret).map(lambda ks: {**ks[0], "secret": ks[1]})), max_size=4)
    return st.one_of(
        st.fixed_dictionaries({"total": st.integers(0, 5), "keys": valid}),
        st.fixed_dictionaries({"keys": keys}, optional={"total": st.one_of(st.integers(-2, 5), _json_values())}),
    )


def _nested(depth: int, inner: bytes = b"") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def _with_a_deep_key(list_and_depth) -> bytes:
    key_list, depth = list_and_depth
    deep = {"$id": "k", "name": "n", "x": "DEEP", "scopes": [], "expire": ""}
    text = json.dumps({**key_list, "keys": [deep] + key_list["keys"]})
    return text.replace('"DEEP"', _nested(depth).decode(), 1).encode()


def _answers():
    """Bytes a server might answer: anything, any JSON, a key list of any content, cut or nested deep."""
    as_json = st.one_of(_json_values(), _key_lists()).map(lambda value: json.dumps(value).encode())
    return st.one_of(
        st.binary(max_size=200),
        as_json,
        as_json.flatmap(_mutated),
        st.integers(1, 2500).map(_nested),
        st.tuples(_key_lists(), st.integers(1, 2500)).map(_with_a_deep_key),  # a key holding a value nested deep
        st.sampled_from(
            [
                b"1e999999",
                b'{"total": NaN, "keys": []}',
                b'{"total": 1, "keys": [{"$id": "k1", "x": NaN, "scopes": [], "expire": ""}]}',
                b"\xef\xbb\xbf{}",
                b"\x00",
            ]
        ),
    )


class _Answer:
    def __init__(self, body: bytes):
        self.body = body
        self.headers = {"Content-Type": "application/json"}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, size: int) -> bytes:
        return self.body[:size]


class _Server:
    """Stands in for fetch's opener: the version route answers `version`, the key routes `keys`."""

    def __init__(self, version: bytes, keys: bytes):
        self.version, self.keys = version, keys

    def open(self, request, timeout):
        return _Answer(self.version if request.full_url.endswith("/v1/health/version") else self.keys)


_VERSIONS = st.sampled_from([b'{"version": "1.9.6"}', b'{"version": "1.8.1"}', b'{"version": "1.6.2"}'])


@FEW
@given(
    st.tuples(st.integers(0, 3), _VERSIONS, _answers()).map(lambda pick: pick[2] if pick[0] == 0 else pick[1]),
    st.one_of(_key_lists().map(lambda value: json.dumps(value).encode()), _answers()),
    st.booleans(),
)
@example(
    b'{"version": "1.9.6"}',
    b'{"total": 1, "keys": [{"$id": "k", "name": "n", "x": ' + _nested(1400) + b', "scopes": [], "expire": ""}]}',
    True,
)  # once a RecursionError (scrub copies every value)
@example(b'{"version": "1.9.6"}', b'{"total": 1, "keys": ' + _nested(1900) + b"}", True)  # the schema's, too
@example(
    b'{"version": "1.9.6"}', b'{"total": 1, "keys": [{"$id": "k1", "x": Infinity, "scopes": [], "expire": ""}]}', True
)  # once written out as `Infinity`, which is not JSON
def test_any_answer_to_fetch_keys_gives_keys_or_raises_only_input_error(version, keys, api_key):
    credential = fetch.Credential(api_key="k") if api_key else fetch.Credential(session_cookie="a_session_console=c")
    opener, fetch._opener = fetch._opener, lambda deadline: _Server(version, keys)
    try:
        fetched = fetch.fetch_keys("https://appwrite.example/v1", "p", credential)
    except InputError as error:
        assert "\n" not in str(error)
        return
    finally:
        fetch._opener = opener
    assert isinstance(fetched.key_list["keys"], list)
    for found in fetched.key_list["keys"]:
        assert isinstance(found["$id"], str) and found["secret"] == "" and isinstance(found["scopes"], list)
    text = json.dumps(fetched.key_list, allow_nan=False)  # what fetch-keys writes is JSON
    assert not find_secrets(text)


# ---------------------------------------------------------------- the job's state file, corrupted


@pytest.fixture(scope="module")
def state_bytes():
    """A state of two job runs (so `job report` compares them), as bytes."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        keys = write_keys(folder, [key("k1", ["rows.read", "users.read"]), key("k2", ["users.write"])])
        log = folder / "a.jsonl"
        log.write_text(
            lines(
                [call("k1", "GET", f"/v1/users/u{i}", status=200) for i in range(30)]
                + [call("k2", "GET", f"/v1/nowhere/{i}", status=404) for i in range(8)]
            )
            + "bad\n"
        )
        assert job_run(folder / "state.db", keys, [log], now="2026-11-24T00:00:00Z")[0] in (0, 1)
        more = folder / "b.jsonl"
        more.write_text(lines([call("k1", "GET", "/v1/tablesdb/d/tables/t/rows/r1", time="2026-11-24T10:00:00Z")]))
        assert job_run(folder / "state.db", keys, [log, more])[0] in (0, 1)
        data = (folder / "state.db").read_bytes()
    assert len(data) >= 4 * 4096
    return data


def _corruptions(size: int):
    """Overwrites (anywhere, in the database header, at the start of a page) and sometimes a cut."""
    offset = st.one_of(
        st.integers(0, size - 1),
        st.integers(0, 99),
        st.tuples(st.integers(0, size // 4096 - 1), st.integers(0, 40)).map(lambda page: page[0] * 4096 + page[1]),
    )
    writes = st.lists(
        st.tuples(
            offset,
            st.one_of(
                st.binary(min_size=1, max_size=8),
                st.sampled_from([b"\x00", b"\xff" * 4, b"\x0d", b"\x05", b"\x0a", b"\x02"]),
            ),
        ),
        min_size=1,
        max_size=6,
    )
    return st.tuples(writes, st.one_of(st.none(), st.integers(0, size)), st.sampled_from(["json", "table"]))


def _root_page(state: bytes, table: str) -> int:
    with tempfile.TemporaryDirectory() as name:
        path = _write(name, "state.db", state)
        db = sqlite3.connect(path)
        try:
            return db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        finally:
            db.close()


def test_a_corrupted_state_file_is_reported_on_or_refused_in_one_line(state_bytes, folder):
    schema = state_bytes.index(b"message TEXT NOT NULL") + 17  # NULL: run_finding's schema text (first page)
    runs = (_root_page(state_bytes, "run") - 1) * 4096  # the run table's page

    @FEW
    @given(_corruptions(len(state_bytes)))
    @example(([(schema, b"\x80")], None, "json"))  # once a UnicodeDecodeError (SQLite's message quotes it)
    @example(([(runs + 7, b"\x00" * 4)], None, "table"))  # once a TypeError: a run read as NULLs
    def check(corruption):
        writes, cut, output_format = corruption
        data = bytearray(state_bytes)
        for offset, replacement in writes:
            data[offset : offset + len(replacement)] = replacement
        path = _write(folder, "state.db", bytes(data[:cut] if cut is not None else data))
        result = invoke(["job", "report", "--state", path, "--format", output_format])
        if result.exit_code == 0:
            assert result.stdout and not result.stderr
            return
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.stderr
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(f"keyaudit: error: {path}"), (
            result.stderr
        )
        assert "internal error" not in result.stderr

    check()
