"""accumulate: every item to one accumulator, in worker processes; one result each; failures reach the caller.
in_own_thread: a stream's items taken in a thread of their own, in order, failures at their item."""

import os
import subprocess
import sys
import threading
import time

import pytest

from auditor.analysis.parallel import TAKING_THREAD, accumulate, in_own_thread


class Collector:
    """Collects items; fails on `fatal` (raises), or dies on `deadly`."""

    def __init__(self, fatal=None, deadly=None):
        self.items, self.fatal, self.deadly = [], fatal, deadly

    def add(self, item):
        if item == self.deadly:
            os._exit(3)
        if item == self.fatal:
            raise ValueError(f"item {item}")
        self.items.append(item)

    def result(self):
        return os.getpid(), self.items


def test_each_item_reaches_one_worker_in_order():
    results = accumulate(Collector, (), range(200), workers=2)
    assert len(results) == 2 and os.getpid() not in {pid for pid, _ in results}
    assert sorted(item for _, items in results for item in items) == list(range(200))
    assert all(items == sorted(items) for _, items in results)


def test_one_item_or_one_worker_stays_in_this_process():
    assert accumulate(Collector, (), [7], workers=4) == [(os.getpid(), [7])]
    assert accumulate(Collector, (), range(5), workers=1) == [(os.getpid(), list(range(5)))]


def test_an_exception_in_a_worker_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="item 42"):
        accumulate(Collector, (42,), range(100), workers=2)


def test_a_dead_worker_fails_the_run_instead_of_hanging_it():
    with pytest.raises(RuntimeError, match="worker process died"):
        accumulate(Collector, (None, 3), range(100), workers=2)


def _items(count, fail_at=None, taken=None):
    for item in range(count):
        if item == fail_at:
            raise ValueError(f"item {item}")
        if taken is not None:
            taken.append(item)
        yield item


def test_items_taken_in_their_own_thread_come_in_order():
    assert list(in_own_thread(_items(1000), 2)) == list(range(1000))
    assert list(in_own_thread(iter(()), 2)) == []


def test_an_exception_taking_an_item_is_raised_at_that_item():
    got = []
    with pytest.raises(ValueError, match="item 7"):
        for item in in_own_thread(_items(100, fail_at=7), 2):
            got.append(item)
    assert got == list(range(7))


def test_a_caller_that_stops_early_stops_the_thread_within_a_few_items():
    taken = []
    stream = in_own_thread(_items(10**6, taken=taken), 2)
    assert next(stream) == 0
    assert any(thread.name == TAKING_THREAD for thread in threading.enumerate())
    stream.close()
    assert not any(thread.name == TAKING_THREAD for thread in threading.enumerate())
    time.sleep(0.05)
    assert len(taken) <= 5  # the limit, the item in hand, and the ones being handed over


SLOW_WORKERS_AND_A_FAILING_STREAM = """
import time
from auditor.analysis.parallel import accumulate

class Slow:
    def add(self, item):
        time.sleep(60)

    def result(self):
        return None

def blocks():
    for _ in range(6):
        yield bytes(1 << 20)  # more than a pipe holds: the queue's feeder thread waits for a worker to read
    raise ValueError("corrupt in the middle")

try:
    accumulate(Slow, (), blocks(), workers=2)
except ValueError as error:
    print(error)
"""


def test_a_caller_that_fails_while_blocks_wait_for_workers_still_exits(tmp_path):
    """The workers are stopped; the blocks still queued for them must not hold up the exit (a corrupt gzip
    log read by the pure-Python reader printed its error, then hung)."""
    run = subprocess.run(
        [sys.executable, "-c", SLOW_WORKERS_AND_A_FAILING_STREAM], capture_output=True, text=True, timeout=30
    )
    assert (run.returncode, run.stdout) == (0, "corrupt in the middle\n"), run.stderr
