"""Which catalog serves an `--appwrite-version` value."""

import re

from auditor.errors import InputError

SUPPORTED = ("1.6", "1.7", "1.8", "1.9")
DEFAULT = "1.9"

# 1.9.0–1.9.4 predate the 1.9.5 scope renames (executions.*, project.policies.*,
# keys.* on project keys); no route data of theirs is available.
_UNSUPPORTED_PATCHES = {"1.9": range(0, 5)}


VERSION_PATTERN = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][\w.]+)?")


def resolve(value: str | None) -> str:
    """Map `1.8`, `1.8.2` or `v1.8.2` to a supported catalog name, or refuse."""
    if value is None:
        return DEFAULT
    match = VERSION_PATTERN.fullmatch(value.strip())
    if not match:
        raise InputError(f"--appwrite-version {value!r} is not a version; use one of {', '.join(SUPPORTED)}")
    minor = f"{match.group(1)}.{match.group(2)}"
    if minor not in SUPPORTED:
        nearest = SUPPORTED[0] if (_number(match.group(1)), _number(match.group(2))) < (1, 6) else SUPPORTED[-1]
        raise InputError(
            f"Appwrite {value} is not supported (supported: {', '.join(SUPPORTED)}); the nearest is {nearest}"
        )
    patch = match.group(3)
    if patch is not None and _number(patch) in _UNSUPPORTED_PATCHES.get(minor, ()):
        raise InputError(
            f"Appwrite {value} is not supported: 1.9.0-1.9.4 name scopes differently from 1.9.5+ and keyaudit "
            f"has no route data for them; the nearest supported choice is 1.8 (or 1.9 once you upgrade to 1.9.5+)"
        )
    return minor


def _number(digits: str) -> int:
    """A part of a version; one too long for int() (a hostile server's answer) is just very large."""
    return int(digits) if len(digits) <= 9 else 10**9
