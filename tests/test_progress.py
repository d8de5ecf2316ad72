"""The progress line of long log reads: drawn late and seldom on a terminal, never elsewhere nor with --quiet."""

import io
import json
import sys

from helpers.cli import invoke, run_cli

from auditor.analysis.usage import read_usage
from auditor.catalog.catalog import load
from auditor.output.progress import DELAY, INTERVAL, Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_draws_after_the_delay_at_most_every_interval_and_erases_itself():
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, clock)
    progress.expect(200_000_000)
    progress.update(1_000, 10)
    assert out.getvalue() == ""  # a short run shows nothing
    clock.now += DELAY
    progress.update(50_000_000, 300_000)
    assert out.getvalue() == (
        "\rreading logs [######..................]  25% of 200 MB: 300.0k lines, 300.0k lines/s\x1b[K"
    )
    progress.update(60_000_000, 400_000)
    clock.now += INTERVAL / 2
    progress.update(70_000_000, 500_000)
    assert out.getvalue().count("\r") == 1
    clock.now += INTERVAL
    progress.update(None, 600_000)  # where a stream cannot tell its position
    assert out.getvalue().endswith("\rreading logs: 600.0k lines, 521.7k lines/s\x1b[K")  # 1.15 s in
    progress.finish()
    assert out.getvalue().endswith("\r\x1b[K")


def test_only_a_terminal_gets_it(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    assert Progress.on_stderr(quiet=False).out is sys.stderr
    assert Progress.on_stderr(quiet=True).out is None
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert Progress.on_stderr(quiet=False).out is None


def test_read_usage_reports_how_far_it_read(tmp_path):
    log = tmp_path / "calls.jsonl"
    log.write_text(
        "".join(json.dumps({"key": "k", "method": "GET", "path": f"/v1/users/u{n}"}) + "\n" for n in range(5000))
    )
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, clock)
    clock.now += DELAY
    usage = read_usage([str(log), str(log)], load("1.9"), progress=progress, workers=1)
    assert usage.stats.lines_read == 10_000
    size = log.stat().st_size * 2 / 1e6
    assert out.getvalue().startswith(f"\rreading logs [############............]  50% of {size:,.0f} MB: 5.0k lines")
    assert out.getvalue().endswith("\r\x1b[K")


def test_audit_and_explain_take_quiet(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(
        json.dumps(
            {
                "total": 1,
                "keys": [
                    {"$id": "k1", "name": "k", "scopes": ["users.read"], "expire": "2027-06-30T00:00:00.000+00:00"}
                ],
            }
        )
    )
    log = tmp_path / "calls.jsonl"
    log.write_text(json.dumps({"key": "k1", "method": "GET", "path": "/v1/users"}) + "\n")
    code, out, err = run_cli("audit", "--keys", str(keys), "--logs", str(log), "--quiet", "--fail-on", "none")
    assert (code, err) == (0, "")
    code, out, err = run_cli("explain", "k1", "--keys", str(keys), "--logs", str(log), "--quiet")
    assert (code, err) == (0, "") and "1 logged calls" in out


def test_the_line_drawn_on_a_terminal_holds_no_piece_of_a_secret(tmp_path, monkeypatch):
    """The bar shows counts only, whatever the logs are named and hold: drawn on a (fake) terminal at every update,
    while audit and explain read logs named by secrets and full of them, it holds no 31 characters of any."""
    import types

    from helpers.hostile import Secrets

    from auditor.analysis import usage as usage_module
    from auditor.output import progress as progress_module

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, s = Terminal(), Secrets()
    monkeypatch.setattr(progress_module, "sys", types.SimpleNamespace(stderr=terminal))  # what on_stderr sees
    monkeypatch.setattr(progress_module, "DELAY", 0)
    monkeypatch.setattr(progress_module, "INTERVAL", 0)
    monkeypatch.setattr(usage_module, "TICK_CALLS", 1)  # a draw after every call
    named = tmp_path / s.std("folder")[:130]
    named.mkdir()
    jsonl = named / (s.by_name["folder"][130:] + ".jsonl")  # a standard secret across folder and file name
    jsonl.write_text(
        "".join(
            json.dumps(
                {
                    "time": "2026-11-20T10:00:00Z",
                    "key": s.std(f"key{n}"),
                    "method": "GET",
                    "path": f"/v1/users/{s.std(f'path{n}')}?q={s.eph(f'query{n}')}",
                }
            )
            + "\n"
            for n in range(3)
        )
        + '{"key": "'
        + s.std("bad-line")
        + '", \n'
    )
    nginx = tmp_path / f"{s.eph('log-name')}.log"
    nginx.write_text(
        "".join(
            f'10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /v1/users/{s.std(f"nginx{n}")} '
            f'HTTP/1.1" 200 5 "-" "{s.dyn(f"agent{n}")}"\n'
            for n in range(3)
        )
    )
    keys = tmp_path / "keys.json"
    keys.write_text(
        json.dumps(
            {
                "total": 1,
                "keys": [
                    {"$id": "k1", "name": "k", "scopes": ["users.read"], "expire": None, "secret": s.std("key-secret")}
                ],
            }
        )
    )
    logs = ["--logs", str(jsonl), "--logs", str(nginx), "--key", "k1", "--now", "2026-11-25T00:00:00Z"]
    for args in (
        ["audit", "--keys", str(keys), *logs, "--fail-on", "none"],
        ["explain", "k1", "--keys", str(keys), *logs],
    ):
        result = invoke(args)
        assert result.exit_code == 0, result.output
    drawn = terminal.getvalue()
    assert drawn.count("\rreading logs [") >= 6 and drawn.endswith("\r\x1b[K")  # drawn: per block or call, twice
    pieces = {secret[i : i + 31] for secret in s.by_name.values() for i in range(len(secret) - 30)}
    assert [piece for piece in pieces if piece in drawn] == []
