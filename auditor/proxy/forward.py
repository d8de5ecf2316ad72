"""The recording reverse proxy (aiohttp): every request is forwarded unchanged and streamed both ways, and each
one that the upstream answered becomes one call-log record, written through `auditor.recorder`.

Memory is bounded whatever the bodies: request and response bodies pass through chunk by chunk; of an error
response only the first ERROR_PREFIX bytes are kept, to read Appwrite's error type. Websockets (Realtime) are
refused with one line: the recorder audits keys, and Realtime is a session's channel, not a key's. So is a
request with more than one X-Appwrite-Key: the record would name one key while Appwrite may use the other.

Only the request's path and query go upstream: an absolute-form target (`GET http://other/...`) names no host.
An upstream that breaks (hangs up, answers no HTTP) is a 502 with one line, or, once its response has begun, a
response cut by closing the connection: never a traceback.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, hdrs, web

from auditor.proxy.keys import KeyNames
from auditor.recorder import CallLogWriter, call_record, error_type

ERROR_PREFIX = 64 << 10
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
}
WEBSOCKET_REFUSED = "keyaudit record does not pass websockets (Realtime): connect Realtime to Appwrite directly\n"
TWO_KEYS_REFUSED = "keyaudit record: the request sent more than one X-Appwrite-Key; send one\n"


@dataclass
class ProxyStats:
    recorded: int = 0
    cut: int = 0  # answered by the upstream, recorded, but the stop or the client ended the body early
    unanswered: int = 0  # the upstream gave no answer: nothing to record
    unanswered_reasons: dict[str, int] = field(default_factory=dict)


def _forwarded_headers(headers) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers.items() if name.lower() not in HOP_BY_HOP]


def _decoded(prefix: bytes, encoding: str) -> bytes:
    """An error body's prefix as JSON text: gzip and deflate undone, at most ERROR_PREFIX bytes of it."""
    if encoding.lower() not in ("gzip", "deflate"):
        return prefix
    try:
        return zlib.decompressobj(wbits=47).decompress(prefix, ERROR_PREFIX)
    except zlib.error:
        return b""


class RecordingProxy:
    def __init__(self, upstream: str, writer: CallLogWriter, keys: KeyNames, verify_tls: bool = True):
        self.upstream = upstream.rstrip("/")
        self.writer = writer
        self.keys = keys
        self.verify_tls = verify_tls
        self.stats = ProxyStats()
        self._session: ClientSession | None = None

    async def start(self, app: web.Application) -> None:
        self._session = ClientSession(
            connector=TCPConnector(ssl=None if self.verify_tls else False, limit=0),
            timeout=ClientTimeout(total=None, sock_connect=30),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
        )

    async def stop(self, app: web.Application) -> None:
        if self._session:
            await self._session.close()

    def application(self) -> web.Application:
        app = web.Application(client_max_size=0)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_startup.append(self.start)
        app.on_cleanup.append(self.stop)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
            return web.Response(status=501, text=WEBSOCKET_REFUSED)
        if len(request.headers.getall("X-Appwrite-Key", ())) > 1:
            return web.Response(status=400, text=TWO_KEYS_REFUSED)
        started = time.time()
        path = request.rel_url.raw_path_qs  # never the host of an absolute-form target
        body = request.content if request.body_exists else None
        try:
            upstream = await self._session.request(
                request.method,
                self.upstream + path,
                headers=_forwarded_headers(request.headers),
                data=body,
                allow_redirects=False,
            )
        except (TimeoutError, OSError, ClientError) as error:
            reason = type(error).__name__
            self.stats.unanswered += 1
            self.stats.unanswered_reasons[reason] = self.stats.unanswered_reasons.get(reason, 0) + 1
            return web.Response(status=502, text=f"keyaudit record: the upstream gave no answer ({reason})\n")
        prefix = bytearray()
        complete = False
        try:
            async with upstream:
                response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
                response.headers.extend(_forwarded_headers(upstream.headers))
                if upstream.headers.get(hdrs.TRANSFER_ENCODING, "").lower() == "chunked":
                    response.enable_chunked_encoding()
                await response.prepare(request)
                keep = upstream.status >= 400
                try:
                    async for chunk in upstream.content.iter_any():
                        if keep and len(prefix) < ERROR_PREFIX:
                            prefix += chunk[: ERROR_PREFIX - len(prefix)]
                        await response.write(chunk)
                    await response.write_eof()
                except (ClientError, ConnectionError):  # the upstream or the client broke off: the client sees a cut
                    if request.transport:
                        request.transport.close()
                    return response
                complete = True
                return response
        finally:
            self._record(request, path, upstream, started, bytes(prefix), complete)

    def _record(self, request: web.Request, path: str, upstream, started: float, prefix: bytes, complete: bool) -> None:
        key = self.keys.name(request.headers.get("X-Appwrite-Key"))
        body = _decoded(prefix, upstream.headers.get(hdrs.CONTENT_ENCODING, ""))
        error = error_type(upstream.status, upstream.headers.get(hdrs.CONTENT_TYPE, ""), body)
        project = request.headers.get("X-Appwrite-Project")
        self.writer.write(call_record(started, project, key, request.method, path, upstream.status, error))
        self.stats.recorded += 1
        if not complete:
            self.stats.cut += 1
