"""Spread the reading of a big log over the machine's cores: threads where the work lets go of the GIL,
else worker processes.

`mapped_in_threads` runs a function that releases the GIL for most of its work (the compiled scanner,
_scan.c) over a stream of items in threads of this process, and hands the results back in the items'
order; at most a few items are in flight, so memory does not grow with the stream.

`in_own_thread` takes the items of a stream in a thread of its own, a few ahead of the caller: a gzipped log is
decompressed there, beside the thread that adds up what the scan threads found.

`accumulate` feeds a stream of items to accumulators in worker processes; one result per worker.

CPython runs Python code on one core per process, so reading a big log uses the
machine's other cores through processes. Each worker builds its accumulator once
(`make(*args)`; with the `fork` start method nothing is pickled for that), adds
the items it takes from a shared queue, and hands back `result()` once, at the
end: what goes back is one result per worker, never one per item. At most two
items per worker wait in the queue, so memory does not grow with the number of
items. A worker that dies (killed, out of memory) fails the run instead of
hanging it; an exception in a worker is raised in the caller.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any, Protocol

POLL_SECONDS = 0.5  # how often a waiting caller checks that its workers live
TAKING_THREAD = "keyaudit-in-own-thread"


class Accumulator(Protocol):
    def add(self, item: Any) -> None: ...

    def result(self) -> Any: ...


def cpu_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def mapped_in_threads(function: Callable[[Any], Any], items: Iterable, threads: int) -> Iterator:
    """`function(item)` of each item, in the items' order, computed in `threads` threads (here when fewer than 2).

    Items are taken from `items` in this thread, at most 2 × `threads` ahead of the result handed back. An
    exception in a thread is raised here; when the caller stops early, the threads stop after their item.
    """
    if threads < 2:
        yield from map(function, items)
        return
    tasks: queue.SimpleQueue = queue.SimpleQueue()
    stopping = threading.Event()

    def work() -> None:
        for item, done in iter(tasks.get, None):
            if stopping.is_set():
                done.put((False, None))
                continue
            try:
                done.put((True, function(item)))
            except BaseException as error:  # handed to the caller, which raises it
                done.put((False, error))

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    pending: deque[queue.SimpleQueue] = deque()
    try:
        for item in items:
            pending.append(queue.SimpleQueue())
            tasks.put((item, pending[-1]))
            if len(pending) >= 2 * threads:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        stopping.set()
        for _ in workers:
            tasks.put(None)
        for worker in workers:
            worker.join()


def in_own_thread(items: Iterable, limit: int) -> Iterator:
    """The items of `items`, taken in a thread of their own at most `limit` ahead of the caller.

    An exception there is raised here, at its item; when the caller stops early, the thread stops after its item.
    """
    waiting: queue.Queue = queue.Queue(limit)
    stopping = threading.Event()

    def hand(entry: tuple) -> bool:
        while not stopping.is_set():
            try:
                waiting.put(entry, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def take() -> None:
        try:
            for item in items:
                if not hand((True, item)):
                    return
            hand((None, None))  # the end
        except BaseException as error:  # handed to the caller, which raises it
            hand((False, error))

    thread = threading.Thread(target=take, name=TAKING_THREAD, daemon=True)
    thread.start()
    try:
        while True:
            ok, item = waiting.get()
            if ok is None:
                return
            if not ok:
                raise item
            yield item
    finally:
        stopping.set()
        while thread.is_alive():  # a thread waiting to hand an item over sees the stop once there is room
            try:
                waiting.get_nowait()
            except queue.Empty:
                thread.join(0.01)


def _result(done: queue.SimpleQueue):
    ok, value = done.get()
    if not ok:
        raise value
    return value


def accumulate(make: Callable[..., Accumulator], args: tuple, items: Iterable, workers: int) -> list:
    """The results of `make(*args)` accumulators that were given every item once, each item to one of them.

    In this process when `workers` < 2, when there is only one item, or where the platform cannot run
    worker processes (no working sem_open, as on AWS Lambda); else in `workers` processes.
    """
    items = iter(items)
    head = list(islice(items, 2))
    context = _context() if workers > 1 and len(head) > 1 else None
    if context is None:
        accumulator = make(*args)
        for item in chain(head, items):
            accumulator.add(item)
        return [accumulator.result()]
    tasks, results = context.Queue(2 * workers), context.Queue()
    processes = [context.Process(target=_work, args=(make, args, tasks, results), daemon=True) for _ in range(workers)]
    for process in processes:
        process.start()
    try:
        for item in chain(head, items, [None] * workers):  # None: no more items
            _put(tasks, item, processes)
        return [_get(results, processes) for _ in processes]
    except BaseException:  # an error or Ctrl-C: items no worker will take must not hold up this process's exit
        tasks.cancel_join_thread()
        raise
    finally:
        for process in processes:
            if process.is_alive():  # on an error or Ctrl-C
                process.terminate()
            process.join()


def _context():
    import multiprocessing  # here: the compiled scanner's runs never start a process, and need not import it

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    try:
        context.Lock()
    except (ImportError, OSError):  # the platform lacks a working sem_open
        return None
    return context


def _work(make: Callable[..., Accumulator], args: tuple, tasks, results) -> None:
    """A worker: Ctrl-C is the caller's to handle (it stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        accumulator = make(*args)
        for item in iter(tasks.get, None):
            accumulator.add(item)
        results.put((True, accumulator.result()))
    except BaseException as error:  # handed to the caller, which raises it
        results.put((False, error))


def _put(tasks, item, processes) -> None:
    while True:
        try:
            tasks.put(item, timeout=POLL_SECONDS)
            return
        except queue.Full:
            _check(processes)


def _get(results, processes):
    while True:
        ended = all(process.exitcode is not None for process in processes)  # so all they sent is in the pipe
        try:
            ok, value = results.get(timeout=POLL_SECONDS)
        except queue.Empty:
            _check(processes)
            if ended:
                raise RuntimeError("a worker process ended without its result") from None
            continue
        if not ok:
            raise value
        return value


def _check(processes) -> None:
    dead = [process.exitcode for process in processes if process.exitcode not in (None, 0)]
    if dead:
        raise RuntimeError(f"a worker process died (exit code {dead[0]})")
