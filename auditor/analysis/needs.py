"""Per key: what its logged calls need, what it lacks, and its minimal scope set.

Each call needs ANY ONE scope of its route's list (Appwrite's array_intersect).
The lists come from the catalog, never from the path: a route is legacy-only
when its list lacks the current name, whatever its URL looks like.

Evidence has a grade. A call Appwrite refused (401) is a *request*: it shows
what someone asked for, not what the key's job needs, so it never counts as a
need (missing-scope reports it). A call that was not refused is a *use*; a
call answered 2xx, or an action Appwrite wrote to its audit log for the key, is
*proof* that the route's scope check passed. Only uses justify keeping a
scope; only proof (or a held scope the route accepts) justifies adding one.
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
    used: bool = True  # some call was not refused
    proven: bool = True  # some call succeeded (2xx) or is an audit-logged action of the key

    def preferred(self, catalog: Catalog) -> frozenset[str]:
        """The scopes to meet this need with: current names where the route takes one, else its old names.

        A route that accepts rows.read or documents.read is met with rows.read, so
        no proposal ever trades a current name for a deprecated one; a legacy-only
        route (documents.read alone) keeps its old name.
        """
        current = frozenset(s for s in self.any_of if s not in catalog.renamed)
        return current or self.any_of


@dataclass
class Missing:
    usage: RouteUsage
    add: str | None  # the scope to add, current name; None when no key scope passes
    denied: int  # calls Appwrite answered with general_unauthorized_scope
    refused: int = 0  # calls Appwrite refused (401), the denied ones included
    proven: bool = False  # some call succeeded: the definition lags what the key really holds


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
    def plannable_needs(self) -> list[Need]:
        """Needs a scope set must meet: confident, not implicit, some key scope passes, some call not refused."""
        return [need for need in self.needs if need.confident and not need.implicit and need.any_of and need.used]

    @property
    def needed_sets(self) -> list[frozenset[str]]:
        """Each used route's key scopes (any one passes it), once each."""
        return list(dict.fromkeys(need.any_of for need in self.plannable_needs))

    @property
    def unlisted_calls(self) -> int:
        """Calls that succeeded on a route this version's catalog lacks: what they need is unknown."""
        return self.usage.unknown_succeeded if self.usage else 0

    @property
    def shows_needs(self) -> bool:
        """Whether the logs show what the key needs: calls Appwrite did not refuse, none through GraphQL, none
        that succeeded on a route the catalog lacks (a 2.x table without console routes, a newer server)."""
        return any(need.used for need in self.needs) and not self.graphql_calls and not self.unlisted_calls

    @property
    def reads_unseen(self) -> bool:
        """Every call is known from audit logs, which record mutations only: read scopes cannot be judged."""
        slots = self.usage.routes.values() if self.usage else []
        return bool(slots) and all(isinstance(s.route, EvidenceRoute) and s.route.source == AUDIT_EVENT for s in slots)

    def judgeable(self, scope: str) -> bool:
        """Whether the logs could show a need for `scope` (reads are invisible in audit logs)."""
        return not (self.reads_unseen and scope.endswith(".read"))

    def needed_by_any_call(self, scope: str) -> bool:
        """Whether a call Appwrite did not refuse could have passed with `scope`."""
        return any(scope in need.any_of for need in self.needs if need.used)

    def unused(self, scope: str, catalog: Catalog) -> bool:
        """The one test of an unused scope (unused-scope reports it, the planner drops it, deprecated-scope defers).

        A gating, judgeable scope that no call Appwrite let through could have used, on a key whose logs show
        its needs.
        """
        return (
            self.shows_needs
            and scope in catalog.gating_scopes
            and scope not in catalog.implicit
            and self.judgeable(scope)
            and not self.needed_by_any_call(scope)
        )

    def legacy_only_routes(self, old: str, new: str, refused: bool = False) -> list[Route]:
        """Routes the key used (or, with `refused`, asked for) that accept `old` but not its replacement `new`:
        a rename would break them."""
        return [
            need.usage.route
            for need in self.needs
            if (need.used or (refused and need.usage.refused))
            and old in need.any_of
            and new not in need.usage.route.scopes
        ]


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
        audit_logged = isinstance(slot.route, EvidenceRoute) and slot.route.source == AUDIT_EVENT
        proven = bool(slot.succeeded) or audit_logged
        analysis.needs.append(Need(slot, any_of, implicit, confident, used=slot.passed > 0, proven=proven))
        if implicit:
            continue
        if not route_scopes & holds:  # a refused call the definition now passes is answered (fix's fixed point)
            add = preferred_scope(any_of, catalog)
            analysis.missing.append(Missing(slot, add, slot.denied, slot.refused, proven))

    def current_first(scope: str) -> tuple:
        return (scope in catalog.renamed, scope not in holds)

    def held_first(scope: str) -> tuple:
        return (scope not in holds, scope in catalog.renamed)

    preferred = [need.preferred(catalog) for need in analysis.plannable_needs]
    analysis.minimal = minimal_cover(preferred, current_first)
    analysis.kept = minimal_cover(preferred, held_first)
    return analysis
