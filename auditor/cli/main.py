"""The `keyaudit` entry point: wires the commands, turns input errors into exit 2."""

import os
import sys

import click

from auditor import __version__
from auditor.cli.audit import audit, explain
from auditor.cli.baseline import baseline
from auditor.cli.catalog import catalog
from auditor.cli.fetch_keys import fetch_keys
from auditor.cli.fix import fix
from auditor.cli.job import job
from auditor.cli.lint import lint
from auditor.cli.rules import rules
from auditor.cli.secrets import secrets
from auditor.cli.validate import validate
from auditor.errors import InputError, one_line


class _Group(click.Group):
    """Every failure is one line on stderr: input errors exit 2, never a traceback."""

    def main(self, *args, **kwargs):
        """Click's usage errors as one line too (click prints usage, a hint and the error)."""
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
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
            if os.environ.get("KEYAUDIT_DEBUG"):
                raise
            click.echo(
                f"keyaudit: internal error ({type(error).__name__}); rerun with KEYAUDIT_DEBUG=1 for details",
                err=True,
            )
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keyaudit")
def cli():
    """Audit Appwrite API keys for least privilege."""


cli.add_command(catalog)
cli.add_command(validate)
cli.add_command(audit)
cli.add_command(explain)
cli.add_command(rules)
cli.add_command(lint)
cli.add_command(baseline)
cli.add_command(secrets)
cli.add_command(job)
cli.add_command(fetch_keys)
cli.add_command(fix)
