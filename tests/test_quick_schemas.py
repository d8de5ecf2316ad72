"""jsonschema-rs's passes (auditor/validation/quick.py) against python-jsonschema's verdicts (explain.py).

A pass from jsonschema-rs ends validation, so it must never pass what python-jsonschema fails: checked here
on mutated real documents and on the readings where the two libraries differ, and by tests/conftest.py on
every document the rest of the suite validates.
"""

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.catalog.catalog import load
from auditor.validation import quick
from auditor.validation.explain import explained
from auditor.validation.schemas import SCOPE_URI, resource, resources, schema, violations

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

pytestmark = pytest.mark.skipif(quick.jsonschema_rs is None, reason="jsonschema-rs is not installed here")

# (schema reference, a valid document of it)
DOCUMENTS = [
    ("key-export.schema.json#/$defs/keyList", json.loads((SAMPLES / "keys" / "keylist.json").read_text())),
    ("manifest.schema.json", yaml.safe_load((SAMPLES / "manifest.yaml").read_text())),
    ("appwrite-json.schema.json", json.loads((SAMPLES / "appwrite.json").read_text())),
    (
        "config.schema.json",
        {
            "appwriteVersion": "1.9",
            "failOn": "high",
            "policy": yaml.safe_load((SAMPLES / "policy-strict.yaml").read_text())["policy"],
        },
    ),
    ("call-log-record.schema.json", json.loads((SAMPLES / "logs" / "calls.jsonl").read_text().splitlines()[0])),
]

# Values where the two libraries read differently, or where keyaudit's own date-time format decides.
TRICKY = [
    "users.read",
    "rows.read",
    "documents.read",
    "users.read\n",
    "1.9",
    "1.9\n",
    "v1.9.6",
    "\u0661.\u0669",  # Arabic-Indic digits: \d in Python's re, not in jsonschema-rs's
    "2026-02-28T10:00:00Z",
    "2026-02-30T10:00:00Z",
    "2026-02-28T10:00:00Z\n",
    "1899-12-31",
    "9999-12-31",
    "2026-13-01",
    "",
    "a\ud800",
    "high",
    "standard_" + "ab" * 128,
    "function:fn",
    "GET",
    "/v1/users",
    10**30,
    -1,
    0,
    1.0,
    1.5,
    float("nan"),
    True,
    None,
]
FIELD_NAMES = ["$id", "name", "scopes", "expire", "keys", "total", "key", "method", "path", "appwriteVersion"]

