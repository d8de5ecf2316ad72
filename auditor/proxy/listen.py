"""Where the recording proxy listens: `HOST:PORT`, loopback unless the user allows otherwise."""

from __future__ import annotations

import ipaddress

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
