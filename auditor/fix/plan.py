"""What `keyaudit fix` changes in one key's scope list, and why.

Deprecated names: `add` mode adds the replacement beside the old name, which
never breaks a caller; `replace` mode swaps them, except where the logs show
the key calling a legacy-only route (one whose scope list lacks the new name),
where the old name stays. Where the logs show that the new name would open
none of the key's calls, it is not added (audit would call it unused).
Unknown names become the one scope they were meant to be when that is
unambiguous (`row.read` → rows.read; `collection.read` → tables.read, whose old
name collections.read means the same thing); names every key holds anyway
(`global`, `health.read`, `graphql`) are removed, as implicit-scope reports
them; names of another version's scopes are left alone. With `drop_unused`,
scopes no logged call needed are removed, as unused-scope reports them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from auditor.analysis.needs import KeyAnalysis
from auditor.catalog.catalog import Catalog
from auditor.model import KeyDefinition
from auditor.risk import taxonomy
from auditor.scopes import suggestions

MODES = ("add", "replace")
MIN_SIMILARITY = 0.85  # difflib ratio between an unknown name and the scope it is taken for


@dataclass(frozen=True)
class Edit:
    index: int  # position in the key's original scope list
    action: str  # replace | add_after | remove
    value: str | None = None  # the name written (replace, add_after)


@dataclass
class KeyPlan:
    key: KeyDefinition
    edits: list[Edit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def result(self) -> list[str]:
        """The scope list after the edits."""
        by_index = {edit.index: edit for edit in self.edits}
        out = []
        for index, scope in enumerate(self.key.scopes):
            edit = by_index.get(index)
            if edit is None or edit.action == "add_after":
                out.append(scope)
            elif edit.action == "replace":
                out.append(edit.value)
            if edit is not None and edit.action == "add_after":
                out.append(edit.value)
        return out


def intended_scope(name: str, catalog: Catalog) -> str | None:
    """The current name an unknown scope stands for, when only one is likely.

    Only close spellings count (`row.read`, `rows.raed`); a looser "did you mean"
    (`policies.read` → topics.read) would grant something else entirely.
    """
    meant = dict.fromkeys(catalog.current_name(option) for option in suggestions(name, catalog)
                          if difflib.SequenceMatcher(None, name, option).ratio() >= MIN_SIMILARITY)
    return next(iter(meant)) if len(meant) == 1 else None


def unused_scopes(analysis: KeyAnalysis, catalog: Catalog) -> set[str]:
    """Granted scopes no logged call needed, as unused-scope reports them (none for unused or GraphQL keys)."""
    if analysis.calls == 0 or analysis.graphql_calls:
        return set()
    return {scope for scope in analysis.valid
            if scope not in catalog.implicit and scope in catalog.gating_scopes
            and not analysis.needed_by_any_call(scope)}


def plan_key(analysis: KeyAnalysis, catalog: Catalog, mode: str, logs_given: bool, drop_unused: bool) -> KeyPlan:
    key = analysis.key
    plan = KeyPlan(key)
    unused = unused_scopes(analysis, catalog) if drop_unused else set()
    if drop_unused and analysis.calls == 0:
        plan.notes.append("--drop-unused kept every scope: the logs hold no call of this key")
    elif drop_unused and analysis.graphql_calls:
        plan.notes.append("--drop-unused kept every scope: the key uses GraphQL, whose needs the logs do not show")
    holds = set(key.scopes)
    seen: set[str] = set()
    for index, scope in enumerate(key.scopes):
        if scope in seen:
            continue
        seen.add(scope)
        if scope in unused:
            plan.edits.append(Edit(index, "remove"))
            plan.notes.append(f"removed {scope}: none of the key's {analysis.calls} logged calls needed it")
        elif scope in catalog.implicit:  # `health.read` is also a grantable name; implicit-scope reports it
            plan.edits.append(Edit(index, "remove"))
            plan.notes.append(f"removed {scope}: every key holds it implicitly")
        elif scope not in catalog.key_scopes:
            _unknown(plan, index, scope, catalog, holds)
        elif scope in catalog.renamed:
            _deprecated(plan, index, scope, catalog, holds, mode, analysis if logs_given else None)
    return plan


def _useless_addition(old: str, new: str, analysis: KeyAnalysis | None) -> bool:
    """Whether the logs show that `new` would open none of the key's calls (unused-scope would then report it).

    Only logs that show the key's needs decide: none given, no call of the key, GraphQL calls or audit logs
    alone (no reads) leave the addition in.
    """
    if analysis is None or not analysis.calls or analysis.graphql_calls or not analysis.judgeable(new):
        return False
    return not any(old in need.any_of and new in need.usage.route.scopes for need in analysis.needs)


def _unknown(plan: KeyPlan, index: int, scope: str, catalog: Catalog, holds: set[str]) -> None:
    if scope in taxonomy():
        plan.notes.append(f"left {scope}: a scope of another Appwrite version, not of {catalog.version}; "
                          "check --appwrite-version, or remove it by hand")
        return
    meant = intended_scope(scope, catalog)
    if meant is None:
        options = suggestions(scope, catalog)
        why = f"it could be {' or '.join(options)}" if options else "nothing close to it exists"
        plan.notes.append(f"left {scope}: not a scope of Appwrite {catalog.version} and {why}; fix it by hand")
    elif meant in holds:
        plan.edits.append(Edit(index, "remove"))
        plan.notes.append(f"removed {scope}: not a scope of Appwrite {catalog.version}; the key already holds {meant}")
    else:
        holds.add(meant)
        plan.edits.append(Edit(index, "replace", meant))
        plan.notes.append(f"replaced {scope} with {meant}: {scope} is not a scope of Appwrite {catalog.version}")


def _deprecated(plan: KeyPlan, index: int, scope: str, catalog: Catalog, holds: set[str], mode: str,
                analysis: KeyAnalysis | None) -> None:
    new = catalog.renamed[scope]
    legacy = analysis.legacy_only_routes(scope, new) if analysis else []
    if mode == "replace" and not legacy:
        if new in holds:
            plan.edits.append(Edit(index, "remove"))
            plan.notes.append(f"removed {scope}: deprecated, and the key already holds {new}")
        else:
            holds.add(new)
            plan.edits.append(Edit(index, "replace", new))
            plan.notes.append(f"replaced {scope} with {new}" + ("" if analysis else
                              " (no --logs: calls to routes that accept only the old name cannot be seen)"))
        return
    if new not in holds:
        if _useless_addition(scope, new, analysis):
            why = "they reach it only through legacy-only routes" if legacy else f"none of them needs {scope}"
            plan.notes.append(f"did not add {new} beside {scope}: the key's logged calls would not use it ({why}); "
                              f"add it when those calls move to routes that accept {new}")
        else:
            holds.add(new)
            plan.edits.append(Edit(index, "add_after", new))
            plan.notes.append(f"added {new} beside the deprecated {scope}")
    if legacy:
        shown = ", ".join(f"{route.method} {route.template}" for route in legacy[:3])
        more = f" and {len(legacy) - 3} more" if len(legacy) > 3 else ""
        plan.notes.append(f"kept {scope}: the key calls legacy-only routes that accept only it ({shown}{more}); "
                          f"remove it after moving those calls to routes that accept {new}")
