"""exception-invalid: an exception entry keyaudit cannot honour; it silences nothing.

Fails: an entry without `reason` or `expires`, with an unknown rule, an
impossible date (2027-02-30), a key secret in it, or one that names
exception-expired/exception-invalid. Passes: `{rule: no-expiry, key: k1,
reason: ..., owner: ..., expires: 2027-01-31}`.
"""

from auditor.model import Problem

RULE_ID = "exception-invalid"


def check(ctx):
    if ctx.exceptions is None:
        return
    for entry in ctx.exceptions.invalid:
        yield Problem(
            None,
            None,
            {"problem": entry.problem, "where": str(entry.location)},
            entry.location,
            key_id=entry.key,
            discriminator=entry.digest,
        )
