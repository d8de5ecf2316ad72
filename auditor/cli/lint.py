"""`keyaudit lint FILE...`: the definition rules on key files, as pre-commit passes them."""

from __future__ import annotations

import shlex
import sys

import click

from auditor.audit import AuditRequest, audit
from auditor.cli import options
from auditor.errors import InputError, NotKeyFile, one_line
from auditor.loaders.keys import load_key_file
from auditor.rules.registry import at_or_above
from auditor.audit.report import build
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


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@options.config
@options.exceptions
@options.policy
@options.audit_version
@options.now
@options.baseline
@click.option("--format", "output_format", type=click.Choice(["lines", "json"]), default="lines", show_default=True)
@options.fail_on("the config's failOn, else medium")
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
    request = AuditRequest.assemble(key_files, config_file=config_file, policy_file=policy_file,
                                    exceptions_file=exceptions_file, baseline_file=baseline_file,
                                    appwrite_version=appwrite_version, now=options.moment(now))
    result = audit(request)
    threshold = fail_on or request.config.get("failOn") or "medium"
    report = build(result, threshold)
    name_next_steps(report)
    sys.stdout.write(REPORTERS[output_format](report))
    if any(at_or_above(finding.severity, threshold) for finding in result.findings):
        sys.exit(1)
