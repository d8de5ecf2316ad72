"""unused-scope: a granted scope that no logged call of the key needed.

Fails: `users.read` on a key whose calls all go to row routes. Passes: a scope
listed by a route the key called (even when another listed scope was preferred).
The message states the logs' window against the key's age. Skipped for keys
with no calls (never-used) and keys that use GraphQL (their needs depend on
query bodies the logs do not show), and for scopes other rules own: unknown,
implicit and ineffective ones. Read scopes of a key known only from audit
logs are not judged: audit logs record mutations only.
"""

from auditor.times import iso
from auditor.checks.context import DAY, label, timestamp
from auditor.model import Problem

RULE_ID = "unused-scope"


def window_against_age(ctx, analysis) -> str:
    span = ctx.usage.span()  # a scheduled job's rolling window, else the first and last logged call
    if span is None:
        return "the logs carry no timestamps, so the window they cover is unknown"
    start, end = span
    span = f"the logs cover {iso(start)[:10]} to {iso(end)[:10]} ({(end - start) / DAY:.0f} days)"
    created = timestamp(analysis.key.created_at)
    if created is None:
        return f"{span} and the key's age is unknown"
    if created > start:
        return f"{span}, all {(end - created) / DAY:.0f} days of the key's life (created {iso(created)[:10]})"
    age = (ctx.now_ts - created) / DAY
    return f"{span} of the key's {age:.0f} days, so needs older than that may not show"


def check(ctx):
    if ctx.usage is None:
        return
    catalog = ctx.catalog
    for analysis in ctx.analyses:
        key = analysis.key
        if analysis.calls == 0 or analysis.graphql_calls:
            continue
        window = window_against_age(ctx, analysis)
        for scope in dict.fromkeys(analysis.valid):
            if scope in catalog.implicit or scope not in catalog.gating_scopes:
                continue
            if analysis.needed_by_any_call(scope) or not analysis.judgeable(scope):
                continue
            yield Problem(key, scope, {"key": label(key), "scope": scope, "calls": analysis.calls,
                                       "window": window}, key.scope_location(scope))
