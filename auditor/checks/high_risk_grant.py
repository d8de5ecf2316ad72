"""high-risk-grant: the proposed change adds a high-risk scope, with the calls that asked for it.

A proposal only adds a new privilege on proof (a call that succeeded) or when
the user asks to grant refused calls (`--grant-refused`); either way a reviewer
must see it before applying it. Fails: with --grant-refused, a key holding
`[rows.read]` whose logs show `POST /v1/project/keys` refused: the proposal adds
keys.write (it mints any key), so the finding names the calls, their times and
the key that made them. Passes: the same logs without --grant-refused (nothing
is added; missing-scope reports the refused calls); adding rows.write beside
the deprecated documents.write (a rename, no new privilege).
"""

from auditor.catalog.risk import scope_risk
from auditor.checks.context import label
from auditor.model import Problem
from auditor.rules.registry import severity_rank
from auditor.times import iso

RULE_ID = "high-risk-grant"


def check(ctx):
    minimum = severity_rank(ctx.rule.options["minimum"])
    for analysis in ctx.analyses:
        plan = ctx.plan_of(analysis)
        key = analysis.key
        for change in plan.changes:
            risk = scope_risk(change.scope)
            if change.action != "add" or change.rule != "missing-scope" or risk is None:
                continue
            if severity_rank(risk.severity) < minimum:
                continue
            asking = [need.usage for need in plan.grants if change.scope in need.any_of]
            calls = "; ".join(
                f"{u.count} × {u.route.method} {u.route.template} ({u.refused} refused, "
                f"{iso(u.first) or 'time unknown'} to {iso(u.last) or 'time unknown'})"
                for u in asking[:5]
            )
            yield Problem(
                key,
                change.scope,
                {
                    "key": label(key),
                    "scope": change.scope,
                    "category": risk.category.title,
                    "reason": risk.reason,
                    "calls": calls or "no call",
                },
                key.scope_location(change.scope),
                evidence=asking[0].first_location if asking else None,
            )
