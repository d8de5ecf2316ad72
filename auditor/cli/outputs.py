"""`--output` of `keyaudit audit`: where each report goes.

`--output FILE` sends the --format report to FILE instead of stdout;
`--output FORMAT=FILE` (repeatable) writes that format's report as well, so one
run can leave SARIF for code scanning, JUnit for the CI's test view and HTML
for the reviewer. Mistakes are refused before the audit runs.
"""

from __future__ import annotations

import os
import re

from auditor.errors import InputError

_FORMAT_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)=(.*)", re.S)


def plan_outputs(output_format: str, outputs: tuple[str, ...], formats) -> list[tuple[str, str | None]]:
    """(format, file) pairs to write; file None is stdout."""
    plain, extra = [], []
    for value in outputs:
        match = _FORMAT_PREFIX.fullmatch(value)
        if match is None:
            plain.append(value)
            continue
        name, path = match.groups()
        if name not in formats:
            raise InputError(f"--output {value}: unknown format {name!r} (choose from {', '.join(sorted(formats))})")
        if not path:
            raise InputError(f"--output {value}: no file after '='")
        extra.append((name, path))
    if len(plain) > 1:
        raise InputError(f"--output given {len(plain)} files for --format {output_format}; "
                         "give one, and FORMAT=FILE for the others")
    if not all(plain):
        raise InputError("--output: empty file name")
    targets = [(output_format, plain[0] if plain else None), *extra]
    seen = {}
    for name, path in targets:
        if path is None:
            continue
        where = os.path.abspath(path)
        if where in seen:
            raise InputError(f"--output: {path} would receive both the {seen[where]} and the {name} report")
        seen[where] = name
    return targets
