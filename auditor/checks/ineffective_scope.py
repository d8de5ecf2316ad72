"""ineffective-scope: a valid key scope that gates no route of this version.

Fails (1.8): `columns.read`, `indexes.write` (column and index routes check
tables.*/collections.*). Passes (1.9): `columns.read`, which column routes list;
on 2.x and Cloud, `vcs.read`: their route tables come from a server spec that
lacks console routes, so no scope is called ineffective there. Renamed scopes
are left to deprecated-scope.

Examples (tests/unit/checks/test_docstring_examples.py audits each):

    fails: {scopes: [columns.read], version: "1.8"}
    passes: {scopes: [columns.read], version: "1.9"}
"""

from auditor.checks.context import label
from auditor.model import Problem

RULE_ID = "ineffective-scope"


def check(ctx):
    catalog = ctx.catalog
    if not catalog.routes_complete:
        return  # 2.x route tables come from a server spec: a scope that opens none of its routes may open others
    for analysis in ctx.analyses:
        key = analysis.key
        for scope in dict.fromkeys(key.scopes):
            if (
                scope in catalog.key_scopes
                and scope not in catalog.gating_scopes
                and scope not in catalog.implicit
                and scope not in catalog.renamed
            ):
                yield Problem(
                    key,
                    scope,
                    {"key": label(key), "scope": scope, "version": catalog.version},
                    key.scope_location(scope),
                )
