"""deprecated-scope: an old scope name with its replacement, and what a rename breaks.

Fails (1.9): `documents.read` (use rows.read); if the key calls a legacy-only
route such as `GET /v1/databases/{databaseId}/collections/{collectionId}/documents`
(which lists documents.read but not rows.read), the finding says the rename
would break those calls. `attributes.read` on 1.8: gates no route, drop it.
Without logs that show the key's calls, the advice is to add the new name
beside the old one where this version still has routes that accept only the
old name. On 2.x the advice also names routes that stopped taking the old name
(DocumentsDB's document routes take only documentsdb.documents.read). Passes:
`rows.read`; `policies.read` on Cloud, whose backup-policy routes take it beside
backups.policies.read (no rename can keep that access, so it is not deprecated there).
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "deprecated-scope"


def check(ctx):
    catalog = ctx.catalog
    for analysis in ctx.analyses:
        key = analysis.key
        for scope in dict.fromkeys(key.scopes):
            new = catalog.renamed.get(scope)
            if new is None:
                continue
            who = label(key)
            if scope not in catalog.gating_scopes and new not in catalog.gating_scopes:
                advice = f"its replacement {new} exists, but neither gates any route of Appwrite {catalog.version}"
                fix = f"Remove {scope} from {who}"
            else:
                legacy = analysis.legacy_only_routes(scope, new)
                if legacy:
                    shown = ", ".join(f"{r.method} {r.template}" for r in legacy[:3])
                    more = f" and {len(legacy) - 3} more" if len(legacy) > 3 else ""
                    advice = (f"use {new}, but {who} calls legacy-only routes that accept only {scope} "
                              f"({shown}{more}): a blind rename would break them")
                    fix = (f"Add {new} to {who} now; remove {scope} only after moving those calls to "
                           f"the routes that accept {new}")
                else:
                    advice, fix = _without_legacy_calls(ctx, analysis, scope, new, who)
            yield Problem(key, scope, {"key": who, "scope": scope, "version": catalog.version,
                                       "advice": advice + _moved(catalog, scope), "fix": fix}, key.scope_location(scope))


def _moved(catalog, scope: str) -> str:
    """Routes that took `scope` in 1.9 and now take only another name (2.0's DocumentsDB and VectorsDB)."""
    moves = [move for move in catalog.moved_on_routes if move["old"] == scope]
    if not moves:
        return ""
    shown = "; ".join(f"{move['new']} on {move['routes']} routes such as {move['example']}" for move in moves[:2])
    return f" (since 2.0 some routes take another name instead: {shown})"


def _without_legacy_calls(ctx, analysis, scope: str, new: str, who: str) -> tuple[str, str]:
    """Replace the old name when the logs show every call; else add the new name beside it.

    Without logs (or with no calls, or GraphQL calls) nothing says the key never
    calls a route that accepts only the old name, and this version may have such routes.
    """
    usage_known = ctx.usage is not None and analysis.calls > 0 and not analysis.graphql_calls
    legacy = [r for r in ctx.catalog.routes_gated_by(scope) if new not in r.scopes]
    if usage_known or not legacy:
        return f"use {new}", f"Replace {scope} with {new} on {who}"
    unseen = "no logs say" if ctx.usage is None else "the logs show no call that says"
    example = f"{legacy[0].method} {legacy[0].template}"
    advice = (f"use {new}; but {len(legacy)} routes of Appwrite {ctx.catalog.version} accept only {scope} "
              f"(e.g. {example}), and {unseen} whether {who} calls them")
    fix = f"Add {new} to {who}; remove {scope} once its callers use only routes that accept {new}"
    return advice, fix
