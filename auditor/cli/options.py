"""Options shared by several commands."""

import click

from auditor.catalog.versions import DEFAULT

appwrite_version = click.option(
    "--appwrite-version",
    "appwrite_version",
    default=DEFAULT,
    show_default=True,
    metavar="V",
    help="Appwrite version: 1.6, 1.7, 1.8, 1.9 or a full version such as 1.8.2.",
)


def output_format(*choices: str, default: str | None = None):
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default or choices[0],
        show_default=True,
        help="Output format.",
    )
