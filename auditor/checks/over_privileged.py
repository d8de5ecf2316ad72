"""over-privileged: the key holds scopes that none of its calls needs.

Fails: a key with `[rows.read, rows.write, users.write]` whose logged calls only
list rows (`GET /v1/tablesdb/{databaseId}/tables/{tableId}/rows`): drop
rows.write, users.write. Passes: the same key with `[rows.read]`, and a key with
`[documents.read]` making the same calls (a rename is deprecated-scope's business,
not surplus). What to drop is judged against the fewest scopes that cover the
calls choosing among the scopes the key holds first, so a scope in use is never
called surplus. Skipped for keys with no calls (never-used says it) and keys that
use GraphQL, whose needs depend on query bodies the logs do not show; read scopes
of keys known only from audit logs (which record mutations only) are not judged.
Calls Appwrite refused need nothing. Under four weeks of logs the finding is `info`
(auditor/fix/plan.py MIN_LOG_DAYS): too short to drop a scope on.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [rows.read, rows.write, users.write], calls: ["GET /v1/tablesdb/shop/tables/p/rows"]}
    passes: {scopes: [rows.read], calls: ["GET /v1/tablesdb/shop/tables/p/rows"]}
    passes: {scopes: [documents.read], calls: ["GET /v1/tablesdb/shop/tables/p/rows"]}
"""

from auditor.checks.context import label
from auditor.checks.unused_scope import too_short
from auditor.model import Problem

RULE_ID = "over-privileged"
FULL_ACCESS = "keys.write"


def check(ctx):
    if ctx.usage is None:
        return
    short = too_short(ctx)
    renamed = ctx.catalog.renamed
    for analysis in ctx.analyses:
        key = analysis.key
        if not analysis.shows_needs:
            continue
        granted = [s for s in dict.fromkeys(analysis.valid) if s not in ctx.catalog.implicit]
        kept = [s for s in granted if s in analysis.kept or renamed.get(s) in analysis.kept]  # a rename is no surplus
        drop = [s for s in granted if s not in kept and analysis.judgeable(s)]
        if not drop:
            continue
        note = ""
        if FULL_ACCESS in drop:
            note = f"; {FULL_ACCESS} can mint a key with any scope, so {label(key)} has full access"
        yield Problem(
            key,
            None,
            {
                "key": label(key),
                "granted_count": len(dict.fromkeys(key.scopes)),
                "calls": analysis.calls,
                "kept_count": len(kept),
                "kept": ", ".join(kept) or "none",
                "minimal": ", ".join(analysis.minimal) or "no scope",
                "drop": ", ".join(drop),
                "note": note + short,
            },
            key.location,
            severity="info" if short else None,
        )
