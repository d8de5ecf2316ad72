"""The `keyaudit` entry point: wires the commands, turns input errors into exit 2."""

import importlib
import os
import sys
import traceback

import click

from auditor.cli.version import version_option
from auditor.errors import InputError, one_line
from auditor.loaders.source import utf8_name
from auditor.secrets import redact

# Each command's module is imported when the command runs (or --help lists it): a command pays at start-up
# only for what it uses, so `audit` does not load python-hcl2, ruamel.yaml or sqlite3 for the others.
COMMANDS = {
    "catalog": "auditor.cli.catalog:catalog",
    "validate": "auditor.cli.validate:validate",
    "audit": "auditor.cli.audit:audit",
    "explain": "auditor.cli.audit:explain",
    "rules": "auditor.cli.rules:rules",
    "lint": "auditor.cli.lint:lint",
    "baseline": "auditor.cli.baseline:baseline",
    "secrets": "auditor.cli.secrets:secrets",
    "job": "auditor.cli.job:job",
    "fetch-keys": "auditor.cli.fetch_keys:fetch_keys",
    "fix": "auditor.cli.fix:fix",
}


class _Group(click.Group):
    """Every failure is one line on stderr: input errors exit 2, never a traceback. Commands load lazily."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attribute)

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
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("keyaudit: interrupted", err=True)
            sys.exit(130)
        except Exception as error:  # a bug: say so in one line; details only on request
            if os.environ.get("KEYAUDIT_DEBUG"):  # the traceback quotes messages, which may quote a secret
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
