"""Both readers of keyaudit JSONL: the compiled scanner and pure Python (auditor/loaders/logs/native.py).

`each_reader` runs a test once per reader; `reader(name)` sets one for a block of code (inside a
hypothesis test, where a function-scoped fixture cannot). The scanner's run is skipped where it was not
built.
"""

import os
from contextlib import contextmanager
from unittest import mock

import pytest

from auditor.loaders.logs import native

READERS = ("scanner", "pure")
BUILT = native._scan is not None and not native._stale()  # built, from the source beside it


@contextmanager
def reader(name: str):
    with mock.patch.dict(os.environ, {native.OFF: "1" if name == "pure" else "0"}):
        yield


def built_readers() -> tuple[str, ...]:
    return READERS if BUILT else ("pure",)


@pytest.fixture(params=READERS)
def each_reader(request):
    if request.param == "scanner" and not BUILT:
        pytest.skip(f"no compiled scanner here: {native.reader_name()}")
    with reader(request.param):
        yield request.param
