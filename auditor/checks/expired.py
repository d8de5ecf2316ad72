"""expired: a key whose expiry date has passed.

Fails: `expire: 2026-09-30T00:00:00Z` after that day. Passes: a future date.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {expire: "2026-09-30T00:00:00Z"}
    passes: {expire: "2027-06-30T00:00:00Z"}
"""

from auditor.checks.context import DAY, expiry, label
from auditor.model import Problem

RULE_ID = "expired"


def has_expired(key, now_ts: float) -> bool:
    """Whether Appwrite refuses the key by now for its expiry (function and site keys are minted anew)."""
    expire = expiry(key.expire)
    return expire is not None and not key.expires_by_itself and expire <= now_ts


def check(ctx):
    for analysis in ctx.analyses:
        key = analysis.key
        if not has_expired(key, ctx.now_ts):
            continue
        expire = expiry(key.expire)
        used = f"; the logs still hold {analysis.calls} calls from it" if analysis.calls else ""
        yield Problem(
            key,
            None,
            {"key": label(key), "expire": key.expire[:10], "days": int((ctx.now_ts - expire) // DAY), "used": used},
            key.location,
        )
