"""implicit-scope: a scope every key holds anyway (health.read).

Fails: `scopes: [users.read, health.read]`. Passes: `scopes: [users.read]`.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [users.read, health.read]}
    passes: {scopes: [users.read]}
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "implicit-scope"


def check(ctx):
    for analysis in ctx.analyses:
        key = analysis.key
        for scope in dict.fromkeys(key.scopes):
            if scope in ctx.catalog.implicit and scope in ctx.catalog.key_scopes:
                yield Problem(key, scope, {"key": label(key), "scope": scope}, key.scope_location(scope))
