"""`keyaudit lint FILE...`: the definition rules on key files, as pre-commit passes them."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace

import click

from auditor.audit import audit
from auditor.audit.report import build
from auditor.audit.run import choose_version
from auditor.cli import options
from auditor.errors import InputError, NotKeyFile, one_line
from auditor.loaders.keys import load_key_file
from auditor.loaders.source import refuse_special
from auditor.reporters import REPORTERS
from auditor.rules.config import load_config
from auditor.rules.registry import at_or_above

NOT_LINTED = "lint takes key files and keyaudit configs only: leave it out (pre-commit: `exclude:` it)"


def judged_files(paths, version: str | None = None) -> tuple[list[str], list[str], list[str]]:
    """(the key files to judge, the files checked for secrets only, one refusal line per file that cannot be
    judged as a key file), over every path.

    Each file is judged or refused, never skipped: a file of another kind (a
    hook's name pattern guessed wrong), a broken key file, a config that is
    invalid. A valid keyaudit config is judged by its schema and holds no key.
    All files are tried, so one run names every bad one; every file that is
    not a key file is still checked for secrets, whatever it is. A key file
    whose Appwrite version is unsupported, or is not `version` (the one asked
    for), is refused on its own.
    """
    kept, scanned, refused = [], [], []
    for path in paths:
        if path == "-":  # stdin cannot be read twice: taken as a key file, as `audit --keys -` takes it
            kept.append(path)
            continue
        try:
            refuse_special(path)  # a FIFO would hold the hook until someone writes it
            choose_version(version, [load_key_file(path)])
        except NotKeyFile as error:
            scanned.append(path)
            if error.kind != "config":
                refused.append(f"{one_line(str(error))}; {NOT_LINTED}")
                continue
            try:
                load_config(path)
            except InputError as invalid:
                refused.append(one_line(str(invalid)))
            continue
        except InputError as error:
            scanned.append(path)
            refused.append(one_line(str(error)))
            continue
        kept.append(path)
    return kept, scanned, refused


ACCEPT = (
    "change it by hand, or accept it with an exception (--exceptions) or a baseline entry (keyaudit baseline create)"
)
NEXT_BY_HAND = {  # findings no scope change answers
    "secret-in-file": "rotate the key in Appwrite, then remove the secret from the file (keyaudit secrets finds them)",
    "expired": "create a new key with the scopes it needs, then delete this one",
    "no-expiry": "give the key an expiry date, or accept it with an exception (--exceptions)",
    "long-expiry": "give the key an earlier expiry date, or accept it with an exception (--exceptions)",
    "deprecated-twin": "nothing now (low); drop the old name once no caller needs a route that takes only it",
}


BY_HAND_IN_TERRAFORM_JSON = "change the scopes by hand: keyaudit fix edits .tf files, not Terraform JSON"


def name_next_steps(report: dict, key_files: list) -> None:
    """Each finding's next step: `keyaudit fix` where the planner's change answers it, else an exception or baseline.

    The default `keyaudit fix` makes exactly the report's proposal, so after it lint passes at its default
    --fail-on (what is left, such as deprecated-twin, is low).
    """
    fixed = set()  # (fingerprint, file): one function defined in two files has one fingerprint
    for key in report["keys"]:
        for change in (key.get("fixes") or {}).get("changes", []):
            if change["fingerprint"]:
                fixed.add((change["fingerprint"], key["source"]["file"]))
    version = report["appwriteVersion"]
    terraform_json = {f.document.name for f in key_files if f.terraform_json}
    for finding in report["findings"]:
        file = (finding.get("location") or {}).get("file")
        if (finding["fingerprint"], file) not in fixed:
            finding["next"] = NEXT_BY_HAND.get(finding["rule"], ACCEPT)
        elif file in terraform_json:
            finding["next"] = BY_HAND_IN_TERRAFORM_JSON
        else:
            finding["next"] = f"keyaudit fix --appwrite-version {version} {shlex.quote(file)}"


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@options.config
@options.exceptions
@options.policy
@options.audit_version
@options.now
@options.baseline
@click.option("--format", "output_format", type=click.Choice(["lines", "json"]), default="lines", show_default=True)
@options.fail_on("medium")
def lint(files, output_format, fail_on, **inputs):
    """Check key definition files without logs: key exports, manifests, appwrite.json, Terraform.

    Each FILE's kind is told from its content. Every FILE is judged or
    refused: one that holds no key definitions (empty, a script, a README; a
    keyaudit config is checked as one), or is broken, gets one `keyaudit:
    error:` line on stderr, the others are still judged, and the exit is 2.
    Every FILE is checked for secrets, whatever it is. Runs every rule that
    needs no logs. Prints `file:line: severity rule: message` per finding, nothing else
    when clean but a `keyaudit:` line for what exceptions or a baseline hid.
    Exit 0: nothing at or above --fail-on; 1: findings; 2: bad input.
    """
    request = options.request((), **inputs)
    key_files, scanned, refused = judged_files(files, request.version)
    for line in refused:
        click.echo(f"keyaudit: error: {line}", err=True)
    failed = False
    if key_files or scanned:
        result = audit(replace(request, key_paths=key_files, scanned_paths=scanned))
        threshold = fail_on or request.config.get("failOn") or "medium"
        report = build(result, threshold)
        name_next_steps(report, result.key_files)
        sys.stdout.write(REPORTERS[output_format](report))
        failed = any(at_or_above(finding.severity, threshold) for finding in result.findings)
    if refused:
        sys.exit(2)
    if failed:
        sys.exit(1)
