"""Resolve a request path to its route exactly as Appwrite's router does.

utopia-php/http's `Http::match` takes `parse_url($uri, PHP_URL_PATH)` of the request URI (`/` when PHP finds
no path or refuses the URI), and `Router::match` resolves that path: it is split
on `/` (empty segments dropped), then subsets of the known parameter positions
are tried, in the order `combinations()` yields them, each time replacing those
positions by a placeholder and looking the result up among the route templates.
The first hit wins. `combinations()` over the position list `[p0, p1, p2, …]`
yields subsets in increasing order of their bitmask (bit i set when p_i is in
the subset), so among all templates a path fits, the winner is the one whose
parameter positions have the smallest bitmask. When nothing fits, templates
ending in `*` match any path under their prefix.

Instead of trying up to 2^n subsets per request, templates live in a per-method
segment index, all templates that fit are found in one walk, and the result is
cached on the path's *shape*: each segment replaced by a placeholder unless it is
a literal some template has at that position. Two paths with one shape resolve
to the same route, so ids that never repeat still hit the cache.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from auditor.catalog.php_url import php_url_path

Value = TypeVar("Value")

_PARAM = None  # trie key for a parameter segment
_CACHE_LIMIT = 200_000


def split_path(path: str) -> list[str]:
    """Segments of a request URI as Appwrite's router sees them (empty segments dropped).

    Nothing is added or guessed: `/users` is not `/v1/users` (Appwrite answers 404), and `//evil.example/v1/users`
    is `/v1/users` (PHP reads `//host` as a network-path reference). Percent-encoding is kept: Appwrite matches
    the raw path, so an encoded `/` (`%2F`) stays inside its segment.
    """
    return [part for part in php_url_path(path).split("/") if part != ""]


def template_segments(template: str) -> list[str | None]:
    """`/v1/users/{userId}` → `['v1', 'users', None]`."""
    return [
        None if part.startswith("{") or part.startswith(":") else part for part in template.split("/") if part != ""
    ]


class _Node:
    __slots__ = ("children", "value", "wildcard")

    def __init__(self):
        self.children: dict[str | None, _Node] = {}
        self.value = None  # (rank, value) of a template ending here
        self.wildcard = None  # value of a template `<prefix>/*` ending here


class Router(Generic[Value]):
    """Maps (method, path) to the value registered for the winning template."""

    def __init__(self, param_order: list[int]):
        self._bit = {position: 1 << i for i, position in enumerate(param_order)}
        self._roots: dict[str, _Node] = {}
        self._literals: dict[str, list[set[str]]] = {}
        self._cache: dict[tuple, Value | None] = {}
        self._longest = 0  # segments of the longest template (a wildcard's without its `*`)

    def add(self, method: str, template: str, value: Value) -> None:
        segments = template_segments(template)
        node = self._roots.setdefault(method, _Node())
        literals = self._literals.setdefault(method, [])
        is_wildcard = bool(segments) and segments[-1] == "*"
        if is_wildcard:
            segments = segments[:-1]
        self._longest = max(self._longest, len(segments))
        rank = 0
        for position, segment in enumerate(segments):
            if segment is _PARAM:
                if position not in self._bit:
                    raise ValueError(f"parameter position {position} of {template} missing from the order")
                rank |= self._bit[position]
            else:
                while len(literals) <= position:
                    literals.append(set())
                literals[position].add(segment)
            node = node.children.setdefault(segment, _Node())
        self._cache.clear()
        if is_wildcard:
            node.wildcard = value
            return
        if node.value is not None:
            raise ValueError(f"duplicate route {method} {template}")
        node.value = (rank, value)

    def match(self, method: str, path: str) -> Value | None:
        method = method.upper()
        if method == "HEAD":  # utopia serves HEAD with the GET route
            method = "GET"
        root = self._roots.get(method)
        if root is None:
            return None
        # A path longer than every template can only reach a `<prefix>/*` template, through its first segments:
        # its shape stops one segment past the longest template, so a path of 100 000 segments is no bigger a
        # cache entry than any other (paths come from logs anyone writes).
        parts = split_path(path)[: self._longest + 1]
        literals = self._literals[method]
        shape = (method,) + tuple(
            part if position < len(literals) and part in literals[position] else _PARAM
            for position, part in enumerate(parts)
        )
        try:
            return self._cache[shape]
        except KeyError:
            pass
        result = self._resolve(root, shape[1:])
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[shape] = result
        return result

    def _resolve(self, root: _Node, shape: tuple) -> Value | None:
        best = None
        frontier = [root]
        for segment in shape:
            following = []
            for node in frontier:
                if segment is not _PARAM and segment in node.children:
                    following.append(node.children[segment])
                if _PARAM in node.children:
                    following.append(node.children[_PARAM])
            frontier = following
            if not frontier:
                break
        for node in frontier:
            if node.value is not None and (best is None or node.value[0] < best[0]):
                best = node.value
        if best is not None:
            return best[1]
        return self._wildcard(root, shape)

    @staticmethod
    def _wildcard(root: _Node, shape: tuple) -> Value | None:
        """Utopia's fallback: `*` at the root, then the shortest `<prefix>/*`."""
        if root.wildcard is not None:
            return root.wildcard
        node = root
        for segment in shape:
            node = node.children.get(segment) if segment is not _PARAM else None
            if node is None:
                return None
            if node.wildcard is not None:
                return node.wildcard
        return None
