"""Printing text that holds values from outside (names, paths, messages): redacted, then written through
auditor/output/escape.py's terminal medium, so that nothing in it acts on the terminal or forges a line."""

from __future__ import annotations

import click

from auditor.output.escape import terminal
from auditor.secrets import redact


def say(text: str, err: bool = False) -> None:
    """`text` as one line on stdout (stderr with `err`)."""
    click.echo(terminal(redact(text)), err=err)


def cells(rows: list[list]) -> list[list]:
    """Table rows whose text cells are each one safe line (tabulate lays out the rest)."""
    return [[terminal(redact(cell)) if isinstance(cell, str) else cell for cell in row] for row in rows]
