"""The one planner: every change keyaudit proposes to a key's scope list, and the rule behind it.

The reports' ready fixes (and SARIF `fixes`, the `update-key` commands),
`keyaudit fix` in each mode, `explain` and lint's next steps all render a
`KeyPlan`; nothing else decides a change. Per distinct scope the key holds:

1. Names every key holds anyway (`global`, `graphql`, `health.read`) are removed.
2. An unknown name becomes the one scope it was meant to be when only one close
   spelling fits (`row.read` → rows.read); a looser "did you mean"
   (`policies.read` → topics.read) would grant something else, so such a name,
   which grants nothing, is removed with the options named. A scope of another
   Appwrite version is left for the user (check --appwrite-version).
3. A valid scope that gates no route of the version is removed, and so is a
   renamed one when neither name gates a route.
4. Deprecated names. `add` mode puts the current name beside the old one;
   `replace` swaps them. Neither ever drops a name a caller may still need: an
   old name stays while the key calls (or, without logs that show its calls,
   the version has) legacy-only routes, which accept only the old name.
5. With `drop_unused`, and logs that show the key's needs over at least
   MIN_LOG_DAYS (four weeks): the key keeps the fewest scopes that meet every call Appwrite
   let through (held names first; current names wherever the route takes one),
   and every other judgeable scope is removed.
6. A name listed more than once keeps its first entry; the repeats are removed
   (or follow the first out when it goes).

Additions: a need nothing held meets is added, in its current name, only on
proof (a call that succeeded, so the definition lags the real key) or as the
current name of a held deprecated one. Calls Appwrite refused are requests,
not needs: they add nothing unless `grant_refused` says so.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from auditor.analysis.minimal import minimal_cover
from auditor.analysis.needs import KeyAnalysis, Need
from auditor.analysis.usage import Usage
from auditor.catalog.catalog import Catalog
from auditor.catalog.risk import scope_risk, taxonomy
from auditor.catalog.scopes import suggestions
from auditor.model import KeyDefinition
from auditor.rules.registry import severity_rank
from auditor.times import DAY

MODES = ("add", "replace")
MIN_SIMILARITY = 0.85  # difflib ratio between an unknown name and the scope it is taken for
# Four full weeks: the shortest span of logs to drop a scope on. Every daily and weekly job shows in it; a job
# that runs once a month may not, which is why unused-scope states the window against the key's age.
MIN_LOG_DAYS = 28
DUPLICATE = "duplicate-scope"  # the rule of a repeat's removal: the scope itself stays
KEEP = None  # in Edit.values: the element as the file writes it
INTO_EMPTY = -1  # Edit.index of what goes into an empty list


@dataclass(frozen=True)
class PlanOptions:
    mode: str = "add"  # add | replace: what happens to deprecated names
    drop_unused: bool = False  # remove what the logs show no need for (when they span MIN_LOG_DAYS)
    grant_refused: bool = False  # add scopes that only refused calls asked for


@dataclass(frozen=True)
class Edit:
    """The element at `index` of the key's original scope list becomes `values` (KEEP: itself); () removes it.

    INTO_EMPTY: the list is empty and `values` go into it.
    """

    index: int
    values: tuple[str | None, ...]


@dataclass(frozen=True)
class Change:
    action: str  # add | remove
    scope: str
    rule: str  # the rule whose finding the change answers
    about: str | None = None  # the scope that finding names, when not `scope` (a rename's old name)

    @property
    def finding_scope(self) -> str:
        return self.about or self.scope


@dataclass
class KeyPlan:
    key: KeyDefinition
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    grants: list[Need] = field(default_factory=list)  # the needs behind additions that are new privileges
    _values: dict[int, list[str | None]] = field(default_factory=dict)

    @property
    def edits(self) -> list[Edit]:
        return [Edit(index, tuple(values)) for index, values in sorted(self._values.items()) if values != [KEEP]]

    def result(self) -> list[str]:
        """The scope list after the edits."""
        out = list(self._values.get(INTO_EMPTY, []))
        for index, scope in enumerate(self.key.scopes):
            out.extend(scope if value is KEEP else value for value in self._values.get(index, [KEEP]))
        return out

    def holds(self) -> set[str]:
        return set(self.result())

    def verdict(self, scope: str) -> tuple[str, str | None] | None:
        """What the plan does to a scope the key holds: ("replace", new), ("remove", None), ("beside", new)
        (the new name added next to it) or None (left as it is); a repeat's removal leaves the scope held.
        Findings word their fix from it."""
        removed = any(c.action == "remove" and c.scope == scope and c.rule != DUPLICATE for c in self.changes)
        added = next((c.scope for c in self.changes if c.action == "add" and c.about == scope), None)
        if removed:
            return ("replace", added) if added else ("remove", None)
        return ("beside", added) if added else None

    def _slot(self, index: int) -> list[str | None]:
        return self._values.setdefault(index, [KEEP])

    def remove(self, index: int, rule: str, note: str) -> None:
        self._slot(index).remove(KEEP)
        self.changes.append(Change("remove", self.key.scopes[index], rule))
        self.notes.append(note)

    def replace(self, index: int, new: str, rule: str, note: str) -> None:
        """Swap the element for `new`, in its place."""
        values = self._slot(index)
        values[values.index(KEEP)] = new
        old = self.key.scopes[index]
        self.changes += [Change("remove", old, rule), Change("add", new, rule, about=old)]
        self.notes.append(note)

    def drop(self, index: int, value: str | None, rule: str, note: str) -> None:
        """Take `value` (KEEP: the element itself) out of the list; a name the plan added is simply not added."""
        self._slot(index).remove(value)
        if value is KEEP:
            self.changes.append(Change("remove", self.key.scopes[index], rule))
        else:
            self.changes.remove(next(c for c in self.changes if c.action == "add" and c.scope == value))
        self.notes.append(note)

    def add(self, new: str, rule: str, note: str | None, after: int | None = None, about: str | None = None) -> None:
        """Add `new` after the element at `after` (default: at the end of the list); `about`: see Change."""
        if new in self.holds():
            return
        if after is None:
            after = len(self.key.scopes) - 1 if self.key.scopes else INTO_EMPTY
        self._values.setdefault(after, [] if after == INTO_EMPTY else [KEEP]).append(new)
        self.changes.append(Change("add", new, rule, about))
        if note:
            self.notes.append(note)


def logs_justify_removal(usage: Usage | None) -> bool:
    """The one rule of how many days of logs justify removing a scope (reports and `fix` alike)."""
    days = log_days(usage)
    return days is not None and days >= MIN_LOG_DAYS


def logs_decide(analysis: KeyAnalysis, usage: Usage | None) -> bool:
    """Whether the logs settle what the key needs: they show its needs, over enough days to drop a scope on."""
    return analysis.shows_needs and logs_justify_removal(usage)


def log_days(usage: Usage | None) -> float | None:
    span = usage.span() if usage is not None else None
    return None if span is None else (span[1] - span[0]) / DAY


def intended_scope(name: str, catalog: Catalog) -> str | None:
    """The current name an unknown scope stands for, when only one close spelling fits."""
    meant = dict.fromkeys(
        catalog.current_name(option)
        for option in suggestions(name, catalog)
        if difflib.SequenceMatcher(None, name, option).ratio() >= MIN_SIMILARITY
    )
    return next(iter(meant)) if len(meant) == 1 else None


def plan_key(analysis: KeyAnalysis, catalog: Catalog, options: PlanOptions, usage: Usage | None) -> KeyPlan:
    """What to change in the key's scopes; `usage` is the logs the analysis came from (None: no logs)."""
    plan = KeyPlan(analysis.key)
    long_enough = logs_decide(analysis, usage)
    first_index = {}
    for index, scope in enumerate(analysis.key.scopes):
        first_index.setdefault(scope, index)
    for scope, index in first_index.items():
        _definition(plan, index, scope, catalog)
    if options.drop_unused and long_enough:
        _least_privilege(plan, analysis, catalog, options)
    else:
        if options.drop_unused:
            plan.notes.append(_why_nothing_dropped(analysis, usage))
        for scope, index in first_index.items():
            if scope in catalog.renamed and index not in plan._values:
                _deprecated(plan, index, scope, catalog, options, analysis, long_enough)
        _meet(plan, analysis, catalog, options, current_first=True)
    _repeats(plan, first_index)
    return plan


