"""`--output` of `keyaudit audit`: where each report goes.

`--output FILE` sends the --format report to FILE instead of stdout;
`--output FORMAT=FILE` (repeatable) writes that format's report as well, so one
run can leave SARIF for code scanning, JUnit for the CI's test view and HTML
for the reviewer. Mistakes are refused before the audit runs.
"""

from __future__ import annotations

import os
import re
import sys

from auditor.errors import InputError
from auditor.output.atomic import target_status, write_text

_FORMAT_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)=(.*)", re.S)


SUFFIX_FORMATS = {
    ".json": "json",
    ".sarif": "sarif",
    ".xml": "junit",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "table",
}


def plan_outputs(output_format: str | None, outputs: tuple[str, ...], formats) -> list[tuple[str, str | None]]:
    """(format, file) pairs to write, files first and stdout (file None) last.

    Without --format, `--output report.sarif` takes its format from the file's
    suffix (.json, .sarif, .xml for JUnit, .md, .html, .txt), else `table`; a
    suffix of a format keyaudit does not write (`r.pdf`) is refused rather than
    filled with the text table.
    """
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
        raise InputError(
            f"--output given {len(plain)} files without a FORMAT= prefix; give one (its format is "
            "--format's, else its suffix's), and FORMAT=FILE for the others"
        )
    if not all(plain):
        raise InputError("--output: empty file name")
    if output_format is None:
        suffix = os.path.splitext(plain[0])[1].lower() if plain else ""
        if suffix and suffix not in SUFFIX_FORMATS:
            raise InputError(
                f"--output {plain[0]}: keyaudit writes no {suffix} file; name it "
                f"{' '.join(sorted(SUFFIX_FORMATS))} or give --format"
            )
        output_format = SUFFIX_FORMATS.get(suffix, "table")
    targets = [*extra, (output_format, plain[0] if plain else None)]
    seen = {}
    for name, path in targets:
        if path is None:
            continue
        where = os.path.abspath(path)
        if where in seen:
            raise InputError(f"--output: {path} would receive both the {seen[where]} and the {name} report")
        seen[where] = name
    return sorted(targets, key=lambda target: target[1] is None)


def check_targets(paths) -> None:
    """Refuse, before any work, an output file keyaudit would refuse to write (auditor/output/atomic.py)."""
    for path in paths:
        if path:
            target_status(path)


def write_output(text: str, output: str | None) -> None:
    """The report (or baseline) on stdout, or in `output`, replaced whole or left as it was (auditor/output/atomic.py)."""
    if not output:
        sys.stdout.write(text)
        return
    write_text(output, text)