LEAVES = st.one_of(st.sampled_from(TRICKY), st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
VALUES = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def _containers(node, path=()):
    """Every (path, container) inside `node`, the root first."""
    if isinstance(node, (dict, list)):
        yield path, node
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            yield from _containers(child, (*path, key))


def _agrees(document, ref: str, version: str | None) -> None:
    if quick.passes(document, ref, version):
        assert explained(document, ref, load(version) if version else None) == []


@pytest.mark.parametrize("ref, document", DOCUMENTS, ids=[ref for ref, _ in DOCUMENTS])
def test_valid_documents_pass_without_python_jsonschema(ref, document):
    """The point of quick.py: a valid document is passed by jsonschema-rs alone."""
    assert explained(document, ref, None) == []
    assert quick.passes(document, ref, None)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_jsonschema_rs_never_passes_what_python_jsonschema_fails(data):
    ref, original = data.draw(st.sampled_from(DOCUMENTS))
    document = json.loads(json.dumps(original))
    for _ in range(data.draw(st.integers(1, 3))):
        path, container = data.draw(st.sampled_from(list(_containers(document))))
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        action = data.draw(st.sampled_from(["replace", "delete", "add"] if keys else ["add"]))
        if action == "add" and isinstance(container, dict):
            container[data.draw(st.sampled_from(FIELD_NAMES) | st.text(max_size=6))] = data.draw(VALUES)
        elif action == "add":
            container.append(data.draw(VALUES))
        elif action == "delete":
            del container[data.draw(st.sampled_from(keys))]
        else:
            container[data.draw(st.sampled_from(keys))] = data.draw(VALUES)
    _agrees(document, ref, data.draw(st.sampled_from([None, "1.9", "2.2", "cloud"])))


@pytest.mark.parametrize(
    "ref, document",
    [
        ("config.schema.json", {"appwriteVersion": "1.9\n"}),  # Python's $ matches before a final newline
        ("config.schema.json", {"appwriteVersion": "\u0661.\u0669"}),  # and its \d matches every script's digits
        ("manifest.schema.json", {"keys": [{"id": "k", "scopes": ["users.read"], "expire": "2026-01-01\n"}]}),
    ],
)
def test_where_jsonschema_rs_is_stricter_python_jsonschema_decides(ref, document):
    assert not quick.passes(document, ref, None)
    assert violations(document, ref, None) == explained(document, ref, None)


@pytest.mark.parametrize(
    "document",
    [
        {"keys": [{"$id": "k", "name": "k", "scopes": [], "expire": "2026\ud800"}], "total": 1},  # a lone surrogate
        {"keys": [{"$id": "k", "name": "k", "scopes": [], 1: "a YAML key that is no string"}], "total": 1},
    ],
)
def test_a_value_jsonschema_rs_cannot_read_goes_to_python_jsonschema(document):
    ref = "key-export.schema.json#/$defs/keyList"
    assert not quick.passes(document, ref, None)
    assert violations(document, ref, None) == explained(document, ref, None)


# What keyaudit writes (reports) or only documents (usage rows, read by code): never validated by `violations`.
NOT_VALIDATED = ("report.schema.json", "usage-row.schema.json")
# Characters whose class is the dialect's to say: control and format characters, spaces, line ends, every
# script's digits (Python's `\\s` and `\\d` are not ECMA-262's, which jsonschema-rs reads).
DIALECT_CHARACTERS = [
    chr(code)
    for code in range(0x110000)
    if unicodedata.category(chr(code)) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Nd") and not 0xD800 <= code <= 0xDFFF
]


def _patterns(node):
    if isinstance(node, dict):
        yield from [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        for child in node.values():
            yield from _patterns(child)
    elif isinstance(node, list):
        for child in node:
            yield from _patterns(child)


PATTERNS = sorted(
    {pattern for uri, contents in resources(None) if not uri.endswith(NOT_VALIDATED) for pattern in _patterns(contents)}
)


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_no_schema_pattern_matches_in_jsonschema_rs_what_python_does_not(pattern, data):
    """Each text that matches the pattern, with one dialect character put in, taken out or alone."""
    text = data.draw(st.from_regex(pattern, fullmatch=True).filter(bool))
    at = data.draw(st.integers(0, len(text) - 1))
    rust, python = quick.jsonschema_rs.Draft202012Validator({"pattern": pattern}), re.compile(pattern)
    for character in DIALECT_CHARACTERS:
        for candidate in (character, text + character, text[:at] + character + text[at + 1 :]):
            assert not rust.is_valid(candidate) or python.search(candidate), (pattern, candidate)


@pytest.mark.parametrize("blank", ["\x1c", "\x1f", "\x85", " \u3000\t"])
def test_an_exception_with_a_blank_reason_is_invalid_in_both(blank):
    """ECMA-262's `\\S` takes U+001C-U+001F and U+0085 for text, Python's for blank: the schema spells out its class."""
    document = {
        "exceptions": [{"rule": "no-expiry", "key": "k", "reason": blank, "owner": "o", "expires": "2027-01-01"}]
    }
    assert not quick.passes(document, "exceptions.schema.json", None)
    assert [v.pointer for v in violations(document, "exceptions.schema.json", None)] == ["/exceptions/0/reason"]


def test_an_impossible_date_fails_in_both(monkeypatch):
    ref, original = DOCUMENTS[0]
    document = json.loads(json.dumps(original))
    document["keys"][0]["expire"] = "2026-02-30T10:00:00.000+00:00"
    assert not quick.passes(document, ref, None)
    assert [v.message for v in violations(document, ref, None)] == [
        "'2026-02-30T10:00:00.000+00:00' is not a valid date-time (no such day or time)"
    ]


def test_an_unknown_scope_of_the_version_fails_in_both():
    ref = "key-export.schema.json#/$defs/keyList"
    document = {"keys": [{"$id": "k", "name": "k", "scopes": ["documentsdb.read"]}], "total": 1}
    assert quick.passes(document, ref, "2.2")
    assert not quick.passes(document, ref, "1.9")
    assert [v.unknown_scope for v in violations(document, ref, load("1.9"))] == ["documentsdb.read"]


def test_without_jsonschema_rs_python_jsonschema_decides_alone(monkeypatch):
    ref, document = DOCUMENTS[0]
    broken = {**document, "total": "many"}
    monkeypatch.setattr(quick, "jsonschema_rs", None)
    assert not quick.passes(document, ref, None)
    assert violations(document, ref, None) == []
    assert [v.pointer for v in violations(broken, ref, None)] == ["/total"]


def test_an_audit_of_valid_json_files_imports_neither_python_jsonschema_nor_pyyaml(tmp_path):
    probe = (
        "import sys\n"
        "from auditor.cli.main import cli\n"
        "try:\n"
        "    cli(['audit', '--keys', sys.argv[1], '--logs', sys.argv[2], '--format', 'json', '--output', sys.argv[3]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'referencing', 'yaml')))\n"
    )
    report = tmp_path / "report.json"
    keys, logs = SAMPLES / "keys" / "keylist.json", SAMPLES / "logs" / "calls.jsonl"
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(keys), str(logs), str(report)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.stdout.strip() == "[]", proc.stderr
    assert json.loads(report.read_text())["summary"]["linesRead"] > 0


@pytest.mark.parametrize(
    "uri",
    [
        "https://keyaudit.dev/schemas/../pyproject.toml",
        "https://keyaudit.dev/schemas/../../etc/passwd.schema.json",
        "https://example.com/schemas/manifest.schema.json",
        "https://keyaudit.dev/schemas/nothing-here.schema.json",
    ],
)
def test_the_schemas_jsonschema_rs_may_read_are_keyaudits_own(uri):
    with pytest.raises(KeyError):
        resource(uri, None)


def test_the_scope_schema_is_the_versions_enum():
    assert resource(SCOPE_URI, None) == schema("scope.schema.json")
    scopes = resource(SCOPE_URI, "2.2")
    assert scopes["$id"] == SCOPE_URI and "documentsdb.read" in json.dumps(scopes)
    assert "documentsdb.read" not in json.dumps(resource(SCOPE_URI, "1.9"))


def test_version_names_the_schema_check(monkeypatch):
    from click.testing import CliRunner

    from auditor.cli.main import cli

    assert (
        "schema check: jsonschema-rs, python-jsonschema where it fails)"
        in CliRunner().invoke(cli, ["--version"]).output
    )
    monkeypatch.setattr(quick, "jsonschema_rs", None)
    assert "schema check: python-jsonschema)" in CliRunner().invoke(cli, ["--version"]).output
