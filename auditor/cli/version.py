"""`keyaudit --version`: the version, and which reader of keyaudit JSONL runs (loaders/logs/native.py)."""

import click

from auditor import __version__


def _show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from auditor.loaders.logs.native import reader_name  # only when asked: --help stays lean

    click.echo(f"keyaudit, version {__version__} (JSONL reader: {reader_name()})")
    ctx.exit()


version_option = click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show,
    help="Show the version and the JSONL reader in use (compiled scanner or pure Python), and exit.",
)