def _repeats(plan: KeyPlan, first_index: dict[str, int]) -> None:
    """A repeated name follows its first one out; while the first stays, the repeats go (duplicate-scope, one
    change per name)."""
    removed = set()
    for index, scope in enumerate(plan.key.scopes):
        if index == first_index[scope] or KEEP not in plan._values.get(index, [KEEP]):
            continue
        if KEEP not in plan._values.get(first_index[scope], [KEEP]) or scope in removed:
            plan._slot(index).remove(KEEP)
        else:
            removed.add(scope)
            plan.remove(index, DUPLICATE, f"removed the repeated {scope}: the list names it before")


def _why_nothing_dropped(analysis: KeyAnalysis, usage: Usage | None) -> str:
    if not analysis.calls:
        return "dropped no unused scope: the logs hold no call of this key"
    if analysis.graphql_calls:
        return "dropped no unused scope: the key uses GraphQL, whose needs the logs do not show"
    if analysis.unlisted_calls:
        return (
            f"dropped no unused scope: {analysis.unlisted_calls} calls succeeded on routes the catalog of this "
            "version does not list, so what they need is unknown"
        )
    if not analysis.shows_needs:
        return "dropped no unused scope: Appwrite refused every logged call of this key, so none shows a need"
    days = log_days(usage)
    if days is None:
        return "dropped no unused scope: the logs carry no timestamps, so the span they cover is unknown"
    return (
        f"dropped no unused scope: the logs cover {days:.0f} days, fewer than the {MIN_LOG_DAYS} it takes to "
        "drop a scope on; audit again with longer logs to drop unused scopes"
    )


