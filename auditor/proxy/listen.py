"""Where the recording proxy listens (`HOST:PORT`, loopback unless the user allows otherwise) and the upstream it
forwards to (an http(s) URL with a host; no query or fragment, which would swallow every request's path)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from auditor.errors import InputError

LOOPBACK_NAMES = {"localhost"}


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--listen {value!r}: give HOST:PORT, e.g. 127.0.0.1:8787")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_upstream(value: str) -> str:
    """The upstream URL without a trailing `/`; each request's path and query are appended to it."""
    if not value.startswith(("http://", "https://")):
        raise InputError(f"--upstream {value!r}: give an http:// or https:// URL")
    parts = urlsplit(value)
    if not parts.hostname or any(character.isspace() for character in value):
        raise InputError(f"--upstream {value!r}: names no host")
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port = 0
    if port is not None and not 0 < port < 65536:
        raise InputError(f"--upstream {value!r}: the port is not a number from 1 to 65535")
    if parts.query or parts.fragment or value.rstrip("/").endswith(("?", "#")):
        raise InputError(f"--upstream {value!r}: holds a query or fragment; give the server's URL only")
    return value.rstrip("/")
