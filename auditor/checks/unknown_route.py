"""unknown-route: calls that match no route of the chosen Appwrite version (counted).

Fails: `GET /v1/tablesdb/shop/tables/products/rowz`. Passes: `GET /v1/users`.
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
            yield Problem(analysis.key, None, {
                "key": label(analysis.key), "count": usage.unknown_route_calls,
                "version": ctx.catalog.version, "samples": "; ".join(usage.unknown_samples),
            }, analysis.key.location)
    for (project, key_id), usage in sorted(ctx.usage.by_key.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        if key_id not in ctx.defined_ids and usage.unknown_route_calls:
            yield Problem(None, None, {
                "key": key_id, "count": usage.unknown_route_calls,
                "version": ctx.catalog.version, "samples": "; ".join(usage.unknown_samples),
            }, None, key_id=key_id, project=project)