def _definition(plan: KeyPlan, index: int, scope: str, catalog: Catalog) -> None:
    """Rules 1 to 3: what the definition alone says is wrong with `scope`."""
    version = catalog.version
    if scope in catalog.implicit:
        rule = "implicit-scope" if scope in catalog.key_scopes else "unknown-scope"
        plan.remove(index, rule, f"removed {scope}: every key holds it implicitly")
    elif scope not in catalog.key_scopes:
        _unknown(plan, index, scope, catalog)
    elif not catalog.routes_complete:
        return  # a server spec's routes alone: that a scope opens none of them says nothing
    elif scope in catalog.renamed:
        new = catalog.renamed[scope]
        if scope not in catalog.gating_scopes and new not in catalog.gating_scopes:
            plan.remove(
                index,
                "deprecated-scope",
                f"removed {scope}: neither it nor its replacement {new} gates a route of Appwrite {version}",
            )
        elif scope not in catalog.gating_scopes and new in plan.holds():
            plan.remove(
                index,
                "deprecated-twin",
                f"removed {scope}: no route of Appwrite {version} takes it any more, and the key holds {new}",
            )
        elif scope not in catalog.gating_scopes:
            plan.replace(
                index,
                new,
                "deprecated-scope",
                f"replaced {scope} with {new}: no route of Appwrite {version} takes {scope} any more",
            )
    elif scope not in catalog.gating_scopes:
        plan.remove(index, "ineffective-scope", f"removed {scope}: it opens no route of Appwrite {version}")


