"""`keyaudit audit` and `keyaudit explain`: the main job."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from auditor.audit import run_audit
from auditor.checks.context import label
from auditor.config import load_config
from auditor.errors import InputError
from auditor.loaders.calllog import BadRecord, parse_time
from auditor.loaders.detect import KEY_KINDS
from auditor.registry import SEVERITIES, configured_rules, severity_rank
from auditor.report import build
from auditor.reporters import REPORTERS


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    try:
        return datetime.fromtimestamp(parse_time(value), timezone.utc)
    except BadRecord:
        raise InputError(f"--now {value!r} is not an RFC 3339 date-time") from None


def audit_inputs(func):
    options = [
        click.option("--keys", "keys", multiple=True, metavar="FILE",
                     help="Key definitions: Appwrite export, manifest or appwrite.json (repeatable; - for stdin)."),
        click.option("--logs", "logs", multiple=True, metavar="FILE",
                     help="Call logs, JSONL, gzip or not (repeatable; - for stdin)."),
        click.option("--keys-format", type=click.Choice(KEY_KINDS), help="Force the kind of every key file."),
        click.option("--appwrite-version", metavar="V",
                     help="1.6, 1.7, 1.8, 1.9 or a full version [default: a manifest's appwriteVersion, else 1.9]."),
        click.option("--config", "config_file", metavar="FILE", help="Rule settings (schemas/config.schema.json)."),
        click.option("--now", metavar="TIME", help="Judge dates as of this RFC 3339 time [default: now]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run(keys, logs, keys_format, appwrite_version, config_file, now):
    config = load_config(config_file)
    return run_audit(list(keys), list(logs), version=appwrite_version or config.get("appwriteVersion"),
                     keys_format=keys_format, rules=configured_rules(config), now=_now(now)), config


@click.command()
@audit_inputs
@click.option("--format", "output_format", type=click.Choice(sorted(REPORTERS)), default="table", show_default=True)
@click.option("--output", metavar="FILE", help="Write the report here instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITIES + ("none",)),
              help="Exit 1 when a finding is at or above this severity [default: high].")
def audit(keys, logs, keys_format, appwrite_version, config_file, now, output_format, output, fail_on):
    """Audit API keys against the calls they made: least-privilege findings.

    Without --logs, the rules that need usage (over-privileged, unused-scope,
    never-used, missing-scope, unknown-key, unknown-route) are skipped and the
    report says so. Exit 0: nothing at or above --fail-on; 1: findings; 2: bad input.
    """
    result, config = _run(keys, logs, keys_format, appwrite_version, config_file, now)
    text = REPORTERS[output_format](build(result))
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            raise InputError(f"{output}: cannot write ({error.strerror or type(error).__name__})") from None
    else:
        sys.stdout.write(text)
    threshold = fail_on or config.get("failOn") or "high"
    if threshold != "none" and any(severity_rank(f.severity) >= severity_rank(threshold) for f in result.findings):
        sys.exit(1)


@click.command()
@click.argument("key_id")
@audit_inputs
def explain(key_id, keys, logs, keys_format, appwrite_version, config_file, now):
    """Each scope KEY_ID holds, with the calls that justify it or why it is flagged."""
    result, _ = _run(keys, logs, keys_format, appwrite_version, config_file, now)
    matches = [a for a in result.analyses if a.key.id == key_id]
    if not matches:
        raise InputError(f"no key {key_id!r} in the key definitions")
    for analysis in matches:
        key = analysis.key
        click.echo(f"{label(key)} · {key.location} · Appwrite {result.catalog.version}")
        if result.usage is None:
            click.echo("no logs given: only definition rules apply")
        else:
            click.echo(f"{analysis.calls} logged calls; minimal scope set: {', '.join(analysis.minimal) or 'none'}")
        flagged = {}
        for finding in result.findings:
            if finding.key == key.id and finding.scope:
                flagged.setdefault(finding.scope, []).append(finding)
        for scope in dict.fromkeys(key.scopes):
            click.echo(f"\n  {scope}")
            justifying = [n for n in analysis.needs if scope in n.any_of]
            for need in sorted(justifying, key=lambda n: -n.usage.count)[:10]:
                route = need.usage.route
                click.echo(f"    used: {need.usage.count} × {route.method} {route.template} (accepts {' or '.join(route.scopes)})")
            for finding in flagged.get(scope, []):
                click.echo(f"    {finding.severity} {finding.rule}: {finding.message}")
            if not justifying and scope not in flagged:
                click.echo("    no logged call needs it" if result.usage is not None else "    usage unknown (no logs)")
        key_level = [f for f in result.findings if f.key == key.id and not f.scope]
        if key_level:
            click.echo("\n  key findings")
            for finding in key_level:
                click.echo(f"    {finding.severity} {finding.rule}: {finding.message}")
        missing = [f for f in result.findings if f.key == key.id and f.rule == "missing-scope" and f.scope]
        for finding in missing:
            if finding.scope not in key.scopes:
                click.echo(f"\n  missing {finding.scope}: {finding.message}")
