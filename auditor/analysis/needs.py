"""Per key: what its logged calls need, what it lacks, and its minimal scope set.

Each call needs ANY ONE scope of its route's list (Appwrite's array_intersect).
The lists come from the catalog, never from the path: a route is legacy-only
when its list lacks the current name, whatever its URL looks like.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.analysis.evidence import AUDIT_EVENT, EvidenceRoute
from auditor.analysis.minimal import minimal_cover
from auditor.analysis.usage import GRAPHQL_TEMPLATES, KeyUsage, RouteUsage, Usage, merged
from auditor.catalog.catalog import Catalog, Route
from auditor.model import KeyDefinition


@dataclass
class Need:
    usage: RouteUsage
    any_of: frozenset[str]  # key scopes that pass the route; empty: no key scope can
    implicit: bool  # passed by a scope every key holds (health.read, graphql, global)
    # False: an audit event whose routes need different scopes (analysis/evidence.py); it justifies any
    # of them against unused-scope but is kept out of the minimal set.
    confident: bool = True


@dataclass
class Missing:
    usage: RouteUsage
    add: str | None  # the scope to add, current name; None when no key scope passes
    denied: int  # calls Appwrite answered with general_unauthorized_scope


@dataclass
class KeyAnalysis:
    key: KeyDefinition
    usage: KeyUsage | None  # None when no logs were given
    valid: list[str] = field(default_factory=list)  # granted scopes this version knows
    needs: list[Need] = field(default_factory=list)
    minimal: list[str] = field(default_factory=list)  # fewest scopes for the calls, current names first
    kept: list[str] = field(default_factory=list)  # fewest scopes for the calls, scopes the key holds first
    missing: list[Missing] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return self.usage.calls if self.usage else 0

    @property
    def graphql_calls(self) -> int:
        return self.usage.graphql_calls if self.usage else 0

    @property
    def needed_sets(self) -> list[frozenset[str]]:
        seen = []
        for need in self.needs:
            if need.confident and not need.implicit and need.any_of and need.any_of not in seen:
                seen.append(need.any_of)
        return seen

    @property
    def reads_unseen(self) -> bool:
        """Every call is known from audit logs, which record mutations only: read scopes cannot be judged."""
        slots = self.usage.routes.values() if self.usage else []
        return bool(slots) and all(isinstance(s.route, EvidenceRoute) and s.route.source == AUDIT_EVENT
                                   for s in slots)

    def judgeable(self, scope: str) -> bool:
        """Whether the logs could show a need for `scope` (reads are invisible in audit logs)."""
        return not (self.reads_unseen and scope.endswith(".read"))

    def needed_by_any_call(self, scope: str) -> bool:
        return any(scope in need.any_of for need in self.needs)

    def legacy_only_routes(self, old: str, new: str) -> list[Route]:
        """Routes the key called that accept `old` but not its replacement `new`: a rename would break them."""
        return [need.usage.route for need in self.needs if old in need.any_of and new not in need.usage.route.scopes]


def preferred_scope(any_of, catalog: Catalog) -> str | None:
    """The name to recommend among scopes that pass a route: current names first."""
    ranked = sorted(any_of, key=lambda s: (s in catalog.renamed, s))
    return ranked[0] if ranked else None


def analyse_key(key: KeyDefinition, usage: Usage | None, catalog: Catalog) -> KeyAnalysis:
    analysis = KeyAnalysis(key, None, valid=[s for s in key.scopes if s in catalog.key_scopes])
    if usage is None:
        return analysis
    analysis.usage = merged(usage.for_key(key.id, key.project), key.id)
    holds = set(analysis.valid) | set(catalog.implicit)
    for slot in analysis.usage.routes.values():
        route_scopes = set(slot.route.scopes)
        implicit = bool(route_scopes & set(catalog.implicit)) or slot.route.template in GRAPHQL_TEMPLATES
        any_of = frozenset(route_scopes & catalog.key_scopes)
        confident = not isinstance(slot.route, EvidenceRoute) or slot.route.confident
        analysis.needs.append(Need(slot, any_of, implicit, confident))
        if implicit:
            continue
        if slot.denied or not (route_scopes & holds):
            add = preferred_scope(any_of, catalog)
            analysis.missing.append(Missing(slot, add, slot.denied))

    def current_first(scope: str) -> tuple:
        return (scope in catalog.renamed, scope not in holds)

    def held_first(scope: str) -> tuple:
        return (scope not in holds, scope in catalog.renamed)

    analysis.minimal = minimal_cover(analysis.needed_sets, current_first)
    analysis.kept = minimal_cover(analysis.needed_sets, held_first)
    return analysis
