"""Options shared by several commands."""

import click

from auditor.catalog.versions import DEFAULT

appwrite_version = click.option(
    "--appwrite-version",
    "appwrite_version",
    default=DEFAULT,
    show_default=True,
    metavar="V",
    help="Appwrite version: 1.6-1.9, 2.0-2.5, cloud (what Appwrite Cloud serves) or a full version such as 2.2.0.",
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
