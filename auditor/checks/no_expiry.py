"""no-expiry: an API key without an expiry date.

Fails: `expire: null`. Passes: `expire: 2027-06-30T00:00:00Z`, and function or
site keys from appwrite.json, which Appwrite mints per execution.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [users.read], expire: null}
    passes: {scopes: [users.read], expire: "2027-06-30T00:00:00Z"}
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "no-expiry"


def check(ctx):
    for analysis in ctx.analyses:
        key = analysis.key
        if key.expire is None and not key.expires_by_itself:
            yield Problem(key, None, {"key": label(key)}, key.location)
