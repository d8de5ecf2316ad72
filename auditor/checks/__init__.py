"""One small module per rule: a `RULE_ID` and a `check(ctx)` generator of problems.

A rule's text, severity and options live in `rules/<id>.yaml`; each module's
docstring gives an example that passes and one that fails.
"""

from auditor.checks import (
    deprecated_scope,
    expired,
    implicit_scope,
    ineffective_scope,
    missing_scope,
    never_used,
    no_expiry,
    over_privileged,
    secret_in_file,
    stale_key,
    unknown_key,
    unknown_route,
    unknown_scope,
    unused_scope,
)

CHECKS = {
    module.RULE_ID: module.check
    for module in (
        secret_in_file,
        unknown_scope,
        deprecated_scope,
        ineffective_scope,
        implicit_scope,
        over_privileged,
        unused_scope,
        missing_scope,
        never_used,
        unknown_key,
        unknown_route,
        no_expiry,
        expired,
        stale_key,
    )
}
