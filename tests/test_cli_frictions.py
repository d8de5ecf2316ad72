"""Small frictions of the command line: an output suffix keyaudit does not write, a reader that goes away."""

import subprocess
import sys

from helpers.cli import run_cli
from helpers.paths import ROOT, SAMPLE_KEYS


def test_an_output_suffix_keyaudit_does_not_write_is_refused(tmp_path):
    target = tmp_path / "r.pdf"
    code, out, err = run_cli("audit", *SAMPLE_KEYS, "--output", str(target))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "keyaudit writes no .pdf file" in err
    assert not target.exists()


def test_an_output_suffix_is_free_when_format_is_given(tmp_path):
    target = tmp_path / "r.log"
    code, _, err = run_cli("audit", *SAMPLE_KEYS, "--format", "lines", "--output", str(target), "--fail-on", "none")
    assert (code, err) == (0, "") and target.read_text()


def _first_line_then_close(*args):
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditor", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(), first, err


def test_a_closed_pipe_ends_quietly_while_reading_a_file(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text('{"method": "GET", "path": "/v1/users"}\n' * 200_000)
    code, first, err = _first_line_then_close("catalog", "lookup", "--input", str(log))
    assert first.startswith(b'{"method": "GET"')
    assert (code, err) == (0, "")


def test_a_closed_pipe_ends_quietly_while_writing_a_report():
    code, first, err = _first_line_then_close("catalog", "list")
    assert first and (code, err) == (0, "")
