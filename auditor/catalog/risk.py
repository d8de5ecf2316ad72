"""The risk taxonomy of key scopes (`rules/taxonomy/scope-risk.yaml`) and each key's risk summary.

A scope's risk is the same in every version; what it opens is not. So the
taxonomy classifies names, and the routes a scope opens are always counted in
the chosen version's catalog: a scope that opens no route there carries no risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from auditor.catalog.catalog import Catalog, Route
from auditor.resources import data_dir, load_data_yaml
from auditor.rules.registry import severity_rank

TAXONOMY_FILE = ("taxonomy", "scope-risk.yaml")


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    severity: str
    description: str


@dataclass(frozen=True)
class ScopeRisk:
    scope: str
    category: Category
    severity: str  # the scope's own, else its category's
    reason: str


@cache
def taxonomy() -> dict[str, ScopeRisk]:
    """Scope name -> its risk. The file is package data, not input: tests/test_taxonomy.py holds it to its
    schema (risk-taxonomy.schema.json), so an audit does not validate it again on every run."""
    path = data_dir("rules").joinpath(*TAXONOMY_FILE)
    data = load_data_yaml(path)
    categories = {
        cid: Category(cid, c["title"], c["severity"], c["description"]) for cid, c in data["categories"].items()
    }
    risks = {}
    for scope, entry in data["scopes"].items():
        if entry["category"] not in categories:
            raise ValueError(f"rules/{'/'.join(TAXONOMY_FILE)}: {scope} names unknown category {entry['category']!r}")
        category = categories[entry["category"]]
        risks[scope] = ScopeRisk(scope, category, entry.get("severity", category.severity), entry["reason"])
    return risks


def scope_risk(scope: str) -> ScopeRisk | None:
    return taxonomy().get(scope)


@lru_cache(maxsize=4096)
def opened_routes(catalog: Catalog, scope: str) -> tuple[Route, ...]:
    """Routes of the catalog's version that `scope` lets a key call (none for names the version lacks)."""
    if scope not in catalog.key_scopes:
        return ()
    return tuple(catalog.routes_gated_by(scope))


def key_risk(scopes: list[str], catalog: Catalog) -> dict:
    """Per category: the key's scopes in it, the highest severity among them, the routes they open."""
    groups: dict[str, dict] = {}
    for scope in dict.fromkeys(scopes):
        risk = scope_risk(scope)
        routes = opened_routes(catalog, scope)
        if risk is None or not routes:
            continue
        group = groups.setdefault(risk.category.id, {"severity": "info", "scopes": [], "routes": set()})
        group["scopes"].append(scope)
        group["routes"].update((r.method, r.template) for r in routes)
        if severity_rank(risk.severity) > severity_rank(group["severity"]):
            group["severity"] = risk.severity
    categories = [
        {"category": cid, "severity": g["severity"], "scopes": g["scopes"], "routes": len(g["routes"])}
        for cid, g in groups.items()
    ]
    categories.sort(key=lambda c: (-severity_rank(c["severity"]), c["category"]))
    return {"level": categories[0]["severity"] if categories else "none", "categories": categories}
