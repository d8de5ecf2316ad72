"""unused-scope: a granted scope that no logged call of the key needed.

Fails: `users.read` on a key whose calls all go to row routes. Passes: a scope
listed by a route the key called (even when another listed scope was preferred).
The message states the logs' window against the key's age. Skipped for keys
with no calls (never-used) and keys that use GraphQL (their needs depend on
query bodies the logs do not show), and for scopes other rules own: unknown,
implicit and ineffective ones. Read scopes of a key known only from audit
logs are not judged: audit logs record mutations only. Calls Appwrite refused
need nothing. Logs spanning less than four weeks (auditor/fix/plan.py
MIN_LOG_DAYS, the one rule reports and `keyaudit fix` share) are too short to
drop a scope on: the finding is then `info`, and no proposal removes the scope.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [rows.read, users.read], calls: ["GET /v1/tablesdb/shop/tables/p/rows"]}
    passes: {scopes: [rows.read], calls: ["GET /v1/tablesdb/shop/tables/p/rows"]}
    passes: {scopes: [rows.read, documents.read], calls: ["GET /v1/tablesdb/shop/tables/p/rows"]}
"""

from auditor.checks.context import DAY, label, timestamp
from auditor.fix.plan import MIN_LOG_DAYS, logs_justify_removal
from auditor.model import Problem
from auditor.times import iso

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


def too_short(ctx) -> str:
    """'' when the logs span enough days to drop a scope on; else why not, for the message."""
    if logs_justify_removal(ctx.usage):
        return ""
    return f"; that is under the {MIN_LOG_DAYS} days it takes to drop a scope on, so keep it for now"


def check(ctx):
    if ctx.usage is None:
        return
    catalog = ctx.catalog
    short = too_short(ctx)
    for analysis in ctx.analyses:
        key = analysis.key
        window = None
        for scope in dict.fromkeys(analysis.valid):
            if not analysis.unused(scope, catalog):
                continue
            window = window or window_against_age(ctx, analysis)
            yield Problem(
                key,
                scope,
                {"key": label(key), "scope": scope, "calls": analysis.calls, "window": window + short},
                key.scope_location(scope),
                severity="info" if short else None,
            )
