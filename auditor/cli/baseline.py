"""`keyaudit baseline create`: record today's findings so later runs report only new ones."""

from __future__ import annotations

import sys

import click

from auditor.audit import audit
from auditor.cli import options
from auditor.cli.echo import say
from auditor.cli.lint import judged_files
from auditor.cli.outputs import check_targets, write_output
from auditor.errors import InputError
from auditor.rules.baseline import render


@click.group()
def baseline():
    """Baselines: accept the findings of today, report only new ones (--baseline FILE)."""


@baseline.command()
@click.argument("files", nargs=-1, metavar="[FILE...]")
@options.audit_inputs
@options.log_reading
@options.policy
@click.option("--output", metavar="FILE", required=True, help="Where to write the baseline (JSON).")
def create(files, output, **inputs):
    """Write the fingerprints of the current findings to --output.

    Takes the inputs of `audit` (--keys, --logs, --usage, ...) or of `lint`
    (FILE..., judged as lint judges them: a file it refuses is named and nothing is written), or both.
    Findings that exceptions silence
    are left out, so they come back when their exception expires. The file holds
    no secrets and no line numbers; commit it beside the key files.
    """
    judged, scanned, refused = judged_files(files)
    for line in refused:
        click.echo(f"keyaudit: error: {line}", err=True)
    if refused:
        sys.exit(2)
    key_paths = list(inputs.pop("keys")) + judged
    if not key_paths:
        raise InputError("no key definitions: give key files (FILE... or --keys FILE)")
    check_targets([output])
    result = audit(options.request(key_paths, scanned_paths=scanned, **inputs))  # as lint judges them
    write_output(render(result.findings, result.now), output)
    recorded = len({f.fingerprint for f in result.findings})
    say(f"keyaudit: baseline {output}: {recorded} findings recorded", err=True)
