"""`keyaudit audit` and `keyaudit explain`: the main job."""

from __future__ import annotations

import difflib
import sys

import click

from auditor.audit import audit as run
from auditor.audit.report import build
from auditor.checks.context import label
from auditor.cli import options
from auditor.cli.echo import say
from auditor.cli.outputs import check_targets, plan_outputs, write_output
from auditor.errors import InputError
from auditor.loaders.keys.repeated import shown_warnings
from auditor.output.terminal_view import TerminalView
from auditor.reporters import REPORTERS, render
from auditor.rules.registry import at_or_above
from auditor.secrets import scrub_identifier


@click.command()
@options.audit_inputs
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORTERS)),
    help="Report format [default: from the --output file's suffix, else table].",
)
@click.option(
    "--output",
    "output",
    multiple=True,
    metavar="[FORMAT=]FILE",
    help="Write the --format report to FILE instead of stdout; FORMAT=FILE also writes that format "
    "(repeatable: --output sarif=a.sarif --output html=a.html).",
)
@click.option(
    "--verbose",
    is_flag=True,
    help="--format table: one row per finding instead of one block per key with its findings folded.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=0),
    default=60_000,
    show_default=True,
    metavar="N",
    help="Markdown: at most N characters (a GitHub comment takes 65,536); the least severe details are left "
    "out first and a line says so (the summary is always kept). 0: no limit.",
)
@options.fail_on("high")
@options.baseline
@options.policy
@options.log_reading
@options.proposal
@options.quiet
def audit(output_format, output, verbose, max_chars, fail_on, **inputs):
    """Audit API keys against the calls they made: least-privilege findings.

    Without --logs or --usage, the rules that need usage (`keyaudit rules` marks
    them) are skipped and the report says so; --grant-refused then changes
    nothing. Every report carries the proposed scope set of each key (README:
    "How keyaudit proposes a scope set"). Exit 0: nothing at or above
    --fail-on; 1: findings; 2: bad input.
    """
    targets = plan_outputs(output_format, output, REPORTERS)
    check_targets(path for _, path in targets)
    request = options.request(**inputs)
    result = run(request)
    for warning in shown_warnings(result.warnings):
        say(f"warning: {warning}", err=True)
    threshold = fail_on or request.config.get("failOn") or "high"
    report = build(result, threshold)
    for name, path in targets:
        view = TerminalView.detect(to_file=path is not None, verbose=verbose)
        write_output(render(name, report, view, max_chars), path)
    if any(at_or_above(finding.severity, threshold) for finding in result.findings):
        sys.exit(1)


@click.command()
@click.argument("key_id")
@options.audit_inputs
@options.policy
@options.log_reading
@options.proposal
@options.quiet
def explain(key_id, **inputs):
    """Each scope the key KEY_ID (its id or name) holds: the calls that justify it, its findings, and the
    proposal's verdict (the one planner's, as every report and `keyaudit fix` give it)."""
    result = run(options.request(**inputs))
    # a key whose id is a secret is known by its fingerprint (loaders/keys/__init__.py)
    wanted = scrub_identifier(key_id)
    matches = [a for a in result.analyses if a.key.id in (key_id, wanted)] or [
        a for a in result.analyses if a.key.name == key_id
    ]  # the table leads with names
    if not matches:
        known = sorted({a.key.id for a in result.analyses} | {a.key.name for a in result.analyses if a.key.name})
        close = difflib.get_close_matches(key_id, known, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise InputError(f"no key {key_id!r} in the key definitions (by id or name){hint}")

    def echo(text: str, gap: bool = False) -> None:  # one line each: names, scopes and paths come from outside
        if gap:
            click.echo()
        say(text)

    for analysis in matches:
        key = analysis.key
        plan = result.plan_of(analysis)
        echo(f"{label(key)} · {key.location} · Appwrite {result.catalog.version}")
        if result.usage is None:
            echo("no logs given: only definition rules apply")
        else:
            echo(f"{analysis.calls} logged calls; minimal scope set: {', '.join(analysis.minimal) or 'none'}")
        echo(f"proposed scopes: {', '.join(plan.result()) or 'none'}" if plan.changes else "proposed: no change")
        verdicts = {}
        for change in plan.changes:
            verdicts.setdefault(change.scope, []).append(f"{change.action} ({change.rule})")
        flagged = {}
        for finding in result.findings:
            if finding.key == key.id and finding.scope:
                flagged.setdefault(finding.scope, []).append(finding)
        for scope in dict.fromkeys(key.scopes):
            echo(f"  {scope}", gap=True)
            justifying = [n for n in analysis.needs if scope in n.any_of]
            for need in sorted(justifying, key=lambda n: -n.usage.count)[:10]:
                route = need.usage.route
                echo(
                    f"    used: {need.usage.count} × {route.method} {route.template} (accepts {' or '.join(route.scopes)})"
                )
            for finding in flagged.get(scope, []):
                echo(f"    {finding.severity} {finding.rule}: {finding.message}")
            for verdict in verdicts.pop(scope, []):
                echo(f"    proposal: {verdict}")
            if not justifying and scope not in flagged:
                echo("    no logged call needs it" if result.usage is not None else "    usage unknown (no logs)")
        key_level = [f for f in result.findings if f.key == key.id and not f.scope]
        if key_level:
            echo("  key findings", gap=True)
            for finding in key_level:
                echo(f"    {finding.severity} {finding.rule}: {finding.message}")
        missing = [f for f in result.findings if f.key == key.id and f.rule == "missing-scope" and f.scope]
        for finding in missing:
            if finding.scope not in key.scopes:
                echo(f"  missing {finding.scope}: {finding.message}", gap=True)
        for scope, verdict in verdicts.items():
            echo(f"  {scope}", gap=True)
            echo(f"    proposal: {', '.join(verdict)}")
        for note in plan.notes:
            echo(f"  note: {note}")
