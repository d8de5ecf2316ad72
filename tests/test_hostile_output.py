"""Text from outside stays text in every output (issue #17, class 3).

Every string of a real report (keys, findings, fixes, exceptions, baseline, summary) gets each attack of
tests/helpers/hostile.py's ACTIVE_TEXT appended in turn, and every format renders it:
- table, lines (a terminal, a CI log): no control, bidi or invisible format character; no line starts with what
  followed a line break;
- markdown, rendered by GitHub's own cmark-gfm, and html: the same elements and links as the same report with
  harmless text, no comment, no @mention or bare URL left in the text, no control character;
- junit: well-formed XML with the same elements, no control character;
- sarif: valid SARIF whose message texts hold no unescaped bracket (an embedded link) and no control character;
- json: exactly the data (json escapes for itself).
Then the commands that print outside text themselves: explain, fix (notes, commands, --diff), job run and job
report, lint, validate, secrets, catalog lookup, baseline create, fetch-keys errors (a server's Location,
Content-Type and error type), and an error naming a file.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from helpers.audit import call, key, write_keys, write_logs
from helpers.cli import invoke as in_process
from helpers.cli import run_cli
from helpers.drip_server import DripServer, answer
from helpers.hostile import ACTIVE_TEXT
from test_report_formats import SAMPLES, sarif_validator

from auditor.output.terminal_view import TerminalView
from auditor.reporters import REPORTERS, render

NOW = ["--now", "2026-11-25T00:00:00Z"]
ENUMERATIONS = {"severity", "cli", "failOn", "schemaVersion"}  # values reporters look up, not text they show
ALLOWED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}  # joiners that scripts and emoji need; they reorder nothing


def _unsafe(char: str, keep: str = "\n") -> bool:
    """A character no reader should get, judged from Unicode itself (not from keyaudit's own code)."""
    if char in keep or char in ALLOWED_FORMAT_CHARACTERS:
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") or char in "\ufffe\uffff"


def _assert_inert(text: str, keep: str = "\n") -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if _unsafe(c, keep)})
    assert not bad, bad


