"""How a terminal report is laid out: its width, whether it is coloured, and whether one row per finding.

The width is the terminal's (shutil.get_terminal_size: `COLUMNS`, else the terminal stdout is, else 80
columns); colour only on a terminal and never with `NO_COLOR` set (no-color.org). A report written to a
file takes `COLUMNS` or 80 columns and no colour.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass

FALLBACK_WIDTH = 80
MIN_WIDTH = 40  # narrower than this, nothing lines up anyway

_SEVERITY_COLOURS = {"critical": "1;35", "high": "1;31", "medium": "33", "low": "36", "info": "2"}


@dataclass(frozen=True)
class TerminalView:
    width: int = FALLBACK_WIDTH
    colour: bool = False
    verbose: bool = False

    @classmethod
    def detect(cls, to_file: bool, verbose: bool = False) -> TerminalView:
        """The view of stdout (or, `to_file`, of a file) as this process's environment sets it."""
        if to_file:
            width = _columns() or FALLBACK_WIDTH
            colour = False
        else:
            width = shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
            colour = "NO_COLOR" not in os.environ and sys.stdout.isatty()
        return cls(width=max(width, MIN_WIDTH), colour=colour, verbose=verbose)

    def severity(self, text: str, severity: str) -> str:
        """`text` in its severity's colour when the view is coloured."""
        code = _SEVERITY_COLOURS.get(severity)
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.colour else text


def _columns() -> int | None:
    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None
