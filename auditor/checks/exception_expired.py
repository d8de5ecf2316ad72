"""exception-expired: an exception past its `expires`; it silences nothing any more.

Fails (judged on 2026-11-25): `{rule: no-expiry, key: k1, reason: ..., owner: ...,
expires: 2026-10-31}`; the no-expiry finding of k1 is reported again as well.
Passes: the same entry with `expires: 2027-01-31`, or `expires: 2026-11-25`
(a date silences through that day).
"""

from auditor.model import Problem

RULE_ID = "exception-expired"


def check(ctx):
    if ctx.exceptions is None:
        return
    for entry in ctx.exceptions.entries:
        if not entry.expired(ctx.now_ts):
            continue
        yield Problem(
            None,
            entry.scope,
            {
                "rule": entry.rule,
                "key": entry.key,
                "on": f" {entry.scope}" if entry.scope else "",
                "expires": entry.expires,
                "owner": entry.owner,
                "reason": entry.reason,
                "where": str(entry.location),
            },
            entry.location,
            key_id=entry.key,
            discriminator=entry.rule,
        )
