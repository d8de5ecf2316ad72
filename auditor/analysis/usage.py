"""Aggregate call logs into per-key route usage.

Memory grows with keys × routes: each call is reduced to its route template at
once, and unknown paths are only counted (plus a few samples per key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from auditor.catalog.catalog import Catalog, Route
from auditor.loaders.calllog import Call, ReadStats
from auditor.loaders.logs import iter_calls

UNAUTHORIZED_SCOPE = "general_unauthorized_scope"
GRAPHQL_TEMPLATES = {"/v1/graphql", "/v1/graphql/mutation"}
MAX_UNKNOWN_SAMPLES = 5


@dataclass
class RouteUsage:
    route: Route
    count: int = 0
    first: float | None = None
    last: float | None = None
    denied: int = 0  # answered 401 general_unauthorized_scope
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, call: Call) -> None:
        self.count += 1
        if call.time is not None:
            if self.first is None or call.time < self.first:
                self.first = call.time
            if self.last is None or call.time > self.last:
                self.last = call.time
        if call.status is not None:
            self.statuses[call.status] = self.statuses.get(call.status, 0) + 1
        if call.error == UNAUTHORIZED_SCOPE:
            self.denied += 1


@dataclass
class KeyUsage:
    key: str
    project: str | None
    routes: dict[tuple[str, str], RouteUsage] = field(default_factory=dict)
    calls: int = 0
    unknown_route_calls: int = 0
    unknown_samples: list[str] = field(default_factory=list)
    unknown_denied: int = 0
    first: float | None = None
    last: float | None = None

    @property
    def graphql_calls(self) -> int:
        return sum(u.count for (_, template), u in self.routes.items() if template in GRAPHQL_TEMPLATES)


@dataclass
class Usage:
    """Everything the logs said, and how much of them could be read."""

    by_key: dict[tuple[str | None, str], KeyUsage] = field(default_factory=dict)
    stats: ReadStats = field(default_factory=ReadStats)
    first: float | None = None
    last: float | None = None
    files: list[str] = field(default_factory=list)

    def add(self, call: Call, route: Route | None) -> None:
        usage = self.by_key.get((call.project, call.key))
        if usage is None:
            usage = self.by_key[(call.project, call.key)] = KeyUsage(call.key, call.project)
        usage.calls += 1
        if call.time is not None:
            if self.first is None or call.time < self.first:
                self.first = call.time
            if self.last is None or call.time > self.last:
                self.last = call.time
            if usage.first is None or call.time < usage.first:
                usage.first = call.time
            if usage.last is None or call.time > usage.last:
                usage.last = call.time
        if route is None:
            usage.unknown_route_calls += 1
            if call.error == UNAUTHORIZED_SCOPE:
                usage.unknown_denied += 1
            sample = f"{call.method} {call.path.split('?', 1)[0]}"
            if len(usage.unknown_samples) < MAX_UNKNOWN_SAMPLES and sample not in usage.unknown_samples:
                usage.unknown_samples.append(sample)
            return
        slot = usage.routes.get((route.method, route.template))
        if slot is None:
            slot = usage.routes[(route.method, route.template)] = RouteUsage(route)
        slot.add(call)

    def for_key(self, key_id: str, project: str | None) -> list[KeyUsage]:
        """Usage recorded for a defined key: same id, and same project where both name one."""
        return [
            usage for (logged_project, logged_key), usage in self.by_key.items()
            if logged_key == key_id and (project is None or logged_project in (None, project))
        ]


def read_usage(paths: list[str], catalog: Catalog) -> Usage:
    usage = Usage(files=list(paths))
    match = catalog.match
    for path in paths:
        for call in iter_calls(path, usage.stats):
            usage.add(call, match(call.method, call.path))
    return usage


def merged(usages: list[KeyUsage], key_id: str) -> KeyUsage:
    """One view of a key's usage across the projects its records named."""
    total = KeyUsage(key_id, None)
    for usage in usages:
        total.calls += usage.calls
        total.unknown_route_calls += usage.unknown_route_calls
        total.unknown_denied += usage.unknown_denied
        for sample in usage.unknown_samples:
            if len(total.unknown_samples) < MAX_UNKNOWN_SAMPLES and sample not in total.unknown_samples:
                total.unknown_samples.append(sample)
        for moment in (usage.first, usage.last):
            if moment is not None:
                total.first = moment if total.first is None else min(total.first, moment)
                total.last = moment if total.last is None else max(total.last, moment)
        for route_key, slot in usage.routes.items():
            into = total.routes.setdefault(route_key, RouteUsage(slot.route))
            into.count += slot.count
            into.denied += slot.denied
            for status, count in slot.statuses.items():
                into.statuses[status] = into.statuses.get(status, 0) + count
            for moment in (slot.first, slot.last):
                if moment is not None:
                    into.first = moment if into.first is None else min(into.first, moment)
                    into.last = moment if into.last is None else max(into.last, moment)
    return total


def iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
