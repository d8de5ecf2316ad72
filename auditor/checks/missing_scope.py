"""missing-scope: a logged call the key cannot pass.

Fails: a key with `[users.read]` whose log shows `GET /v1/tablesdb/shop/tables/p/rows`
(needs rows.read or documents.read), whether Appwrite answered it with error
type general_unauthorized_scope or not. Passes: the same call from a key whose
definition holds rows.read (a refused call is then answered: the scope was added).
A bare 401 without that error type is not enough. A refused call shows what was
*asked*, not what the key's job needs (a leaked key probing `POST /v1/project/keys`
looks the same), so its fix says to grant only if the job needs it, and no
proposal adds the scope unless asked (`--grant-refused`); a call that succeeded
although the definition lacks the scope means the definition lags the real key.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [users.read], calls: ["GET /v1/tablesdb/shop/tables/p/rows"]}
    fails: {scopes: [users.read], calls: ["GET /v1/tablesdb/shop/tables/p/rows 401 general_unauthorized_scope"]}
    passes: {scopes: [rows.read], calls: ["GET /v1/tablesdb/shop/tables/p/rows"]}
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
                reason = (
                    f"{_some(missing.denied, missing.usage.count)} answered 401 general_unauthorized_scope; "
                    f"the route needs {scopes}"
                )
            elif missing.refused:
                reason = (
                    f"{_some(missing.refused, missing.usage.count)} refused (answered 401); the route needs "
                    f"{scopes}, which {who} does not hold"
                )
            else:
                reason = f"need {scopes}, which {who} does not hold"
            if missing.add and missing.refused and not missing.proven:
                fix = (
                    f"If {who}'s job needs these calls, add {missing.add} (keyaudit fix --grant-refused --logs "
                    "with these logs); if not, they may come from someone else holding the key: find who made them"
                )
            elif missing.add and missing.proven:
                fix = (
                    f"Add {missing.add} to {who}'s definition: the calls succeeded, so the key in Appwrite holds "
                    "more than this definition says"
                )
            elif missing.add:
                fix = (
                    f"Check whether {who} needs {missing.add}: the logs do not say whether Appwrite let these "
                    "calls through"
                )
            else:
                fix = f"No API key scope passes {route.method} {route.template}; call it with a user session instead"
            yield Problem(
                key,
                missing.add,
                {
                    "key": who,
                    "count": missing.usage.count,
                    "method": route.method,
                    "route": route.template,
                    "reason": reason,
                    "fix": fix,
                },
                key.location,
                evidence=missing.usage.first_location,
            )


def _some(part: int, calls: int) -> str:
    """How many of the calls the message counts: all of them, or a share it names."""
    return "were" if part == calls else f"include {part}"
