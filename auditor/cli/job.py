"""`keyaudit job run|report`: the scheduled compliance job, with its state kept between runs."""

from __future__ import annotations

import json
import os
import sys

import click
from tabulate import tabulate

from auditor.audit import AuditRequest, audit
from auditor.audit.report import build
from auditor.cli import options
from auditor.cli.echo import cells, say
from auditor.cli.outputs import check_targets, write_output
from auditor.errors import InputError
from auditor.reporters import REPORTERS
from auditor.rules.registry import at_or_above
from auditor.secrets import redact
from auditor.state.ingest import Outcome
from auditor.state.job import JobRun
from auditor.state.job_config import load_job_config
from auditor.state.report import TOP_KEYS, job_report
from auditor.state.store import job_lock, open_for_job, open_for_reading, state_errors
from auditor.state.window import DEFAULT, Window, parse_window


@click.group()
def job():
    """Scheduled compliance job: ingest each night's logs into a state file, audit a rolling window."""


@job.command("run")
@click.option("--job", "job_file", metavar="FILE", help="Job settings (schemas/job.schema.json); options win.")
@click.option("--state", metavar="FILE", help="The SQLite state file, created on the first run.")
@options.keys
@options.logs
@options.usage
@click.option("--window", metavar="DAYS", help=f"Rolling window in whole days [default: {DEFAULT}].")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Wait this long for another job on the same state to finish [default: 0, fail at once].",
)
@options.keys_format
@options.audit_version
@options.config
@options.exceptions
@options.baseline
@options.policy
@options.log_reading
@options.now
@click.option("--format", "output_format", metavar="FORMAT", help=f"{', '.join(sorted(REPORTERS))} [default: table].")
@click.option("--output", metavar="FILE", help="Write the report here instead of stdout.")
@options.fail_on("high")
def run(job_file, **given):
    """Ingest new logs into the state, audit the window, record the findings.

    A file already ingested is skipped, a grown one adds only its new lines, a rotated or gzipped copy is
    recognised. The report covers the usage of the last --window days. Exit 0: nothing at or above --fail-on;
    1: findings; 2: bad input, or another job holds the state.
    """
    settings = _settings(job_file, given)
    now = options.moment(settings["now"])
    window = Window(parse_window(settings["window"]), now.timestamp())
    output_format = settings["output_format"]
    if output_format not in REPORTERS:
        raise InputError(f"format {output_format!r}: use one of {', '.join(sorted(REPORTERS))}")
    path = settings["state"]
    for target in (path, settings["output"]):
        _make_parent(target)
    check_targets([settings["output"]])  # before anything is ingested
    with state_errors(path), job_lock(path, settings["wait"]):
        state = open_for_job(path)
        runner = JobRun(state, settings["logs"], settings["usage"], window, _progress)
        request = AuditRequest.assemble(
            settings["keys"],
            config_file=settings["config_file"],
            policy_file=settings["policy_file"],
            exceptions_file=settings["exceptions_file"],
            baseline_file=settings["baseline_file"],
            appwrite_version=settings["appwrite_version"],
            keys_format=settings["keys_format"],
            now=now,
            usage_source=runner.usage,
            log_format=settings["log_format"],
            log_key=settings["log_key"],
        )
        result = audit(request)
        # the report is delivered before the run is recorded: a run whose report could not be written
        # must not swallow its new findings
        write_output(REPORTERS[output_format](build(result)), settings["output"])
        comparison = runner.record(result.findings, [key for f in result.key_files for key in f.keys])
    click.echo(
        f"keyaudit: run {comparison.last['id']}: {len(comparison.open)} findings, {len(comparison.new)} new, "
        f"{len(comparison.fixed)} fixed since the previous run",
        err=True,
    )
    threshold = settings["fail_on"] or request.config.get("failOn") or "high"
    if any(at_or_above(finding.severity, threshold) for finding in result.findings):
        sys.exit(1)


def _make_parent(path: str | None) -> None:
    """Create the folder a state or report file goes in (a job config's `state/`, `reports/`)."""
    folder = os.path.dirname(path) if path else ""
    if folder:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as error:
            raise InputError(f"{folder}: cannot create the folder ({error.strerror or type(error).__name__})") from None


