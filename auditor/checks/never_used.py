"""never-used: a defined key that made no call in the logs.

Fails: a key whose id appears in no log record. Passes: a key with one call.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [users.read], calls: []}
    passes: {scopes: [users.read], calls: ["GET /v1/users"]}
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "never-used"


def check(ctx):
    if ctx.usage is None:
        return
    for analysis in ctx.analyses:
        if analysis.calls == 0:
            key = analysis.key
            yield Problem(key, None, {"key": label(key), "window": ctx.window()}, key.location)
