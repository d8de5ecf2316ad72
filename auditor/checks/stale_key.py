"""stale-key: a key Appwrite says nobody used for more than N days (option `days`, 90).

Fails: `accessedAt: 2025-06-01T…` in November 2026, or no accessedAt on a key
created more than N days ago. Passes: accessedAt yesterday. Needs no logs.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [users.read], accessedAt: "2025-06-01T00:00:00.000+00:00"}
    passes: {scopes: [users.read], accessedAt: "2026-11-24T00:00:00.000+00:00"}
"""

from auditor.checks.context import DAY, label, timestamp
from auditor.model import Problem

RULE_ID = "stale-key"


def check(ctx):
    threshold = ctx.rule.options["days"]
    for analysis in ctx.analyses:
        key = analysis.key
        if key.expires_by_itself:
            continue
        accessed = timestamp(key.accessed_at)
        created = timestamp(key.created_at)
        if accessed is not None:
            since, shown = accessed, f"on {key.accessed_at[:10]}"
        elif key.tracks_access and created is not None:
            since, shown = created, f"never: created on {key.created_at[:10]}"
        else:
            continue
        days = (ctx.now_ts - since) / DAY
        if days > threshold:
            yield Problem(
                key,
                None,
                {"key": label(key), "accessed": shown, "days": int(days), "threshold": threshold},
                key.location,
            )
