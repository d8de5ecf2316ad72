"""Every time from outside, checked once: parsed to seconds since the epoch (UTC) within the range keyaudit
formats, and formatted back.

Times arrive as text (log lines, a key's `expire`, an exception's `expires`, `--now`) or as numbers (the job's
state file). Each is checked here, where it enters, against one range: 1900-01-01 to 8999-12-31 UTC. Later
code formats times with `datetime` (years 1 to 9999) and moves them by at most a window (99 999 days) or a day,
so a time inside the range never leaves the calendar later; `9999-12-31T23:59:59-01:00` (year 10000 in UTC)
is refused where it is read, not where a report prints it.

An expiry is the one exception: `expires: 9999-12-31` is how people write "forever", so a deadline past the
range is infinitely far (`deadline`), never an error.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

EARLIEST = -2_208_988_800.0  # 1900-01-01T00:00:00Z
LATEST = 221_845_392_000.0  # 9000-01-01T00:00:00Z, excluded
RANGE = "1900 to 8999"
DAY = 86_400
_EPOCH_DAY = date(1970, 1, 1)


class BadTime(ValueError):
    """A time that is no RFC 3339 date-time, no real date, or outside the range."""


def checked(seconds) -> float:
    """`seconds` since the epoch if it is a number within the range (NaN fails both comparisons)."""
    if type(seconds) not in (int, float) or not EARLIEST <= seconds < LATEST:
        raise BadTime(f"time is outside the years {RANGE}")
    return float(seconds)


def _moment(text: str) -> datetime:
    """An aware datetime of an RFC 3339 date-time (no offset means UTC), or of a date alone (its midnight UTC)."""
    value = text.strip()
    if value[-1:] in "Zz":
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadTime("time is not an RFC 3339 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_time(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 date-time within the range; BadTime says why not."""
    return checked(_moment(text).timestamp())


@lru_cache(maxsize=4096)
def _midnight(year: int, month: int, day: int) -> int:
    """Seconds from the epoch to the day's midnight UTC (a log has few days, so this is cached)."""
    return (date(year, month, day) - _EPOCH_DAY).days * DAY


def epoch(
    year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: float = 0.0, offset_seconds: int = 0
) -> float:
    """Seconds since the epoch of a time given by its fields (second 60: a leap second, as RFC 3339 allows)."""
    if hour > 23 or minute > 59 or second > 60:
        raise BadTime("time is not a valid date")
    try:
        midnight = _midnight(year, month, day)
    except ValueError:
        raise BadTime("time is not a valid date") from None
    seconds = midnight + hour * 3600 + minute * 60 + second - offset_seconds
    return checked(seconds + fraction if fraction else float(seconds))


def deadline(text: str) -> float:
    """When an expiry ends: a date alone at the end of that day (UTC); past the range, never (`math.inf`)."""
    moment = _moment(text)
    if len(text.strip()) == 10:  # a date alone
        moment += timedelta(days=1) if moment.date() < datetime.max.date() else timedelta(0)
    seconds = moment.timestamp()
    return math.inf if seconds >= LATEST else checked(seconds)


def iso(moment: float | None) -> str | None:
    """`2026-11-20T10:00:00.000Z` of a checked time."""
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_day(moment: float) -> str:
    """The UTC day of a checked time, `2026-11-20`."""
    return iso(moment)[:10]