def _unknown(plan: KeyPlan, index: int, scope: str, catalog: Catalog) -> None:
    version = catalog.version
    if scope in catalog.cloud_only:
        plan.notes.append(
            f"left {scope}: a scope of Appwrite Cloud only, which self-hosted {version} lacks; "
            "audit with --appwrite-version cloud if the key lives there, else remove it by hand"
        )
        return
    if scope in taxonomy():
        plan.notes.append(
            f"left {scope}: a scope of another Appwrite version, not of {version}; "
            "check --appwrite-version, or remove it by hand"
        )
        return
    meant = intended_scope(scope, catalog)
    risk = scope_risk(meant) if meant else None
    if risk is not None and severity_rank(risk.severity) >= severity_rank("high"):
        plan.remove(
            index,
            "unknown-scope",
            f"removed {scope}: not a scope of Appwrite {version}, so it grants "
            f"nothing; if it meant {meant} ({risk.category.title}, "
            f"{risk.severity}), add that by hand: keyaudit never grants a "
            "high-risk scope by correcting a spelling",
        )
    elif meant is None:
        options = suggestions(scope, catalog)
        meaning = f"; if it meant {' or '.join(options)}, add that by hand" if options else ""
        plan.remove(
            index, "unknown-scope", f"removed {scope}: not a scope of Appwrite {version}, so it grants nothing{meaning}"
        )
    elif meant in plan.holds():
        plan.remove(
            index, "unknown-scope", f"removed {scope}: not a scope of Appwrite {version}; the key already holds {meant}"
        )
    else:
        plan.replace(
            index,
            meant,
            "unknown-scope",
            f"replaced {scope} with {meant}: {scope} is not a scope of Appwrite {version}",
        )


def _deprecated(
    plan: KeyPlan,
    index: int,
    scope: str,
    catalog: Catalog,
    options: PlanOptions,
    analysis: KeyAnalysis,
    logs_show_calls: bool,
) -> None:
    """Rule 4, when the logs do not decide what the key keeps."""
    new = catalog.renamed[scope]
    holds = plan.holds()
    mode = options.mode
    if logs_show_calls:
        legacy = [
            f"{r.method} {r.template}" for r in analysis.legacy_only_routes(scope, new, refused=options.grant_refused)
        ]
        where = "the key calls legacy-only routes that accept only it"
    else:
        legacy = [f"{r.method} {r.template}" for r in catalog.legacy_only_routes(scope, new)]
        where = (
            f"{len(legacy)} routes of Appwrite {catalog.version} accept only it, and no logs of "
            f"{MIN_LOG_DAYS} days or more show whether the key calls them"
        )
    rule = "deprecated-twin" if new in holds else "deprecated-scope"
    if mode == "replace" and not legacy:
        if new in holds:
            plan.remove(index, rule, f"removed {scope}: deprecated, and the key already holds {new}")
        else:
            plan.replace(index, new, rule, f"replaced {scope} with {new}")
        return
    if new not in holds:
        if _useless_addition(scope, new, analysis, options.grant_refused):
            why = (
                f"they reach {scope} only through legacy-only routes"
                if analysis.needed_by_any_call(scope)
                else f"none of them needs {scope} either"
            )
            plan.notes.append(
                f"did not add {new} beside {scope}: none of the key's logged calls would use it "
                f"({why}); add it when calls need it"
            )
        else:
            plan.add(new, rule, f"added {new} beside the deprecated {scope}", after=index, about=scope)
    if mode == "replace":
        shown = ", ".join(legacy[:3]) + (f" and {len(legacy) - 3} more" if len(legacy) > 3 else "")
        plan.notes.append(f"kept {scope}: {where} ({shown}); remove it once callers use only routes that accept {new}")


def _useless_addition(old: str, new: str, analysis: KeyAnalysis, refused: bool) -> bool:
    """Whether the logs show that `new` would open none of the key's calls (unused-scope would then report it);
    with `refused`, the calls Appwrite refused count too."""
    if not analysis.shows_needs or not analysis.judgeable(new):
        return False
    return not any(
        old in need.any_of and new in need.usage.route.scopes
        for need in analysis.needs
        if need.used or (refused and need.usage.refused)
    )


