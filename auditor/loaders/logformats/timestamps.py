"""Timestamps as access logs write them, to seconds since the epoch (UTC).

Python 3.10's `fromisoformat` takes only 3 or 6 fractional digits; Go writes
RFC 3339 with up to 9 and trims trailing zeros, so the fraction is parsed here.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from auditor.loaders.calllog import BadRecord

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\s*(?:([Zz])|([+-])(\d\d):?(\d\d))?"
)
_CLF = re.compile(r"(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
_EPOCH_DAY = date(1970, 1, 1)
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


@lru_cache(maxsize=4096)
def _day_start(year: int, month: int, day: int) -> int:
    """Seconds from the epoch to the day's midnight UTC (a log has few days, so this is cached)."""
    return (date(year, month, day) - _EPOCH_DAY).days * 86400


def _epoch(year, month, day, hour, minute, second, fraction: str | None, sign: str | None, tz_h, tz_m) -> float:
    hour, minute, second = int(hour), int(minute), int(second)
    if hour > 23 or minute > 59 or second > 60:  # 60: a leap second, as RFC 3339 allows
        raise BadRecord("time is not a valid date")
    try:
        start = _day_start(int(year), int(month), int(day))
    except ValueError:
        raise BadRecord("time is not a valid date") from None
    offset = (int(tz_h) * 3600 + int(tz_m) * 60) * (-1 if sign == "-" else 1) if sign else 0
    moment = start + hour * 3600 + minute * 60 + second - offset
    return moment + int(fraction) / 10 ** len(fraction) if fraction else float(moment)


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
