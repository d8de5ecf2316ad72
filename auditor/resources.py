"""Locate the data directories (`schemas/`, `rules/`) shipped beside the code.

A wheel carries them as `auditor/_bundled/<name>`; a source checkout or an
editable install reads them from the repository root.
"""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    bundled = _PACKAGE_DIR / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent / name
