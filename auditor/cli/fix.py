"""`keyaudit fix`: rewrite key manifests, appwrite.json and Terraform files; commands for keys in Appwrite."""

from __future__ import annotations

import difflib
import os
import re
import sys
import time

import click

from auditor.analysis.usage import read_usage
from auditor.audit.run import choose_version
from auditor.catalog.catalog import load
from auditor.checks.context import label
from auditor.cli import options
from auditor.cli.echo import say
from auditor.errors import InputError
from auditor.fix.plan import MIN_LOG_DAYS, MODES, PlanOptions
from auditor.fix.run import fix_file
from auditor.loaders.keys import load_key_file
from auditor.loaders.logs.attribution import LogOptions
from auditor.loaders.source import display_name
from auditor.output.atomic import target_status, write_text
from auditor.output.escape import terminal
from auditor.secrets import redact

GZIP_MAGIC = b"\x1f\x8b"


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@options.appwrite_version(
    "The version the keys live on (names written for one version can be invalid in another)",
    default_text="the files' appwriteVersion, or cloud for an appwrite.json on a Cloud endpoint",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="add",
    show_default=True,
    help="add: put each new scope name beside the deprecated one (breaks no caller); "
    "replace: swap them, keeping old names that logged calls to legacy-only routes still need.",
)
@click.option(
    "--diff", "show_diff", is_flag=True, help="Print a unified diff and change nothing; exit 1 when there is a change."
)
@click.option(
    "--logs",
    multiple=True,
    metavar="FILE",
    help="Call logs (repeatable): which routes each key calls, for --mode replace and --drop-unused; "
    "calls that succeeded although the definition lacks their scope add it (a note says so).",
)
@options.usage
@options.log_reading
@click.option(
    "--drop-unused",
    is_flag=True,
    help=f"Keep only the scopes the logged calls need (audit's proposal); logs covering fewer than "
    f"{MIN_LOG_DAYS} days drop nothing.",
)
@click.option(
    "--grant-refused",
    is_flag=True,
    help="Also add scopes that only calls Appwrite refused asked for (off: a refused call is a request, not a need).",
)
def fix(files, appwrite_version, mode, show_diff, logs, usage, log_format, log_key, drop_unused, grant_refused):
    """Write the audit's proposed scopes into key definition FILEs: deprecated and misspelt names, and with logs
    scopes the calls need or (--drop-unused) do not.

    Comments, order and formatting are kept, and a second run changes nothing.
    For key exports, which cannot be edited, the Appwrite CLI commands that
    make the change are printed. Notes on every change go to stderr.
    Exit 0: done (or nothing to do); 1: --diff found changes; 2: bad input.
    """
    for path in files:
        if path == "-" or is_gzip(path):
            raise InputError(
                f"{display_name(path)}: keyaudit fix edits plain files in place; give an uncompressed file path"
            )
    key_files = [load_key_file(path) for path in files]
    version = choose_version(appwrite_version, key_files)
    if version is None:
        raise InputError(
            "give --appwrite-version: the files declare no appwriteVersion, and the names keyaudit "
            "writes must exist in the version the keys live on"
        )
    catalog = load(version)
    usage_files, usage = usage, None
    if logs or usage_files:
        keys = [key for key_file in key_files for key in key_file.keys]
        usage = read_usage(list(logs), catalog, list(usage_files), LogOptions.of(keys, log_format, log_key))
    if grant_refused and usage is None:
        raise InputError("--grant-refused needs --logs or --usage: it grants what logged calls asked for")
    if drop_unused and usage is None:
        raise InputError(f"--drop-unused needs --logs covering at least {MIN_LOG_DAYS} days")
    plan_options = PlanOptions(mode, drop_unused, grant_refused)
    fixes = [fix for key_file in key_files for fix in fix_file(key_file, catalog, plan_options, usage, time.time())]
    changed = [result for result in fixes if result.new != result.old]
    if not show_diff:
        for result in changed:
            target_status(result.name)  # one refused file: none is written, no change announced
    for result in fixes:
        for plan in result.plans:
            for note in plan.notes:
                say(f"{plan.key.location}: {label(plan.key)}: {note}", err=True)
        if show_diff and result.new != result.old:
            sys.stdout.writelines(
                _diff_line(line)
                for line in difflib.unified_diff(
                    result.old.splitlines(True), result.new.splitlines(True), *_diff_names(result.name)
                )
            )
        for command in result.commands:
            say(command)
    if show_diff:
        if any(result.changed for result in fixes):
            sys.exit(1)
        return
    for result in changed:
        write_text(result.name, result.new)
        say(f"keyaudit: fixed {result.name}", err=True)


def _diff_line(line: str) -> str:
    """A line of the diff as printed: its own line end kept, anything else (a file's line, a file name) shown
    as one line with nothing a terminal acts on."""
    body, end = re.fullmatch(r"(.*?)(\r?\n)?", line, re.S).groups()
    return terminal(redact(body), tabs=True) + (end or "")


def _diff_names(name: str) -> tuple[str, str]:
    """git's a/ and b/ prefixes for relative paths (so `git apply` takes the diff); absolute paths as they are."""
    return (name, name) if os.path.isabs(name) else (f"a/{name}", f"b/{name}")


def is_gzip(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == GZIP_MAGIC
    except OSError:
        return False  # load_key_file says why it cannot be read
