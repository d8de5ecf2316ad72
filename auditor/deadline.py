"""One deadline for a whole HTTP exchange: connect, headers and body of every request, every page.

A socket timeout bounds one read: a server that drips a byte every half second never trips it and keeps the
caller as long as it likes. Here each connection is given the time left as its connect timeout, and a timer
shuts its socket down when the deadline passes, which ends whatever read is waiting (headers or body).
`Deadline.expired` then tells the caller why the read ended.
"""

from __future__ import annotations

import functools
import http.client
import socket
import threading
import time
import urllib.request


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._timers: list[threading.Timer] = []

    def left(self) -> float:
        return self._end - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.left() <= 0

    def guard(self, sock: socket.socket) -> None:
        """Shut `sock` down at the deadline unless `release` comes first."""
        timer = threading.Timer(max(self.left(), 0), _shut_down, (sock,))
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def release(self) -> None:
        """Cancel the timers of finished requests (call it once each answer is read)."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()


def _shut_down(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also for TLS: it only wakes the reader, leaving TLS state to that thread
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: the exchange ended first


class _Guarded:
    """Mixed into http.client's connections: the time left bounds the connect, then guards the socket."""

    def __init__(self, *args, deadline: Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def connect(self):
        self.timeout = min(self.timeout, max(self.deadline.left(), 0.001))
        super().connect()
        self.deadline.guard(self.sock)


class _GuardedHTTP(_Guarded, http.client.HTTPConnection):
    pass


class _GuardedHTTPS(_Guarded, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(functools.partial(_GuardedHTTP, deadline=self.deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):
        return self.do_open(functools.partial(_GuardedHTTPS, deadline=self.deadline), req,
                            context=self._context)


def opener(deadline: Deadline, *handlers) -> urllib.request.OpenerDirector:
    """An opener whose every request ends by `deadline` (plus `handlers`, e.g. one that refuses redirects)."""
    return urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline), *handlers)
