"""A progress line on stderr while logs are read: for long runs at a terminal, silent otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 1.0  # seconds before the first draw: a short run shows nothing
INTERVAL = 0.1  # seconds between draws
WIDTH = 24  # characters of the bar


class Progress:
    """How much of the logs has been read: a bar when their size is known, lines and lines per second.

    Draws nothing without `out`; `on_stderr` gives it stderr only when stderr is a terminal and the
    user did not ask for quiet.
    """

    def __init__(self, out: TextIO | None = None, clock: Callable[[], float] = time.monotonic):
        self.out = out
        self.clock = clock
        self.started = clock()
        self.total: int | None = None
        self.drawn = False
        self._next = self.started + DELAY

    @classmethod
    def on_stderr(cls, quiet: bool) -> Progress:
        return cls(None if quiet or not sys.stderr.isatty() else sys.stderr)

    def expect(self, total_bytes: int | None) -> None:
        """The size of everything to read (None: unknown, as for stdin)."""
        self.total = total_bytes

    def update(self, done_bytes: int | None, lines: int) -> None:
        if self.out is None:
            return
        now = self.clock()
        if now < self._next:
            return
        self._next = now + INTERVAL
        self.out.write("\r" + self.line(done_bytes, lines, now - self.started) + "\x1b[K")
        self.out.flush()
        self.drawn = True

    def line(self, done_bytes: int | None, lines: int, seconds: float) -> str:
        rate = f"{_count(lines)} lines, {_count(lines / seconds if seconds > 0 else 0)} lines/s"
        if not self.total or done_bytes is None:
            return f"reading logs: {rate}"
        share = min(done_bytes / self.total, 1.0)
        bar = "#" * round(share * WIDTH) + "." * (WIDTH - round(share * WIDTH))
        return f"reading logs [{bar}] {share:4.0%} of {self.total / 1e6:,.0f} MB: {rate}"

    def finish(self) -> None:
        """Erase the line, so that what follows on stderr starts clean."""
        if self.drawn:
            self.out.write("\r\x1b[K")
            self.out.flush()
            self.drawn = False


def _count(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"
