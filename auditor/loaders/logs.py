"""Calls from any log file: the one entry point every log consumer uses.

Today it reads keyaudit's JSONL (loaders/calllog.py); other formats plug in here.
"""

from __future__ import annotations

from typing import Iterator

from auditor.loaders.calllog import Call, ReadStats, read_calls


def iter_calls(path: str, stats: ReadStats) -> Iterator[Call]:
    """Every call recorded in `path`; unreadable lines are counted in `stats`."""
    yield from read_calls(path, stats)
