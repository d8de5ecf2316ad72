"""Scope names: "did you mean" for unknown names, by spelling and by meaning; the versions a scope belongs to.

Spelling: `row.read` → rows.read; `rows.raed` → rows.read. Meaning: the words
people write for a resource (`storage.read` → files.read, buckets.read), from
the data table catalog/data/scope-synonyms.json. A key scope of another
Appwrite version is named with the versions it belongs to ("keys.write is a key
scope from Appwrite 1.9 on") rather than matched to a look-alike of this one.
All of it is advice: a planner takes a suggestion as a replacement only when it
is one unambiguous close spelling (auditor/fix/plan.py intended_scope).
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache

from auditor.catalog.catalog import DATA_DIR, Catalog, load
from auditor.catalog.versions import SUPPORTED

SYNONYMS_FILE = DATA_DIR / "scope-synonyms.json"


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """word -> the scope resources it means (`storage` -> files, buckets)."""
    table = json.loads(SYNONYMS_FILE.read_text())["synonyms"]
    return {word: tuple(resources) for word, resources in table.items()}


def versions_with(scope: str) -> list[str]:
    """The supported Appwrite versions whose API keys take `scope`, oldest first."""
    return [version for version in SUPPORTED if scope in load(version).key_scopes]


def _same_scope_elsewhere(name: str, catalog: Catalog) -> list[str]:
    """This version's name for a scope another version renamed (`executions.read` on 1.8 → execution.read)."""
    found = []
    for version in SUPPORTED:
        renamed = load(version).renamed
        for old, new in renamed.items():
            if name in (old, new):
                other = new if name == old else old
                if other in catalog.key_scopes and other not in found:
                    found.append(other)
    return found


def _add(found: list[str], scope: str, name: str, catalog: Catalog) -> None:
    for option in (catalog.current_name(scope), scope):
        if option not in found and option != name:
            found.append(option)


def suggestions(name: str, catalog: Catalog) -> list[str]:
    """Likely intended key scopes of this version for an unknown `name`, best first.

    `row.read` → rows.read; `collection.read` → tables.read (and the old
    collections.read, which 1.8+ still accepts); `storage.read` → files.read,
    buckets.read; a scope another version renamed → this version's name for
    it; a scope of other versions only → none (see other_versions); a
    Cloud-only name in a self-hosted catalog → none: it is no typo
    (`restorations.read` is not `reports.read`); otherwise the closest spellings.
    """
    if name in catalog.cloud_only:
        return []
    if versions_with(name):
        return _same_scope_elsewhere(name, catalog)
    found: list[str] = []
    resource, _, action = name.lower().partition(".")
    spellings = [f"{resource}s.{action}", f"{resource.rstrip('s')}.{action}", f"{resource}.{action}"]
    meanings = [f"{meant}.{action}" for meant in synonyms().get(resource, ())]
    for candidates in (spellings, meanings):  # a meaning only when no spelling is a scope
        for candidate in candidates:
            if candidate in catalog.key_scopes:
                _add(found, candidate, name, catalog)
        if found:
            return found
    for close in difflib.get_close_matches(name.lower(), sorted(catalog.key_scopes), n=3, cutoff=0.75):
        _add(found, close, name, catalog)
    return found[:3]


def other_versions(name: str, catalog: Catalog) -> str:
    """`keys.write is a key scope from Appwrite 1.9 on`, for a scope of other versions than the catalog's; else ""."""
    versions = versions_with(name)
    if not versions or catalog.version in versions:
        return ""
    if versions == ["cloud"]:
        return f"{name} is a key scope of Appwrite Cloud only"
    versions = [v for v in versions if v != "cloud"]  # self-hosted versions, in order; Cloud follows the newest
    self_hosted = [v for v in SUPPORTED if v != "cloud"]
    position = self_hosted.index
    contiguous = [position(v) for v in versions] == list(range(position(versions[0]), position(versions[-1]) + 1))
    if contiguous and versions[-1] == self_hosted[-1]:
        return f"{name} is a key scope from Appwrite {versions[0]} on"
    if contiguous and len(versions) > 1:
        return f"{name} is a key scope of Appwrite {versions[0]} to {versions[-1]} only"
    return f"{name} is a key scope of Appwrite {' and '.join(versions)} only"


def did_you_mean(name: str, catalog: Catalog) -> str:
    options = suggestions(name, catalog)
    elsewhere = other_versions(name, catalog)
    if elsewhere:
        return elsewhere + (f"; Appwrite {catalog.version} names it {' or '.join(options)}" if options else "")
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
