"""Which catalog serves an `--appwrite-version` value."""

import re
from urllib.parse import urlsplit

from auditor.errors import InputError

SELF_HOSTED = ("1.6", "1.7", "1.8", "1.9", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5")
CLOUD = "cloud"  # follows what Appwrite Cloud serves (2.5.x), Cloud-only scopes and routes included
SUPPORTED = (*SELF_HOSTED, CLOUD)
DEFAULT = "1.9"

# 1.9.0–1.9.4 predate the 1.9.5 scope renames (executions.*, project.policies.*,
# keys.* on project keys); no route data of theirs is available.
_UNSUPPORTED_PATCHES = {"1.9": range(0, 5)}


VERSION_PATTERN = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][\w.]+)?")
CLOUD_HOST = "cloud.appwrite.io"


def is_version_name(value: str) -> bool:
    """Whether `value` has the form of a version (`1.9`, `v2.4.1`) or is `cloud`."""
    return value.strip().lower() == CLOUD or VERSION_PATTERN.fullmatch(value.strip()) is not None


def is_cloud_endpoint(endpoint) -> bool:
    """`https://cloud.appwrite.io/v1` or a region's `https://fra.cloud.appwrite.io/v1`: Appwrite Cloud."""
    if not isinstance(endpoint, str) or "://" not in endpoint:
        return False
    host = (urlsplit(endpoint.strip()).hostname or "").rstrip(".")
    return host == CLOUD_HOST or host.endswith("." + CLOUD_HOST)


def resolve(value: str | None) -> str:
    """Map `1.8`, `1.8.2`, `v1.8.2` or `cloud` to a supported catalog name, or refuse."""
    if value is None:
        return DEFAULT
    if value.strip().lower() == CLOUD:
        return CLOUD
    match = VERSION_PATTERN.fullmatch(value.strip())
    if not match:
        raise InputError(f"--appwrite-version {value!r} is not a version; use one of {', '.join(SUPPORTED)}")
    minor = f"{match.group(1)}.{match.group(2)}"
    if minor not in SUPPORTED:
        nearest = SELF_HOSTED[0] if (_number(match.group(1)), _number(match.group(2))) < (1, 6) else SELF_HOSTED[-1]
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
