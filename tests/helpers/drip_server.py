"""A local HTTP server that answers one byte at a time: the slow-loris answer `fetch-keys --timeout` must survive.

Each connection gets `head` (status line and headers) then `body`, one byte every `interval` seconds, from where
`drip_from` says the dripping starts (0: the headers drip too); the bytes before it are sent at once.
"""

from __future__ import annotations

import socket
import threading

VERSION_BODY = b'{"version":"1.9.6"}'


def answer(body: bytes, content_type: str = "application/json") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


class DripServer:
    """`with DripServer(answers) as server: server.url` serves the answers in turn, one per connection."""

    def __init__(self, answers: list[tuple[bytes, int]], interval: float = 0.5):
        self.answers = answers  # (the whole answer, how many bytes go at once before the drip starts)
        self.interval = interval
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.listener.close()
        self.thread.join(5)

    def _serve(self):
        for data, at_once in self.answers:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)  # the request
                try:
                    connection.sendall(data[:at_once])
                    for index in range(at_once, len(data)):
                        if self.stop.wait(self.interval):
                            return
                        connection.sendall(data[index : index + 1])
                except OSError:
                    continue  # the client hung up: serve the next answer
