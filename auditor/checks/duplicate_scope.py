"""duplicate-scope: a key's scope list names the same scope more than once.

Fails: `scopes: [users.read, rows.read, users.read]`. Passes: `scopes: [users.read, rows.read]`.
A repeat grants nothing more; it makes the list longer to review and hides what a change to it does. The fix
(the planner's, auditor/fix/plan.py) removes every repeat and keeps the first entry where it is, so
`keyaudit fix` writes the list without them. A scope the plan removes or replaces anyway (health.read, a
misspelling) is left to that finding: its repeats go with it.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [users.read, rows.read, users.read]}
    passes: {scopes: [users.read, rows.read]}
"""

from collections import Counter

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "duplicate-scope"


def check(ctx):
    for analysis in ctx.analyses:
        key = analysis.key
        plan = ctx.plan_of(analysis)
        for scope, count in Counter(key.scopes).items():
            verdict = plan.verdict(scope)
            if count > 1 and (verdict is None or verdict[0] == "beside"):  # the scope stays; its repeats go
                params = {"key": label(key), "scope": scope, "count": count}
                yield Problem(key, scope, params, key.scope_location(scope))
