"""long-expiry: an API key whose expiry date lies beyond a horizon (option `days`, 365 from now).

A date no one will live to see (`expire: 9999-12-31`) is no expiry: the key
works forever as surely as with `expire: null`, which no-expiry reports.
Fails (judged on 2026-11-25): `expire: 9999-12-31T00:00:00Z`, or
`2028-01-31T00:00:00Z`. Passes: `expire: 2027-06-30T00:00:00Z`, and function or
site keys, which Appwrite mints per execution.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {expire: "9999-12-31T00:00:00Z"}
    fails: {expire: "2028-01-31T00:00:00Z"}
    passes: {expire: "2027-06-30T00:00:00Z"}
"""

import math

from auditor.checks.context import DAY, expiry, label
from auditor.model import Problem

RULE_ID = "long-expiry"


def check(ctx):
    horizon = ctx.rule.options["days"]
    for analysis in ctx.analyses:
        key = analysis.key
        expire = expiry(key.expire)  # math.inf: past the years keyaudit formats
        if expire is None or key.expires_by_itself or expire <= ctx.now_ts + horizon * DAY:
            continue
        days = "more than 2 500 000" if math.isinf(expire) else int((expire - ctx.now_ts) // DAY)
        yield Problem(
            key, None, {"key": label(key), "expire": key.expire[:10], "days": days, "horizon": horizon}, key.location
        )
