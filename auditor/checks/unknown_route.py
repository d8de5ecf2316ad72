"""unknown-route: calls that match no route of the chosen Appwrite version (counted).

Fails: `GET /v1/tablesdb/shop/tables/products/rowz`. Passes: `GET /v1/users`.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [rows.read], calls: ["GET /v1/tablesdb/shop/tables/products/rowz"]}
    passes: {scopes: [users.read], calls: ["GET /v1/users"]}
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "unknown-route"


def check(ctx):
    if ctx.usage is None:
        return
    for analysis in ctx.analyses:
        usage = analysis.usage
        if usage and usage.unknown_route_calls:
            yield Problem(
                analysis.key,
                None,
                {
                    "key": label(analysis.key),
                    "count": usage.unknown_route_calls,
                    "version": ctx.catalog.version,
                    "samples": "; ".join(usage.unknown_samples),
                },
                analysis.key.location,
            )
    for usage, _ in sorted(ctx.usage.unknown_keys(), key=lambda item: (item[0].project or "", item[0].key)):
        if usage.unknown_route_calls:
            yield Problem(
                None,
                None,
                {
                    "key": usage.key,
                    "count": usage.unknown_route_calls,
                    "version": ctx.catalog.version,
                    "samples": "; ".join(usage.unknown_samples),
                },
                None,
                key_id=usage.key,
                project=usage.project,
            )
