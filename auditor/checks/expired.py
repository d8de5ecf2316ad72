"""expired: a key whose expiry date has passed.

Fails: `expire: 2026-09-30T00:00:00Z` after that day. Passes: a future date.
"""

from auditor.checks.context import DAY, expiry, label
from auditor.model import Problem

RULE_ID = "expired"


def check(ctx):
    for analysis in ctx.analyses:
        key = analysis.key
        expire = expiry(key.expire)
        if expire is None or key.expires_by_itself or expire > ctx.now_ts:
            continue
        used = f"; the logs still hold {analysis.calls} calls from it" if analysis.calls else ""
        yield Problem(key, None, {"key": label(key), "expire": key.expire[:10],
                                  "days": int((ctx.now_ts - expire) // DAY), "used": used}, key.location)
