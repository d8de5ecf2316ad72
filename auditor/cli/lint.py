"""`keyaudit lint FILE...`: the definition rules on key files, as pre-commit passes them."""

from __future__ import annotations

import shlex
import sys

import click

from auditor.cli.audit import baseline_option, exceeds, exceptions_option, policy_option, run_job
from auditor.errors import InputError, NotKeyFile, one_line
from auditor.loaders.keys import load_key_file
from auditor.registry import SEVERITIES
from auditor.report import build
from auditor.reporters import REPORTERS

# names of the kinds keyaudit reads: such a file that fails to parse is broken, not someone else's
_DOCUMENT_SUFFIXES = (".json", ".yaml", ".yml", ".json.gz", ".yaml.gz", ".yml.gz", ".tf")


def key_definition_files(paths) -> list[str]:
    """The paths that hold key definitions, by content; the others are named on stderr and skipped.

    A hook's file pattern is a guess (`keys.yaml` may hold translations), so a
    file of another kind is no error here, nor is a file that is no JSON or
    YAML at all unless its name says it should be; a broken key file still is.
    """
    kept = []
    for path in paths:
        if path == "-":  # stdin cannot be read twice: taken as a key file, as `audit --keys -` takes it
            kept.append(path)
            continue
        try:
            load_key_file(path)
        except NotKeyFile as error:
            click.echo(f"keyaudit: skipped {one_line(str(error))}", err=True)
            continue
        except InputError as error:
            if path.lower().endswith(_DOCUMENT_SUFFIXES):
                raise
            click.echo(f"keyaudit: skipped {one_line(str(error))}", err=True)
            continue
        kept.append(path)
    return kept


def name_next_steps(report: dict) -> None:
    """Each finding's next step: `keyaudit fix` where the planner's change answers it, else an exception or baseline.

    The default `keyaudit fix` makes exactly the report's proposal, so after it lint passes at its default
    --fail-on (what is left, such as deprecated-twin, is low).
    """
    fixed_by = {}
    for key in report["keys"]:
        for change in (key.get("fixes") or {}).get("changes", []):
            if change["fingerprint"]:
                fixed_by[change["fingerprint"]] = key["source"]["file"]
    version = report["appwriteVersion"]
    for finding in report["findings"]:
        file = fixed_by.get(finding["fingerprint"])
        if file:
            finding["next"] = f"keyaudit fix --appwrite-version {version} {shlex.quote(file)}"
        else:
            finding["next"] = ("change it by hand, or accept it with an exception (--exceptions) or a baseline "
                               "entry (keyaudit baseline create)")


def lint_options(func):
    options = [
        click.option("--config", "config_file", metavar="FILE",
                     help="Rule settings and exceptions (schemas/config.schema.json)."),
        exceptions_option,
        policy_option,
        click.option("--appwrite-version", metavar="V",
                     help="1.6-1.9, 2.0-2.5, cloud or a full version [default: a manifest's appwriteVersion, else 1.9]."),
        click.option("--now", metavar="TIME", help="Judge dates as of this RFC 3339 time [default: now]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@lint_options
@baseline_option
@click.option("--format", "output_format", type=click.Choice(["lines", "json"]), default="lines", show_default=True)
@click.option("--fail-on", type=click.Choice(SEVERITIES + ("none",)),
              help="Exit 1 when a finding is at or above this severity [default: the config's failOn, else medium].")
def lint(files, config_file, exceptions_file, policy_file, appwrite_version, now, baseline_file, output_format,
         fail_on):
    """Check key definition files without logs: key exports, manifests, appwrite.json, Terraform.

    Each FILE's kind is told from its content; files that hold no key
    definitions are skipped (and named on stderr). Runs every rule that needs
    no logs. Prints `file:line: severity rule: message` per finding, nothing
    else when clean but a `keyaudit:` line for what exceptions or a baseline
    hid. Exit 0: nothing at or above --fail-on; 1: findings; 2: bad input.
    """
    key_files = key_definition_files(files)
    if not key_files:
        return
    result, config = run_job(key_files, [], None, appwrite_version, config_file, now, exceptions_file, baseline_file,
                             policy_file=policy_file)
    threshold = fail_on or config.get("failOn") or "medium"
    report = build(result, threshold)
    name_next_steps(report)
    sys.stdout.write(REPORTERS[output_format](report))
    if exceeds(result.findings, threshold):
        sys.exit(1)
