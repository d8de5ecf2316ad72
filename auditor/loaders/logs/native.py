"""Which reader of keyaudit JSONL runs: the compiled scanner (`_scan.c`) where it was built, else pure Python.

The scanner is optional: `pip install` builds it where a C compiler and Python's headers exist
(hatch_build.py) and skips it elsewhere. It takes a subset of the lines fastjsonl.py's regex takes,
with the same captures, so the reader in use changes the speed of an audit, never its result.
`KEYAUDIT_PURE_PYTHON=1` turns it off (tests run both ways; a suspected scanner bug can be ruled out).
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

try:
    from auditor.loaders.logs import _scan
except ImportError:  # not built: no compiler where keyaudit was installed
    _scan = None

OFF = "KEYAUDIT_PURE_PYTHON"
SOURCE = Path(__file__).with_name("_scan.c")


@cache
def _stale() -> bool:
    """Whether the built scanner comes from another _scan.c than the one beside it: an editable install keeps the
    module it built while `git pull` changes the source, and a scanner of other settings would fail every audit.
    Where the source is not shipped, the build is trusted."""
    try:
        digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    except OSError:
        return False
    return getattr(_scan, "SOURCE_SHA256", "") != digest


def scanner_type():
    """The compiled Scanner type, or None when it is absent, older than its source, or turned off."""
    if _scan is None or _stale() or os.environ.get(OFF, "") not in ("", "0"):
        return None
    return _scan.Scanner


def reader_name() -> str:
    """What `keyaudit --version` says of the JSONL reader."""
    if scanner_type() is not None:
        return "compiled scanner"
    if _scan is None:
        return "pure Python (scanner not built)"
    if _stale():
        return "pure Python (the compiled scanner is older than its source: `pip install -e .` rebuilds it)"
    return "pure Python (scanner turned off)"
