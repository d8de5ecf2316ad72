"""The `keyaudit` entry point: wires the commands, turns input errors into exit 2."""

import errno
import gc
import importlib
import os
import sys

import click

from auditor.cli.version import version_option
from auditor.errors import InputError, one_line
from auditor.loaders.source import utf8_name
from auditor.secrets import redact

# Each command's module is imported when the command runs: a command pays at start-up only for what it uses, so
# `audit` does not load python-hcl2, ruamel.yaml or sqlite3 for the others, and `keyaudit --help` lists the commands
# from this table's short help without importing any of them (tests/test_cli_help.py keeps each short help equal
# to its command's own).
COMMANDS = {
    "audit": ("auditor.cli.audit:audit", "Audit API keys against the calls they made: least-privilege findings."),
    "baseline": (
        "auditor.cli.baseline:baseline",
        "Baselines: accept the findings of today, report only new ones (--baseline FILE).",
    ),
    "catalog": ("auditor.cli.catalog:catalog", "Look up which scopes Appwrite routes require."),
    "explain": (
        "auditor.cli.audit:explain",
        "Each scope the key KEY_ID (its id or name) holds: the calls that justify it, its findings, and the "
        "proposal's verdict (the one planner's, as every report and `keyaudit fix` give it).",
    ),
    "fetch-keys": (
        "auditor.cli.fetch_keys:fetch_keys",
        "Write the project's keys as Appwrite's keyList, each secret replaced by its sha256 (secretSha256).",
    ),
    "fix": (
        "auditor.cli.fix:fix",
        "Write the audit's proposed scopes into key definition FILEs: deprecated and misspelt names, and with logs "
        "scopes the calls need or (--drop-unused) do not.",
    ),
    "job": (
        "auditor.cli.job:job",
        "Scheduled compliance job: ingest each night's logs into a state file, audit a rolling window.",
    ),
    "lint": (
        "auditor.cli.lint:lint",
        "Check key definition files without logs: key exports, manifests, appwrite.json, Terraform.",
    ),
    "record": (
        "auditor.cli.record:record",
        "Forward requests to Appwrite and record each one as a keyaudit call-log record.",
    ),
    "rules": ("auditor.cli.rules:rules", "List every rule with its id, severity and title."),
    "secrets": (
        "auditor.cli.secrets:secrets",
        "Report every unmasked Appwrite key secret in FILEs: where, of which kind, and a sha256 fingerprint, never "
        "the secret itself.",
    ),
    "validate": (
        "auditor.cli.validate:validate",
        "Validate key exports, manifests, appwrite.json, call logs and configs.",
    ),
}


def _shortened(text: str, limit: int) -> str:
    """`text` cut at a word to fit `limit` characters, as click shortens a command's own short help."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(" ,:;") + "..."


def _end_quietly_on_closed_pipe():
    """The reader went away (`keyaudit ... | head`): exit 0 with no message, and let no flush at shutdown
    complain about stdout (Python's advice for SIGPIPE, docs.python.org/3/library/signal.html)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)


# What a write to standard output raises when what it was sent to is full or broken (`keyaudit ... > report.json`
# on a full disk); such an OSError names no file, where every file keyaudit opens is named.
_OUTPUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def _output_failed(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.filename is None and error.errno in _OUTPUT_FULL


def _refuse_output(error: OSError):
    """Standard output cannot take the output: one line and exit 2, not an internal error; what is still
    buffered goes nowhere, so Python's flush at shutdown does not fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    click.echo(f"keyaudit: error: standard output: cannot write ({error.strerror})", err=True)
    sys.exit(2)


class _Group(click.Group):
    """Every failure is one line on stderr: input errors exit 2, never a traceback. Commands load lazily."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx, formatter):
        """The command list from COMMANDS' short help: `--help` imports no command module."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _shortened(COMMANDS[name][1], limit)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, args=None, *rest, **kwargs):
        """Click's usage errors as one line too (click prints usage, a hint and the error); an argument that is
        not UTF-8 (a file name of other bytes) as one line before anything runs."""
        try:
            for argument in sys.argv[1:] if args is None else args:
                utf8_name(argument, "the argument")
        except InputError as error:
            click.echo(f"keyaudit: error: {one_line(str(error))}", err=True)
            sys.exit(2)
        try:
            self._run(args, *rest, **kwargs)
        except OSError as error:  # --help, --version and the last flush write outside `invoke`
            if not _output_failed(error):
                raise
            _refuse_output(error)

    def _run(self, args, *rest, **kwargs):
        if not (sys.argv[1:] if args is None else args):  # `keyaudit` alone: the help, not a usage error
            click.echo(self.get_help(click.Context(self, info_name="keyaudit", **self.context_settings)))
            sys.exit(0)
        try:
            code = super().main(args, *rest, standalone_mode=False, **kwargs)
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx else "keyaudit"
            click.echo(f"keyaudit: error: {one_line(error.format_message())} (see `{command} --help`)", err=True)
            sys.exit(2)
        except click.ClickException as error:
            click.echo(f"keyaudit: error: {one_line(error.format_message())}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("keyaudit: aborted", err=True)
            sys.exit(1)
        try:
            sys.stdout.flush()  # what is still buffered meets a closed pipe here, not in Python's shutdown
        except BrokenPipeError:
            _end_quietly_on_closed_pipe()
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as error:
            click.echo(f"keyaudit: error: {one_line(str(error))}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            _end_quietly_on_closed_pipe()
        except KeyboardInterrupt:
            click.echo("keyaudit: interrupted", err=True)
            sys.exit(130)
        except Exception as error:  # a bug: say so in one line; details only on request
            if _output_failed(error):
                _refuse_output(error)
            if os.environ.get("KEYAUDIT_DEBUG"):  # the traceback quotes messages, which may quote a secret
                import traceback  # here: it takes longer to import than `keyaudit --help` takes to answer

                click.echo(redact("".join(traceback.format_exception(error))), err=True, nl=False)
                sys.exit(2)
            click.echo(
                f"keyaudit: internal error ({type(error).__name__}); rerun with KEYAUDIT_DEBUG=1 for details",
                err=True,
            )
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@version_option
def cli():
    """Audit Appwrite API keys for least privilege."""


def run():
    """The `keyaudit` command: `cli` in a process of its own, which ends when it returns.

    Python's shutdown then walks every object for reference cycles, about 15 ms after an audit (its catalog,
    routes and modules); frozen, they are left to the process's end. Every file keyaudit writes is closed by
    then. Tests call `cli` itself, in a process that goes on.
    """
    try:
        cli(prog_name="keyaudit")
    finally:
        gc.freeze()
