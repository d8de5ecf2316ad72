"""`--format table`, the terminal view: sized to the terminal, one block per key with folded findings and the
planner's proposal from the report; `--verbose` one row per finding; `--format lines` carries the fix."""

import json
import re

import pytest
from helpers.cli import run_cli
from test_report_formats import SAMPLES

from auditor.output.terminal_view import TerminalView
from auditor.reporters import render

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def report():
    code, out, err = run_cli("audit", *SAMPLES, "--format", "json")
    assert code == 1, err
    return json.loads(out)


def _block(text: str, name: str) -> str:
    return re.search(rf"^== {re.escape(name)} .*?(?=^== |\Z)", text, re.M | re.S).group(0)


@pytest.mark.parametrize("width", [40, 80, 120, 200])
@pytest.mark.parametrize("verbose", [False, True])
def test_every_line_fits_the_width_but_the_commands_to_copy(report, width, verbose):
    out = render("table", report, TerminalView(width=width, verbose=verbose))
    commands = {c["command"] for k in report["keys"] for c in k.get("fixes", {}).get("commands", [])}
    too_wide = [line for line in out.splitlines() if len(line) > width and line.strip() not in commands]
    assert too_wide == [] or (width == 40 and verbose)  # 7 columns cannot all wrap into 40


def test_a_key_block_folds_one_rule_on_many_scopes_into_one_line(report):
    out = render("table", report, TerminalView(width=80))
    ops = next(k for k in report["keys"] if k["name"] == "ops-admin")
    unused = sorted(f["scope"] for f in report["findings"] if f["key"] == ops["id"] and f["rule"] == "unused-scope")
    block = _block(out, f"ops-admin ({ops['id']})")
    line = re.search(r"unused-scope on (\d+) scopes: ([^\n]+(?:\n {12}[^\n]+)*)", block)
    assert int(line.group(1)) == len(unused) > 10
    assert line.group(2).replace("\n", " ").split() == [scope + "," for scope in unused[:-1]] + [unused[-1]]
    assert block.count("unused-scope") == 1


def test_a_scope_with_findings_on_several_routes_is_named_once_in_its_folded_line():
    """missing-scope gives one finding per route: its line names each scope once and says how many findings."""
    from auditor.reporters.table import _folded

    findings = [
        {"severity": "high", "rule": "missing-scope", "scope": s} for s in ("files.read", "rows.read", "files.read")
    ]
    assert _folded(findings) == [("high", "missing-scope on 2 scopes (3 findings): files.read, rows.read")]


def test_a_missing_scope_message_counts_the_refused_calls_among_all():
    """Of 5 calls to a route, 2 answered 401 general_unauthorized_scope: the message does not say all 5 were."""
    from auditor.checks.missing_scope import _some

    assert _some(2, 5) == "include 2" and _some(5, 5) == "were"


def test_a_key_block_shows_the_reports_proposal_and_ready_command(report):
    out = render("table", report, TerminalView(width=200))
    for key in report["keys"]:
        if "fixes" not in key:
            continue
        block = _block(out, f"{key['name']} ({key['id']})" if key["name"] != key["id"] else key["id"])
        removed = [s for s in key["granted"] if s not in key["fixes"]["scopes"]]
        added = [s for s in key["fixes"]["scopes"] if s not in key["granted"]]
        unwrapped = re.sub(r"\n {12}(?=[a-z])", " ", block)  # a wrapped scope list on one line
        if removed:
            assert "proposal  - " + ", ".join(removed) + "\n" in unwrapped
        if added:
            assert "+ " + ", ".join(added) + "\n" in unwrapped
        if key["fixes"]["commands"]:
            assert "\n" + " " * 14 + key["fixes"]["commands"][0]["command"] + "\n" in block


def test_keys_with_the_worst_findings_come_first(report):
    out = render("table", report, TerminalView(width=120))
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
    worst = []
    for block in re.split(r"^== ", out, flags=re.M)[1:]:
        severities = re.findall(r"^  (critical|high|medium|low|info) ", block, re.M)
        worst.append(max((ranks[s] for s in severities), default=-1))
    defined = worst[: len(report["keys"])]
    assert defined == sorted(defined, reverse=True) and defined[0] == 4


def test_verbose_keeps_one_row_per_finding(report):
    out = render("table", report, TerminalView(width=200, verbose=True))
    rows = re.findall(r"^  (critical|high|medium|low|info) {2,}[a-z-]+ ", out, re.M)
    assert len(rows) == len(report["findings"])


def test_colour_only_when_asked_and_then_only_around_words(report):
    plain = render("table", report, TerminalView(width=80))
    coloured = render("table", report, TerminalView(width=80, colour=True))
    assert "\x1b" not in plain and "\x1b[1;35mcritical" in coloured
    assert ESCAPE.sub("", coloured) == plain


def test_cli_width_from_columns_and_no_colour_off_a_terminal():
    code, out, _ = run_cli("audit", *SAMPLES, env={"COLUMNS": "200"})
    assert code == 1 and "\x1b" not in out
    wide = max(len(line) for line in out.splitlines() if not line.startswith(" " * 14))
    code, out, _ = run_cli("audit", *SAMPLES, env={"COLUMNS": "80", "NO_COLOR": "1"})
    narrow = max(len(line) for line in out.splitlines() if not line.startswith(" " * 14))
    assert narrow <= 80 < wide <= 200


def test_detect_reads_columns_no_color_and_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "132")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert TerminalView.detect(to_file=False) == TerminalView(width=132, colour=True)
    assert TerminalView.detect(to_file=True, verbose=True) == TerminalView(width=132, verbose=True)
    monkeypatch.setenv("NO_COLOR", "")
    assert not TerminalView.detect(to_file=False).colour
    monkeypatch.delenv("COLUMNS")
    assert TerminalView.detect(to_file=True).width == 80


def test_lines_carry_each_findings_fix(report):
    code, out, _ = run_cli("audit", *SAMPLES, "--format", "lines")
    lines = out.splitlines()
    assert code == 1 and len(lines) == len(report["findings"]) + 1  # and the unknown keys' line
    for finding in report["findings"]:
        assert any(f": {finding['message']} (fix: {finding['fix']})" in line for line in lines)


def test_findings_without_a_scope_that_share_a_fingerprint_stay_one_line_each(tmp_path):
    """The same secret twice in one file: two secret-in-file findings, no scope, one fingerprint."""
    secret = "standard_" + "ab" * 128
    functions = [{"$id": f"f{n}", "name": secret, "runtime": "node-22", "scopes": ["users.read"]} for n in (1, 2)]
    project = tmp_path / "appwrite.json"
    project.write_text(json.dumps({"projectId": "p1", "functions": functions}, indent=1))
    code, out, err = run_cli("audit", "--keys", str(project), "--format", "table", env={"COLUMNS": "200"})
    assert code == 1 and "Traceback" not in err and "internal error" not in err, err
    assert out.count("secret-in-file") == 2 and secret not in out
