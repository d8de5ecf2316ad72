"""One small module per rule: a `RULE_ID` and a `check(ctx)` generator of problems.

A rule's text, severity and options live in `rules/<id>.yaml`; each module's
docstring gives an example that passes and one that fails, as prose and as `fails:`/`passes:` lines that
tests/unit/checks/test_docstring_examples.py audits.

Imports analysis, catalog, fix (each key's plan), loaders and rules (settings, exceptions); only
rules/engine.py, audit and the CLI import it.
"""

from auditor.checks import (
    cloud_only_scope,
    deprecated_scope,
    deprecated_twin,
    duplicate_scope,
    exception_expired,
    exception_invalid,
    expired,
    high_risk_grant,
    high_risk_scope,
    implicit_scope,
    ineffective_scope,
    long_expiry,
    missing_scope,
    never_used,
    no_expiry,
    over_privileged,
    policy_rule,
    secret_in_file,
    stale_key,
    stale_logs,
    unknown_key,
    unknown_key_burst,
    unknown_route,
    unknown_scope,
    unused_scope,
)
from auditor.policy import PREFIX

CHECKS = {
    module.RULE_ID: module.check
    for module in (
        secret_in_file,
        unknown_scope,
        cloud_only_scope,
        deprecated_scope,
        deprecated_twin,
        ineffective_scope,
        implicit_scope,
        duplicate_scope,
        high_risk_grant,
        high_risk_scope,
        over_privileged,
        unused_scope,
        missing_scope,
        never_used,
        unknown_key,
        unknown_key_burst,
        unknown_route,
        no_expiry,
        long_expiry,
        expired,
        stale_key,
        stale_logs,
        exception_invalid,
        exception_expired,
    )
}


def check_for(rule_id: str):
    """The check of a built-in rule, or the one generic check every `policy:` rule shares."""
    if rule_id.startswith(PREFIX):
        return policy_rule.check
    return CHECKS[rule_id]
