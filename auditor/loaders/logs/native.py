"""Which reader of keyaudit JSONL runs: the compiled scanner (`_scan.c`) where it was built, else pure Python.

The scanner is optional: `pip install` builds it where a C compiler and Python's headers exist
(hatch_build.py) and skips it elsewhere. It takes a subset of the lines fastjsonl.py's regex takes,
with the same captures, so the reader in use changes the speed of an audit, never its result.
`KEYAUDIT_PURE_PYTHON=1` turns it off (tests run both ways; a suspected scanner bug can be ruled out).
"""

from __future__ import annotations

import os

try:
    from auditor.loaders.logs import _scan
except ImportError:  # not built: no compiler where keyaudit was installed
    _scan = None

OFF = "KEYAUDIT_PURE_PYTHON"


def scanner_type():
    """The compiled Scanner type, or None when it is absent or turned off."""
    if _scan is None or os.environ.get(OFF, "") not in ("", "0"):
        return None
    return _scan.Scanner


def reader_name() -> str:
    """What `keyaudit --version` says of the JSONL reader."""
    if scanner_type() is not None:
        return "compiled scanner"
    return "pure Python (scanner turned off)" if _scan is not None else "pure Python (scanner not built)"
