"""Timestamps as access logs write them, to seconds since the epoch (UTC), checked by auditor/times.py.

Python 3.10's `fromisoformat` takes only 3 or 6 fractional digits; Go writes
RFC 3339 with up to 9 and trims trailing zeros, so the fraction is parsed here.
"""

from __future__ import annotations

import re

from auditor.loaders.logs.calllog import BadRecord
from auditor.times import BadTime, epoch

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\s*(?:([Zz])|([+-])(\d\d):?(\d\d))?"
)
_CLF = re.compile(r"(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
    )
}


def _epoch(year, month, day, hour, minute, second, fraction: str | None, sign: str | None, tz_h, tz_m) -> float:
    offset = (int(tz_h) * 3600 + int(tz_m) * 60) * (-1 if sign == "-" else 1) if sign else 0
    try:
        return epoch(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int(fraction) / 10 ** len(fraction) if fraction else 0.0,
            offset,
        )
    except BadTime as error:
        raise BadRecord(str(error)) from None


def rfc3339(text: str) -> float:
    """`2026-11-20T10:00:00.123456789Z`, `2026-11-20 10:00:00,123`; no offset means UTC."""
    match = _RFC3339.fullmatch(text.strip())
    if not match:
        raise BadRecord("time is not an RFC 3339 date-time")
    year, month, day, hour, minute, second, fraction, _, sign, tz_h, tz_m = match.groups()
    return _epoch(year, month, day, hour, minute, second, fraction, sign, tz_h, tz_m)


def find_rfc3339(text: str) -> float | None:
    """The first RFC 3339-like timestamp anywhere in `text`, or None."""
    match = _RFC3339.search(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, _, sign, tz_h, tz_m = match.groups()
    try:
        return _epoch(year, month, day, hour, minute, second, fraction, sign, tz_h, tz_m)
    except BadRecord:
        return None


def clf(text: str) -> float:
    """The `[20/Nov/2026:10:00:00 +0000]` time of nginx and Traefik access logs (brackets stripped)."""
    match = _CLF.fullmatch(text)
    if not match or match.group(2) not in _MONTHS:
        raise BadRecord("time is not a common-log-format date")
    day, month, year, hour, minute, second, sign, tz_h, tz_m = match.groups()
    return _epoch(year, _MONTHS[month], day, hour, minute, second, None, sign, tz_h, tz_m)
