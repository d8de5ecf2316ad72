"""One log format as the registry (formats.py) holds it: its name, its reader and how its first lines look.

detect.py asks the registered formats, in registry order, through up to three predicates, each optional:
`json_line(value)` recognises one head line that is a JSON object (parsed once, for every format);
`text_line(text)` one head line that is not JSON; `head(head)` the head as a whole, asked only once no line
was recognised. A format that declares none is read only when forced with --log-format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from auditor.loaders.logs.attribution import LogOptions
    from auditor.loaders.logs.calllog import Call, ReadStats


@dataclass(frozen=True)
class Head:
    """The first bytes of a log as detection sees them."""

    text: str  # decoded, byte-order mark removed
    lines: list[str]  # its first complete non-blank lines, stripped


@dataclass(frozen=True)
class LogFormat:
    name: str  # as --log-format takes it and summary.logFormats reports it (see schemas/report.schema.json)
    parse: Callable[[str, BinaryIO, ReadStats, LogOptions], Iterator[Call]]
    json_line: Callable[[object], bool] | None = None
    text_line: Callable[[str], bool] | None = None
    head: Callable[[Head], bool] | None = None
