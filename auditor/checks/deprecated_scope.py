"""deprecated-scope: an old scope name with its replacement, and what a rename breaks.

Fails (1.9): `documents.read` (use rows.read); if the key calls a legacy-only
route such as `GET /v1/databases/{databaseId}/collections/{collectionId}/documents`
(which lists documents.read but not rows.read), the finding names those calls:
they must move to routes that accept rows.read before the old name can go.
`attributes.read` on 1.8: gates no route, drop it. Without logs of at least
four weeks that show the key's calls, the advice is to add the new name beside the
old one where this version still has routes that accept only the old name.
On 2.x the advice also names routes that stopped taking the old name
(DocumentsDB's document routes take only documentsdb.documents.read).
Passes: `rows.read`; `documents.read` beside `rows.read` (deprecated-twin, low,
says when to drop it); a deprecated name no call needs (unused-scope says drop it);
`policies.read` on Cloud, whose backup-policy routes take it beside
backups.policies.read (no rename can keep that access, so it is not deprecated there).

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [documents.read]}
    fails: {scopes: [attributes.read], version: "1.8"}
    passes: {scopes: [rows.read]}
    passes: {scopes: [documents.read, rows.read]}
"""

from auditor.checks.context import label
from auditor.fix.plan import logs_decide
from auditor.model import Problem

RULE_ID = "deprecated-scope"


def deprecated_names(ctx):
    """(analysis, old name, new name) of every deprecated name on a key that unused-scope does not judge."""
    for analysis in ctx.analyses:
        for scope in dict.fromkeys(analysis.key.scopes):
            new = ctx.catalog.renamed.get(scope)
            if new is not None and not analysis.unused(scope, ctx.catalog):
                yield analysis, scope, new


def check(ctx):
    catalog = ctx.catalog
    for analysis, scope, new in deprecated_names(ctx):
        key = analysis.key
        if new in key.scopes:
            continue  # deprecated-twin gives the pair its one verdict
        who = label(key)
        called = analysis.legacy_only_routes(scope, new)
        if catalog.routes_complete and scope not in catalog.gating_scopes and new not in catalog.gating_scopes:
            advice = f"its replacement {new} exists, but neither gates any route of Appwrite {catalog.version}"
            fix = f"Remove {scope} from {who}"
        elif called:
            advice = (
                f"use {new}, but {who} calls legacy-only routes that accept only {scope} "
                f"({shown(called)}): a blind rename would break them"
            )
            fix = f"Move those calls to the routes that accept {new}, then replace {scope} with {new} on {who}"
        else:
            advice, fix = _without_legacy_calls(ctx, analysis, scope, new, who)
        if ctx.plan_of(analysis).verdict(scope) == ("replace", new):
            fix = f"Replace {scope} with {new} on {who}"
        yield Problem(
            key,
            scope,
            {
                "key": who,
                "scope": scope,
                "version": catalog.version,
                "advice": advice + _moved(catalog, scope),
                "fix": fix,
            },
            key.scope_location(scope),
        )


def shown(routes) -> str:
    text = ", ".join(f"{r.method} {r.template}" for r in routes[:3])
    return text + (f" and {len(routes) - 3} more" if len(routes) > 3 else "")


def _moved(catalog, scope: str) -> str:
    """Routes that took `scope` in 1.9 and now take only another name (2.0's DocumentsDB and VectorsDB)."""
    moves = [move for move in catalog.moved_on_routes if move["old"] == scope]
    if not moves:
        return ""
    listed = "; ".join(f"{move['new']} on {move['routes']} routes such as {move['example']}" for move in moves[:2])
    return f" (since 2.0 some routes take another name instead: {listed})"


def _without_legacy_calls(ctx, analysis, scope: str, new: str, who: str) -> tuple[str, str]:
    """Replace the old name when four weeks of logs show every call; else add the new name beside it.

    Otherwise nothing says the key never calls a route that accepts only the old
    name, and this version may have such routes.
    """
    decided = logs_decide(analysis, ctx.usage)
    legacy = ctx.catalog.legacy_only_routes(scope, new)
    if decided or not legacy:
        return f"use {new}", f"Replace {scope} with {new} on {who}"
    unseen = "no logs of four weeks or more say"
    advice = (
        f"use {new}; but {len(legacy)} routes of Appwrite {ctx.catalog.version} accept only {scope} "
        f"(e.g. {legacy[0].method} {legacy[0].template}), and {unseen} whether {who} calls them"
    )
    fix = f"Add {new} to {who}; remove {scope} once its callers use only routes that accept {new}"
    return advice, fix
