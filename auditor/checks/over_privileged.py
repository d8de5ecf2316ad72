"""over-privileged: the key holds more than the minimal set its calls need.

Fails: a key with `[rows.read, rows.write, users.write]` whose logged calls only
list rows (`GET /v1/tablesdb/{databaseId}/tables/{tableId}/rows`): minimal set
rows.read; drop rows.write, users.write. Passes: the same key with `[rows.read]`.
Skipped for keys with no calls (never-used says it) and keys that use GraphQL,
whose needs depend on query bodies the logs do not show.
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "over-privileged"
FULL_ACCESS = "keys.write"


def check(ctx):
    if ctx.usage is None:
        return
    for analysis in ctx.analyses:
        key = analysis.key
        if analysis.calls == 0 or analysis.graphql_calls:
            continue
        granted = [s for s in dict.fromkeys(analysis.valid) if s not in ctx.catalog.implicit]
        drop = [s for s in granted if s not in analysis.minimal]
        if not drop:
            continue
        note = ""
        if FULL_ACCESS in drop:
            note = f"; {FULL_ACCESS} can mint a key with any scope, so {label(key)} has full access"
        yield Problem(key, None, {
            "key": label(key), "granted_count": len(granted), "calls": analysis.calls,
            "minimal_count": len(analysis.minimal), "minimal": ", ".join(analysis.minimal) or "no scope",
            "drop": ", ".join(drop), "note": note,
        }, key.location)
