"""`keyaudit audit` and `keyaudit explain`: the main job."""

from __future__ import annotations

import difflib
import sys
from datetime import datetime, timezone

import click

from auditor.atomic import target_status, write_text
from auditor.audit import run_audit
from auditor.baseline import load_baseline
from auditor.checks.context import label
from auditor.config import load_config
from auditor.cli.echo import say
from auditor.cli.outputs import plan_outputs
from auditor.errors import InputError
from auditor.exceptions import load_exceptions
from auditor.fix.plan import MODES, PlanOptions
from auditor.loaders.detect import KEY_KINDS
from auditor.loaders.logs import LOG_FORMATS
from auditor.policy.load import load_policy, with_policy
from auditor.progress import Progress
from auditor.registry import SEVERITIES, configured_rules, severity_rank
from auditor.report import build
from auditor.reporters import REPORTERS
from auditor.secrets import scrub_identifier
from auditor.times import BadTime, parse_time


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    try:
        return datetime.fromtimestamp(parse_time(value), timezone.utc)
    except BadTime as error:
        raise InputError(f"--now {value!r}: {error}") from None


def audit_inputs(func):
    options = [
        click.option("--keys", "keys", multiple=True, metavar="FILE",
                     help="Key definitions: Appwrite export, manifest or appwrite.json (repeatable; - for stdin)."),
        click.option("--logs", "logs", multiple=True, metavar="FILE",
                     help="Call logs: keyaudit JSONL, Traefik JSON or common, nginx combined, Appwrite audit "
                          "logs or app error lines, gzip or not (repeatable; - for stdin)."),
        click.option("--usage", "usage", multiple=True, metavar="FILE",
                     help="Pre-aggregated usage, CSV or JSON, as samples/sql/ makes it from logs too big for one "
                          "machine (repeatable)."),
        click.option("--keys-format", type=click.Choice(KEY_KINDS), help="Force the kind of every key file."),
        click.option("--appwrite-version", metavar="V",
                     help="1.6-1.9, 2.0-2.5, cloud or a full version [default: a manifest's appwriteVersion, else 1.9]."),
        click.option("--config", "config_file", metavar="FILE", help="Rule settings (schemas/config.schema.json)."),
        exceptions_option,
        click.option("--now", metavar="TIME", help="Judge dates as of this RFC 3339 time [default: now]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


exceptions_option = click.option(
    "--exceptions", "exceptions_file", metavar="FILE",
    help="Exceptions that silence findings until they expire (schemas/exceptions.schema.json).")
baseline_option = click.option(
    "--baseline", "baseline_file", metavar="FILE",
    help="Report only findings this baseline does not hold (keyaudit baseline create).")
policy_option = click.option(
    "--policy", "policy_file", metavar="FILE",
    help="Organisation policy: rules as data, findings policy:<id> (schemas/policy.schema.json).")


def log_reading_options(func):
    """--log-format and --key: how audit and explain read logs that are not keyaudit's JSONL."""
    func = click.option("--key", "log_key", metavar="ID",
                        help="The key of every log line that names none (nginx, Traefik common, error lines, "
                             "access logs without X-Appwrite-Key).")(func)
    return click.option("--log-format", type=click.Choice(LOG_FORMATS),
                        help="Force the format of every --logs file [default: detected per file].")(func)


def proposal_options(func):
    """--fix-mode and --grant-refused: the proposal every report carries, as `keyaudit fix --drop-unused` writes it."""
    func = click.option("--grant-refused", is_flag=True,
                        help="Let the proposal add scopes that only calls Appwrite refused asked for (a refused call "
                             "is a request, not a need; each high-risk addition is a high-risk-grant finding).")(func)
    return click.option("--fix-mode", type=click.Choice(MODES), default="add", show_default=True,
                        help="The proposal's deprecated names, as keyaudit fix --mode: add the new name beside the "
                             "old one, or replace it.")(func)


def proposal(fix_mode: str, grant_refused: bool) -> PlanOptions:
    return PlanOptions(fix_mode, drop_unused=True, grant_refused=grant_refused)


quiet_option = click.option("--quiet", is_flag=True,
                            help="No progress line on stderr while big logs are read (it shows only on a terminal).")


def run_job(keys, logs, keys_format, appwrite_version, config_file, now, exceptions_file, baseline_file=None,
            usage=(), usage_source=None, policy_file=None, log_format=None, log_key=None, progress=None,
            plan_options=PlanOptions(drop_unused=True)):
    """The audit as every command runs it: config (with --policy's rules), rules, exceptions and baseline applied.

    `usage_source` (the scheduled job's state) replaces logs and usage files; see auditor.audit.run_audit.
    `progress` shows how far the logs have been read (auditor/progress.py).
    """
    config = with_policy(load_config(config_file), load_policy(policy_file) if policy_file else None)
    rules = configured_rules(config)
    exceptions = load_exceptions(config_file, config, exceptions_file, rules)
    baseline = load_baseline(baseline_file) if baseline_file else None
    return run_audit(list(keys), list(logs), version=appwrite_version or config.get("appwriteVersion"),
                     keys_format=keys_format, rules=rules, now=_now(now), exceptions=exceptions,
                     baseline=baseline, usage_paths=list(usage), usage_source=usage_source,
                     log_format=log_format, log_key=log_key, progress=progress, plan_options=plan_options), config


def check_targets(paths) -> None:
    """Refuse, before any work, an output file keyaudit would refuse to write (auditor/atomic.py)."""
    for path in paths:
        if path:
            target_status(path)


def write_output(text: str, output: str | None) -> None:
    """The report (or baseline) on stdout, or in `output`, replaced whole or left as it was (auditor/atomic.py)."""
    if not output:
        sys.stdout.write(text)
        return
    write_text(output, text)


def exceeds(findings, threshold: str) -> bool:
    """Whether a finding is at or above `threshold` (`none`: never)."""
    return threshold != "none" and any(severity_rank(f.severity) >= severity_rank(threshold) for f in findings)


@click.command()
@audit_inputs
@click.option("--format", "output_format", type=click.Choice(sorted(REPORTERS)),
              help="Report format [default: from the --output file's suffix, else table].")
@click.option("--output", "output", multiple=True, metavar="[FORMAT=]FILE",
              help="Write the --format report to FILE instead of stdout; FORMAT=FILE also writes that format "
                   "(repeatable: --output sarif=a.sarif --output html=a.html).")
@click.option("--fail-on", type=click.Choice(SEVERITIES + ("none",)),
              help="Exit 1 when a finding is at or above this severity [default: high].")
@baseline_option
@policy_option
@log_reading_options
@proposal_options
@quiet_option
def audit(keys, logs, usage, keys_format, appwrite_version, config_file, exceptions_file, now, output_format, output,
          fail_on, baseline_file, policy_file, log_format, log_key, fix_mode, grant_refused, quiet):
    """Audit API keys against the calls they made: least-privilege findings.

    Without --logs, the rules that need usage (over-privileged, unused-scope,
    never-used, missing-scope, unknown-key, unknown-route) are skipped and the
    report says so. Exit 0: nothing at or above --fail-on; 1: findings; 2: bad input.
    """
    targets = plan_outputs(output_format, output, REPORTERS)
    check_targets(path for _, path in targets)
    result, config = run_job(keys, logs, keys_format, appwrite_version, config_file, now, exceptions_file,
                             baseline_file, usage=usage, policy_file=policy_file, log_format=log_format,
                             log_key=log_key, progress=Progress.on_stderr(quiet),
                             plan_options=proposal(fix_mode, grant_refused))
    threshold = fail_on or config.get("failOn") or "high"
    report = build(result, threshold)
    for name, path in targets:
        write_output(REPORTERS[name](report), path)
    if exceeds(result.findings, threshold):
        sys.exit(1)


@click.command()
@click.argument("key_id")
@audit_inputs
@policy_option
@log_reading_options
@proposal_options
@quiet_option
def explain(key_id, keys, logs, usage, keys_format, appwrite_version, config_file, exceptions_file, now, policy_file,
            log_format, log_key, fix_mode, grant_refused, quiet):
    """Each scope the key KEY_ID (its id or name) holds: the calls that justify it, its findings, and the
    proposal's verdict (the one planner's, as every report and `keyaudit fix` give it)."""
    result, _ = run_job(keys, logs, keys_format, appwrite_version, config_file, now, exceptions_file, usage=usage,
                        policy_file=policy_file, log_format=log_format, log_key=log_key,
                        progress=Progress.on_stderr(quiet), plan_options=proposal(fix_mode, grant_refused))
    wanted = scrub_identifier(key_id)  # a key whose id is a secret is known by its fingerprint (loaders/keys.py)
    matches = ([a for a in result.analyses if a.key.id in (key_id, wanted)]
               or [a for a in result.analyses if a.key.name == key_id])  # the table leads with names
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
                echo(f"    used: {need.usage.count} × {route.method} {route.template} (accepts {' or '.join(route.scopes)})")
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