_FROM_FILE = {
    "state": "state",
    "keys": "keys",
    "logs": "logs",
    "usage": "usage",
    "window": "window",
    "wait": "wait",
    "keys_format": "keysFormat",
    "appwrite_version": "appwriteVersion",
    "config_file": "config",
    "exceptions_file": "exceptions",
    "baseline_file": "baseline",
    "output_format": "format",
    "output": "output",
    "fail_on": "failOn",
    "policy_file": "policy",
    "log_format": "logFormat",
    "log_key": "key",
}
_DEFAULTS = {"window": DEFAULT, "wait": 0.0, "output_format": "table", "keys": (), "logs": (), "usage": ()}


def _settings(job_file: str | None, options: dict) -> dict:
    """Options given on the command line, else the job file's, else the defaults."""
    from_file = load_job_config(job_file) if job_file else {}
    settings = {}
    for name, value in options.items():
        if value is None or value == ():
            value = from_file.get(_FROM_FILE.get(name), _DEFAULTS.get(name))
        settings[name] = list(value) if isinstance(value, (list, tuple)) else value
    if not settings["state"]:
        raise InputError("no state file: give --state FILE (or `state` in --job FILE)")
    return settings


def _progress(outcome: Outcome) -> None:
    if outcome.skipped_because:
        say(f"keyaudit: {outcome.path}: skipped, {outcome.skipped_because}", err=True)
        return
    held = "; an unterminated last line is held back until it is complete" if outcome.held_back else ""
    say(
        f"keyaudit: {outcome.path}: ingested {outcome.lines} new lines ({outcome.bad_lines} bad), "
        f"{outcome.calls} calls{held}",
        err=True,
    )


@job.command("report")
@click.option("--state", required=True, metavar="FILE", help="The job's state file.")
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json", "html"]), default="table", show_default=True
)
@click.option(
    "--top", type=click.IntRange(min=1), default=TOP_KEYS, show_default=True, help="Keys charted one by one (html)."
)
@click.option("--output", metavar="FILE", help="Write the report here instead of stdout.")
def report(state, output_format, top, output):
    """What the last run found that the previous one did not, what it no longer finds, how long each is open;
    worst first, with key names. `--format html`: a self-contained page charting findings per run and calls
    per key per day."""
    check_targets([output])
    with state_errors(state):
        found = job_report(open_for_reading(state).db, top)
    if found is None:
        raise InputError(f"{state}: no run recorded yet (keyaudit job run records one)")
    if output_format == "html":
        from auditor.reporters.job_html import render  # the page's modules only when a page is asked for
    else:
        render = _json if output_format == "json" else _table
    write_output(redact(render(found)), output)


def _json(found: dict) -> str:
    return json.dumps(found, indent=2) + "\n"


def _table(found: dict) -> str:
    last, previous = found["lastRun"], found["previousRun"]
    out = [
        f"last run {last['id']} at {last['at']}: window of {last['windowDays']} days from "
        f"{last['windowStart'][:10]}, {last['linesRead']} new lines read ({last['badLines']} bad)"
    ]
    out.append(f"previous run {previous['id']} at {previous['at']}" if previous else "no previous run")
    sections = (
        ("new since the previous run", found["new"], False),
        ("fixed since the previous run", found["fixed"], False),
        ("open", found["open"], True),
    )
    for title, rows_of, with_age in sections:
        out.append("")
        out.append(f"{title}: {len(rows_of)}")
        if rows_of:
            rows = [
                [r["severity"], r["rule"], r["keyName"] or "", r["key"] or "", r["scope"] or ""]
                + ([r["openSince"][:10], r["openDays"]] if with_age else [])
                for r in rows_of
            ]
            headers = ["severity", "rule", "name", "key", "scope"] + (["open since", "days"] if with_age else [])
            out.append(tabulate(cells(rows), headers=headers, tablefmt="simple"))
    return "\n".join(out) + "\n"