def _suffixed(value, attack, field=None):
    """The report with `attack(text)` appended to every text value."""
    if isinstance(value, str):
        return value if field in ENUMERATIONS else value + attack(value)
    if isinstance(value, dict):
        return {name: _suffixed(item, attack, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_suffixed(item, attack, field) for item in value]
    return value


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """(the report, harmless): the sample audit with exceptions, a baseline and log notes, and the same with
    harmless text appended to every text value."""
    folder = tmp_path_factory.mktemp("hostile-output")
    code, out, err = run_cli("audit", *SAMPLES, "--format", "json")
    report = json.loads(out)
    silenced = next(f for f in report["findings"] if f["scope"])
    exceptions = folder / "exceptions.yaml"
    exceptions.write_text(
        f'exceptions:\n  - rule: {silenced["rule"]}\n    key: "{silenced["key"]}"\n'
        f"    scope: {silenced['scope']}\n    reason: r\n    owner: o@example.com\n"
        "    expires: 2027-01-31\n"
    )
    baseline = folder / "baseline.json"
    assert run_cli("baseline", "create", "--keys", "samples/keys/keylist.json", *NOW, "--output", baseline)[0] == 0
    data = json.loads(baseline.read_text())
    data["findings"].append({**data["findings"][0], "fingerprint": "0" * 64, "key": "gone"})
    baseline.write_text(json.dumps(data))
    code, out, err = run_cli("audit", *SAMPLES, "--exceptions", exceptions, "--baseline", baseline, "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    report["summary"]["unattributed"] = [{"count": 3, "reason": "no X-Appwrite-Key header"}]
    report["summary"]["notes"] = ["a note on the logs"]
    assert report["summary"]["exceptions"]["entries"] and report["summary"]["baseline"]["absent"]
    assert any(k.get("fixes", {}).get("edits") for k in report["keys"])
    assert any(k.get("fixes", {}).get("commands") for k in report["keys"])
    return report, _suffixed(report, lambda text: " plain")


ATTACKS = pytest.mark.parametrize("attack", ACTIVE_TEXT, ids=[f"attack{i}" for i in range(len(ACTIVE_TEXT))])


@pytest.fixture
def hostile(reports, attack):
    """The report with `attack` appended to every text value."""
    return _suffixed(reports[0], lambda text: attack)


def test_every_text_value_gets_the_attack(reports):
    report, _ = reports
    attacked = json.dumps(_suffixed(report, lambda text: "\x1b"))
    assert attacked.count("\\u001b") > 500  # keys, findings, fixes, exceptions, baseline, summary


@ATTACKS
@pytest.mark.parametrize("name", ["table", "table --verbose", "lines"])
def test_terminal_formats_show_no_control_and_forge_no_line(reports, hostile, name):
    harmless = reports[1]
    verbose = name.endswith("--verbose")  # wrapped to 60 columns: a wrapped name or message starts no line
    out = render(name.split()[0], copy.deepcopy(hostile), TerminalView(width=60, verbose=verbose))
    _assert_inert(out)
    assert not [line for line in out.split("\n") if line.startswith(("FORGED", "::"))]
    if name == "lines":  # one line per finding and per exception or baseline note, as with harmless text
        assert out.count("\n") == REPORTERS[name](copy.deepcopy(harmless)).count("\n")


class _Shape(HTMLParser):
    """The elements of an HTML page with the attributes that make them act, its comments, and its text."""

    ACTING = ("href", "src", "id", "class", "for", "type", "name", "align", "open", "http-equiv", "content")

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements, self.comments, self.texts, self._code = [], [], [], 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append(
            (
                tag,
                sorted((k, v) for k, v in attrs if k in self.ACTING or k.startswith("on")),
                sorted(k for k, _ in attrs),
            )
        )
        self._code += tag in ("code", "pre")

    def handle_endtag(self, tag):
        self.elements.append(("/" + tag,))
        self._code -= tag in ("code", "pre")

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_data(self, data):
        self.texts.append((data, self._code > 0))


def _github(markdown: str) -> _Shape:
    """The Markdown as GitHub renders it (cmark-gfm, raw HTML kept to see whether any gets through)."""
    return _Shape(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))


def _assert_no_mention_or_autolink(shape: _Shape) -> None:
    """GitHub links @mentions, e-mail addresses and bare URLs it finds in the rendered text (not in code)."""
    for data, in_code in shape.texts:
        if not in_code:
            assert not re.search(r"@[\w-]|://|\bwww\.", data, re.IGNORECASE), data


@ATTACKS
@pytest.mark.parametrize("name", ["markdown", "html"])
def test_markdown_and_html_get_no_element_link_comment_or_mention(reports, hostile, name):
    harmless = reports[1]
    parse = _github if name == "markdown" else _Shape
    # uncapped: the attack lengthens the report, and the cap (tests/test_markdown_cap.py) would drop other parts
    plain, attacked = (parse(render(name, copy.deepcopy(report), max_chars=0)) for report in (harmless, hostile))
    assert attacked.elements == plain.elements  # no element, attribute, link or cell more or less
    assert attacked.comments == plain.comments
    if name == "markdown":
        _assert_no_mention_or_autolink(attacked)
    # the zero-width spaces of the Markdown are keyaudit's own (after @, in :// and www.): any from outside is gone
    _assert_inert("".join(data for data, _ in attacked.texts), keep="\n\t\r\u200b")
    _assert_inert(REPORTERS[name](copy.deepcopy(hostile)), keep="\n\t\r")


def _xml_shape(element: ET.Element) -> list:
    return [(e.tag, sorted(e.attrib)) for e in element.iter()]


@ATTACKS
def test_junit_is_well_formed_xml_with_the_same_elements(reports, hostile):
    harmless = reports[1]
    text = REPORTERS["junit"](copy.deepcopy(hostile))
    _assert_inert(text, keep="\n\t\r")
    assert _xml_shape(ET.fromstring(text.encode())) == _xml_shape(
        ET.fromstring(REPORTERS["junit"](copy.deepcopy(harmless)).encode())
    )


def _texts(value):
    """Every `text` of a SARIF message or description (not the file content a fix inserts)."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name in ("message", "description") and isinstance(item, dict):
                yield item["text"]
            else:
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


@ATTACKS
def test_sarif_message_texts_hold_no_embedded_link(hostile):
    sarif = json.loads(REPORTERS["sarif"](copy.deepcopy(hostile)))
    assert [e.message for e in sarif_validator().iter_errors(sarif)] == []
    results = sarif["runs"][0]["results"]
    for text in _texts(results):
        unescaped = re.sub(r"\\[\\\[\]]", "", text)  # SARIF 2.1.0 §3.11.6: \[ \] \\ are literal
        assert "[" not in unescaped and "]" not in unescaped, text
        _assert_inert(text, keep="\n\t")


@ATTACKS
def test_json_stays_exact_data(hostile):
    assert json.loads(REPORTERS["json"](copy.deepcopy(hostile))) == hostile


# ---- commands that print outside text themselves -------------------------------------------------------------

HOSTILE_NAME = "ops\x1b]0;t\x07\x9b2J\u202eab\u2066\u200b\nFORGED \rFORGED \u2028FORGED \x85FORGED\x00"  # < 128
HOSTILE_FILE = "\x1b]0;t\x07\u202eab\u202c\x9b2J\nFORGED"  # a file name may hold all of these


def _printed_safely(result) -> None:
    for stream in (result.stdout, result.stderr):
        _assert_inert(stream)
        assert not [line for line in stream.split("\n") if line.startswith(("FORGED", "::"))], stream


def invoke(*args, env=None):
    return in_process(args, env={"KEYAUDIT_DEBUG": None, **(env or {})})


@pytest.fixture
def hostile_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keys = write_keys(tmp_path, [key("k1", ["documents.read", "users.read"], name=HOSTILE_NAME)])
    logs = write_logs(
        tmp_path,
        [call("k1", "GET", "/v1/users"), call(HOSTILE_NAME[:60], "GET", "/v1/users")],
        name=HOSTILE_FILE + ".jsonl",
    )
    manifest = tmp_path / "manifest.yaml"
    # YAML's own escapes (\e ESC, \a BEL, \L U+2028, \N U+0085, \0 NUL) and a raw U+202E, which keyaudit fix
    # rewrites in place (it refuses \uXXXX escapes: its round trip would reformat them)
    manifest.write_text(
        'keys:\n  - id: m1\n    name: "ops\\e]0;t\\a\u202eab\\e[2J\\nFORGED \\rFORGED \\LFORGED '
        '\\NFORGED \\0"\n    scopes: [documents.read, "users.rea\u202ed\\e[2J"]\n    expire: null\n'
    )
    return keys, logs, manifest


def test_explain_fix_validate_lint_and_baseline_print_names_safely(hostile_files, tmp_path):
    keys, logs, manifest = hostile_files
    runs = {
        "explain": invoke("explain", "k1", "--keys", keys, "--logs", logs, *NOW),
        "fix --diff": invoke("fix", "--appwrite-version", "1.9", "--diff", manifest),
        "fix commands": invoke("fix", "--appwrite-version", "1.9", keys),
        "validate": invoke("validate", manifest),
        "lint": invoke("lint", manifest, *NOW),
        "baseline create": invoke("baseline", "create", "--keys", keys, *NOW, "--output", HOSTILE_FILE + ".json"),
        "audit table": invoke("audit", "--keys", keys, "--logs", logs, *NOW),
        "audit lines": invoke("audit", "--keys", keys, "--logs", logs, *NOW, "--format", "lines"),
    }
    named = tmp_path / (HOSTILE_FILE + ".yaml")  # the diff's header names the file
    named.write_text(manifest.read_text())
    runs["fix --diff of a hostile file name"] = invoke("fix", "--appwrite-version", "1.9", "--diff", named)
    runs["fix"] = invoke("fix", "--appwrite-version", "1.9", manifest)
    for name, result in runs.items():
        assert result.exit_code in (0, 1), (name, result.stderr)
        _printed_safely(result)
    assert "ops" in runs["explain"].stdout and "\ufffd" in runs["explain"].stdout  # shown, with the attack replaced
    assert "users.rea" in runs["validate"].stdout and "\ufffd" in runs["fix"].stderr


def test_job_run_and_job_report_print_names_safely(hostile_files, tmp_path):
    keys, logs, _ = hostile_files
    state = tmp_path / "state.db"
    run = invoke("job", "run", "--state", state, "--keys", keys, "--logs", logs, *NOW)
    assert run.exit_code in (0, 1), run.stderr
    report = invoke("job", "report", "--state", state)
    assert report.exit_code == 0, report.stderr
    for result in (run, report):
        _printed_safely(result)
    assert "ops" in report.stdout


def test_secrets_catalog_and_errors_name_files_and_paths_safely(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / (HOSTILE_FILE + ".env")).write_text("KEY=standard_" + "ab" * 128 + "\n")
    runs = [
        invoke("secrets", HOSTILE_FILE + ".env"),
        invoke("catalog", "lookup", "GET", "/v1/" + HOSTILE_NAME),
        invoke("audit", "--keys", HOSTILE_FILE + "-missing.json"),
        invoke("lint", "::error::x.json", *NOW),
    ]
    assert [r.exit_code for r in runs] == [1, 0, 2, 2], [r.stderr for r in runs]
    for result in runs:
        _printed_safely(result)
    assert runs[2].stderr.count("\n") == 1


SERVER_SAYS = {  # what a server answers -> what the one error line is about
    "Location": (
        b"HTTP/1.1 301 Moved\r\nLocation: https://e.example/\x1b]0;pwned\x07\x9b2J\xe2\x80\xae"
        b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "redirected to https://e.example/",
    ),
    "Content-Type": (
        answer(b"<html>", content_type="text/html\x1b[2J\x9d0;t\x9c"),
        "the answer is not JSON (text/html",
    ),
    "error type": (
        answer(json.dumps({"type": "general_\x1b[2J\u202e\u2028FORGED", "code": 401}).encode()).replace(
            b"200 OK", b"401 Unauthorized"
        ),
        "HTTP 401 general_",
    ),
}


@pytest.mark.parametrize("said", sorted(SERVER_SAYS))
def test_fetch_keys_errors_quote_the_server_safely(said):
    raw, fragment = SERVER_SAYS[said]
    answers = [(raw, len(raw))] if said != "error type" else [(answer(b'{"version":"1.9.6"}'), 10_000), (raw, len(raw))]
    with DripServer(answers, interval=0) as server:
        result = invoke("fetch-keys", "--endpoint", server.url, "--project", "p", env={"APPWRITE_API_KEY": "k"})
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr
    _printed_safely(result)
