"""Scope names: "did you mean" for unknown names, current names for renamed ones."""

from __future__ import annotations

import difflib

from auditor.catalog.catalog import Catalog


def suggestions(name: str, catalog: Catalog) -> list[str]:
    """Likely intended key scopes for an unknown `name`, current names first.

    `row.read` → rows.read; `collection.read` → tables.read (and the old
    collections.read, which 1.8+ still accepts); otherwise the closest spellings.
    None for a Cloud-only name in a self-hosted catalog: it is no typo (`restorations.read` is not `reports.read`).
    """
    if name in catalog.cloud_only:
        return []
    found: list[str] = []
    resource, _, action = name.lower().partition(".")
    candidates = [f"{resource}s.{action}", f"{resource.rstrip('s')}.{action}", f"{resource}.{action}"]
    for candidate in candidates:
        if candidate in catalog.key_scopes and candidate != name:
            current = catalog.current_name(candidate)
            for scope in (current, candidate):
                if scope not in found:
                    found.append(scope)
    if found:
        return found
    for close in difflib.get_close_matches(name.lower(), sorted(catalog.key_scopes), n=3, cutoff=0.75):
        current = catalog.current_name(close)
        for scope in (current, close):
            if scope not in found and scope != name:
                found.append(scope)
    return found[:3]


def did_you_mean(name: str, catalog: Catalog) -> str:
    options = suggestions(name, catalog)
    if not options:
        return ""
    first, rest = options[0], options[1:]
    old = [s for s in rest if catalog.renamed.get(s) == first]
    text = f"did you mean {first}"
    if old:
        text += f" (or the old {old[0]})"
    others = [s for s in rest if s not in old]
    if others:
        text += " or " + " or ".join(others)
    return text + "?"