def _needs_to_meet(analysis: KeyAnalysis, catalog: Catalog, options: PlanOptions) -> list[Need]:
    """Uses that are proven or that a held scope met, and refused requests when `grant_refused` says so."""
    held = set(analysis.valid)
    out = []
    for need in analysis.needs:
        if not need.confident or need.implicit or not need.any_of:
            continue
        if (need.used and (need.proven or need.any_of & held)) or (options.grant_refused and need.usage.refused):
            out.append(need)
    return out


def _least_privilege(plan: KeyPlan, analysis: KeyAnalysis, catalog: Catalog, options: PlanOptions) -> None:
    """Rule 5: keep the fewest scopes that meet every need, held names first, and remove the rest.

    Names the definition fixes brought in (`row.read` → rows.read) are judged like the others.
    """
    holds = plan.holds()
    cover = set(
        minimal_cover(
            [need.preferred(catalog) for need in _needs_to_meet(analysis, catalog, options)],
            lambda s: (s not in holds, s in catalog.renamed),
        )
    )
    for index, scope in enumerate(plan.key.scopes):
        for value in list(plan._values.get(index, [KEEP])):
            name = scope if value is KEEP else value
            if name in cover or not analysis.judgeable(name) or name not in catalog.gating_scopes:
                continue
            new = catalog.renamed.get(name)
            if analysis.unused(name, catalog):
                plan.drop(
                    index,
                    value,
                    "unused-scope",
                    f"removed {name}: none of the key's {analysis.calls} logged "
                    "calls that Appwrite let through needed it",
                )
            elif new in cover and new in holds:
                plan.drop(
                    index,
                    value,
                    "deprecated-twin",
                    f"removed {name}: every logged call that used it also accepts {new}, which the key holds",
                )
            elif new in cover:
                plan.drop(
                    index,
                    value,
                    "deprecated-scope",
                    f"replaced {name} with {new}: every logged call that used it accepts {new}",
                )
                plan.add(new, "deprecated-scope", None, after=index, about=name)
            else:
                plan.drop(
                    index,
                    value,
                    "over-privileged",
                    f"removed {name}: the key's other scopes meet every logged call it could meet",
                )
    _meet(plan, analysis, catalog, options, current_first=False)


def _meet(plan: KeyPlan, analysis: KeyAnalysis, catalog: Catalog, options: PlanOptions, current_first: bool) -> None:
    """Add what the needs to meet still lack, in current names, next to the old name each stands for."""
    holds = plan.holds()
    unmet = [need for need in _needs_to_meet(analysis, catalog, options) if not need.any_of & holds]
    if not unmet:
        return
    additions = minimal_cover(
        [need.preferred(catalog) for need in unmet],
        lambda s: (s in catalog.renamed, s) if current_first else (s in catalog.renamed,),
    )
    old_of = {new: old for old, new in catalog.renamed.items()}
    for scope in additions:
        asking = [need for need in unmet if scope in need.any_of]
        old = old_of.get(scope)
        at = next((i for i, s in enumerate(plan.key.scopes) if s == old), None)
        if at is not None and old in holds:
            plan.add(scope, "deprecated-scope", f"added {scope} beside the deprecated {old}", after=at, about=old)
            continue
        refused = sum(need.usage.refused for need in asking)
        if all(not need.used or not need.proven for need in asking):
            why = f"Appwrite refused {refused} calls that asked for it, and --grant-refused grants them"
        else:
            why = f"{sum(need.usage.succeeded for need in asking)} logged calls that need it succeeded"
        risk = scope_risk(scope)
        if risk is not None and severity_rank(risk.severity) >= severity_rank("high"):
            why += (
                f"; {scope} is {risk.severity} risk ({risk.category.title}): confirm the key's own code made "
                "these calls before applying this"
            )
        plan.add(scope, "missing-scope", f"added {scope}: {why}")
        plan.grants.extend(asking)
        new = catalog.renamed.get(scope)  # a legacy-only route's old name: its current name too, as rule 4 would
        if current_first and new and not _useless_addition(scope, new, analysis, options.grant_refused):
            plan.add(new, "deprecated-scope", f"added {new} beside the deprecated {scope}", about=scope)
