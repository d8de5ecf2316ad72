"""high-risk-scope: a scope in a dangerous category of the risk taxonomy.

Fails (1.9): `keys.write` (privilege escalation, critical: it mints any key),
`functions.write` (code execution, high). Passes: `rows.read` (data
exfiltration, medium: below the `minimum` option, high, yet counted in the
report's per-key risk summary), and `targets.read`, which opens no route in
1.9 (ineffective-scope reports it). A finding's severity is the scope's,
capped at the rule's own. A deprecated name beside its new name
(`documents.write` with `rows.write`) opens nothing more, so the pair is
reported once, under the new name.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [keys.write]}
    fails: {scopes: [functions.write]}
    passes: {scopes: [rows.read]}
    passes: {scopes: [targets.read]}
"""

from auditor.catalog.risk import opened_routes, scope_risk
from auditor.checks.context import label
from auditor.errors import InputError
from auditor.model import Problem
from auditor.rules.registry import SEVERITIES, severity_rank

RULE_ID = "high-risk-scope"


def check(ctx):
    minimum = ctx.rule.options["minimum"]
    if minimum not in SEVERITIES:
        raise InputError(f"config: option {RULE_ID}.minimum must be one of {', '.join(SEVERITIES)}")
    cap = severity_rank(ctx.rule.severity)
    for analysis in ctx.analyses:
        key = analysis.key
        for scope in dict.fromkeys(analysis.valid):
            if ctx.catalog.renamed.get(scope) in key.scopes:
                continue  # its twin carries the finding
            risk = scope_risk(scope)
            routes = opened_routes(ctx.catalog, scope)
            if risk is None or not routes or severity_rank(risk.severity) < severity_rank(minimum):
                continue
            severity = SEVERITIES[min(severity_rank(risk.severity), cap)]
            yield Problem(
                key,
                scope,
                {
                    "key": label(key),
                    "scope": scope,
                    "category": risk.category.title,
                    "reason": risk.reason,
                    "routes": len(routes),
                    "version": ctx.catalog.version,
                },
                key.scope_location(scope),
                severity=severity,
            )
