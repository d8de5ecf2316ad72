"""`keyaudit --version`: the version, which reader of keyaudit JSONL runs (loaders/logs/native.py), which
gzip reader (loaders/source.py) and which schema check (validation/quick.py)."""

import click

from auditor import __version__


def _show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from auditor.loaders.logs.native import reader_name  # only when asked: --help stays lean
    from auditor.loaders.source import gzip_reader_name
    from auditor.validation.quick import checker_name

    click.echo(
        f"keyaudit, version {__version__} (JSONL reader: {reader_name()}; gzip reader: {gzip_reader_name()}; "
        f"schema check: {checker_name()})"
    )
    ctx.exit()


version_option = click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show,
    help="Show the version, the readers in use (JSONL: compiled scanner or pure Python; gzip: ISA-L or zlib) and "
    "the schema check (jsonschema-rs or python-jsonschema), and exit.",
)
