"""The generated catalog of one Appwrite version: routes, their scopes, key scopes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from auditor.catalog.matcher import Router
from auditor.catalog.versions import resolve

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    scopes: tuple[str, ...]  # a key passes when it holds ANY one of them
    key_access: bool | None  # None: the route has no SDK label saying who may call it
    deprecated: bool
    replaced_by: str | None

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "route": self.template,
            "scopes": list(self.scopes),
            "keyAccess": self.key_access,
            "deprecated": self.deprecated,
            "replacedBy": self.replaced_by,
        }


class Catalog:
    """Routes and scope registry of one supported Appwrite version."""

    def __init__(self, data: dict):
        self.version: str = data["version"]
        self.release: str = data["release"]
        self.edition: str = data.get("edition", "self-hosted")
        self.note: str | None = data.get("note")
        # False: the route data is a server spec's alone; "gates no route" cannot be said of a key scope
        self.routes_complete: bool = data.get("routesComplete", True)
        self.sources: list[dict] = data["sources"]
        registry = data["scopes"]
        self.key_scopes: frozenset[str] = frozenset(registry["key"])
        self.renamed: dict[str, str] = registry["renamed"]
        # old names this version's routes keep as current ones (swapping them would drop access), with why
        self.still_valid: dict[str, str] = registry.get("stillValid", {})
        # 1.x names some routes stopped accepting: [{old, new, routes, example}]
        self.moved_on_routes: list[dict] = registry.get("movedOnRoutes", [])
        # scopes only Appwrite Cloud has (listed in self-hosted catalogs, where no key can hold them)
        self.cloud_only: frozenset[str] = frozenset(registry.get("cloudOnly", ()))
        self.implicit: tuple[str, ...] = tuple(registry["implicit"])
        self.routes: list[Route] = [
            Route(method, template, tuple(scopes), key, deprecated, replaced)
            for method, template, scopes, key, deprecated, replaced in data["routes"]
        ]
        self._legacy_only: dict[tuple[str, str], tuple[Route, ...]] = {}
        self._param_order: list[str] = data["paramOrder"]

    @property
    def label(self) -> str:
        return f"{self.version} (routes of {self.release})"

    def match(self, method: str, path: str) -> Route | None:
        return self._router.match(method, path)

    @cached_property
    def _router(self) -> Router[Route]:
        """Built at the first match: a catalog read only for its scopes needs none (did-you-mean reads every
        version's, and building all twelve routers took lint on the samples some 60 ms)."""
        router: Router[Route] = Router(self._param_order)
        for route in self.routes:
            router.add(route.method, route.template, route)
        return router

    @cached_property
    def gating_scopes(self) -> frozenset[str]:
        """Key scopes that at least one route of this version checks."""
        return frozenset(s for route in self.routes for s in route.scopes) & self.key_scopes

    @cached_property
    def scope_sets(self) -> frozenset[frozenset[str]]:
        """The key scopes of each route, as Appwrite names them in a missing-scope error."""
        return frozenset(frozenset(route.scopes) & self.key_scopes for route in self.routes) - {frozenset()}

    def current_name(self, scope: str) -> str:
        return self.renamed.get(scope, scope)

    def routes_gated_by(self, scope: str) -> list[Route]:
        return [route for route in self.routes if scope in route.scopes]

    def legacy_only_routes(self, old: str, new: str) -> tuple[Route, ...]:
        """Routes of this version that accept `old` but not its replacement `new`: a rename would break them.

        Asked per key and deprecated name by the planner and two rules: worked out once per pair.
        """
        pair = (old, new)
        if pair not in self._legacy_only:
            self._legacy_only[pair] = tuple(route for route in self.routes_gated_by(old) if new not in route.scopes)
        return self._legacy_only[pair]


@cache
def load(version: str | None = None) -> Catalog:
    name = resolve(version)
    return Catalog(json.loads((DATA_DIR / f"appwrite-{name}.json").read_text()))
