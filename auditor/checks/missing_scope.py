"""missing-scope: a logged call the key cannot pass.

Fails: a key with `[users.read]` whose log shows `GET /v1/tablesdb/shop/tables/p/rows`
(needs rows.read or documents.read), or any call answered with error type
general_unauthorized_scope. Passes: the same call from a key holding rows.read.
A bare 401 without that error type is not enough.
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "missing-scope"


def check(ctx):
    if ctx.usage is None:
        return
    for analysis in ctx.analyses:
        key = analysis.key
        who = label(key)
        for missing in analysis.missing:
            route = missing.usage.route
            scopes = " or ".join(route.scopes)
            if missing.denied:
                reason = (f"were answered 401 general_unauthorized_scope ({missing.denied} of "
                          f"{missing.usage.count}); the route needs {scopes}")
            else:
                reason = f"need {scopes}, which {who} does not hold"
            if missing.add:
                fix = f"Add {missing.add} to {who}"
            else:
                fix = f"No API key scope passes {route.method} {route.template}; call it with a user session instead"
            yield Problem(key, missing.add, {
                "key": who, "count": missing.usage.count, "method": route.method, "route": route.template,
                "reason": reason, "fix": fix,
            }, key.location, evidence=missing.usage.first_location)
