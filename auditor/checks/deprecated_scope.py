"""deprecated-scope: an old scope name with its replacement, and what a rename breaks.

Fails (1.9): `documents.read` (use rows.read); if the key calls a legacy-only
route such as `GET /v1/databases/{databaseId}/collections/{collectionId}/documents`
(which lists documents.read but not rows.read), the finding says the rename
would break those calls. `attributes.read` on 1.8: gates no route, drop it.
Passes: `rows.read`.
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
                    advice = f"use {new}"
                    fix = f"Replace {scope} with {new} on {who}"
            yield Problem(key, scope, {"key": who, "scope": scope, "version": catalog.version,
                                       "advice": advice, "fix": fix}, key.scope_location(scope))
