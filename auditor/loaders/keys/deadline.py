"""One deadline for a whole HTTP exchange: connect, headers and body of every request, every page.

A socket timeout bounds one read: a server that drips a byte every half second never trips it and keeps the
caller as long as it likes. Here each connection is given the time left as its connect timeout, and a timer
shuts its socket down when the deadline passes, which ends whatever read is waiting (a TLS handshake, headers
or body). `Deadline.expired` then tells the caller why the read ended.
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
        self._guards: list[tuple[threading.Timer, socket.socket]] = []

    def left(self) -> float:
        return self._end - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.left() <= 0

    def guard(self, sock: socket.socket) -> None:
        """Shut `sock`'s connection down at the deadline unless `release` comes first.

        The timer holds a duplicate of the socket: TLS takes the original over (and closes that object), while
        shutting down any descriptor of a connection ends the reads on all of them.
        """
        twin = sock.dup()
        timer = threading.Timer(max(self.left(), 0), _shut_down, (twin,))
        timer.daemon = True
        timer.start()
        self._guards.append((timer, twin))

    def release(self) -> None:
        """Cancel the timers of finished requests (call it once each answer is read)."""
        for timer, twin in self._guards:
            timer.cancel()
            twin.close()
        self._guards.clear()


def _shut_down(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: the exchange ended first


class _Guarded:
    """Mixed into http.client's connections: the time left bounds the connect, and the socket is guarded from
    the moment it exists (before a TLS handshake)."""

    def __init__(self, *args, deadline: Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self._create_connection = self._guarded_connection

    def connect(self):
        self.timeout = min(self.timeout, max(self.deadline.left(), 0.001))
        super().connect()

    def _guarded_connection(self, *args, **kwargs) -> socket.socket:
        sock = socket.create_connection(*args, **kwargs)
        self.deadline.guard(sock)
        return sock


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
        return self.do_open(functools.partial(_GuardedHTTPS, deadline=self.deadline), req, context=self._context)


def opener(deadline: Deadline, *handlers) -> urllib.request.OpenerDirector:
    """An opener whose every request ends by `deadline` (plus `handlers`, e.g. one that refuses redirects)."""
    return urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline), *handlers)
