"""The path utopia-php/http routes: `parse_url($uri, PHP_URL_PATH)`, `/` when PHP finds none.

utopia-php/http's `Http::match` (the router Appwrite runs) does
`$url = parse_url($request->getURI(), PHP_URL_PATH); $url = is_string($url) ? ($url === '' ? '/' : $url) : '/';`
so the path a request is routed by is what PHP's parse_url (ext/standard/url.c, php_url_parse_ex2) makes of
the request URI, not the URI's text. What that means for a log line:

- `//evil.example/v1/users` is a network-path reference: host `evil.example`, path `/v1/users`;
- `///v1/users` has an empty host, which PHP refuses: `/`;
- `/v1/users/a:80` looks like `host:port` to PHP (a colon, 1 to 5 digits, then `/` or the end), and an empty
  host is refused again: `/`;
- `https://host:8080/v1/users?x#y` is `/v1/users`;
- control characters in the path become `_`.

This follows the C code's branches (scheme, port, host, path) as far as they decide the path.
"""

from __future__ import annotations

import re

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_STRTOL = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)")


class _Refused(Exception):
    """parse_url returned false."""


def php_url_path(uri: str) -> str:
    """The path utopia-php/http routes the request URI `uri` by."""
    if ":" not in uri and not uri.startswith("//"):  # the common case: a plain path, no scheme, host or port
        path = uri.partition("#")[0].partition("?")[0]
    else:
        try:
            path = _path_of(uri)
        except _Refused:
            return "/"
    if not path:
        return "/"
    return path if path.isprintable() else _CONTROL.sub("_", path)


def _first(uri: str, start: int, chars: str, end: int | None = None) -> int:
    """Where the first of `chars` is in uri[start:end] (`end` when none is)."""
    end = len(uri) if end is None else end
    found = [index for index in (uri.find(char, start, end) for char in chars) if index >= 0]
    return min(found, default=end)


def _path_of(uri: str) -> str | None:
    """php_url_parse_ex2's branches on the first colon, as far as they decide the path."""
    end = len(uri)
    colon = uri.find(":")
    if colon < 0:
        return _after_host(uri, 2, None) if uri.startswith("//") else _just_path(uri, 0)
    if colon == 0:
        return _from_port(uri, colon)
    if any(char not in _SCHEME_CHARS for char in uri[:colon]):
        if colon + 1 < end and colon < _first(uri, 0, "?#"):
            return _from_port(uri, colon)
        return _after_host(uri, 2, None) if uri.startswith("//") else _just_path(uri, 0)
    if colon + 1 == end:  # a scheme alone
        return None
    if uri[colon + 1] != "/":
        digits = colon + 1
        while digits < end and uri[digits].isdigit():
            digits += 1
        if (digits == end or uri[digits] == "/") and digits - colon < 7:
            return _from_port(uri, colon)
        return _just_path(uri, colon + 1)
    if colon + 2 < end and uri[colon + 2] == "/":
        if uri[:colon].lower() == "file" and colon + 3 < end and uri[colon + 3] == "/":
            return _just_path(uri, colon + 4 if colon + 5 < end and uri[colon + 5] == ":" else colon + 3)
        return _after_host(uri, colon + 3, None)
    return _just_path(uri, colon + 1)


def _from_port(uri: str, colon: int) -> str | None:
    """PHP's parse_port: digits after the colon make a port (then the host); else a `//` host, else a path."""
    first = digits = colon + 1
    end = len(uri)
    while digits < end and digits - first < 6 and uri[digits].isdigit():
        digits += 1
    start = 2 if uri.startswith("//") else 0
    if 0 < digits - first < 6 and (digits == end or uri[digits] == "/"):
        port = int(uri[first:digits])
        if port > 65535:
            raise _Refused
        return _after_host(uri, start, port)
    if first == digits == end:
        raise _Refused
    return _after_host(uri, start, None) if start else _just_path(uri, 0)


def _after_host(uri: str, start: int, port: int | None) -> str | None:
    """PHP's parse_host, then the path after the host; _Refused for an empty host or a bad port."""
    end = _first(uri, start, "/?#")
    at = uri.rfind("@", start, end)
    if at >= 0:
        start = at + 1
    bracketed = start < len(uri) and uri[start] == "[" and end > start and uri[end - 1] == "]"
    colon = -1 if bracketed else uri.rfind(":", start, end)
    host_end = end
    if colon >= 0:
        if not port:
            text = uri[colon + 1 : end]
            if len(text) > 5:
                raise _Refused
            if text:
                number = _STRTOL.match(text)
                if (
                    number is None
                    or number.group(1) == "-"
                    and int(number.group(2)) != 0
                    or int(number.group(2)) > 65535
                ):
                    raise _Refused
        host_end = colon
    if host_end - start < 1:
        raise _Refused
    if end == len(uri):
        return None
    return _just_path(uri, end)


def _just_path(uri: str, start: int) -> str | None:
    """The path from `start` up to the query or fragment; None when PHP records no path."""
    end = _first(uri, start, "?", _first(uri, start, "#"))
    return uri[start:end] if start < end or start == len(uri) else None
