"""Generated files (catalogs, scope schemas, audit events, the parsed package data): each generator writes them,
or with `--check` compares them with what it would write, the same way."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path


def write_or_check(outputs: Iterable[tuple[Path, str]], check: bool, regenerate: str) -> int:
    """Write each (target, text); with `check`, write nothing and name the targets whose text differs. The exit
    code: 1 when some are stale, else 0."""
    stale = []
    for target, text in outputs:
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(target.name)
        else:
            target.write_text(text)
            print(f"wrote {target}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run {regenerate}", file=sys.stderr)
        return 1
    return 0
