"""unknown-scope: a name that is not an API key scope of the chosen version.

Fails: `row.read` (did you mean rows.read?), `storage.read` (files.read or
buckets.read?), `keys.write` on 1.8 (a key scope from Appwrite 1.9 on), and at
severity info `global` and `graphql`, which every key holds anyway.
Passes: `rows.read`, and deprecated names such as `documents.read`, which
Appwrite still accepts (deprecated-scope reports those); Cloud-only names such
as `archives.read` in a self-hosted 2.x audit (cloud-only-scope reports those).

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [row.read]}
    fails: {scopes: [storage.read]}
    fails: {scopes: [keys.write], version: "1.8"}
    fails: {scopes: [global]}
    passes: {scopes: [rows.read]}
    passes: {scopes: [documents.read]}
    passes: {scopes: [archives.read], version: "2.4"}
"""

from auditor.catalog.scopes import did_you_mean, other_versions, suggestions
from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "unknown-scope"
IMPLICIT_SEVERITY = "info"  # Appwrite grants it to every key: listing it changes nothing


def _fix(scope: str, who: str, ctx, plan) -> str:
    """The proposal's verdict on the scope, in words (the planner decides: auditor/fix/plan.py)."""
    options = suggestions(scope, ctx.catalog)
    verdict = plan.verdict(scope)
    if verdict is not None and verdict[0] == "replace":
        return f"Replace {scope} with {verdict[1]} on {who}"
    if verdict is not None:
        meant = f"; if it meant {' or '.join(options)}, add that by hand" if options else ""
        return f"Remove {scope} from {who}: it grants nothing{meant}"
    if len(options) == 1 or options and ctx.catalog.renamed.get(options[1]) == options[0]:
        return f"Replace {scope} with {options[0]} on {who}"
    if options:
        return f"Replace {scope} on {who} with the scope it stands for: {' or '.join(options)}"
    if other_versions(scope, ctx.catalog):
        return (
            f"Remove {scope} from {who}, or give --appwrite-version the version the project runs "
            f"(this audit is of {ctx.catalog.version})"
        )
    return f"Remove {scope} from {who}"


def check(ctx):
    for analysis in ctx.analyses:
        key = analysis.key
        who = label(key)
        for scope in dict.fromkeys(key.scopes):
            if scope in ctx.catalog.key_scopes or scope in ctx.catalog.cloud_only:
                continue
            severity = None
            if scope in ctx.catalog.implicit:
                hint, fix, severity = "; every key holds it implicitly", f"Remove {scope} from {who}", IMPLICIT_SEVERITY
            else:
                hint = did_you_mean(scope, ctx.catalog)
                hint = f"; {hint}" if hint else ""
                fix = _fix(scope, who, ctx, ctx.plan_of(analysis))
            yield Problem(
                key,
                scope,
                {"key": who, "scope": scope, "version": ctx.catalog.version, "hint": hint, "fix": fix},
                key.scope_location(scope),
                severity=severity,
            )
